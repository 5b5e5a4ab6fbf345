"""Answers to compound questions, end to end (real embedder, real Chroma): one block per
part with its own citation, a part the material does not cover said to be missing while
the rest is answered, enumerations as lists, and a built-in summary never displacing the
ingested document it restates."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import store_settings
from tests.docmaker import write_text

pytestmark = pytest.mark.slow  # ingests the seeds

REPORT = """示范市场景创新工作报告

一、场景开放

2025年，示范市累计开放120个场景机会，覆盖交通出行、医疗健康、城市治理等领域。

示范市场景创新促进中心负责统筹场景征集和发布。

二、清单发布

示范市于2024年3月发布首批场景清单，包括机会清单、能力清单和标杆案例三类。

清单实行动态管理，每季度更新一次。

三、资金支持

对入选的首试首用项目，示范市给予最高300万元奖励。

对探索性项目出现的非主观失误，予以容错免责。

四、工作要求

推进场景创新要做到三点：一是坚持需求牵引；二是坚持开放共享；三是坚持安全可控。
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    from assistant.service import Assistant

    root = tmp_path_factory.mktemp("compound")
    write_text(root / "report.txt", REPORT)
    a = Assistant(store_settings(root / "home", use_builtin=False, builtin_corpus=None))
    a.ingest([root / "report.txt"], progress=False)
    return a


def blocks(answer: str) -> dict[str, str]:
    """The answer's blocks by their part label (**…**)."""
    out, label = {}, None
    for line in answer.split("\n"):
        m = re.fullmatch(r"\*\*(.+)\*\*", line.strip())
        if m:
            label = m.group(1)
            out[label] = ""
        elif label:
            out[label] += line
    return out


def cited_chunk(result, text: str):
    """The citation whose marker follows ``text`` in the answer."""
    m = re.search(re.escape(text) + r"[^\[]*\[(\d+)\]", result.answer)
    assert m, f"{text!r} is not cited in {result.answer!r}"
    return result.citations[int(m.group(1)) - 1].chunk


def test_both_parts_answered_each_with_its_own_citation(kb):
    r = kb.ask("示范市对首试首用项目最多奖励多少？清单多久更新一次？")
    assert not r.refused
    parts = blocks(r.answer)
    assert list(parts) == ["示范市对首试首用项目最多奖励多少？", "清单多久更新一次？"]  # the question's order
    assert "300万元" in parts["示范市对首试首用项目最多奖励多少？"]
    assert "每季度更新一次" in parts["清单多久更新一次？"]
    assert cited_chunk(r, "300万元").section == "三、资金支持"
    assert cited_chunk(r, "每季度更新一次").section == "二、清单发布"
    assert [p["slot"] for p in r.parts] == ["number", "time"] and all(p["answered"] for p in r.parts)


def test_a_part_the_material_lacks_is_said_to_be_missing_and_the_rest_answered(kb):
    r = kb.ask("示范市开放了多少个场景机会？促进中心的主任叫什么名字？")
    assert not r.refused  # a partial answer, not a refusal
    parts = blocks(r.answer)
    assert "120个场景机会" in parts["示范市开放了多少个场景机会？"]
    assert parts["促进中心的主任叫什么名字？"].startswith("资料中未找到这一问的确切答案")
    assert [p["answered"] for p in r.parts] == [True, False]
    assert cited_chunk(r, "120个场景机会").section == "一、场景开放"


def test_a_figure_is_given_only_from_a_unit_naming_what_the_figure_is_of(kb, monkeypatch):
    """However likely the material looks, a part asking for a figure, date, name or place is
    not answered from a unit that does not name what it asks about: 300万元 is a reward,
    not the centre's registered capital."""
    from dataclasses import replace

    model = kb.composer.model
    monkeypatch.setattr(kb.composer, "model", replace(model, answer_at=0.0, part_at=0.0, add_at=0.0))
    r = kb.ask("促进中心的注册资本是多少？")
    assert r.refused and "300万元" not in r.answer.split("最接近的资料")[0]
    r = kb.ask("示范市开放了多少个场景机会？")
    assert not r.refused and "120个场景机会" in r.answer


def test_a_figure_takes_its_own_extra_budget_and_an_explanation_another(kb, monkeypatch):
    """Every unit is let in (no probability floor); the budget alone decides how many are
    quoted: a number part takes one unit plus ``extra_specific``, a "how" part two plus
    ``extra_units``."""
    from dataclasses import replace

    model = replace(kb.composer.model, answer_at=0.0, part_at=0.0, add_at=0.0, add_ratio=0.0)
    counts = {}
    for specific, extra in ((0, 3), (2, 0)):
        monkeypatch.setattr(kb.composer, "model", replace(model, extra_specific=specific, extra_units=extra))
        figure = kb.ask("示范市开放了多少个场景机会？")
        how = kb.ask("示范市怎么推进场景创新？")
        assert not figure.refused and not how.refused
        counts[specific, extra] = (len(figure.parts[0]["evidence"]), len(how.parts[0]["evidence"]))
    assert counts == {(0, 3): (1, 5), (2, 0): (3, 2)}


def test_question_entirely_outside_the_material_is_refused(kb):
    r = kb.ask("促进中心的主任叫什么名字？办公地址在哪里？")
    assert r.refused and r.answer.startswith("资料中未找到")


def test_a_follow_up_does_not_make_a_question_about_missing_facts_answerable(kb):
    """"…是哪家公司编制的？有名单吗？": the follow-up leans on the first part, so passages that
    speak of 清单 do not turn the refusal into an answer; a second question about something
    else, or restating its subject, is still answered on its own."""
    r = kb.ask("首批场景清单是哪家公司编制的？有名单吗？")
    assert r.parts[1]["follows"] and r.refused and r.answer.startswith("资料中未找到")
    for question in ("促进中心的主任叫什么名字？清单多久更新一次？", "促进中心的注册资本是多少？促进中心负责什么？"):
        r = kb.ask(question)
        assert not r.parts[1]["follows"] and not r.refused, question
        assert [p["answered"] for p in r.parts] == [False, True], question
    assert "统筹场景征集和发布" in blocks(r.answer)["促进中心负责什么？"]


def test_enumeration_is_answered_as_a_list_with_its_lead(kb):
    r = kb.ask("推进场景创新要做到哪几点？")
    assert not r.refused
    lines = [ln for ln in r.answer.split("\n") if ln.strip()]
    items = [ln for ln in lines if ln.startswith("- ")]
    assert [re.sub(r"\[\d+\]$", "", ln) for ln in items] == ["- 一是坚持需求牵引；", "- 二是坚持开放共享；",
                                                            "- 三是坚持安全可控。"]
    assert all(re.search(r"\[\d+\]$", ln) for ln in lines)  # every line cited


def test_ask_json_shows_the_parts(kb, capsys):
    r = kb.ask("示范市开放了多少个场景机会？首批场景清单是什么时候发布的？").to_dict()
    assert [p["own_text"] for p in r["parts"]] == ["示范市开放了多少个场景机会？", "首批场景清单是什么时候发布的？"]
    assert {"slot", "entities", "years", "attributes", "answered", "evidence"} <= set(r["parts"][0])
    assert "2024年3月" in r["answer"]


def test_a_card_restating_an_ingested_passage_does_not_displace_it(tmp_path, seeds_dir):
    """The built-in card about 合肥's budget reserve summarises a box of report 000; with
    the report ingested, the report's own passage is what ranks and is cited."""
    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    (corpus / "cases").mkdir(parents=True)
    card = Path(__file__).resolve().parents[2] / "corpus" / "cases" / "hefei-budget-reserve-fault-tolerance.yaml"
    shutil.copy(card, corpus / "cases" / card.name)
    a = Assistant(store_settings(tmp_path / "home", builtin_corpus=corpus))
    a.ensure_builtin(progress=False)
    question = "合肥在政府投资项目里给新场景留了多少预算？"
    before = a.retriever.retrieve(question, k=5)
    assert before[0].meta.get("origin") == "builtin"  # alone, the card answers
    a.ingest([seeds_dir / "000_daa89020ecb01e97.txt"], progress=False)
    _, after = a.search(question, k=5)
    assert all(c.meta.get("origin") != "builtin" for c in after)
    assert any("预留5%预算" in c.text.replace(" ", "") for c in after[:2])
    r = a.ask(question)
    assert "5%" in r.answer and all(c.chunk.doc == "000_daa89020ecb01e97.txt" for c in r.citations)
