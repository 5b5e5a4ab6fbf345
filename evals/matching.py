"""The contract's matching rule between a retrieved chunk and an evidence quote.

Both are normalised (Unicode NFKC, all whitespace removed, ``*`` removed); the chunk
matches when it contains the quote, or when their longest common substring is at
least 80% of the quote's length (a quote may straddle a chunk boundary or a cleaned
footnote marker).
"""
from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

MIN_SHARE = 0.8
_WS = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _WS.sub("", unicodedata.normalize("NFKC", text)).replace("*", "")


def longest_common_substring(a: str, b: str) -> int:
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def chunk_matches(chunk_text: str, quote: str) -> bool:
    c, q = normalize(chunk_text), normalize(quote)
    if not q:
        return False
    if q in c:
        return True
    return longest_common_substring(c, q) >= MIN_SHARE * len(q)


def evidence_matches(chunk_text: str, chunk_doc: str, evidence: dict) -> bool:
    """A chunk supports an evidence item when it comes from the quoted document and matches."""
    if chunk_doc and evidence.get("doc") and chunk_doc != evidence["doc"]:
        return False
    return chunk_matches(chunk_text, evidence["quote"])
