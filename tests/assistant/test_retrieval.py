"""Retrieval on a small fixture: hybrid finds what either side alone misses; filters and
near-duplicate removal."""
from __future__ import annotations

import pytest

from assistant.retrieve import Filters, reciprocal_rank_fusion
from tests.docmaker import write_text

pytestmark = pytest.mark.store

FIXTURE = {
    # found by meaning: shares almost no words with the question below
    "elderly.txt": "一、居家养老\n\n独居老人家中的水表和电表读数如果长时间没有变化，系统会自动提醒社区网格员上门查看，让子女放心。",
    # found by exact terms: an identifier and a figure that embeddings blur
    "code.txt": "一、编号规则\n\n场景编号SCN-2025-0471对应临港智能网联测试道路，测试里程共计1368公里。",
    "noise1.txt": "一、交通\n\n公交到站预报系统提升了市民出行的确定性，减少候车时间。",
    "noise2.txt": "一、政务\n\n企业开办实现全流程网上办理，营业执照当天领取。",
    "noise3.txt": "一、环境\n\n河道水质监测站每小时上传一次数据，超标自动告警。",
    "noise4.txt": "一、停车\n\n智慧停车平台整合路内路外泊位，提供导航与无感支付。",
    "wuxi.txt": "一、无锡\n\n2025年，无锡发布城市级超级场景，开放85个场景机会。",
    "hefei.txt": "一、合肥\n\n2024年，合肥预留5%预算专项用于新场景建设，开放场景机会。",
}


@pytest.fixture
def fixture_assistant(assistant, tmp_path):
    folder = tmp_path / "fixture"
    folder.mkdir()
    for name, text in FIXTURE.items():
        write_text(folder / name, text)
    assistant.ingest([folder], progress=False)
    return assistant


def top_docs(assistant, query, mode, k=3, **kw):
    return [c.doc for c in assistant.retriever.retrieve(query, mode=mode, k=k, **kw)]


def test_hybrid_finds_what_each_side_misses(fixture_assistant):
    a = fixture_assistant
    paraphrase = "怎样发现一个人住的老年人在家出了意外"
    exact = "SCN-2025-0471"
    # each single mode has a blind spot on this fixture …
    assert "elderly.txt" not in top_docs(a, paraphrase, "lexical", k=1)
    assert top_docs(a, paraphrase, "dense", k=1) == ["elderly.txt"]
    assert top_docs(a, exact, "lexical", k=1) == ["code.txt"]
    # … and hybrid ranks both answers at the top
    assert top_docs(a, paraphrase, "hybrid", k=2)[0] == "elderly.txt"
    assert top_docs(a, exact, "hybrid", k=2)[0] == "code.txt"


def test_rrf_formula():
    scores = reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=60, weights=[1.0, 0.5])
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["b"] == pytest.approx(1 / 62 + 0.5 / 61)
    assert scores["c"] == pytest.approx(0.5 / 62)


@pytest.mark.parametrize("mode", ["dense", "lexical", "hybrid"])
def test_filters_by_document_city_and_year(fixture_assistant, mode):
    a = fixture_assistant
    q = "开放场景机会"
    assert set(top_docs(a, q, mode, k=5, filters=Filters(cities=("无锡",)))) == {"wuxi.txt"}
    assert set(top_docs(a, q, mode, k=5, filters=Filters(years=(2024,)))) == {"hefei.txt"}
    assert set(top_docs(a, q, mode, k=5, filters=Filters(docs=("noise1.txt", "hefei.txt")))) <= {"noise1.txt", "hefei.txt"}
    # a province matches its cities
    assert set(top_docs(a, q, mode, k=5, filters=Filters(cities=("江苏",)))) == {"wuxi.txt"}


def test_near_duplicates_are_removed(assistant, tmp_path):
    text = "一、无锡\n\n2025年，无锡发布城市级超级场景，开放85个场景机会和192个场景能力，合作金额突破40亿元。"
    write_text(tmp_path / "copy1.txt", text)
    write_text(tmp_path / "copy2.txt", text.replace("40亿元", "40 亿元"))
    write_text(tmp_path / "other.txt", "一、合肥\n\n合肥预留5%预算用于新场景建设。")
    assistant.ingest([tmp_path / "copy1.txt", tmp_path / "copy2.txt", tmp_path / "other.txt"], progress=False)
    docs = top_docs(assistant, "无锡开放了多少场景机会", "hybrid", k=3)
    assert len([d for d in docs if d.startswith("copy")]) == 1
    assert "other.txt" in docs


def test_bad_mode_is_a_clear_error(fixture_assistant):
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="检索模式无效"):
        fixture_assistant.retriever.retrieve("问题", mode="fuzzy")
