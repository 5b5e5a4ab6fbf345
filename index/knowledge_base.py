"""The index of one home: Chroma (store of record), the BM25 index derived from it, the
embedder and the tokenizer, opened once and shared by ingest and retrieval."""
from __future__ import annotations

import fcntl
import os
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from core.errors import HomeLockedError
from core.settings import Settings

from core.chunk_meta import FILTER_KEYS
from index.embedder import CachedEmbedder, make_embedder
from index.lexical_index import LexicalIndex, Tokenizer
from index.store import ChunkStore
from core.vocab import Vocab, load_vocab


class Index:
    def __init__(self, settings: Settings, embedder: CachedEmbedder | None = None,
                 vocab: Vocab | None = None):
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)
        self.vocab = vocab or load_vocab(settings.vocab_path)
        self.embedder = embedder or make_embedder(settings.embedder, settings.cache_dir)
        self.store = ChunkStore(settings.index_dir, self.embedder, chroma_url=settings.chroma_url,
                                prefix=settings.collection)
        self._tokenizer: Tokenizer | None = None
        self._lexical: LexicalIndex | None = None
        self._lexical_generation: str | None = None  # the store generation it was last checked at
        self._lexical_lock = threading.Lock()
        self._unit_cache: dict[str, np.ndarray] = {}
        self._query_cache: dict[str, np.ndarray] = {}

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = Tokenizer(self.vocab)
        return self._tokenizer

    @property
    def lexical_path(self) -> Path:
        return self.settings.index_dir / f"bm25-{self.store.name}.pkl"

    # --- the derived BM25 index ---------------------------------------------------
    def lexical(self, check: bool = True) -> LexicalIndex:
        """The BM25 index, loaded from disk or rebuilt when Chroma's content changed.

        ``check=False`` trusts an index already in memory (one process that did not
        write since it last checked)."""
        if self._lexical is not None and not check:
            return self._lexical
        # fast path: nothing was written since this index was checked against Chroma
        generation = self.store.generation()
        if generation is None:
            generation = uuid.uuid4().hex
            self.store.set_generation(generation)
        settled = not generation.startswith("writing:")
        if settled and self._lexical is not None and self._lexical_generation == generation:
            return self._lexical
        with self._lexical_lock:  # one thread checks and rebuilds; the others then take the fast path
            if settled and self._lexical is not None and self._lexical_generation == generation:
                return self._lexical
            return self._check_lexical(generation, settled)

    def _check_lexical(self, generation: str, settled: bool) -> LexicalIndex:
        """The slow path: compare the collection's fingerprint (all ids), load or rebuild."""
        fingerprint = self.fingerprint()
        if self._lexical is None or self._lexical.fingerprint != fingerprint:
            loaded = LexicalIndex.load(self.lexical_path)
            if loaded is not None and loaded.fingerprint == fingerprint:
                self._lexical = loaded
            else:
                self._lexical = self.rebuild_lexical(fingerprint)
        self._lexical_generation = generation if settled else None
        return self._lexical

    def fingerprint(self) -> str:
        """What the BM25 index is checked against: the collection's ids and the vocabulary
        (which decides how texts are tokenized)."""
        return f"{self.store.fingerprint()}:{self.vocab.digest}"

    def rebuild_lexical(self, fingerprint: str | None = None) -> LexicalIndex:
        fingerprint = fingerprint or self.fingerprint()
        ids, texts, metas = [], [], []
        for cid, text, meta in self.store.iter_all():
            ids.append(cid)
            texts.append(lexical_text(text or "", meta))
            metas.append({k: meta[k] for k in FILTER_KEYS if k in meta})
        tokens = (self.tokenizer.tokenize(t) for t in texts)  # one chunk's tokens at a time
        index = LexicalIndex.build(ids, tokens, metas, fingerprint)
        del texts
        index.save(self.lexical_path)
        return index

    def lexical_is_fresh(self) -> bool:
        loaded = self._lexical or LexicalIndex.load(self.lexical_path)
        return loaded is not None and loaded.fingerprint == self.fingerprint()

    def embed_query(self, text: str) -> np.ndarray:
        """A query vector; the last few are remembered (retrieval and evidence scoring of
        one question both need it)."""
        v = self._query_cache.get(text)
        if v is None:
            v = self.embedder.embed_query(text)
            self._remember_query(text, v)
        return v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Several short queries at once (the parts of a question): one call to the model."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._query_cache]
        if todo:
            for t, v in zip(todo, self.embedder.embed_queries(todo)):
                self._remember_query(t, v)
        return np.stack([self._query_cache[t] for t in texts]) if texts else np.zeros((0, self.embedder.dim), np.float32)

    def forget_queries(self) -> None:
        """Drop the remembered query vectors: a benchmark timing each retrieval mode over the
        same questions must embed them again, as a new question is."""
        self._query_cache.clear()

    def _remember_query(self, text: str, vec: np.ndarray) -> None:
        if len(self._query_cache) >= 256:
            self._query_cache.pop(next(iter(self._query_cache)))
        self._query_cache[text] = vec

    def unit_vectors(self, texts: list[str]) -> np.ndarray:
        """Vectors of evidence units, embedded at ingest and looked up by content hash (a
        small in-memory cache in front of the SQLite one). A unit missing from the cache
        (another machine ingested it) is embedded once and cached, never per query."""
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        missing: list[int] = []
        for i, t in enumerate(texts):
            v = self._unit_cache.get(t)
            if v is None:
                missing.append(i)
            else:
                out[i] = v
        if missing:
            todo = list(dict.fromkeys(texts[i] for i in missing))
            vecs = self.embedder.embed_passages(todo)
            if len(self._unit_cache) > 200_000:
                self._unit_cache.clear()
            self._unit_cache.update(zip(todo, vecs))
            for i in missing:
                out[i] = self._unit_cache[texts[i]]
        return out

    # --- writers hold the home lock -------------------------------------------------
    @contextmanager
    def write_lock(self):
        """Only one writer per home: a second concurrent ingest is refused, never interleaved."""
        path = self.settings.home / ".ingest.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise HomeLockedError(
                    f"另一个导入任务正在写入数据目录 {self.settings.home}，请等它完成后再试") from None
            try:
                # readers take the slow, exact freshness check while this write is under way
                # (and after a crash in it, until the next write completes)
                self.store.set_generation(f"writing:{uuid.uuid4().hex}")
                yield
                self.store.set_generation(uuid.uuid4().hex)
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def lexical_text(text: str, meta: dict) -> str:
    """What BM25 sees: the section path (headings name the topic) and the chunk text."""
    return f"{meta.get('section', '')}\n{text}"


def embedding_text(text: str, section: str) -> str:
    """What the embedder sees: the last two headings give a short passage its topic (the
    last one only once when the passage already starts with it)."""
    heads = section.split(" / ")[-2:] if section else []
    if heads and text.startswith(heads[-1]):
        heads = heads[:-1]
    tail = " / ".join(heads)
    return f"{tail}\n{text}" if tail else text
