"""Evidence units: the pieces of a chunk an answer can quote.

A unit is a sentence, a whole enumeration (一是…二是…, （1）…（2）…, 第一…第二…, with
the lead-in that announces it), or a table row with its caption and header. The
answer composer scores units against each part of a question; ingest embeds them once
(cached by content hash) so that scoring by meaning never embeds a sentence at query
time. Segmentation is deterministic: ingest and query time cut a chunk the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .chunk import split_sentences

# the start of one item of an enumeration, by family: items of one list share a family
# ("一是…二是…" is one list, "第一步…第二步…" another)
ENUM_FAMILIES: tuple[tuple[str, re.Pattern], ...] = (
    ("是", re.compile(r"^[一二三四五六七八九十]{1,2}是")),
    ("第步", re.compile(r"^第[一二三四五六七八九十]{1,2}(?:步|阶|层|类|个方面|阶段)")),
    ("第", re.compile(r"^第[一二三四五六七八九十]{1,2}[，,、：:]")),
    ("序", re.compile(r"^(?:首先|其次|再次|最后)[，,]")),
    ("括号", re.compile(r"^[（(][一二三四五六七八九十\d]{1,2}[)）]")),
    ("圈", re.compile(r"^[①-⑳]")),
    ("点", re.compile(r"^\d{1,2}[.．、](?!\d)")),
)
# a sentence announcing an enumeration that follows it
LIST_LEAD = re.compile(r"(?:[：:]\s*$|包括以下|如下|以下(?:[一二三四五六七八九十几\d]+)?(?:个)?方面|主要(?:有|包括)[^。；]{0,12}[：:]$)")
# a sentence that counts what the enumeration after it lists ("…需构建六方面能力。" before
# 一是…): it announces the list as surely as a colon does
COUNT_LEAD = re.compile(r"(?:[一二两三四五六七八九十]{1,3}|\d{1,2})\s*(?:个|大|项|类|条|种|点|步|层|重|维|块)?\s*"
                        r"(?:方面|要点|重点|任务|举措|措施|路径|环节|阶段|维度|领域|能力|问题|特点|特征|原则|机制|模式|步骤|层次|类型|"
                        r"部分|板块|方向|内容|目标|难点|短板|作用|价值|转变|趋势)")
# the number of an item in its family ("三是" → 三, "（2）" → 2, "第四阶" → 四)
ORDINAL = re.compile(r"^(?:第|[（(])?([一二三四五六七八九十]{1,2}|\d{1,2}|[①-⑳])")
CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
MAX_ELABORATION = 8  # sentences an item's elaboration may run before the next item opens
MIN_UNIT_CHARS = 6
MAX_LIST_CHARS = 700  # a longer enumeration stays as separate items (each still knows its lead)
MAX_PARAGRAPH_CHARS = 260  # a short paragraph is also a unit: its sentences often answer together
# lines of a case card that label it rather than state a fact ("地区：合肥（安徽） 年份：2025 …")
CARD_LABEL_LINE = re.compile(r"^(?:案例|地区|技术|机制)[：:]")


@dataclass(frozen=True)
class Unit:
    text: str  # what an answer quotes
    kind: str  # "sentence" | "item" | "list" | "paragraph" | "row" | "heading"
    para: int  # the line of the chunk it starts on
    lead: str = ""  # what it leans on: an item's or list's lead-in, a row's caption and header
    items: tuple[str, ...] = ()  # a list's items, in order

    @property
    def embed_text(self) -> str:
        """What the embedder sees: a row with its header (its cells mean nothing alone)."""
        return f"{self.lead}\n{self.text}" if self.kind == "row" and self.lead else self.text

    @property
    def embedded(self) -> bool:
        """Lists and paragraphs are scored through their parts' vectors, so they are not embedded."""
        return self.kind not in ("list", "paragraph")


def item_family(sentence: str) -> str | None:
    """The enumeration family a sentence opens an item of, or None."""
    s = sentence.lstrip("-•·* ")
    return next((name for name, pattern in ENUM_FAMILIES if pattern.match(s)), None)


_INLINE_LEAD = re.compile(r"^(.{4,}?(?:[：:]\s*(?=一是|第一[，,、]|[（(][一1][)）]|1[.．、](?!\d)|①)"
                          r"|[，,]\s*(?=一是|[（(][一1][)）])))")


def ordinal(sentence: str) -> int | None:
    """The number of the item a sentence opens (1 for 一是, （1）, 第一步, ①)."""
    m = ORDINAL.match(sentence.lstrip("-•·* "))
    if not m:
        return None
    n = m.group(1)
    if "①" <= n <= "⑳":
        return ord(n) - ord("①") + 1
    return int(n) if n.isascii() else chinese_number(n)


def chinese_number(n: str) -> int:
    """一 … 九十九 as a number (0 when it is not one)."""
    tens, ten, ones = n.rpartition("十")
    if not ten:
        return CN_DIGITS.get(n, 0)
    return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + CN_DIGITS.get(ones, 0)


class _ElaboratedItems:
    """The opening sentences of an enumeration whose items are elaborated ("一是X。why…。
    how…。二是Y。…"): each item's elaboration ends the list as read, so without this the
    enumeration would exist only as separate sentences. Kept as one more list unit, of the
    items' opening sentences in order, under the lead-in that announced the first."""

    def __init__(self):
        self.items: list[tuple[str, int]] = []
        self.family, self.lead, self.gap, self.elaborated = None, "", 0, False

    def see(self, sentence: str, para: int, family: str | None, lead: str) -> Unit | None:
        """Reads one sentence; returns a finished list when this sentence ends one."""
        if family is None:
            if self.items:
                self.gap += 1
                if self.gap > MAX_ELABORATION:
                    return self.finish()
            return None
        n = ordinal(sentence)
        if self.items and family == self.family and n == len(self.items) + 1:
            self.items.append((sentence, para))
            self.elaborated = self.elaborated or self.gap > 0  # else the list as read holds them already
            self.gap = 0
            return None
        done = self.finish()
        if n == 1:
            self.items, self.family, self.lead = [(sentence, para)], family, lead
        return done

    def finish(self) -> Unit | None:
        items, lead, elaborated = self.items, self.lead, self.elaborated
        self.items, self.family, self.lead, self.gap, self.elaborated = [], None, "", 0, False
        full = lead + "".join(s for s, _ in items)
        if len(items) >= 2 and elaborated and len(full) <= MAX_LIST_CHARS:
            return Unit(full, "list", items[0][1], lead, tuple(s for s, _ in items))
        return None


def _split_inline_lead(sentence: str) -> list[str]:
    """"…六方面能力：一是构建…；" holds the lead-in and the first item: cut them apart."""
    m = _INLINE_LEAD.match(sentence)
    return [m.group(1), sentence[m.end():]] if m else [sentence]


def table_units(text: str) -> list[Unit]:
    """Each row of a table chunk, under its caption and header row. A row that leaves its
    first cells empty (merged cells in the original) takes them from the row above."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    header_at = next((i for i, ln in enumerate(lines) if "\t" in ln), None)
    if header_at is None:
        return text_units(text)
    lead = "\n".join(lines[: header_at + 1])
    width = len(lines[header_at].split("\t"))
    units: list[Unit] = []
    above: list[str] = []
    for i, line in enumerate(lines[header_at + 1:], start=header_at + 1):
        cells = [c.strip() for c in line.split("\t")]
        if line.strip() == lines[header_at].strip():
            continue  # the header repeated after a page break
        if 1 < len(cells) < width and len(above) == width:
            cells = above[: width - len(cells)] + cells
        elif len(cells) == width and len(above) == width and not cells[0] and any(cells):
            lead_empty = next(i for i, c in enumerate(cells) if c)
            cells = above[:lead_empty] + cells[lead_empty:]
        if len(cells) == width:
            above = cells
        row = "\t".join(cells)
        if len(row.strip()) >= MIN_UNIT_CHARS:
            units.append(Unit(row, "row", i, lead))
    return units


_BRACKETS = (("《", "》"), ("（", "）"), ("“", "”"), ("(", ")"))
MAX_WRAPPED_LINES = 4  # a bracket left open longer than this is a typo, not a wrapped cell


def _opens_bracket(line: str) -> bool:
    return any(line.count(o) > line.count(c) for o, c in _BRACKETS)


def unwrapped_lines(text: str) -> list[tuple[int, str]]:
    """The chunk's lines with their line numbers, a line that leaves a bracket open
    (a table cell or title wrapped in the original: "广州《…数据" / "经纪人…方" / "案》在…")
    joined to the lines that close it, so a wrapped row is read as one sentence."""
    lines = text.split("\n")
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        start, line = i, lines[i].strip()
        while _opens_bracket(line) and i + 1 < len(lines) and lines[i + 1].strip() \
                and i - start < MAX_WRAPPED_LINES:
            i += 1
            line += lines[i].strip()
        out.append((start, line))
        i += 1
    return out


def text_units(text: str, card: bool = False) -> list[Unit]:
    """Sentences, and enumerations kept whole with their lead-in."""
    units: list[Unit] = []
    lead = ""  # the sentence just read, when it announces an enumeration
    items: list[tuple[str, int]] = []  # the enumeration being read
    family = None
    lead_unit: Unit | None = None  # the enumeration's lead-in, taken out of the sentences until its list is made
    openings, opening_lists = _ElaboratedItems(), []

    def close():
        nonlocal items, family, lead_unit
        lead_in = lead_unit.text if lead_unit else ""
        full = lead_in + "".join(s for s, _ in items)
        if len(items) >= 2 and len(full) <= MAX_LIST_CHARS:
            units.append(Unit(full, "list", items[0][1], lead_in, tuple(s for s, _ in items)))
        elif lead_unit is not None:  # no list to hold the lead-in: it stays a sentence of its own
            units.append(lead_unit)
        for s, p in items:
            units.append(Unit(s, "item" if len(items) >= 2 else "sentence", p, lead_in))
        items, family, lead_unit = [], None, None

    for p, line in unwrapped_lines(text):
        if not line or (card and CARD_LABEL_LINE.match(line)):
            close()
            lead = ""
            continue
        sentences = [piece for s in split_sentences(line) for piece in _split_inline_lead(s)]
        for s in sentences:
            fam = item_family(s)
            # the sentence just before, still a unit, when it announces what follows
            announced = lead if lead and units and units[-1].text == lead else ""
            heads = openings.see(s, p, fam, announced)
            if heads is not None:
                opening_lists.append(heads)
            if fam is not None and fam == family:
                items.append((s, p))
                continue
            close()
            if fam is not None:
                # a new enumeration; the sentence before it is its lead-in when it announces it
                if announced:  # close() added nothing: only a sentence set the lead
                    lead_unit = units.pop()
                items, family = [(s, p)], fam
                lead = ""
                continue
            if len(s) >= MIN_UNIT_CHARS:
                units.append(Unit(s, "sentence", p))
            # a lead-in announces what follows ("…包括以下三个方面：", "…体现为，" before 一是)
            lead = s if LIST_LEAD.search(s) or s.endswith(("，", ",")) or COUNT_LEAD.search(s) else ""
    close()
    heads = openings.finish()
    if heads is not None:
        opening_lists.append(heads)
    units = [u for u in units if len(u.text) >= MIN_UNIT_CHARS]
    return units + _paragraph_units(units) + opening_lists


def _paragraph_units(units: list[Unit]) -> list[Unit]:
    """A short paragraph of two or more sentences, whole (not one holding a list)."""
    out: list[Unit] = []
    by_para: dict[int, list[Unit]] = {}
    for u in units:
        by_para.setdefault(u.para, []).append(u)
    for p, members in by_para.items():
        if any(u.kind in ("list", "item") for u in members):
            continue
        sentences = [u.text for u in members if u.kind == "sentence"]
        text = "".join(sentences)
        if len(sentences) >= 2 and len(text) <= MAX_PARAGRAPH_CHARS:
            out.append(Unit(text, "paragraph", p, "", tuple(sentences)))
    return out


def outline_units(text: str) -> list[Unit]:
    """An outline chunk (a heading and its subheadings) is one list: the subheadings in order."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    lead, kids = (lines[0], lines[1:]) if len(lines) > 1 else ("", lines)
    units = [Unit("；".join(kids) + "。", "list", 1, lead, tuple(kids))] if len(kids) >= 2 else []
    return units + [Unit(k, "heading", i, lead) for i, k in enumerate(kids, start=1)]


def chunk_units(text: str, kind: str, section: str = "") -> list[Unit]:
    """The evidence units of one chunk, in reading order. A first line that repeats the
    section's heading is a heading unit: quotable, but it states no fact by itself."""
    if kind == "table":
        return table_units(text)
    if kind == "outline":
        return outline_units(text)
    heading = section.split(" / ")[-1].strip() if section else ""
    first, _, rest = text.partition("\n")
    if heading and first.strip() == heading and rest:
        return [Unit(heading, "heading", 0)] + [
            Unit(u.text, u.kind, u.para + 1, u.lead, u.items) for u in text_units(rest, card=(kind == "case"))]
    return text_units(text, card=(kind == "case"))
