"""Files made for one user to download: drafts (DOCX, Markdown), exported answers and
evaluation reports handed out by the UI, and the API's ``/api/files/{id}``.

Each file lives in ``<home>/downloads/<owner>/<id>/<name>`` beside a small record
(``<id>.json``: owner, name, media type, time); ``<owner>`` is a hash of the user's name,
``<id>`` 128 random bits. Only the user who made a file gets it back: anyone else is told
there is no such file (HTTP 404), the same answer as for an id that never existed.
Files older than :data:`KEEP_HOURS` are removed when the next one is made.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from core.access import Reader

from core.errors import NotFoundError

KEEP_HOURS = 24
_ID = re.compile(r"[0-9a-f]{32}")
MEDIA_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               ".md": "text/markdown; charset=utf-8", ".html": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class Download:
    id: str
    owner: str
    name: str
    path: Path
    created: float

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.path.suffix.lower(), "application/octet-stream")

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "url": f"/api/files/{self.id}", "media_type": self.media_type,
                "size": self.path.stat().st_size, "expires_in_hours": KEEP_HOURS}


def _owner_dir(owner: str) -> str:
    return hashlib.sha256(owner.encode("utf-8")).hexdigest()[:24]


class Downloads:
    def __init__(self, root: Path):
        self.root = root

    def new_path(self, reader: Reader, name: str) -> Path:
        """Where to write a new file ``name`` for ``reader`` (its folder is made; the file
        becomes a download once :meth:`add` records it)."""
        self._expire()
        file_id = secrets.token_hex(16)
        folder = self.root / _owner_dir(reader.name) / file_id
        folder.mkdir(parents=True, mode=0o700)
        return folder / _safe_name(name)

    def add(self, reader: Reader, path: Path) -> Download:
        """Record a file written at a :meth:`new_path` as ``reader``'s download."""
        folder = path.parent
        if folder.parent != self.root / _owner_dir(reader.name) or not _ID.fullmatch(folder.name):
            raise ValueError(f"not a download path: {path}")
        record = {"owner": reader.name, "name": path.name, "created": time.time()}
        (folder.parent / f"{folder.name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        return Download(folder.name, reader.name, path.name, path, record["created"])

    def write(self, reader: Reader, name: str, content: str | bytes) -> Download:
        path = self.new_path(reader, name)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return self.add(reader, path)

    def get(self, reader: Reader, file_id: str) -> Download:
        """``reader``'s download ``file_id``; NotFoundError for anyone else's or none."""
        missing = NotFoundError(f"没有这个文件，或文件已过期（{KEEP_HOURS} 小时后删除）：{file_id}")
        if not _ID.fullmatch(file_id or ""):
            raise missing
        folder = self.root / _owner_dir(reader.name)
        try:
            record = json.loads((folder / f"{file_id}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise missing from None
        path = folder / file_id / record.get("name", "")
        if record.get("owner") != reader.name or not path.is_file():
            raise missing
        return Download(file_id, reader.name, path.name, path, float(record.get("created", 0)))

    def owner_of(self, path: Path) -> str | None:
        """The owner of a file under a download folder (None for any other path)."""
        try:
            rel = path.resolve().relative_to(self.root.resolve())
        except (OSError, ValueError):
            return None
        if len(rel.parts) < 3 or not _ID.fullmatch(rel.parts[1]):
            return None
        try:
            record = json.loads((self.root / rel.parts[0] / f"{rel.parts[1]}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ""  # a file being written, or a broken record: nobody's
        return record.get("owner") or ""

    def _expire(self) -> None:
        if not self.root.is_dir():
            return
        cutoff = time.time() - KEEP_HOURS * 3600
        for record in self.root.glob("*/*.json"):
            try:
                if record.stat().st_mtime < cutoff:
                    shutil.rmtree(record.with_suffix(""), ignore_errors=True)
                    record.unlink(missing_ok=True)
            except OSError:
                continue


def _safe_name(name: str) -> str:
    name = re.sub(r'[\x00-\x1f/\\:*?"<>|]', "_", name).strip(" .") or "文件"
    return name[:80]


class GradioFileGate:
    """ASGI middleware for the Gradio UI's file route. Gradio serves a file by its path
    (``/gradio_api/file=<path>``) to anyone signed in, and the download folder is one of
    its static paths (so it serves those files in place rather than copying them into its
    cache, where no owner is known): for a path under that folder only its owner gets the
    file; anyone else, or nobody signed in, gets 404."""

    PREFIXES = ("/gradio_api/file=", "/gradio_api/file/", "/file=", "/file/")

    def __init__(self, app, state, user_of):
        self.app = app
        self.state = state
        self.user_of = user_of  # request -> the Gradio user's name, or None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            prefix = next((p for p in self.PREFIXES if path.startswith(p)), None)
            owner = self.state.downloads.owner_of(Path(path[len(prefix):])) if prefix else None
            if owner is not None and owner != self._reader_name(scope):
                from starlette.responses import JSONResponse

                from .api import error_body

                response = JSONResponse(error_body("没有这个文件，或文件已过期", NotFoundError.__name__),
                                        status_code=NotFoundError.http_status)
                return await response(scope, receive, send)
        return await self.app(scope, receive, send)

    def _reader_name(self, scope) -> str | None:
        from starlette.requests import Request

        from core.errors import ScenarioError

        try:
            return self.state.reader_for_name(self.user_of(Request(scope))).name
        except ScenarioError:
            return None
