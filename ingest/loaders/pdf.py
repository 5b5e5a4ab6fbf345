"""PDF: text layer per page."""
from __future__ import annotations

from assistant.errors import IngestError

from .base import Loaded, LoadOptions, Page

def load_pdf(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError(name, "不是有效的 PDF 文件（缺少 PDF 文件头）")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    import io

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(name, "PDF 已加密，需要密码才能读取")
            except (FileNotDecryptedError, NotImplementedError):
                raise IngestError(name, "PDF 已加密，需要密码才能读取") from None
        pages = []
        for i, page in enumerate(reader.pages, start=1):
            try:
                pages.append(Page(i, page.extract_text() or ""))
            except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on bad pages
                raise IngestError(name, f"无法解析 PDF：第 {i} 页已损坏（{type(e).__name__}）") from None
        title = None
        try:
            if reader.metadata and reader.metadata.title:
                title = str(reader.metadata.title)
        except Exception:  # noqa: BLE001 - damaged info dictionaries are common
            title = None
    except IngestError:
        raise
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, OSError) as e:
        raise IngestError(name, f"无法解析 PDF：文件已损坏（{type(e).__name__}）") from None
    if not pages:
        raise IngestError(name, "PDF 中没有页面")
    from ..ocr import ocr_pdf_pages  # pages without a text layer, per options.ocr

    pages, warnings = ocr_pdf_pages(data, pages, options, name)
    return Loaded(pages, title, {"pages": len(pages)}, warnings)
