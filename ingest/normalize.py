"""Targeted Unicode clean-up of extracted text, applied to every loader's output.

PDF fonts often map glyphs to look-alike code points: 工作 comes out as ⼯作 (Kangxi
Radicals), 民生 as ⺠⽣ and 意见 as 意⻅ (CJK Radicals Supplement), 﨑 as a compatibility
ideograph, "fi" as the ligature ﬁ. Tokenizer, BM25 and embedder all miss such words.
Plain NFKC would fix most of it but also turn Chinese full-width punctuation (，。：；)
into ASCII, which the structure and sentence passes rely on, so only these ranges are
mapped:

- Kangxi Radicals, CJK compatibility ideographs (and supplement), alphabetic
  presentation forms (ligatures): their NFKC form;
- CJK Radicals Supplement: ``resources/cjk_radicals.txt`` (Unicode's equivalent unified
  ideographs; NFKC covers only two of them);
- full-width digits and Latin letters → ASCII, so ``１２０个`` matches ``120个``;
- private-use glyphs, zero-width characters and soft hyphens: removed.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

_RADICALS_FILE = Path(__file__).with_name("resources") / "cjk_radicals.txt"

_NFKC_RANGES = [
    (0x2F00, 0x2FD5),    # Kangxi Radicals
    (0xF900, 0xFAFF),    # CJK Compatibility Ideographs
    (0x2F800, 0x2FA1F),  # CJK Compatibility Ideographs Supplement
    (0xFB00, 0xFB06),    # Latin ligatures ﬀ ﬁ ﬂ ﬃ ﬄ ﬅ ﬆ
    (0xFF10, 0xFF19),    # full-width digits
    (0xFF21, 0xFF3A),    # full-width capitals
    (0xFF41, 0xFF5A),    # full-width small letters
]
_REMOVED = [(0xE000, 0xF8FF),  # private use: glyphs with no meaning outside their font
            (0x200B, 0x200D), (0xFEFF, 0xFEFF), (0x00AD, 0x00AD), (0x2060, 0x2060)]


@lru_cache(maxsize=1)
def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for lo, hi in _NFKC_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            mapped = unicodedata.normalize("NFKC", ch)
            if mapped != ch:
                table[cp] = mapped
    for raw in _RADICALS_FILE.read_text(encoding="utf-8").splitlines():
        fields = raw.split("#", 1)[0].split()
        if len(fields) == 2:
            table[int(fields[0], 16)] = chr(int(fields[1], 16))
    for lo, hi in _REMOVED:
        for cp in range(lo, hi + 1):
            table[cp] = None
    return table


def normalize_text(text: str) -> str:
    """``text`` with look-alike code points replaced; punctuation left as it is."""
    if not text or text.isascii():
        return text
    return text.translate(_table())


def has_lookalikes(text: str) -> bool:
    """True when ``text`` still holds a code point that :func:`normalize_text` maps
    (benchmarks use it to check that no chunk carries a radical)."""
    table = _table()
    return any(ord(ch) in table for ch in text)
