"""Remove the noise that PDF and web extraction leaves in Chinese text.

Every kind listed in the seeds' README is handled here or in :mod:`ingest.structure`
(hard line breaks inside sentences are joined there, because joining needs to know
which lines are headings and table rows):

- page-number-only lines (``1 ``, ``- 12 -``)            -> :func:`is_page_number`
- trailing spaces                                          -> :func:`normalize_line`
- spaces between CJK text and numbers (``85 个``)         -> :func:`normalize_line`
- footnote markers (``¹ ² ³``) and footnote lines          -> :func:`normalize_line`, :func:`is_footnote`
- figure captions and ``来源：`` lines                     -> :func:`is_figure_caption`, :func:`is_source_note`
- markdown ``**emphasis**``                                -> :func:`normalize_line`
- tables of contents (entries ending in a page number)     -> :func:`is_toc_entry`
"""
from __future__ import annotations

import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"，。、；：！？“”‘’（）《》【】「」『』—…"
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"

_SPACES = r"[ \u3000\u00a0\u2002\u2003\u2009]+"
_CJK_THEN_ALNUM = re.compile(rf"(?<=[{CJK}{CJK_PUNCT}]){_SPACES}(?=[0-9A-Za-z%％.+\-])")
_ALNUM_THEN_CJK = re.compile(rf"(?<=[0-9A-Za-z%％）)]){_SPACES}(?=[{CJK}{CJK_PUNCT}])")
_SUPERSCRIPT_RE = re.compile(f"[{SUPERSCRIPTS}]+")
_EMPHASIS_RE = re.compile(r"\*\*|__(?=\S)|(?<=\S)__")

_PAGE_NUMBER_RE = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[-—–])?\s*$"
                             r"|^\s*(?:\d{1,4}\s*/\s*\d{1,4}|[IVXLivxl]{1,6})\s*$")
_FOOTNOTE_SOURCE_RE = re.compile(r"^\s*\d{1,2}\s*(?:数据来源|资料来源)[:：]")
_FIGURE_CAPTION_RE = re.compile(r"^\s*图\s*\d{1,2}(?:[-.．]\d{1,2})?(?=[\s“”\"「『《（(]|[{CJK}])".replace("{CJK}", CJK))
_SOURCE_NOTE_RE = re.compile(r"^\s*(?:数据|资料|图片|图表)?来源\s*[:：]")
_TOC_ENTRY_RE = re.compile(r"(?:\t|\s{2,}|[.．·…]{2,}\s*)\d{1,3}\s*$")
_TOC_TITLE_RE = re.compile(r"^\s*(?:目\s*录|图\s*目\s*录|表\s*目\s*录|CONTENTS|Contents)\s*$")


def normalize_line(line: str) -> str:
    """Strip markup, footnote markers and stray spaces, keeping numbers and names exact."""
    line = line.replace("\r", "").rstrip()
    line = _EMPHASIS_RE.sub("", line)
    line = _SUPERSCRIPT_RE.sub("", line)
    line = _CJK_THEN_ALNUM.sub("", line)
    line = _ALNUM_THEN_CJK.sub("", line)
    # a leading space left by a PDF column is noise; tabs are kept (table cells)
    return line.lstrip(" \u3000\u00a0")


def is_page_number(line: str) -> bool:
    return bool(_PAGE_NUMBER_RE.match(line))


def is_footnote(raw_line: str) -> bool:
    """A footnote line: starts with a superscript marker, or ``3 数据来源：…``."""
    s = raw_line.strip()
    if not s:
        return False
    if s[0] in SUPERSCRIPTS:
        return True
    return bool(_FOOTNOTE_SOURCE_RE.match(s))


def is_figure_caption(line: str) -> bool:
    s = line.strip()
    return bool(_FIGURE_CAPTION_RE.match(s)) and len(s) <= 60 and not s.endswith(("。", "；"))


def is_source_note(line: str) -> bool:
    s = line.strip()
    return bool(_SOURCE_NOTE_RE.match(s)) and len(s) <= 80


def is_toc_title(line: str) -> bool:
    return bool(_TOC_TITLE_RE.match(line))


def is_toc_entry(line: str) -> bool:
    s = line.rstrip()
    return bool(_TOC_ENTRY_RE.search(s)) and len(s.strip()) <= 80 and not s.endswith("。")


def is_noise(raw_line: str) -> bool:
    """Lines dropped outright. Source notes are not here: they also close tables."""
    s = raw_line.strip()
    return (is_page_number(s) or is_footnote(raw_line) or is_figure_caption(s)
            or is_toc_title(s))


def compact(text: str) -> str:
    """Text with all whitespace removed: how numbers and quotes are compared."""
    return re.sub(r"\s+", "", text)
