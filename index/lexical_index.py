"""BM25 over jieba tokens, beside Chroma (local Chroma has no sparse index).

The index is derived from the collection's texts, saved with the collection's
fingerprint, and rebuilt when the fingerprint no longer matches: it is never edited
on its own. Scoring is one sparse column-sum, so it stays fast at 100k chunks.
"""
from __future__ import annotations

import logging
import os
import pickle
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from scipy import sparse

from core.chunk_meta import BUILTIN
from core.vocab import Vocab

K1 = 1.5
B = 0.75
_KEEP = re.compile(r"[\w%％]", re.UNICODE)


@lru_cache(maxsize=1)
def load_stopwords() -> frozenset[str]:
    text = resources.files("index").joinpath("resources/stopwords_zh.txt").read_text(encoding="utf-8")
    return frozenset(w.strip() for w in text.splitlines() if w.strip())


class Tokenizer:
    """jieba (search mode) with the domain dictionary: domain terms and region names stay
    whole ("揭榜挂帅", "苏州工业园区"), Chinese stopwords and punctuation are dropped."""

    def __init__(self, vocab: Vocab):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self.vocab = vocab
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in list(vocab.terms) + list(vocab.regions) + list(vocab.aliases):
            self._jieba.add_word(word, freq=200000)
            self._jieba.suggest_freq(word, tune=True)
        self.stopwords = load_stopwords()
        self._pos = None  # part-of-speech tagger, made on first use (questions only)

    def tokenize(self, text: str) -> list[str]:
        out = []
        for tok in self._jieba.cut_for_search(text.lower(), HMM=True):
            tok = tok.strip()
            if not tok or tok in self.stopwords or not _KEEP.search(tok):
                continue
            out.append(tok)
        return out

    def tags(self, text: str) -> list[tuple[str, str]]:
        """The words of ``text`` with jieba's part-of-speech tags, in order; domain terms
        are untagged ("x"). For questions only: the tagger is made on first use."""
        if self._pos is None:
            import jieba.posseg

            self._pos = jieba.posseg.POSTokenizer(self._jieba)
        return [(w.word, w.flag) for w in self._pos.cut(text.lower())]

    def is_word(self, text: str) -> bool:
        """A word of jieba's dictionary or the domain's, not a cut jieba guessed ("钱建")."""
        return self._jieba.FREQ.get(text, 0) > 0


@dataclass
class LexicalHit:
    row: int
    score: float


class LexicalIndex:
    """A BM25 weight matrix (chunks x terms) plus the per-row ids and filter metadata."""

    def __init__(self, ids: list[str], vocab_index: dict[str, int], weights: sparse.csc_matrix,
                 idf: np.ndarray, metas: list[dict], fingerprint: str):
        self.ids = ids
        self.vocab_index = vocab_index
        self.weights = weights
        self.idf_values = idf
        self.metas = metas
        self.fingerprint = fingerprint
        self.row_of = {i: r for r, i in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], token_lists, metas: list[dict], fingerprint: str) -> "LexicalIndex":
        """BM25 weights from token lists (any iterable, consumed once). Term counts are
        kept as small numpy arrays per chunk, never as Python lists of every posting:
        at 100k chunks that difference is over a gigabyte."""
        vocab_index: dict[str, int] = {}
        row_parts, col_parts, val_parts = [], [], []
        lengths = np.zeros(len(ids), dtype=np.float32)
        for r, toks in enumerate(token_lists):
            lengths[r] = len(toks)
            if not toks:
                continue
            cols = np.fromiter((vocab_index.setdefault(t, len(vocab_index)) for t in toks), dtype=np.int32,
                               count=len(toks))
            uniq, counts = np.unique(cols, return_counts=True)
            row_parts.append(np.full(len(uniq), r, dtype=np.int32))
            col_parts.append(uniq)
            val_parts.append(counts.astype(np.float32))
        rows = np.concatenate(row_parts) if row_parts else np.zeros(0, dtype=np.int32)
        cols = np.concatenate(col_parts) if col_parts else np.zeros(0, dtype=np.int32)
        tf = np.concatenate(val_parts) if val_parts else np.zeros(0, dtype=np.float32)
        del row_parts, col_parts, val_parts
        n = max(len(ids), 1)
        df = np.bincount(cols, minlength=len(vocab_index)).astype(np.float32)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        avgdl = float(lengths.mean()) if len(ids) else 1.0
        norm = K1 * (1 - B + B * lengths / max(avgdl, 1e-6))
        w = tf * (K1 + 1) / (tf + norm[rows]) * idf[cols]
        weights = sparse.csc_matrix((w.astype(np.float32), (rows, cols)), shape=(len(ids), len(vocab_index)))
        return cls(ids, vocab_index, weights, idf, metas, fingerprint)

    def __len__(self) -> int:
        return len(self.ids)

    def knows(self, token: str) -> bool:
        """Some indexed passage has the token."""
        return token in self.vocab_index

    def idf(self, token: str) -> float:
        """Inverse document frequency; a term the corpus never uses counts as rare."""
        c = self.vocab_index.get(token)
        if c is None:
            return float(np.log(1.0 + (len(self.ids) + 0.5) / 0.5))
        return float(self.idf_values[c])

    def mask(self, filters) -> np.ndarray:
        """Rows passing ``filters`` (anything with ``matches(meta)`` and hashable), computed
        once per distinct filter: a reader's access filter repeats on every query, and
        testing 100k metadata dicts each time would cost more than the search."""
        cache = self.__dict__.setdefault("_masks", {})
        found = cache.get(filters)
        if found is None:
            if len(cache) >= 256:
                cache.clear()
            found = np.fromiter((filters.matches(m) for m in self.metas), dtype=bool, count=len(self.metas))
            cache[filters] = found
        return found

    def documents(self) -> frozenset[str]:
        """The names of the user's own documents in the index (not the built-in corpus)."""
        found = self.__dict__.get("_documents")
        if found is None:
            found = self.__dict__["_documents"] = frozenset(
                m.get("source", "") for m in self.metas if m.get("origin") != BUILTIN)
        return found

    def search(self, tokens: list[str], n: int, mask: np.ndarray | None = None) -> list[LexicalHit]:
        cols = [self.vocab_index[t] for t in tokens if t in self.vocab_index]
        if not cols or not len(self.ids):
            return []
        scores = np.asarray(self.weights[:, cols].sum(axis=1)).ravel()
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(n, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [LexicalHit(int(r), float(scores[r])) for r in top]

    # --- persistence ----------------------------------------------------------------
    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.tmp")  # concurrent writers never share one
        with open(tmp, "wb") as f:
            pickle.dump({"version": 1, "ids": self.ids, "vocab": self.vocab_index,
                         "weights": self.weights, "idf": self.idf_values, "metas": self.metas,
                         "fingerprint": self.fingerprint}, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # atomic: a crash never leaves half an index

    @classmethod
    def load(cls, path: Path) -> "LexicalIndex | None":
        try:
            with open(path, "rb") as f:
                d = pickle.load(f)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
            return None
        if not isinstance(d, dict) or d.get("version") != 1:
            return None
        return cls(d["ids"], d["vocab"], d["weights"], d["idf"], d["metas"], d["fingerprint"])
