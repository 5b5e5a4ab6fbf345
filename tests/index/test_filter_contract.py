"""Filters mean the same on both sides of retrieval: the Chroma ``where`` built from a
``Filters`` and the BM25 index's mask select the same chunks, over a small real index
(embedded Chroma, and a real ``chroma run`` server)."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.retrieve import Filters
from core.settings import PROJECT_ROOT
from core.chunk_meta import BUILTIN
from index.knowledge_base import Index
from ingest.pipeline import ingest_paths

from tests.conftest import store_settings

pytestmark = pytest.mark.store

CORPUS = PROJECT_ROOT / "corpus"
DOCS = {  # name: (text, access label)
    "wuxi.txt": ("一、无锡\n\n无锡2024年开放了85个场景机会，建设城市全域数字化转型。\n\n"
                 "二、江阴\n\n江阴市2023年上线城市生命线安全监测平台。", "公开"),
    "hefei.txt": ("一、合肥\n\n合肥2023年预留5%预算专项用于新场景建设，发布场景清单。", "内部"),
    "shenzhen.txt": ("一、深圳\n\n深圳2025年推进城市+AI应用场景，开放低空经济场景。", "规划局"),
    "notes.txt": ("一、方法\n\n场景清单的编制方法：征集、评审、发布。", "公开"),
}
FILTERS = [
    Filters(),
    Filters(docs=("wuxi.txt",)),
    Filters(docs=("wuxi.txt", "hefei.txt")),
    Filters(cities=("无锡",)),
    Filters(cities=("合肥", "深圳")),
    Filters(cities=("江苏",)),
    Filters(years=(2023,)),
    Filters(years=(2024, 2025)),
    Filters(exclude_origin=BUILTIN),
    Filters(cases_only=True),
    Filters(access=("公开",)),
    Filters(access=("公开", "内部")),
    Filters(access=()),
    Filters(cities=("无锡",), years=(2023,)),
    Filters(cities=("无锡",), exclude_origin=BUILTIN, access=("公开",)),
    Filters(docs=("hefei.txt", "shenzhen.txt"), years=(2023, 2025), cases_only=True),
]
BACKENDS = ["embedded", pytest.param("server", marks=pytest.mark.slow)]


@pytest.fixture(scope="module", params=BACKENDS)
def index(request, tmp_path_factory):
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    root = tmp_path_factory.mktemp("filters")
    settings = store_settings(root / "home", use_builtin=False, builtin_corpus=None, chroma_url=url)
    index = Index(settings)
    for name, (text, label) in DOCS.items():
        (root / name).write_text(text, encoding="utf-8")
        ingest_paths(index, [root / name], access=label, progress=False)
    card = CORPUS / "cases" / "wuxi-super-scenarios.yaml"
    ingest_paths(index, [card], origin=BUILTIN, progress=False)
    return index


def _chroma_selects(index: Index, filters: Filters) -> set[str]:
    where = filters.where()
    return set(index.store.all_ids()) if where is None else {i for i, _, _ in index.store.find(where)}


def _bm25_selects(index: Index, filters: Filters) -> set[str]:
    lex = index.lexical()
    return {lex.ids[row] for row in np.flatnonzero(lex.mask(filters))}


@pytest.mark.parametrize("filters", FILTERS, ids=repr)
def test_where_and_mask_select_the_same_chunks(index, filters):
    assert _chroma_selects(index, filters) == _bm25_selects(index, filters)


def test_the_filters_tell_the_chunks_apart(index):
    """The index is one where the filters matter: most of them select some chunks, not all."""
    total = len(index.store.all_ids())
    sizes = [len(_chroma_selects(index, f)) for f in FILTERS[1:]]
    assert total > 5 and sum(0 < n < total for n in sizes) >= len(sizes) - 2, sizes
