"""Turn a file into pages of text, one module per format.

Each loader keeps what structure it can see (headings become ``#`` lines, table rows
become tab-separated lines) so that the structure pass treats every format alike; a
format with pages keeps their numbers. Every loader's text goes through
:func:`ingest.normalize.normalize_text` here, once, so no format can skip it.

A loader is ``load(data, name, options) -> Loaded`` and raises :class:`IngestError`
with a Chinese reason; :data:`LOADERS` maps suffixes to loaders.
"""
from __future__ import annotations

from pathlib import Path

from core.errors import IngestError

from .base import OCR_MODES, LoadedDocument, Loaded, LoadOptions, Page, file_hash, guess_title, too_large
from .registry import LOADERS, SUPPORTED_SUFFIXES

MAX_FILE_BYTES = 200 * 1024 * 1024

__all__ = ["LOADERS", "OCR_MODES", "SUPPORTED_SUFFIXES", "LoadOptions", "LoadedDocument", "Loaded", "Page",
           "file_hash", "load_document", "unsupported_reason"]


def unsupported_reason(suffix: str) -> str:
    return f"不支持的文件类型「{suffix or '无扩展名'}」，支持：{' '.join(SUPPORTED_SUFFIXES)}"


def load_document(path: Path, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES,
                  options: LoadOptions | None = None) -> LoadedDocument:
    """Load one file (``data``: its bytes, when the caller already read them); raise
    :class:`IngestError` naming the file and the reason."""
    from ..normalize import normalize_text

    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in LOADERS:
        raise IngestError(name, unsupported_reason(suffix))
    try:
        if data is None and path.is_file() and path.stat().st_size > max_bytes:
            raise IngestError(name, too_large(path.stat().st_size, max_bytes))
        data = path.read_bytes() if data is None else data
    except FileNotFoundError:
        raise IngestError(name, "文件不存在") from None
    except IsADirectoryError:
        raise IngestError(name, "这是一个文件夹，不是文件") from None
    except PermissionError:
        raise IngestError(name, "无法读取文件：没有读取权限") from None
    except OSError as e:
        raise IngestError(name, f"无法读取文件：{e.strerror or e}") from None
    if not data.strip():
        raise IngestError(name, "文件为空")
    if len(data) > max_bytes:
        raise IngestError(name, too_large(len(data), max_bytes))
    loaded = LOADERS[suffix](data, name, options or LoadOptions())
    pages = [Page(p.number, normalize_text(p.text), p.ocr_confidence) for p in loaded.pages]
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "文件中没有可提取的文字")
    title = normalize_text(loaded.title or "") or guess_title(pages) or path.stem
    return LoadedDocument(path=path, name=name, title=title.strip(), pages=pages,
                          file_hash=file_hash(data), meta=loaded.meta, warnings=list(loaded.warnings))
