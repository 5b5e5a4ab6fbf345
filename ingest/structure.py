"""Find the structure of a Chinese document: headings, tables and case boxes (专栏).

Input is the loader's pages; output is a list of :class:`Section`, each with its path
of headings (``三、… / （三）…``), its kind (text, table, box), its paragraphs and the
page it starts on. Hard line breaks inside sentences are joined here, because only
this pass knows which lines are headings or table rows and must not be joined.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import (CJK, is_noise, is_source_note, is_toc_entry, is_toc_title,
                    normalize_line)
from .loaders import Page

CN_NUM = "一二三四五六七八九十百零〇"
# (pattern, level). Markdown headings take their level from the number of #, unless
# their text itself carries a Chinese numbering, whose level then wins.
HEADING_PATTERNS: list[tuple[re.Pattern, int]] = [
    (re.compile(rf"^第[{CN_NUM}\d]+[章编篇](?:\s|$|[{CJK}])"), 1),
    (re.compile(rf"^[{CN_NUM}]+、"), 2),
    (re.compile(rf"^[（(][{CN_NUM}]+[)）]"), 3),
    (re.compile(r"^\d{1,2}(?:[.．](?!\d+\s*[%％万亿千百个])|、)"), 4),
    (re.compile(r"^[（(]\d{1,2}[)）]"), 5),
]
MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
BOX_TITLE = re.compile(r"^专栏\s*\d{1,2}(?:\s|$|[：:“「『《]|[\u4e00-\u9fff])")
TABLE_CAPTION = re.compile(r"^\s*表\s*\d{1,2}(?:[-.．]\d{1,2})?(?:\s|$|[“「『《\"]|[\u4e00-\u9fff])")
# In a space-aligned table a row starts with a short first cell followed by spaces.
SPACE_TABLE_ROW = re.compile(r"^[^\s，。；、]{1,8}(?:[ \u3000]+\S|$)")
SENTENCE_END = "。！？；!?;：:…"
CLOSERS = "”’」』）)】》\"'"
ROW_CONTINUES = tuple("，,、（(《“")  # a table row ending so goes on after a blank line
MAX_HEADING_CHARS = 60
BOX_LEVEL = 90  # a box nests under whatever section holds it and ends at the next heading


@dataclass
class Section:
    path: list[str]
    kind: str  # "text" | "table" | "box"
    paragraphs: list[str] = field(default_factory=list)
    page: int | None = None
    pages: list[int | None] = field(default_factory=list)  # page of each paragraph
    header: str = ""  # tables: the caption and header row repeated on every piece

    def add(self, paragraph: str, page: int | None) -> None:
        self.paragraphs.append(paragraph)
        self.pages.append(page)
        if self.page is None:
            self.page = page

    def page_of(self, paragraph_index: int) -> int | None:
        if 0 <= paragraph_index < len(self.pages):
            return self.pages[paragraph_index]
        return self.page

    @property
    def path_text(self) -> str:
        return " / ".join(self.path)


def ends_sentence(text: str) -> bool:
    s = text.rstrip().rstrip(CLOSERS)
    return bool(s) and s[-1] in SENTENCE_END


def heading_level(line: str) -> tuple[int, str] | None:
    """Return (level, heading text) when ``line`` is a heading, else None."""
    s = line.strip()
    if not s or len(s) > MAX_HEADING_CHARS + 8:
        return None
    md = MD_HEADING.match(s)
    if md:
        text = md.group(2).strip()
        for pattern, level in HEADING_PATTERNS:
            if pattern.match(text):
                return level, text
        return len(md.group(1)), text
    if "\t" in s or s.endswith(("。", "；", "，", "、", "：", ":", ";")) or len(s) > MAX_HEADING_CHARS:
        return None
    for pattern, level in HEADING_PATTERNS:
        if pattern.match(s):
            if level >= 4 and len(s) > 45:  # "1." style numbering also starts body text
                return None
            return level, s
    return None


def _join(a: str, b: str) -> str:
    """Join a line broken inside a sentence: no space between CJK, one between words."""
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return a + " " + b
    return a + b


class _Builder:
    def __init__(self):
        self.sections: list[Section] = []
        self.stack: list[tuple[int, str]] = []
        self.current: Section | None = None
        self.open_para = False  # the last paragraph may still continue on the next line
        self.table_mode: str | None = None  # None | "tab" | "space"
        self.table_rows = 0
        self.blank_after_row = False  # a blank line since the table's last row

    # sections ------------------------------------------------------------------
    def _path(self) -> list[str]:
        return [title for _, title in self.stack]

    def _start(self, kind: str, page: int | None, extra_title: str | None = None) -> Section:
        path = self._path() + ([extra_title] if extra_title else [])
        self.current = Section(path=path, kind=kind, page=page)
        self.sections.append(self.current)
        self.open_para = False
        return self.current

    def heading(self, level: int, title: str, page: int | None):
        self.end_table()
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self._start("text", page)

    def box(self, title: str, page: int | None):
        self.end_table()
        while self.stack and self.stack[-1][0] >= BOX_LEVEL:
            self.stack.pop()
        self.stack.append((BOX_LEVEL, title))
        self._start("box", page)

    # tables --------------------------------------------------------------------
    def begin_table(self, caption: str, page: int | None):
        self.end_table()
        section = self._start("table", page, extra_title=caption)
        section.header = caption
        self.table_mode = "pending"
        self.table_rows = 0
        self.blank_after_row = False

    def table_line(self, line: str, page: int | None) -> bool:
        """Add a line to the open table; False when the line ends the table."""
        section = self.current
        assert section is not None
        blank_before, self.blank_after_row = self.blank_after_row, False
        if self.table_mode == "pending":  # the header row decides the table's layout
            self.table_mode = "tab" if "\t" in line else "space"
            section.header = section.header + "\n" + line if section.header else line
            section.add(line, page)
            self.open_para = False
            return True
        self.table_rows += 1
        if self.table_mode == "tab":
            if "\t" in line:
                section.add(line, page)
                return True
            if len(line) > 80 and ends_sentence(line):
                return False  # body text again: the table ended without a source note
            if blank_before and not section.paragraphs[-1].rstrip().endswith(ROW_CONTINUES):
                return False  # a blank line after a complete row ends the table (DOCX, sheets, slides)
            if len(section.paragraphs) > 1:  # a row continued across a page break
                section.paragraphs[-1] = _join(section.paragraphs[-1], line.strip())
            else:
                section.add(line, page)
            return True
        # space-aligned tables: cells wrap over lines; rows end at sentence ends
        if self.table_rows > 400:
            return False
        if self.open_para and section.paragraphs and not SPACE_TABLE_ROW.match(line.strip()):
            section.paragraphs[-1] = _join(section.paragraphs[-1], line.strip())
        else:
            section.add(line.strip(), page)
        self.open_para = not ends_sentence(line)
        return True

    def implicit_table(self, page: int | None):
        """Consecutive tab-separated lines with no caption (DOCX, HTML) form a table."""
        self.end_table()
        section = self._start("table", page, extra_title=None)
        section.header = ""
        self.table_mode = "pending"
        self.table_rows = 0
        self.blank_after_row = False

    def end_table(self):
        if self.table_mode is not None:
            self.table_mode = None
            self.current = None
            self.open_para = False

    # paragraphs ----------------------------------------------------------------
    def paragraph_line(self, line: str, page: int | None):
        if self.current is None or self.current.kind == "table":
            kind = "box" if self.stack and self.stack[-1][0] == BOX_LEVEL else "text"
            self._start(kind, page)
        section = self.current
        text = line.strip()
        if self.open_para and section.paragraphs:
            section.paragraphs[-1] = _join(section.paragraphs[-1], text)
        else:
            section.add(text, page)
        self.open_para = not ends_sentence(text)

    def break_paragraph(self):
        """A blank line. In extracted PDFs blank lines also fall inside sentences, so it
        only ends the paragraph when the text before it ended a sentence."""
        if self.current is not None and self.current.paragraphs and ends_sentence(self.current.paragraphs[-1]):
            self.open_para = False
        if self.table_mode == "tab":
            self.blank_after_row = True


def split_sections(pages: list[Page]) -> list[Section]:
    """Clean the pages' lines and group them into sections with heading paths."""
    b = _Builder()
    in_toc = False
    lines = [(raw, page.number) for page in pages for raw in page.text.split("\n")]
    for idx, (raw, page) in enumerate(lines):
        if not raw.strip():
            b.break_paragraph()
            continue
        if is_toc_title(raw.strip()):
            in_toc = True
            continue
        if is_noise(raw):
            continue
        line = normalize_line(raw)
        if not line.strip():
            continue
        stripped = line.strip()
        if in_toc:
            if is_toc_entry(line):
                continue
            in_toc = False
        if is_toc_entry(line) and heading_level(re.sub(r"[\s.．·…]*\d+\s*$", "", stripped)):
            continue  # a stray table-of-contents entry
        if is_source_note(stripped):
            b.end_table()
            b.open_para = False
            continue
        if TABLE_CAPTION.match(stripped) and len(stripped) <= 60 and not ends_sentence(stripped):
            b.begin_table(stripped, page)
            continue
        if BOX_TITLE.match(stripped) and len(stripped) <= 60 and not ends_sentence(stripped):
            b.box(re.sub(r"\s+", " ", stripped), page)
            continue
        level = heading_level(stripped)
        if b.table_mode is not None:
            if level is None and b.table_line(line, page):
                continue
            b.end_table()
        if level is not None:
            b.heading(level[0], level[1], page)
            continue
        if "\t" in line and _next_has_tab(lines, idx):
            b.implicit_table(page)
            b.table_line(line, page)
            continue
        b.paragraph_line(line, page)
    return [s for s in b.sections if any(p.strip() for p in s.paragraphs)]


def _next_has_tab(lines: list[tuple[str, int | None]], idx: int) -> bool:
    for raw, _ in lines[idx + 1: idx + 4]:
        if raw.strip():
            return "\t" in raw
    return False
