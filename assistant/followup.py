"""Follow-up questions: rewrite a question that leans on the conversation ("那合肥呢？",
"它的预算是多少？") into a standalone one before retrieval, and show the user the
rewrite, so that what was searched is never a guess they cannot see.

Rules, not a model: the default generator runs without an LLM. They cover the three
ways Chinese follow-ups depend on the previous question: an elliptical "X呢" that swaps
the place or year, a pronoun (它、该市、当地…) standing for the place, and a short
question that names no place at all.
"""
from __future__ import annotations

import re

from ingest.enrich import find_years
from core.vocab import Vocab

_LEAD = re.compile(r"^(那么|那|还有|另外|此外|以及|再问一下|再问|同样地?|请问)[，,、\s]*")
_TAIL = re.compile(r"[呢吗嘛啊？?。！!\s]+$")
_PRONOUN = re.compile(r"(该市|该省|该区|该县|该地区?|该城市|这个城市|那个城市|这座城市|这里|那里|当地|"
                      r"它们|它|其|他们|上述城市|这些城市)")
_YEAR = re.compile(r"(19|20)\d{2}\s*年?")
_SHORT = 12  # characters: shorter questions with no place rarely stand alone


def rewrite_followup(question: str, previous: list[str], vocab: Vocab) -> str:
    """The standalone form of ``question`` given the earlier standalone questions
    (oldest first); the question itself when it does not depend on them."""
    q = question.strip()
    prev = next((p for p in reversed(previous) if p and p.strip()), "")
    if not q or not prev:
        return q
    prev = prev.strip()
    own_places = vocab.region_spans(q)
    own_years = find_years(q)
    core = _TAIL.sub("", _LEAD.sub("", q))

    # 1. "那合肥呢？" / "2024年呢？": the previous question with its place or year swapped
    if re.search(r"呢[？?。！!\s]*$", q) and len(core) <= _SHORT and (own_places or own_years):
        out = prev
        if own_places:
            new_place = _text_at(q, own_places[0])
            spans = vocab.region_spans(out)
            out = _replace_spans(out, spans, new_place) if spans else f"{new_place}{out}"
        if own_years:
            new_year = f"{own_years[0]}年"
            out = _YEAR.sub(new_year, out, count=1) if _YEAR.search(out) else f"{new_year}{out}"
        return out

    prev_places = vocab.region_spans(prev)
    place = _text_at(prev, prev_places[0]) if prev_places else ""
    # 2. a pronoun stands for the place asked about before
    if place and not own_places and _PRONOUN.search(q):
        return _PRONOUN.sub(place, q, count=1)
    # 3. "X呢？" with no place or year: the new topic, asked of the previous place
    if re.search(r"呢[？?。！!\s]*$", q) and len(core) <= _SHORT:
        return f"{place}{core}的情况如何？" if place else f"{prev.rstrip('？?。')}，{core}呢？"
    # 4. short, names no place, while the previous question did: ask it of that place
    if place and not own_places and (len(core) <= _SHORT or _LEAD.match(q)):
        return f"{place}{core}？" if not q.endswith(("？", "?")) else f"{place}{_LEAD.sub('', q)}"
    return q


def _text_at(text: str, span: tuple[int, int]) -> str:
    return text[span[0]:span[1]]


def _replace_spans(text: str, spans: list[tuple[int, int]], new: str) -> str:
    """Replace the first named place with ``new`` and drop repeats of the same name."""
    first = _text_at(text, spans[0])
    out, last = [], 0
    for i, (a, b) in enumerate(spans):
        if i and _text_at(text, (a, b)) != first:
            continue
        out.append(text[last:a])
        out.append(new)
        last = b
    out.append(text[last:])
    return "".join(out)
