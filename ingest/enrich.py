"""Metadata a chunk carries beyond its text: the regions and years it mentions, which
questions filter and compare by."""
from __future__ import annotations

import re

from .vocab import Vocab

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


def chunk_metadata(text: str, section: str, vocab: Vocab) -> dict:
    """Regions and years named in a chunk (its section path counts too)."""
    scope = section + "\n" + text
    return {"cities": vocab.find_regions(scope), "years": find_years(scope)}
