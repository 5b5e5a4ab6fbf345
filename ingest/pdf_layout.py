"""Text of PDF pages as lines with their geometry, and the page furniture removed.

A PDF printed from a browser or Word carries a running header and footer on every page
("12/3/26, 8:37 AM 标题" … "file:///… 5/25"), drawn last and so extracted in the middle
of the text, where they split the sentence that runs over the page break. This module
reads each page's characters with their boxes (pypdfium2: its text keeps Chinese
punctuation and numbers unspaced, unlike pypdf's, and is about three times faster), so
that:

- lines are known with their vertical position, and a line in the top or bottom band of
  the page whose text, digits masked, recurs on most pages is furniture and is dropped
  (a lone page number there too);
- a wide gap or a whitespace run between two Chinese characters inside a run of such
  lines is a table column boundary and becomes a tab, the convention every loader
  uses for table rows; a row whose first cell is empty (its text starts at the second
  column) gets a leading tab.

Lines that are left flow on across the page break: the structure pass joins a sentence
broken there like any other hard line break.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass

PDFIUM_LOCK = threading.RLock()  # PDFium is not thread-safe: every call into it holds this

CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’…—]")
BAND = 0.09  # the top and bottom 9% of the page hold headers and footers
_DIGITS = re.compile(r"\d+")
_PAGE_NO = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?\d{1,4}(?:\s*(?:页|/\s*\d{1,4}))?(?:\s*[-—–])?\s*$")


@dataclass
class Line:
    text: str
    top: float     # PDF units from the bottom of the page
    bottom: float
    left: float
    char_width: float  # median width of its Chinese characters (0 when none)


@dataclass
class PageLines:
    number: int
    height: float
    lines: list[Line]


def page_lines(page, number: int) -> PageLines:
    """The page's lines in pdfium's reading order, with tabs at column gaps."""
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        chars: list[tuple[str, float, float, float, float]] = []
        for i in range(n):
            ch = textpage.get_text_range(i, 1)
            left, bottom, right, top = textpage.get_charbox(i)
            chars.append((ch, left, right, bottom, top))
    finally:
        textpage.close()
    # a line ends at pdfium's line break unless the next character sits on the same
    # baseline (pdfium breaks some lines after every character, e.g. in footers)
    lines: list[Line] = []
    current: list[tuple[str, float, float, float, float]] = []
    pending_break = False
    for c in chars:
        if c[0] in "\r\n":
            pending_break = pending_break or c[0] == "\n"
            continue
        if pending_break and current and not (c[0].strip() and _same_line(current, c)):
            line = _make_line(current)
            if line is not None:
                lines.append(line)
            current = []
        pending_break = False
        current.append(c)
    if current and (line := _make_line(current)) is not None:
        lines.append(line)
    _mark_table_rows(lines)
    return PageLines(number, page.get_size()[1], lines)


def _same_line(chars, c) -> bool:
    """``c`` sits on the line ``chars`` form: its vertical centre inside the line's band
    (widened a little, for low marks such as "_" and ","), and not to its left."""
    visible = [p for p in chars if p[0].strip() and p[4] > p[3]]
    if not visible:
        return False
    bottom, top = min(p[3] for p in visible), max(p[4] for p in visible)
    pad = 0.35 * (top - bottom)
    centre = (c[3] + c[4]) / 2
    return bottom - pad <= centre <= top + pad and c[1] >= visible[-1][1]


def _make_line(chars) -> Line | None:
    visible = [c for c in chars if c[0].strip()]
    if not visible:
        return None
    widths = sorted(c[2] - c[1] for c in visible if CJK_RE.match(c[0]) and c[2] > c[1])
    width = widths[len(widths) // 2] if widths else 0.0
    parts: list[str] = []
    prev = None
    for c in chars:
        ch = c[0]
        if not ch.strip():
            parts.append(" ")
            continue
        if prev is not None and width and c[1] - prev[2] > 1.6 * width and (not parts or parts[-1] != " "):
            parts.append(" ")  # a gap with no space character: a column boundary as well
        parts.append(ch)
        prev = c
    text = re.sub(r" {2,}", "  ", "".join(parts)).strip()
    return Line(text=text, top=max(c[4] for c in visible), bottom=min(c[3] for c in visible),
                left=min(c[1] for c in visible), char_width=width)


# between two Chinese cells, or before a number that ends the line (a contents entry's
# page); never around a Latin word inside a sentence ("通过摄像头 AI 识别")
_CELL_GAP = re.compile(rf"(?<={CJK_RE.pattern}) +(?={CJK_RE.pattern})|(?<={CJK_RE.pattern}) +(?=\d{{1,3}}$)")


def _mark_table_rows(lines: list[Line]) -> None:
    """Whitespace between Chinese cells becomes a tab in runs of two or more such lines
    (a heading such as "以场景之势 聚创新之力" stands alone and keeps its space)."""
    gapped = [bool(_CELL_GAP.search(l.text)) and len(l.text) < 200 for l in lines]
    margin = min((l.left for l in lines), default=0.0)
    for i, line in enumerate(lines):
        in_run = gapped[i] and ((i > 0 and gapped[i - 1]) or (i + 1 < len(lines) and gapped[i + 1]))
        if not in_run:
            continue
        line.text = _CELL_GAP.sub("\t", line.text)
        if line.char_width and line.left - margin > 2.5 * line.char_width:
            line.text = "\t" + line.text  # the row's first cell is empty (merged with the row above)


def furniture_keys(pages: list[PageLines]) -> set[tuple[str, int]]:
    """Running headers and footers: among the two topmost and two bottommost lines of a
    page, inside the top/bottom band, those whose text (digits masked, spaces removed)
    recurs at the same height on at least half the pages (and on two or more)."""
    if len(pages) < 2:
        return set()
    counts: Counter[tuple[str, int]] = Counter()
    for p in pages:
        counts.update({k for l in _edge_lines(p) for k in _keys(l)})
    need = max(2, (len(pages) + 1) // 2)
    return {k for k, n in counts.items() if n >= need and k[0]}


def strip_furniture(pages: list[PageLines]) -> list[str]:
    """Each page's text without running headers, footers and page numbers."""
    keys = furniture_keys(pages)
    out = []
    for p in pages:
        edge = {id(l) for l in _edge_lines(p)}
        kept = [l.text for l in p.lines
                if not (id(l) in edge and (keys.intersection(_keys(l)) or _PAGE_NO.match(l.text)))]
        out.append("\n".join(kept))
    return out


def _edge_lines(page: PageLines) -> list[Line]:
    """The two topmost and two bottommost lines, when they lie in the top/bottom band."""
    by_height = sorted(page.lines, key=lambda l: -l.top)
    edge = by_height[:2] + by_height[-2:]
    return [l for l in edge if _in_band(l, page.height)]


def _keys(line: Line) -> set[tuple[str, int]]:
    """The line's text key at its height, rounded both ways so that ±2 pt still match."""
    key = _key(line.text)
    return {(key, int(line.bottom // 4)), (key, int((line.bottom + 2) // 4))}


def _in_band(line: Line, height: float) -> bool:
    return height > 0 and (line.bottom > height * (1 - BAND) or line.top < height * BAND)


def _key(text: str) -> str:
    return _DIGITS.sub("#", re.sub(r"\s+", "", text))
