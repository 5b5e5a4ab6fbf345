"""The built-in knowledge base is written in the project's own words: no brief shares a
run of 25 or more characters with a seed report (after NFKC and whitespace removal)."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
RUN = 25


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def shared_run(text: str, seeds: list[str]) -> str | None:
    for i in range(0, max(len(text) - RUN + 1, 0)):
        piece = text[i:i + RUN]
        if any(piece in s for s in seeds):
            return piece
    return None


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".md", ".yaml") and p.name != "vocab.yaml")


def test_corpus_is_not_empty():
    assert len(corpus_files()) >= 6


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_own_words(path, seeds_dir):
    seeds = [squash(p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))]
    body = path.read_text(encoding="utf-8")
    if body.startswith("---"):
        body = body.split("---", 2)[2]  # front matter holds titles, which are names, not prose
    assert shared_run(squash(body), seeds) is None, f"{path.name} copies seed text"
