"""Checks a draft must pass, shared by the drafts benchmark (evals/bench/drafts.py) and the tests:
every cited number is in the passage cited, and another place's policy is labelled as that place's.

The asked city is the first place the request names that it does not ask to cite
("为合肥起草…", not "引用上海的做法"); none means every named place is another's.
"""
from __future__ import annotations

import re

from evals.matching import normalize

CITED = re.compile(r"([^\[\]\n]+?)((?:\[\d+\])+)")


def citation_checks(draft) -> list[bool]:
    """One verdict per cited sentence: its numbers are in every passage it cites."""
    refs = {r.n: normalize(r.quote) for r in draft.references}
    verdicts = []
    for section in draft.sections:
        texts = [b.text for b in section.blocks] + [c for b in section.blocks for row in b.rows for c in row]
        for text in texts:
            for m in CITED.finditer(text):
                markers = [int(x) for x in re.findall(r"\d+", m.group(2))]
                numbers = re.findall(r"\d+(?:\.\d+)?", normalize(m.group(1)))
                ok = all(n in refs for n in markers) and all(
                    num in refs[n] for n in markers if n in refs for num in numbers)
                verdicts.append(ok)
    return verdicts


CITE_WORDS = re.compile(r"引用|参照|参考|对标|借鉴|学习|外地|其他")


def asked_city(vocab, question: str) -> str | None:
    """The asker's city as the request states it (independent of the drafter's reading)."""
    for start, end in vocab.region_spans(question):
        if not CITE_WORDS.search(question[max(0, start - 8):start]):
            return vocab.canonical(question[start:end])
    return None


def _first_place(vocab, text: str) -> str | None:
    spans = vocab.region_spans(text or "")
    return vocab.canonical(text[spans[0][0]:spans[0][1]]) if spans else None


def _own(vocab, place: str, city: str | None) -> bool:
    return bool(city) and (place == city or city in vocab.ancestors(place) or place in vocab.ancestors(city))


def unlabelled_other_places(draft, vocab, city: str | None) -> list[str]:
    """Cited sentences stating another place's text without naming it as a benchmark."""
    refs = {r.n: r for r in draft.references}
    out = []
    for section in draft.sections:
        for block in section.blocks:
            if block.kind != "p":
                continue
            for m in CITED.finditer(block.text):
                markers = [int(x) for x in re.findall(r"\d+", m.group(2))]
                place = _first_place(vocab, m.group(1))
                for n in markers if place is None else ():
                    r = refs.get(n)
                    place = r and (_first_place(vocab, r.section) or _first_place(vocab, r.title))
                    if place:
                        break
                if not place or _own(vocab, place, city):
                    continue
                head = block.text[:m.end()]
                labels = [f"对标参考：{place}", f"参照（{place}）", f"（{place}）"]
                if not any(lab in head for lab in labels) and not re.search(r"对标参考：|参照（", head):
                    out.append(m.group(1).strip())
    return out
