"""Split sections into chunks that follow Chinese sentence ends and never cross a section.

Text sections are packed paragraph by paragraph, sentence by sentence, up to a target
size (tuned on the development set, see ``evals/tune_chunking.py``). A table stays whole
with its caption and header row, or is split into row groups that each repeat them. A
case box (专栏) stays whole when it fits the embedder's window, else splits between
paragraphs, each piece keeping the box title in its section path.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .structure import CLOSERS, Section

_SENTENCE_RE = re.compile(rf"[^。！？；!?;]*(?:[。！？；!?;]+[{re.escape(CLOSERS)}]*|$)")
_CLAUSE_RE = re.compile(r"[^，,、]*(?:[，,、]|$)")


@dataclass
class Chunk:
    text: str
    section: str
    kind: str  # "text" | "table" | "box"
    page: int | None
    index: int = 0


def split_sentences(text: str) -> list[str]:
    """Sentences end at 。！？； (and their ASCII forms), keeping closing quotes attached."""
    return [s for s in (m.group(0).strip() for m in _SENTENCE_RE.finditer(text)) if s]


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence longer than the limit is cut at commas, and as a last resort by length."""
    if len(sentence) <= limit:
        return [sentence]
    pieces, buf = [], ""
    for clause in (m.group(0) for m in _CLAUSE_RE.finditer(sentence)):
        if not clause:
            continue
        if buf and len(buf) + len(clause) > limit:
            pieces.append(buf)
            buf = ""
        while len(clause) > limit:
            pieces.append(clause[:limit])
            clause = clause[limit:]
        buf += clause
    if buf:
        pieces.append(buf)
    return pieces


Piece = tuple[str, "int | None"]  # chunk text and the page it starts on


def chunk_text_section(section: Section, target: int, max_chars: int) -> list[Piece]:
    sentences: list[tuple[str, int]] = []  # (sentence, paragraph index)
    paragraph_ends: set[int] = set()
    for p_idx, para in enumerate(section.paragraphs):
        for s in split_sentences(para):
            sentences.extend((piece, p_idx) for piece in _split_long(s, max_chars))
        paragraph_ends.add(len(sentences))
    pieces, buf, buf_len = [], [], 0
    for i, (s, p_idx) in enumerate(sentences):
        if buf and buf_len + len(s) > target:
            pieces.append(buf)
            buf, buf_len = [], 0
        buf.append((s, p_idx, i + 1 in paragraph_ends))
        buf_len += len(s)
    if buf:
        pieces.append(buf)
    # paragraphs stay visible inside a chunk as line breaks
    return [("".join(s + ("\n" if end else "") for s, _, end in piece).strip(),
             section.page_of(piece[0][1])) for piece in pieces]


def chunk_table_section(section: Section, max_chars: int) -> list[Piece]:
    rows = section.paragraphs
    caption = section.path[-1] if section.path and section.header.startswith(section.path[-1]) else ""
    whole = "\n".join(([caption] if caption else []) + rows).strip()
    if len(whole) <= max_chars:
        return [(whole, section.page)]
    header = section.header
    body = list(zip(rows, section.pages))
    if header and rows and header.endswith(rows[0]):
        body = body[1:]
    budget = max(max_chars - len(header), max_chars // 2)
    groups: list[Piece] = []
    buf, buf_page = "", None
    for row, page in body:
        for unit in _split_long(row, budget):
            if buf and len(buf) + len(unit) + 1 > budget:
                groups.append(((header + "\n" + buf).strip(), buf_page))
                buf = ""
            if not buf:
                buf_page = page
            buf = buf + "\n" + unit if buf else unit
    if buf:
        groups.append(((header + "\n" + buf).strip(), buf_page))
    return groups


def chunk_box_section(section: Section, target: int, max_chars: int) -> list[Piece]:
    text = "\n".join(section.paragraphs)
    if len(text) <= max_chars:
        return [(text, section.page)]
    units: list[Piece] = []
    for p_idx, para in enumerate(section.paragraphs):
        if len(para) <= max_chars:
            units.append((para, section.page_of(p_idx)))
        else:
            sub = Section(section.path, "text", [para], pages=[section.page_of(p_idx)])
            units.extend(chunk_text_section(sub, target, max_chars))
    packed: list[Piece] = []
    for unit, page in units:
        if packed and len(packed[-1][0]) + len(unit) + 1 <= max_chars:
            packed[-1] = (packed[-1][0] + "\n" + unit, packed[-1][1])
        else:
            packed.append((unit, page))
    return packed


def outline_chunks(sections: list[Section]) -> dict[int, Chunk]:
    """For each heading with two or more subheadings, a short chunk listing them in order:
    "报告分成哪几部分 / 提出了哪几个判断" is answered by a report's own headings, which no
    single passage holds. Keyed by the index of the section the outline goes before."""
    children: dict[tuple[str, ...], list[str]] = {}
    first_at: dict[tuple[str, ...], int] = {}
    for i, section in enumerate(sections):
        if section.kind == "table" or len(section.path) < 2:
            continue
        parent, child = tuple(section.path[:-1]), section.path[-1]
        kids = children.setdefault(parent, [])
        if child not in kids:
            kids.append(child)
            first_at.setdefault(parent, i)
    out: dict[int, Chunk] = {}
    for parent, kids in children.items():
        if len(kids) >= 2:
            page = sections[first_at[parent]].page
            out[first_at[parent]] = Chunk(text="\n".join([parent[-1], *kids]), section=" / ".join(parent),
                                          kind="outline", page=page)
    return out


def chunk_sections(sections: list[Section], target: int = 320, max_chars: int = 700,
                   min_chars: int = 40) -> list[Chunk]:
    """All chunks of a document, in reading order, numbered from 0. A section's first
    chunk starts with its heading line (a passage is read, and quoted, under its heading);
    outlines of subheadings come before the sections they list."""
    chunks: list[Chunk] = []
    outlines = outline_chunks(sections)
    headed: set[str] = set()
    for i, section in enumerate(sections):
        if i in outlines:
            chunks.append(outlines[i])
        if section.kind == "table":
            pieces = chunk_table_section(section, max_chars)
        elif section.kind == "box":
            pieces = chunk_box_section(section, target, max_chars)
        else:
            pieces = chunk_text_section(section, target, max_chars)
        heading = section.path[-1] if section.path and section.kind != "table" else ""
        for text, page in pieces:
            if not text.strip():
                continue
            if heading and section.path_text not in headed:
                headed.add(section.path_text)
                text = f"{heading}\n{text}"
            # a fragment too short to stand alone joins the previous chunk of its section
            if (len(text) < min_chars and chunks and chunks[-1].section == section.path_text
                    and chunks[-1].kind == section.kind and len(chunks[-1].text) + len(text) <= max_chars):
                chunks[-1].text = chunks[-1].text + text
                continue
            chunks.append(Chunk(text=text, section=section.path_text, kind=section.kind,
                                page=page))
    for i, c in enumerate(chunks):
        c.index = i
    return chunks
