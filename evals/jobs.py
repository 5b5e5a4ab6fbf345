"""Evaluation runs started from a server: datasets kept in the home, runs in the
background with their progress, results, reports and comparisons. ``EvalWorkspace`` is the
server's workspace with these added; only admins start runs."""
from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from assistant.workspace import Workspace
from core.access import LOCAL, Reader
from core.errors import NotFoundError, ScenarioError
from core.settings import MODES, PROJECT_ROOT, Settings


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


class EvalWorkspace(Workspace):
    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.runs_dir = settings.home / "eval-runs"
        self.datasets_dir = settings.home / "eval-datasets"
        self._jobs: dict[str, EvalJob] = {}
        self._jobs_lock = threading.Lock()

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
        from .runner import RunConfig, run, write_run

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
