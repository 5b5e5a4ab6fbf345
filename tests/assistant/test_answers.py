"""Extractive answers: cited, exact, and a plain refusal when the material does not answer."""
from __future__ import annotations

import re

import pytest

from tests.docmaker import POLICY_TEXT, write_text

pytestmark = pytest.mark.slow  # ingests the seeds


@pytest.fixture
def policy_assistant(assistant, tmp_path):
    write_text(tmp_path / "policy.txt", POLICY_TEXT)
    write_text(tmp_path / "wuxi.txt", "一、无锡实践\n\n无锡发布三个城市级超级场景，开放85个场景机会和192个场景能力。"
                                      "\n\n二、合肥实践\n\n合肥在市级政府投资及国企项目中预留5%预算专项用于新场景建设。")
    assistant.ingest([tmp_path / "policy.txt", tmp_path / "wuxi.txt"], progress=False)
    return assistant


def test_answer_quotes_the_number_and_cites_its_passage(policy_assistant):
    r = policy_assistant.ask("无锡开放了多少个场景机会？")
    assert not r.refused
    assert "85个场景机会" in r.answer
    markers = {int(m) for m in re.findall(r"\[(\d+)\]", r.answer)}
    assert markers and markers == {c.n for c in r.citations}
    cited = r.citations[0].chunk
    assert cited.doc == "wuxi.txt" and "85个场景机会" in cited.text
    assert cited.section == "一、无锡实践"


def test_answer_does_not_mix_cities(policy_assistant):
    r = policy_assistant.ask("合肥预留多少预算用于新场景建设？")
    assert "5%" in r.answer and "85个" not in r.answer


def test_money_question(policy_assistant):
    r = policy_assistant.ask("示范市对首试首用项目最高奖励多少？")
    assert "300万元" in r.answer
    assert r.citations[0].chunk.doc == "policy.txt"


@pytest.mark.parametrize("question", [
    "拉萨市低空经济场景清单有多少项？",       # a place the material never names
    "2019年示范市开放了多少个场景机会？",     # a year the material never names
    "示范市数据局局长是谁？",                 # nothing relevant
])
def test_refusal_says_so_and_points_to_closest_material(policy_assistant, question):
    r = policy_assistant.ask(question)
    assert r.refused
    assert r.answer.startswith("资料中未找到")
    assert "最接近的资料" in r.answer and r.citations


def test_empty_question_is_refused_with_a_message(policy_assistant):
    from core.errors import ScenarioError

    with pytest.raises(ScenarioError, match="问题不能为空"):
        policy_assistant.ask("   ")


def test_seed_headline_question(assistant, seeds_dir):
    """The issue's own example, on the real report: 85个, with the passage it came from."""
    assistant.ingest([seeds_dir / "002_9b8f723787f48edc.txt"], progress=False)
    r = assistant.ask("无锡开放了多少个场景机会？")
    assert not r.refused and "85个场景机会" in r.answer
    assert r.citations[0].chunk.doc == "002_9b8f723787f48edc.txt"
    assert "85个场景机会" in r.citations[0].chunk.text
