"""Which sentences of a cited passage an answer sentence comes from, shared by the UI
(highlighted in the citation card) and the CLI (an excerpt around the cited sentence)."""
from __future__ import annotations

import re

from .verify import MARKER

SENTENCE = re.compile(r"[^。！？；\n]+[。！？；]?")
_SPACE = re.compile(r"\s+")


def _bigrams(text: str) -> set[str]:
    s = _SPACE.sub("", text)
    return {s[i:i + 2] for i in range(len(s) - 1)}


def cited_sentences(answer: str) -> dict[int, list[str]]:
    """The answer's sentences by the marker they carry: {n: [sentence without markers]}."""
    out: dict[int, list[str]] = {}
    for piece in re.findall(r"[^。！？；\n]*[。！？；]?(?:\[\d+\])+", answer):
        text = MARKER.sub("", piece).strip()
        for n in {int(m) for m in MARKER.findall(piece)}:
            out.setdefault(n, []).append(text)
    return out


def cited_parts(passage: str, sentences: list[str]) -> tuple[list[str], set[int]]:
    """The passage split into sentences, and the indexes of those best matching the cited
    answer sentences (verbatim for extracts, by bigram overlap for an LLM's wording)."""
    parts = SENTENCE.findall(passage) or [passage]
    chosen: set[int] = set()
    for s in sentences:
        target = _bigrams(s)
        if not target:
            continue
        scores = [len(target & _bigrams(p)) / len(target) for p in parts]
        best = max(range(len(parts)), key=lambda i: scores[i])
        if scores[best] >= 0.3:
            chosen.add(best)
    return parts, chosen


def excerpt(passage: str, sentences: list[str], context: int = 30, width: int = 160) -> tuple[str, str, str]:
    """(before, cited, after): the first cited sentence with up to ``context`` characters
    either side, whitespace collapsed; no match → the passage's start as ``before``."""
    parts, chosen = cited_parts(" ".join(passage.split()), sentences)
    if not chosen:
        text = "".join(parts)
        return (text[:width] + ("…" if len(text) > width else "")), "", ""
    i = min(chosen)
    cited = parts[i].strip()
    if len(cited) > width:
        cited = cited[:width] + "…"
    before, after = "".join(parts[:i]), "".join(parts[i + 1:])
    before = ("…" + before[-context:].lstrip()) if len(before) > context else before
    after = (after[:context].rstrip() + "…") if len(after) > context else after
    return before, cited, after
