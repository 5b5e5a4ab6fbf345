"""OCR of scanned pages and images, offline, with the models bundled in the rapidocr wheel.

One engine per process, created on first use; its calls are serialised (rapidocr keeps
per-call flags on the engine object, and one call already uses every core). A page is
read as:

1. grey, downscaled to :data:`MAX_SIDE` pixels at most;
2. detection + recognition; then the page's orientation is checked: mostly tall text
   boxes mean a page turned 90°/270° (it is turned and read again), and the angle
   classifier voting "180" on the widest lines means an upside-down page (turned and
   read again). The classifier is not applied line by line: on upright pages it turns
   a few lines over, which then read as garbage;
3. reading order: boxes are grouped into lines by vertical overlap; a region whose lines
   split at a wide, empty vertical gutter is read column by column (recursive XY cut);
   lines top to bottom, boxes left to right (far-apart boxes, such as table cells, are
   joined with a tab); a blank line marks a paragraph break (a wide vertical gap or an
   indented first line), and a line in a much larger type than the body becomes a
   ``#`` heading, so that :mod:`ingest.structure` sees what it sees in other formats.

:func:`ocr_pdf_pages` is the PDF loader's one call: it OCRs the pages that need it.
"""
from __future__ import annotations

import io
import os
import re
import statistics
import threading
import unicodedata
from dataclasses import dataclass, field

from core.errors import IngestError

from .pdf_layout import PDFIUM_LOCK as _PDFIUM_LOCK  # the one lock the PDF text loader holds too

MAX_SIDE = 4000  # px: larger images are downscaled before OCR
MAX_PIXELS = 150_000_000  # an image declaring more is refused (decompression bomb)
PDF_DPI = 150  # render scale for PDF pages (see evals/bench/ocr.py)
DET_LIMIT = 1280  # detection runs on the page scaled to this longest side
DET_THRESH = 0.2  # text-map threshold: lower than rapidocr's 0.3 keeps thin strokes (一、)
# pages below are reported for checking. Measured (evals/bench/ocr.py, degraded scans):
# character accuracy runs 0.01-0.04 under the mean confidence; below 0.93 pages had
# roughly one character in ten or more wrong, clean scans score above 0.98
LOW_CONFIDENCE = 0.93
# a line whose box is this much taller than the body's is a heading. Measured: box
# heights grow slower than type (pad): 11 pt body 27-31 px, 14 pt 33, 15-16 pt 37
BIG_TYPE = 1.2
MIN_SCORE = 0.5  # recognised text scored lower is dropped (rapidocr's default)
MIN_FRAGMENT_SCORE = 0.8  # ...and text of one or two characters scored lower
THREADS = 0  # ONNX Runtime intra-op threads; 0: one per available core
MIN_TEXT_CHARS = 10  # a PDF page with fewer usable characters has no usable text layer
MIN_OUTLINE_PATHS = 200  # ...and a page with this many paths may be text drawn as outlines
SENTENCE_END = "。！？；!?;：:…"


class OcrError(Exception):
    """OCR could not run, or an image cannot be read; the message is Chinese."""


@dataclass
class OcrLine:
    text: str
    score: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in the (upright) page image


@dataclass
class OcrPage:
    text: str
    confidence: float | None  # None when nothing was recognised
    lines: list[OcrLine] = field(default_factory=list)
    rotation: int = 0  # degrees the page was turned (counter-clockwise) to read it


# --- the engine ----------------------------------------------------------------------

_ENGINE = None
_ENGINE_LOCK = threading.Lock()  # creation
_RUN_LOCK = threading.Lock()  # calls: rapidocr stores use_det/use_cls/use_rec on the engine


def cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _bundled_models() -> dict[str, str]:
    """The det, cls and rec ONNX files shipped inside the rapidocr wheel. Passing them
    explicitly means rapidocr never looks for (or downloads) a model."""
    from pathlib import Path

    import rapidocr

    root = Path(rapidocr.__file__).resolve().parent / "models"
    found = {}
    for task in ("det", "cls", "rec"):
        files = sorted(root.glob(f"*_{task}_*.onnx")) or sorted(root.glob(f"*{task}*.onnx"))
        if not files:
            raise OcrError(f"OCR 模型文件缺失：{root} 中没有 {task} 模型，请重新安装 rapidocr")
        found[task] = str(files[-1])
    return found


def engine():
    """The process-wide RapidOCR engine, created on first use."""
    global _ENGINE
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                try:
                    from rapidocr import RapidOCR
                except ImportError as e:
                    raise OcrError(f"OCR 组件不可用（{e}），请安装 rapidocr 与 onnxruntime") from None
                models = _bundled_models()
                threads = THREADS or cpu_threads()
                _ENGINE = RapidOCR(params={
                    "Global.log_level": "error",
                    "Global.max_side_len": MAX_SIDE,  # we downscale; rapidocr must not again
                    "Det.model_path": models["det"], "Cls.model_path": models["cls"],
                    "Rec.model_path": models["rec"],
                    "Det.limit_type": "max", "Det.limit_side_len": DET_LIMIT, "Det.thresh": DET_THRESH,
                    "Rec.rec_batch_num": 1,  # measured: batches pad short lines to the longest
                    "EngineConfig.onnxruntime.intra_op_num_threads": threads,
                    "EngineConfig.onnxruntime.inter_op_num_threads": 1,
                    "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
                })
    return _ENGINE


def reset_engine() -> None:
    """Drop the engine, so that the next call builds one from the current settings
    (benchmarks tune :data:`DET_LIMIT`, :data:`DET_THRESH` and :data:`THREADS`)."""
    global _ENGINE
    with _ENGINE_LOCK, _RUN_LOCK:
        _ENGINE = None


def _run(img, det: bool = True, cls: bool = False, rec: bool = True):
    """One rapidocr call. The angle classifier is off for reading (measured: on upright
    pages it turns some lines over, which then read as garbage); it only votes on a
    page's orientation, in :func:`_upside_down`. Every box comes back, whatever its
    score (a page turned 90° reads badly, and its boxes tell how it is turned);
    :func:`_boxes` keeps the text worth keeping."""
    eng = engine()
    with _RUN_LOCK:  # every flag passed on every call: rapidocr keeps the last ones
        return eng(img, use_det=det, use_cls=cls, use_rec=rec, text_score=0.0)


# --- images --------------------------------------------------------------------------

def _size_text(w: int, h: int) -> str:
    return f"{w}×{h} 像素"


def check_size(w: int, h: int) -> None:
    if w * h > MAX_PIXELS:
        raise OcrError(f"图片尺寸过大（{_size_text(w, h)}，约 {w * h / 1e6:.0f} 百万像素），"
                       f"上限为 {MAX_PIXELS / 1e6:.0f} 百万像素，可能是恶意构造的文件")
    if w < 1 or h < 1:
        raise OcrError("图片尺寸无效（0 像素）")


def open_image(data: bytes):
    """Open image bytes with Pillow (lazily: nothing is decoded yet), refusing
    decompression bombs by the size their header declares."""
    import warnings

    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:
        raise OcrError(f"图片尺寸过大（{_bomb_size(e)}），可能是恶意构造的文件") from None
    except UnidentifiedImageError:
        raise OcrError("图片文件已损坏或格式无法识别") from None
    except (OSError, ValueError, SyntaxError, EOFError) as e:
        raise OcrError(f"图片文件已损坏（{type(e).__name__}）") from None
    check_size(*img.size)
    return img


def _bomb_size(e: Exception) -> str:
    m = re.search(r"\((\d+) pixels\)", str(e))
    return f"约 {int(m.group(1)) / 1e6:.0f} 百万像素" if m else "像素数超出上限"


def frame_count(img) -> int:
    """Pages of an opened image: a TIFF's frames; one for every other format (the frames
    of an animated PNG, WebP or GIF are not pages)."""
    return (getattr(img, "n_frames", 1) or 1) if img.format == "TIFF" else 1


def frames(img):
    """The pages of an opened image (several for a multi-page TIFF), each size-checked."""
    n = frame_count(img)
    for i in range(n):
        if n > 1:
            img.seek(i)
            check_size(*img.size)
        yield img


def to_grey(img):
    """A decoded, upright, grey copy of ``img``, at most :data:`MAX_SIDE` on its long side."""
    from PIL import Image, ImageOps

    check_size(*img.size)
    if img.format == "JPEG" and max(img.size) > MAX_SIDE:
        img.draft("L", (MAX_SIDE, MAX_SIDE))  # decode at a reduced scale: less memory
    try:
        img = ImageOps.exif_transpose(img) or img
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose the page
        pass
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    if img.mode.startswith(("I", "F")):  # 16-bit or float scans: stretch to 8 bits
        import numpy as np

        arr = np.asarray(img, dtype=np.float32)
        lo, hi = float(arr.min()), float(arr.max())
        img = Image.fromarray(((arr - lo) * (255.0 / (hi - lo or 1.0))).astype(np.uint8), "L")
    elif img.mode != "L":
        img = img.convert("L")
    if max(img.size) > MAX_SIDE:
        scale = MAX_SIDE / max(img.size)
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.LANCZOS)
    return img


# --- one page --------------------------------------------------------------------------

@dataclass
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    score: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _boxes(result) -> list[_Box]:
    """The recognised boxes worth keeping: score at least :data:`MIN_SCORE`; one or two
    characters scored below :data:`MIN_FRAGMENT_SCORE` only when they are punctuation
    (a sentence's last "。" wrapped onto a line of its own), as such fragments are
    mostly a shape, a seal or speckle read as text; and nothing at all when no box
    holds a letter or a digit (a photo's disc reads as "●")."""
    if result is None or getattr(result, "txts", None) is None or getattr(result, "boxes", None) is None:
        return []
    out = []
    for quad, text, score in zip(result.boxes, result.txts, result.scores):
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        text = text.strip()
        score = float(score)
        if not text or score < MIN_SCORE:
            continue
        if len(text) <= 2 and score < MIN_FRAGMENT_SCORE and not all(unicodedata.category(ch)[0] == "P" for ch in text):
            continue
        out.append(_Box(min(xs), min(ys), max(xs), max(ys), text, score))
    if not any(unicodedata.category(ch)[0] in "LN" for b in out for ch in b.text):
        return []
    return out


def _tall_share(quads) -> float:
    """Share of text area in boxes much taller than wide (lines of a page turned 90°)."""
    if quads is None or len(quads) == 0:
        return 0.0
    tall = total = 0.0
    for quad in quads:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        w, h = max(xs) - min(xs), max(ys) - min(ys)
        if min(w, h) <= 0 or max(w, h) < 1.5 * min(w, h):
            continue  # near-square boxes (one or two characters) say nothing
        total += w * h
        if h > 1.5 * w:
            tall += w * h
    return tall / total if total else 0.0


def _upside_down(img, quads, sample: int = 9) -> bool:
    """Whether the angle classifier reads most of the widest lines as turned 180°."""
    import numpy as np

    if quads is None or len(quads) == 0:
        return False
    rects = []
    for quad in quads:
        xs = [float(p[0]) for p in quad]
        ys = [float(p[1]) for p in quad]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        if x1 - x0 >= 2 * (y1 - y0) > 0:
            rects.append((x1 - x0, x0, y0, x1, y1))
    rects.sort(reverse=True)
    votes = 0
    counted = 0
    for _, x0, y0, x1, y1 in rects[:sample]:
        crop = np.ascontiguousarray(img[max(0, int(y0)):int(y1) + 1, max(0, int(x0)):int(x1) + 1])
        if crop.size == 0:
            continue
        res = _run(crop, det=False, cls=True, rec=False)
        labels = getattr(res, "cls_res", None) or []
        if not labels:
            continue
        label, score = labels[0]
        counted += 1
        if "180" in str(label) and score > 0.8:
            votes += 1
        elif "180" not in str(label) and score > 0.8:
            votes -= 1
    return counted > 0 and votes > 0


def ocr_image(image) -> OcrPage:
    """OCR one page image (a PIL image or a 2-D/3-D numpy array)."""
    import numpy as np

    if not isinstance(image, np.ndarray):
        image = np.asarray(to_grey(image))
    elif max(image.shape[:2]) > MAX_SIDE:
        from PIL import Image

        image = np.asarray(to_grey(Image.fromarray(image)))
    check_size(image.shape[1], image.shape[0])
    result = _run(image)
    boxes, rotation = _boxes(result), 0
    turned = None
    if _tall_share(getattr(result, "boxes", None)) > 0.6:  # lines run up or down the page
        turned, rotation = np.ascontiguousarray(np.rot90(image, 1)), 90  # counter-clockwise
        if _upside_down(turned, getattr(_run(turned, rec=False), "boxes", None)):
            turned, rotation = np.ascontiguousarray(np.rot90(turned, 2)), 270
    elif _upside_down(image, getattr(result, "boxes", None)):
        turned, rotation = np.ascontiguousarray(np.rot90(image, 2)), 180
    if turned is not None:
        again = _boxes(_run(turned))
        # a wrong turn reads far worse; vertical writing, for one, is better left as it was
        if _mass(again) >= 0.8 * _mass(boxes):
            image, boxes = turned, again
        else:
            rotation = 0
    lines, text = layout(boxes, image.shape[1])
    chars = sum(len(b.text) for b in boxes)
    confidence = sum(b.score * len(b.text) for b in boxes) / chars if chars else None
    return OcrPage(text, confidence, lines, rotation)


def _mass(boxes: list[_Box]) -> float:
    """Recognised characters weighted by their score."""
    return sum(b.score * len(b.text) for b in boxes)


# --- reading order ---------------------------------------------------------------------

def _group_lines(boxes: list[_Box]) -> list[list[_Box]]:
    """Boxes on one visual line share most of their height; lines top to bottom."""
    lines: list[list[_Box]] = []
    spans: list[tuple[float, float]] = []  # each line's mean centre and mean height
    for b in sorted(boxes, key=lambda b: (b.cy, b.x0)):
        best, best_d = None, None
        for i in range(max(0, len(lines) - 3), len(lines)):
            cy, h = spans[i]
            d = abs(b.cy - cy)
            if d < 0.5 * min(h, b.h) and (best_d is None or d < best_d):
                best, best_d = i, d
        if best is None:
            lines.append([b])
            spans.append((b.cy, b.h))
        else:
            lines[best].append(b)
            n = len(lines[best])
            cy, h = spans[best]
            spans[best] = (cy + (b.cy - cy) / n, h + (b.h - h) / n)
    for line in lines:
        line.sort(key=lambda b: b.x0)
    lines.sort(key=lambda line: statistics.median(b.cy for b in line))
    return lines


def _gaps(intervals: list[tuple[float, float]], min_gap: float) -> list[tuple[float, float]]:
    """(width, middle) of each empty stretch at least ``min_gap`` wide between intervals."""
    gaps = []
    intervals = sorted(intervals)
    end = intervals[0][1]
    for a, b in intervals[1:]:
        if a - end >= min_gap:
            gaps.append((a - end, (a + end) / 2))
        end = max(end, b)
    return gaps


def _split(boxes: list[_Box], cuts: list[float], key) -> list[list[_Box]]:
    parts: list[list[_Box]] = [[] for _ in range(len(cuts) + 1)]
    for b in boxes:
        parts[sum(1 for c in cuts if key(b) > c)].append(b)
    return [p for p in parts if p]


def _is_text_column(lines: list[list[_Box]], page_width: float) -> bool:
    width = max(b.x1 for line in lines for b in line) - min(b.x0 for line in lines for b in line)
    return len(lines) >= 3 and width >= 0.2 * page_width and \
        statistics.median(sum(len(b.text) for b in line) for line in lines) >= 8


def _reading_order(boxes: list[_Box], body_h: float, page_width: float, depth: int = 0) -> list[list[_Box]]:
    """Recursive XY cut. A region that an empty vertical gutter splits into text columns
    is read column by column; otherwise it is cut across at its widest empty horizontal
    stretches (a title above columns, the space between a table and the text) and each
    band is ordered the same way. Table rows (short cells) are never columns."""
    lines = _group_lines(boxes)
    if len(lines) < 3 or depth > 16:
        return lines
    gutters = _gaps([(b.x0, b.x1) for b in boxes], 1.5 * body_h)
    if gutters:
        columns = [_group_lines(c) for c in _split(boxes, [m for _, m in gutters], lambda b: (b.x0 + b.x1) / 2)]
        if len(columns) > 1 and all(_is_text_column(c, page_width) for c in columns):
            return [line for col in columns
                    for line in _reading_order([b for ln in col for b in ln], body_h, page_width, depth + 1)]
    across = _gaps([(b.y0, b.y1) for b in boxes], 0.2 * body_h)
    if not across:
        return lines
    widest = max(w for w, _ in across)
    bands = _split(boxes, [m for w, m in across if w >= 0.8 * widest], lambda b: b.cy)
    if len(bands) < 2:
        return lines
    return [line for band in bands for line in _reading_order(band, body_h, page_width, depth + 1)]


def _join_boxes(line: list[_Box], h: float) -> str:
    out = line[0].text
    for prev, b in zip(line, line[1:]):
        gap = b.x0 - prev.x1
        if gap >= 2.5 * h:
            out += "\t"
        elif gap >= 0.6 * h or (out[-1:].isascii() and out[-1:].isalnum() and b.text[:1].isascii()
                                and b.text[:1].isalnum()):
            out += " "
        out += b.text
    return out


def layout(boxes: list[_Box], page_width: float) -> tuple[list[OcrLine], str]:
    """Order boxes into lines and lines into text: one visual line a line, a blank line
    between paragraphs, ``# `` before a line in a much larger type than the body."""
    if not boxes:
        return [], ""
    body_h = statistics.median(b.h for b in boxes)
    ordered = _reading_order(boxes, body_h, page_width)
    out: list[OcrLine] = []
    rows: list[str] = []
    heights = [statistics.median(b.h for b in line) for line in ordered]
    lefts = [line[0].x0 for line in ordered]
    rights = [line[-1].x1 for line in ordered]
    # margins of the body text, robust to headings and short lines
    left = sorted(lefts)[len(lefts) // 10] if lefts else 0.0
    right = sorted(rights)[-1 - len(rights) // 10] if rights else 0.0
    prev = None
    for i, line in enumerate(ordered):
        h = heights[i]
        text = _join_boxes(line, h)
        x0, y0 = lefts[i], min(b.y0 for b in line)
        x1, y1 = rights[i], max(b.y1 for b in line)
        score = sum(b.score * len(b.text) for b in line) / max(1, sum(len(b.text) for b in line))
        indented = x0 - left >= 1.2 * body_h
        big = h >= BIG_TYPE * body_h and len(text) <= 40 and len(ordered) >= 4 and not _ends_sentence(text)
        if prev is not None:
            p_text, p_y1, p_indented, p_short, p_big, p_x0 = prev
            gap = y0 - p_y1
            new_para = gap > 1.2 * body_h or big or p_big or abs(x0 - p_x0) > 8 * body_h \
                or (indented and (not p_indented or p_short)) \
                or (p_short and _ends_sentence(p_text))
            if new_para and rows and rows[-1]:
                rows.append("")
        rows.append(("# " + text) if big else text)
        out.append(OcrLine(text, score, (x0, y0, x1, y1)))
        prev = (text, y1, indented, x1 < right - 2 * body_h, big, x0)
    return out, "\n".join(rows).strip("\n")


def _ends_sentence(text: str) -> bool:
    s = text.rstrip().rstrip("”’」』）)】》\"'")
    return bool(s) and s[-1] in SENTENCE_END


# --- PDFs ------------------------------------------------------------------------------



def usable_chars(text: str) -> int:
    """Characters of a text layer that can be read: not spaces, controls, private-use
    glyphs or U+FFFD (what a font without a Unicode map extracts as)."""
    return sum(1 for ch in text if not ch.isspace() and ch != "\ufffd"
               and unicodedata.category(ch) not in ("Co", "Cc", "Cf", "Cs"))


def _looks_scanned(page) -> bool:
    """A page showing an image, or enough paths to be text drawn as outlines."""
    import pypdfium2.raw as pdfium_c

    paths = 0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_PATH]):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            return True
        paths += 1
        if paths >= MIN_OUTLINE_PATHS:
            return True
    return False


def render_page(page, dpi: int = PDF_DPI):
    """A PDF page as a grey PIL image at ``dpi`` (less for huge pages: the long side is
    capped at :data:`MAX_SIDE`)."""
    w, h = page.get_size()
    scale = min(dpi / 72, MAX_SIDE / max(w, h, 1))
    return page.render(scale=scale, grayscale=True).to_pil()


def _low(page_label: str, confidence: float) -> str:
    return f"{page_label} OCR 置信度较低（{confidence:.2f}），请核对原件"


def ocr_pdf_pages(data: bytes, pages: list, options, name: str, dpi: int = PDF_DPI) -> tuple[list, list[str]]:
    """OCR the pages of a PDF that need it. ``pages`` are the loader's text-layer pages;
    returns them (OCR'd ones replaced, carrying their confidence) and warnings.

    auto: pages with fewer than :data:`MIN_TEXT_CHARS` usable characters that show an
    image (or outlined text); force: every page; off: none."""
    from .loaders.base import Page

    mode = getattr(options, "ocr", "auto") or "auto"
    has_text = any(usable_chars(p.text) for p in pages)
    if mode == "off":
        if not any(p.text.strip() for p in pages):
            raise IngestError(name, "PDF 没有文本层（可能是扫描件），OCR 已关闭（--ocr off）")
        return pages, []
    try:
        import pypdfium2 as pdfium
    except ImportError as e:
        if has_text and mode == "auto":
            return pages, [f"无法检查扫描页：缺少 pypdfium2（{e}）"]
        raise IngestError(name, f"OCR 组件不可用（{e}），请安装 pypdfium2") from None
    warnings: list[str] = []
    with _PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            if has_text:
                return pages, [f"无法渲染 PDF 页面做 OCR（{e}），只导入了文本层"]
            raise IngestError(name, f"PDF 没有文本层，且无法渲染页面做 OCR（{e}）") from None
        try:
            n = min(len(pdf), len(pages))
            if mode == "force":
                todo = list(range(n))
            else:
                todo = []
                for i in range(n):
                    if usable_chars(pages[i].text) < MIN_TEXT_CHARS:
                        page = pdf[i]
                        try:
                            if _looks_scanned(page):
                                todo.append(i)
                        finally:
                            page.close()
        except pdfium.PdfiumError as e:
            pdf.close()
            if has_text:
                return pages, [f"无法检查扫描页（{e}），只导入了文本层"]
            raise IngestError(name, f"PDF 没有文本层，且无法读取页面做 OCR（{e}）") from None
    if not todo:
        pdf.close()
        if not has_text:
            raise IngestError(name, "PDF 中没有文字：没有文本层，也没有可识别的扫描图像")
        return pages, []
    pages = list(pages)
    progress = getattr(options, "progress", None)
    if progress:
        progress(0, len(todo), "OCR 识别")
    try:
        for done, i in enumerate(todo, start=1):
            label = f"第{pages[i].number or i + 1}页"
            try:
                with _PDFIUM_LOCK:
                    page = pdf[i]
                    try:
                        image = render_page(page, dpi)
                    finally:
                        page.close()
                result = ocr_image(image)
            except OcrError as e:
                raise IngestError(name, str(e)) from None
            except Exception as e:  # noqa: BLE001 - one bad page must not lose the others
                warnings.append(f"{label} OCR 失败（{type(e).__name__}），该页未识别")
                result = None
            if result is not None and result.text.strip():
                pages[i] = Page(pages[i].number, result.text, result.confidence)
                if (warning := low_confidence_warning(label, result.confidence)) is not None:
                    warnings.append(warning)
            elif mode != "force" or not usable_chars(pages[i].text):
                pages[i] = Page(pages[i].number, pages[i].text if usable_chars(pages[i].text) else "")
            if progress:
                progress(done, len(todo), "OCR 识别")
    finally:
        with _PDFIUM_LOCK:
            pdf.close()
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "PDF 是扫描件，但 OCR 没有识别出文字（可能是空白页）")
    return pages, warnings


def low_confidence_warning(page_label: str, confidence: float | None) -> str | None:
    if confidence is not None and confidence < LOW_CONFIDENCE:
        return _low(page_label, confidence)
    return None
