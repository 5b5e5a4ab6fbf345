"""Images (PNG, JPEG, TIFF, BMP, WebP): read by OCR; a multi-page TIFF gives one page a
frame. A single image has no page number."""
from __future__ import annotations

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def load_image(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if options.ocr == "off":
        raise IngestError(name, "图片需要 OCR 才能导入，当前 OCR 已关闭（--ocr off）")
    from ..ocr import OcrError, frame_count, frames, low_confidence_warning, ocr_image, open_image

    try:
        img = open_image(data)
        n = frame_count(img)
        pages: list[Page] = []
        warnings: list[str] = []
        if options.progress:
            options.progress(0, n, "OCR 识别")
        for i, frame in enumerate(frames(img), start=1):
            try:
                result = ocr_image(frame)
            except OcrError:
                raise
            except (OSError, ValueError, SyntaxError, EOFError) as e:  # Pillow decodes lazily, here
                where = f"第{i}页" if n > 1 else "图片"
                raise OcrError(f"{where}已损坏或不完整，无法解码（{type(e).__name__}）") from None
            number = i if n > 1 else None
            pages.append(Page(number, result.text, result.confidence if result.text.strip() else None))
            warning = low_confidence_warning(f"第{i}页" if n > 1 else "图片", result.confidence)
            if warning and result.text.strip():
                warnings.append(warning)
            if options.progress:
                options.progress(i, n, "OCR 识别")
    except OcrError as e:
        raise IngestError(name, str(e)) from None
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "图片中没有识别出文字")
    return Loaded([p for p in pages if p.text.strip()] or pages, None, {"pages": n, "ocr": True}, warnings)
