"""What every loader returns, and the helpers they share."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

OcrMode = Literal["auto", "off", "force"]
OCR_MODES = ("auto", "off", "force")


@dataclass
class Page:
    number: int | None  # 1-based page (or sheet, slide) number where the format has them
    text: str
    ocr_confidence: float | None = None  # mean recognition score when the text came from OCR


@dataclass
class LoadOptions:
    """How to read a file. ``ocr``: auto (pages without a text layer), off, force (every
    page); ``progress(done, total, what)`` reports per-page work such as OCR."""
    ocr: OcrMode = "auto"
    progress: Callable[[int, int, str], None] | None = None


@dataclass
class Loaded:
    """A loader's result, before normalisation."""
    pages: list[Page]
    title: str | None = None
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # e.g. low-confidence OCR pages


@dataclass
class LoadedDocument:
    path: Path
    name: str
    title: str
    pages: list[Page]
    file_hash: str
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def too_large(size: int, limit: int) -> str:
    return f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB"


_INSTITUTION = re.compile(r"(研究院|研究所|研究中心|委员会|大学|学院|有限公司|出版社|办公室|版权声明)\s*$")


def guess_title(pages: list[Page]) -> str | None:
    """The first short line that reads like a title (no sentence-ending punctuation)."""
    for page in pages[:2]:
        for raw in page.text.splitlines()[:40]:
            line = raw.strip().lstrip("#").strip().strip("*").strip()
            if 4 <= len(line) <= 40 and not re.search(r"[。；！？，,.]$", line) \
                    and not re.fullmatch(r"[\d\s\-—年月()（）]+", line) \
                    and not _INSTITUTION.search(line):
                return line
    return None
