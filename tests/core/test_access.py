"""Document access, enforced in retrieval: a reader never gets a restricted passage, a
citation to one, a case drawn from one or a draft quoting one. Real Chroma, real embedder."""
from __future__ import annotations

import pytest

from core.access import INTERNAL, LOCAL, PUBLIC, Reader, check_label
from assistant.cases import CaseFinder
from assistant.drafting import Drafter
from core.errors import ScenarioError
from assistant.followup import rewrite_followup
from tests.apiserver import GROUP_DOC, INTERNAL_DOC, PUBLIC_DOC  # one distinctive fact each
from tests.docmaker import write_text

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: ingests a knowledge base for every test

@pytest.fixture
def kb(assistant, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    assistant.ingest([write_text(folder / "public.txt", PUBLIC_DOC)], progress=False)
    assistant.ingest([write_text(folder / "internal.txt", INTERNAL_DOC)], progress=False, access=INTERNAL)
    assistant.ingest([write_text(folder / "group.txt", GROUP_DOC)], progress=False, access="规划局")
    return assistant


OUTSIDER = Reader("访客", "viewer")  # signed in, no group
MEMBER = Reader("规划局用户", "viewer", ("规划局",))


def _all_text(obj) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False)


def test_labels_are_checked():
    assert check_label(None) == PUBLIC and check_label("internal") == INTERNAL and check_label("规划局") == "规划局"
    for bad in ("a/b", "x" * 41, "组,名"):
        with pytest.raises(ScenarioError):
            check_label(bad)


def test_every_chunk_carries_its_label(kb):
    labels = {m["source"]: m["access"] for _, _, m in kb.index.store.iter_all(include_documents=False)}
    assert labels == {"public.txt": PUBLIC, "internal.txt": INTERNAL, "group.txt": "规划局"}
    lexical = {m["source"]: m["access"] for m in kb.index.lexical().metas}
    assert lexical == labels


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_retrieval_hides_what_the_reader_may_not_see(kb, mode):
    q = "城市安全风险监测预警平台 传感器 预算 常州 合肥 无锡"
    seen = {c.doc for c in kb.scoped(OUTSIDER).retriever.retrieve(q, k=10, mode=mode)}
    assert seen == {"public.txt", "internal.txt"}
    seen = {c.doc for c in kb.scoped(MEMBER).retriever.retrieve(q, k=10, mode=mode)}
    assert seen == {"public.txt", "internal.txt", "group.txt"}
    seen = {c.doc for c in kb.scoped(Reader("匿名", "viewer")).retriever.retrieve(q, k=10, mode=mode)}
    assert "group.txt" not in seen
    assert {c.doc for c in kb.scoped(LOCAL).retriever.retrieve(q, k=10, mode=mode)} == {
        "public.txt", "internal.txt", "group.txt"}


def test_answers_never_cite_a_restricted_passage(kb):
    q = "常州部署了多少个桥梁传感器？"
    allowed = kb.scoped(MEMBER).ask(q)
    assert "4321" in allowed.answer and allowed.citations[0].chunk.doc == "group.txt"
    denied = kb.scoped(OUTSIDER).ask(q)
    text = _all_text(denied.to_dict())
    assert "4321" not in text and "group.txt" not in text


def test_cases_and_drafts_never_draw_on_a_restricted_document(kb):
    need = "建设城市安全风险监测预警平台"
    member_cities = {h.city for h in CaseFinder(kb.scoped(MEMBER)).find(need, k=5)}
    assert "常州" in member_cities
    hits = CaseFinder(kb.scoped(OUTSIDER)).find(need, k=5)
    assert "常州" not in {h.city for h in hits} and "4321" not in _all_text([h.to_dict() for h in hits])
    draft = Drafter(kb.scoped(OUTSIDER)).proposal("城市安全风险监测预警平台")
    text = _all_text(draft.to_dict())
    assert "4321" not in text and "group.txt" not in text
    assert "group.txt" in _all_text(Drafter(kb.scoped(MEMBER)).proposal("城市安全风险监测预警平台").to_dict())


def test_document_list_and_removal_respect_access(kb):
    assert {d["doc"] for d in kb.scoped(OUTSIDER).documents()} == {"public.txt", "internal.txt"}
    assert {d["doc"]: d["access"] for d in kb.documents()}["group.txt"] == "规划局"
    assert kb.scoped(Reader("编辑", "editor")).remove(["group.txt"]) == {"group.txt": 0}
    assert "group.txt" in {d["doc"] for d in kb.documents()}


def test_relabelling_takes_effect_everywhere(kb, tmp_path):
    # the same file again with another label: chunk ids change, so the BM25 side of any
    # process rebuilds from Chroma and never filters on the old label
    before = set(kb.index.store.all_ids())
    kb.ingest([tmp_path / "docs" / "group.txt"], progress=False, access=PUBLIC)
    assert set(kb.index.store.all_ids()) != before
    seen = {c.doc for c in kb.scoped(OUTSIDER).retriever.retrieve("常州 桥梁传感器", k=5, mode="lexical")}
    assert "group.txt" in seen
    assert kb.index.store.count() == len(before)


@pytest.mark.parametrize("previous, question, expected", [
    ("无锡开放了多少个场景机会？", "那合肥呢？", "合肥开放了多少个场景机会？"),
    ("无锡开放了多少个场景机会？", "它的牵头部门是哪个？", "无锡的牵头部门是哪个？"),
    ("合肥2024年发布了多少场景清单？", "2025年呢？", "合肥2025年发布了多少场景清单？"),
    ("合肥场景创新促进中心做什么？", "预算多少？", "合肥预算多少？"),
    ("无锡开放了多少个场景机会？", "深圳如何推进场景开放？", "深圳如何推进场景开放？"),
])
def test_follow_up_rewriting(kb, previous, question, expected):
    assert rewrite_followup(question, [previous], kb.index.vocab) == expected


def test_follow_up_answers_use_the_conversation(kb):
    first = kb.ask("无锡开放了多少个场景机会？")
    assert "85" in first.answer
    follow = kb.scoped(MEMBER).ask("那常州呢？", history=[("无锡开放了多少个场景机会？", first.answer)])
    assert follow.rewritten == "常州开放了多少个场景机会？"
    assert follow.to_dict()["rewritten_question"] == follow.rewritten
    assert all(c.chunk.doc == "group.txt" for c in follow.citations) or follow.refused


def test_runs_against_the_configured_store(kb):
    """The Chroma-server pass of .ci/run really uses the server."""
    from tests.conftest import CHROMA_URL

    assert kb.settings.chroma_url == CHROMA_URL
    assert (kb.settings.index_dir / "chroma").exists() == (CHROMA_URL is None)
