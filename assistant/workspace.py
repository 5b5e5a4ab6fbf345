"""The workspace a server shares between its doors (web UI, REST API, OpenAI and Dify
endpoints, MCP): one assistant, the accounts, and the documents users upload, delete or
re-ingest. Every method takes the signed-in reader, so access rules and roles hold the
same way whichever door a request comes through."""
from __future__ import annotations

import threading
import unicodedata
import uuid
from pathlib import Path

from core.access import LOCAL, Reader, check_label
from core.chunk_meta import BUILTIN
from core.errors import NotFoundError, ScenarioError
from core.settings import Settings
from ingest.loaders import OCR_MODES, SUPPORTED_SUFFIXES

from .service import Assistant
from .users import AuthError, ForbiddenError, UserStore

MAX_NAME_CHARS = 120


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


class Workspace:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.assistant = Assistant(settings)
        self.users = UserStore(settings.home)
        self.uploads = settings.home / "uploads"
        self._write = threading.Lock()  # one ingest at a time in this process: queue, not refuse

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
