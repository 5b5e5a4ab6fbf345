"""PDF: the text layer of each page, read with its geometry by :mod:`ingest.pdf_layout`
(running headers, footers and page numbers removed, table columns as tabs); page
numbers are kept for citations."""
from __future__ import annotations

import re

from core.errors import IngestError

from ..pdf_layout import PDFIUM_LOCK, page_lines, strip_furniture
from .base import Loaded, LoadOptions, Page

# a document title that is really a file name or an address (browsers print the URL)
_NOT_A_TITLE = re.compile(r"(?:\.\w{2,5}|^\w+://.*|^[\w\-. ]+)$", re.A)


def load_pdf(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError(name, "不是有效的 PDF 文件（缺少 PDF 文件头）")
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            if "password" in str(e).lower():
                raise IngestError(name, "PDF 已加密，需要密码才能读取") from None
            raise IngestError(name, f"无法解析 PDF：文件已损坏（{_pdfium_reason(e)}）") from None
        try:
            if len(document) == 0:
                raise IngestError(name, "PDF 中没有页面")
            laid_out = []
            for i in range(len(document)):
                try:
                    laid_out.append(page_lines(document[i], i + 1))
                except pdfium.PdfiumError as e:
                    raise IngestError(name, f"无法解析 PDF：第 {i + 1} 页已损坏（{_pdfium_reason(e)}）") from None
            texts = strip_furniture(laid_out)
            pages = [Page(p.number, text) for p, text in zip(laid_out, texts)]
            title = (document.get_metadata_dict().get("Title") or "").strip() or None
        finally:
            document.close()
    if title and _NOT_A_TITLE.match(title):
        title = None
    from ..ocr import ocr_pdf_pages  # pages without a text layer, per options.ocr

    pages, warnings = ocr_pdf_pages(data, pages, options, name)
    return Loaded(pages, title, {"pages": len(pages)}, warnings)


def _pdfium_reason(error: Exception) -> str:
    m = re.search(r"PDFium: ([^)]+)", str(error))
    return m.group(1) if m else type(error).__name__
