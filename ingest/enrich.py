"""Metadata a chunk carries beyond its text: the regions and years it mentions, which
questions filter and compare by."""
from __future__ import annotations

import re

from core.chunk_meta import ChunkMeta
from core.vocab import Vocab

_YEAR = re.compile(r"(?<!\d)((?:19[89]|20[0-4])\d)(?:\s*[-—–~～至到]\s*((?:19[89]|20[0-4])\d))?\s*年")


def find_years(text: str) -> list[int]:
    years: set[int] = set()
    for m in _YEAR.finditer(text):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else start
        if 0 <= end - start <= 10:
            years.update(range(start, end + 1))
        else:
            years.update({start, end})
    return sorted(years)


_ACTION = re.compile(r"建设|建成|打造|推出|发布|实施|开放|组建|出台|搭建|构建|开展|上线|建立|试点|探索|成立")


def detect_tags(text: str, synonyms: dict[str, list[str]]) -> list[str]:
    """Controlled tags whose name or synonym occurs in the text, in vocabulary order."""
    return [tag for tag, words in synonyms.items() if any(w in text for w in [tag, *words])]


def detect_domain(text: str, keywords: dict[str, list[str]]) -> str:
    counts = {d: sum(text.count(w) for w in words) for d, words in keywords.items()}
    best = max(counts, key=counts.get, default="")
    return best if best and counts[best] > 0 else ""


def case_facets(text: str, vocab: Vocab) -> ChunkMeta:
    """Facets of a passage, so that ingested reports enlarge the case library: tags from
    vocab.yaml's synonyms, a domain by keyword, and whether a named place does something
    concrete in it (``case_like``)."""
    syn = vocab.raw.get("tag_synonyms", {})
    return {"technologies": detect_tags(text, syn.get("technologies", {})),
            "mechanisms": detect_tags(text, syn.get("mechanisms", {})),
            "domain": detect_domain(text, vocab.raw.get("domain_keywords", {})),
            "case_like": bool(vocab.find_regions(text)) and bool(_ACTION.search(text))}


def chunk_metadata(text: str, section: str, vocab: Vocab) -> ChunkMeta:
    """Regions and years named in a chunk (its section path counts too)."""
    scope = section + "\n" + text
    return {"cities": vocab.find_regions(scope), "years": find_years(scope)}
