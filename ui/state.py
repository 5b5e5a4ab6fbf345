"""What the UI and the API share: one assistant per server, the accounts, uploads and
background evaluation runs. Both edges call these methods with the signed-in reader, so
access rules and roles hold the same way whichever door a request comes through."""
from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core.access import LOCAL, Reader, check_label
from core.errors import ScenarioError
from assistant.service import Assistant
from core.settings import PROJECT_ROOT, MODES, Settings
from assistant.users import AuthError, ForbiddenError, UserStore
from ingest.chunk_meta import BUILTIN
from ingest.loaders import OCR_MODES, SUPPORTED_SUFFIXES

MAX_NAME_CHARS = 120


class NotFoundError(ScenarioError):
    """No such document, job or file (HTTP 404)."""

    http_status = 404


def safe_upload_name(name: str) -> str:
    """The document name an upload is stored under, or a Chinese error: no folders, no
    control characters, a supported extension, at most 120 characters."""
    raw = name or ""
    if "\0" in raw or any(unicodedata.category(c) == "Cc" for c in raw):
        raise ScenarioError(f"文件名含有控制字符，已拒绝：{raw!r}")
    if "/" in raw or "\\" in raw or raw.startswith("~"):
        raise ScenarioError(f"文件名不能包含路径（/ 或 \\）：{raw}")
    base = unicodedata.normalize("NFC", raw).strip()
    if base in ("", ".", "..") or base.startswith("."):
        raise ScenarioError(f"文件名无效：{raw!r}")
    if len(base) > MAX_NAME_CHARS:
        raise ScenarioError(f"文件名过长（{len(base)} 个字符，最多 {MAX_NAME_CHARS}）：{base[:30]}…")
    suffix = Path(base).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise ScenarioError(f"{base}：不支持的文件类型 {suffix or '（无扩展名）'}，"
                            f"支持 {'、'.join(sorted(SUPPORTED_SUFFIXES))}")
    return base


@dataclass
class EvalJob:
    id: str
    dataset: str
    modes: tuple[str, ...]
    user: str
    status: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    error: str = ""
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    summary: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"id": self.id, "dataset": self.dataset, "modes": list(self.modes), "user": self.user,
                "status": self.status, "done": self.done, "total": self.total, "error": self.error,
                "created_at": self.created_at, "metrics": self.summary}


class ServerState:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.assistant = Assistant(settings)
        self.users = UserStore(settings.home)
        self.uploads = settings.home / "uploads"
        self.runs_dir = settings.home / "eval-runs"
        self.datasets_dir = settings.home / "eval-datasets"
        from .downloads import Downloads

        self.downloads = Downloads(settings.home / "downloads")  # each user's own files to download
        self._write = threading.Lock()  # one ingest at a time in this process: queue, not refuse
        self._jobs: dict[str, EvalJob] = {}
        self._jobs_lock = threading.Lock()

    # --- who is asking -----------------------------------------------------------------
    @property
    def open_mode(self) -> bool:
        """No accounts: the server is for the one person on this machine."""
        return not self.users.any()

    def reader_for_token(self, token: str | None) -> Reader:
        if self.open_mode:
            return LOCAL
        if not token:
            raise AuthError("需要登录：请在请求头中提供 Authorization: Bearer <令牌>（POST /api/token 获取）")
        return self.users.by_token(token).reader()

    def reader_for_name(self, name: str | None) -> Reader:
        if self.open_mode:
            return LOCAL
        user = self.users.get(name or "")
        if user is None:
            raise AuthError("需要登录")
        return user.reader()

    @staticmethod
    def require(reader: Reader, action: str) -> None:
        if not reader.can(action):
            what = {"write": "上传或删除文档需要编辑者或管理员角色", "admin": "此操作需要管理员角色"}[action]
            raise ForbiddenError(f"权限不足：{what}（当前用户 {reader.name}，角色 {reader.role}）")

    def for_reader(self, reader: Reader) -> Assistant:
        return self.assistant.scoped(reader)

    # --- knowledge base ------------------------------------------------------------------
    def upload(self, reader: Reader, files: list[tuple[str, bytes]], access: str = "公开",
               on_file=None, ocr: str = "auto") -> dict:
        """Store and ingest uploaded files. A bad name or file is reported with its name
        and reason; the others go on."""
        self.require(reader, "write")
        label = check_label(access)
        if not reader.may_read(label):
            raise ForbiddenError(f"不能把文档设为你不在其中的组：{label}")
        if ocr not in OCR_MODES:
            raise ScenarioError(f"OCR 方式只能是 {'、'.join(OCR_MODES)}，收到「{ocr}」")
        self.uploads.mkdir(parents=True, exist_ok=True)
        states = self.assistant.index.store.doc_states()
        rejected, paths = [], []
        for raw_name, data in files:
            try:
                name = safe_upload_name(raw_name)
                st = states.get(name)
                if st is not None and not reader.may_see(st.access):
                    raise ScenarioError(f"{name}：已有同名文档且你无权访问，请改名后上传")
                if st is not None and st.origin == BUILTIN:
                    raise ScenarioError(f"{name}：与内置知识库的文件同名，请改名后上传")
            except ScenarioError as e:
                rejected.append({"path": raw_name, "source": raw_name, "status": "failed",
                                 "chunks": 0, "reason": e.message})
                continue
            path = self.uploads / name
            tmp = path.with_name(f".{uuid.uuid4().hex}.part")
            tmp.write_bytes(data)
            paths.append((tmp, path))
        with self._write:
            for tmp, path in paths:
                tmp.replace(path)
            report = self.assistant.ingest([p for _, p in paths], progress=False, access=label,
                                           on_file=on_file, ocr=ocr) if paths else None
        out = report.to_dict() if report else {"files": [], "added": 0, "updated": 0, "unchanged": 0,
                                                "failed": 0, "skipped": 0, "total_chunks": self.assistant.index.store.count()}
        out["files"] = rejected + out["files"]
        out["failed"] += len(rejected)
        return out

    def delete(self, reader: Reader, name: str) -> int:
        self.require(reader, "write")
        with self._write:
            removed = self.for_reader(reader).remove([name]).get(name, 0)
        if not removed:
            raise NotFoundError(f"未找到文档：{name}")
        upload = self.uploads / name
        if upload.parent == self.uploads and upload.is_file():
            upload.unlink()
        return removed

    def reingest(self, reader: Reader, name: str, access: str | None = None) -> dict:
        """Process a document again from its stored file (after a pipeline change, or to
        change its access label)."""
        self.require(reader, "write")
        view = self.for_reader(reader)
        doc = next((d for d in view.documents() if d["doc"] == name), None)
        if doc is None:
            raise NotFoundError(f"未找到文档：{name}")
        meta = self.assistant.index.store.source_meta(name)
        path = Path(meta.get("path", "")) if meta is not None else None
        if not path or not path.is_file():
            raise ScenarioError(f"{name}：找不到原始文件，无法重新导入，请重新上传")
        label = check_label(access or doc["access"])
        if not reader.may_read(label):
            raise ForbiddenError(f"不能把文档设为你不在其中的组：{label}")
        with self._write:
            report = self.assistant.ingest([path], progress=False, access=label, names={path: name}, force=True)
        return report.to_dict()

    # --- evaluation runs --------------------------------------------------------------------
    def _dataset_files(self) -> dict[str, Path]:
        found = {}
        for folder in (PROJECT_ROOT / "evals" / "datasets", self.datasets_dir):
            if folder.is_dir():
                for p in sorted(folder.glob("*.jsonl")):
                    found[p.name] = p
        return found

    def datasets(self) -> dict[str, Path]:
        """The evaluation sets on offer: other JSONL beside them (support_calibration.jsonl)
        is not one and would fail half-way through a run."""
        from evals.dataset import validate_dataset

        return {name: p for name, p in self._dataset_files().items() if not validate_dataset(p)}

    def add_dataset(self, reader: Reader, name: str, data: bytes) -> str:
        from evals.dataset import validate_dataset

        self.require(reader, "admin")
        name = Path(name or "").name
        if not name.endswith(".jsonl") or not re.fullmatch(r"[\w\u4e00-\u9fff.\-]{1,80}", name):
            raise ScenarioError(f"评测集文件名应为 名称.jsonl：{name!r}")
        self.datasets_dir.mkdir(parents=True, exist_ok=True)
        path = self.datasets_dir / name
        tmp = path.with_suffix(".part")
        tmp.write_bytes(data)
        try:
            problems = validate_dataset(tmp)
        except (UnicodeDecodeError, AttributeError, TypeError) as e:  # not UTF-8, or odd JSON shapes
            problems = [f"无法读取（{type(e).__name__}）"]
        if problems:
            tmp.unlink()
            more = f"（另有 {len(problems) - 1} 处问题）" if len(problems) > 1 else ""
            raise ScenarioError(f"评测集格式有误：{problems[0]}{more}")
        tmp.replace(path)
        return name

    def start_eval(self, reader: Reader, dataset: str, modes: list[str]) -> EvalJob:
        self.require(reader, "admin")
        path = self._dataset_files().get(dataset)
        if path is None:
            raise NotFoundError(f"没有这个评测集：{dataset}")
        from evals.dataset import validate_dataset

        problems = validate_dataset(path)
        if problems:
            raise ScenarioError(f"{dataset} 不是有效的评测集：{problems[0]}")
        modes = tuple(m for m in modes if m)
        bad = [m for m in modes if m not in MODES]
        if bad or not modes:
            raise ScenarioError(f"检索方式无效：{', '.join(bad) or '（空）'}，应为 {', '.join(MODES)}")
        job = EvalJob(datetime.now().strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:4], dataset, modes, reader.name)
        with self._jobs_lock:
            self._jobs[job.id] = job
        threading.Thread(target=self._run_eval, args=(job, path), daemon=True, name=f"eval-{job.id}").start()
        return job

    def _run_eval(self, job: EvalJob, path: Path) -> None:
        from evals.runner import RunConfig, run, write_run

        job.status = "running"
        try:
            def progress(done, total):
                job.done, job.total = done, total

            results = run(RunConfig(path, job.modes, "extractive", None, False, self.settings),
                          progress=False, assistant=self.assistant, on_progress=progress)
            results["user"] = job.user
            write_run(results, self.runs_dir / job.id)
            job.summary = {m: agg["overall"] for m, agg in results["metrics"].items()}
            job.status = "done"
            # a small summary beside the full results, so listing runs never reads every item
            (self.runs_dir / job.id / "summary.json").write_text(
                json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
        except Exception as e:  # noqa: BLE001 - reported to the user in the job status
            job.status, job.error = "failed", getattr(e, "message", None) or f"{type(e).__name__}: {e}"

    def job(self, run_id: str) -> dict:
        with self._jobs_lock:
            job = self._jobs.get(run_id)
        if job is not None and job.status != "done":
            return job.to_dict()
        summary = self.run_dir(run_id) / "summary.json"
        if summary.is_file():
            return json.loads(summary.read_text(encoding="utf-8"))
        results = self.load_run(run_id)  # a run written by `scenario eval` into this folder
        return {"id": run_id, "dataset": Path(results["dataset"]).name, "modes": results["modes"],
                "user": results.get("user", ""), "status": "done", "done": len(results["items"]),
                "total": len(results["items"]), "error": "", "created_at": results["created_at"],
                "metrics": {m: agg["overall"] for m, agg in results["metrics"].items()}}

    def runs(self) -> list[dict]:
        ids = set()
        if self.runs_dir.is_dir():
            ids |= {p.name for p in self.runs_dir.iterdir() if (p / "results.json").is_file()}
        with self._jobs_lock:
            ids |= set(self._jobs)
        out = []
        for run_id in sorted(ids, reverse=True):
            try:
                out.append(self.job(run_id))
            except ScenarioError:
                continue
        return out

    def run_dir(self, run_id: str) -> Path:
        """A run's folder; an id that is not a plain name (no path tricks) is not found."""
        if not re.fullmatch(r"[\w\-]{1,80}", run_id or ""):
            raise NotFoundError(f"没有这次评测：{run_id}")
        return self.runs_dir / run_id

    def load_run(self, run_id: str) -> dict:
        path = self.run_dir(run_id) / "results.json"
        if not path.is_file():
            raise NotFoundError(f"没有这次评测：{run_id}")
        return json.loads(path.read_text(encoding="utf-8"))

    # An evaluation runs over every document (an admin starts it, and admins read every
    # label), so its answers and passages may quote restricted documents: the full report
    # is for admins, and others see a comparison's numbers and questions, not its answers.
    def report(self, reader: Reader, run_id: str) -> Path:
        """The HTML report of a run (admins only)."""
        self.require(reader, "admin")
        path = self.run_dir(run_id) / "report.html"
        if not path.is_file():
            raise NotFoundError(f"没有这次评测的报告：{run_id}")
        return path

    def compare(self, a: str, b: str, reader: Reader = LOCAL) -> dict:
        from evals.compare import compare

        result = compare(self.load_run(a), self.load_run(b))
        if not reader.can("admin"):
            for w in result["worse"]:
                w["before"] = w["after"] = "（回答仅管理员可见）"
        return result

    def wait_idle(self, timeout: float = 60) -> None:
        """For tests and shutdown: wait until no evaluation is running."""
        end = time.time() + timeout
        while time.time() < end and any(j.status in ("queued", "running") for j in self._jobs.values()):
            time.sleep(0.1)
