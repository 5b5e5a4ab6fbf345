"""The evaluation contract: the matching rule, metrics, and the development set itself."""
from __future__ import annotations

from pathlib import Path

import pytest

from evals.dataset import load_dataset, validate_dataset
from evals.matching import chunk_matches, evidence_matches
from evals.metrics import RetrievalScores, key_fact_recall

DEV = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "dev.jsonl"


def test_matching_rule():
    quote = "开放 85 个场景机会和 192 个场景能力"
    assert chunk_matches("无锡发布超级场景，开放85个场景机会和192个场景能力，合作金额突破40亿元。", quote)
    assert chunk_matches("**开放85个场景机会**和192个场景能力", quote)  # * removed
    # a quote cut by a chunk boundary still matches when ≥80% of it is there
    assert chunk_matches("……开放85个场景机会和192个场", quote)
    assert not chunk_matches("开放85个场景机会", quote)
    assert chunk_matches("占比６５％", "占比65%")  # NFKC
    assert not evidence_matches("开放85个场景机会和192个场景能力", "b.txt", {"doc": "a.txt", "quote": quote})


def test_retrieval_metrics():
    s = RetrievalScores([set(), {0}, set(), {1}, set()], n_evidence=2)
    assert s.hit(1) == 0 and s.hit(5) == 1
    assert s.recall(2) == 0.5 and s.recall(5) == 1.0
    assert s.mrr(10) == 0.5
    ideal = 1 + 1 / 1.584962500721156
    assert s.ndcg(10) == pytest.approx((1 / 1.584962500721156 + 1 / 2.321928094887362) / ideal)


def test_key_fact_recall():
    assert key_fact_recall("开放 85 个场景机会", ["85个", "192个"]) == 0.5


def test_dev_set_shape():
    items = load_dataset(DEV)
    assert len(items) >= 60
    assert {i.task for i in items} == {"qa", "case", "proposal", "unanswerable"}
    assert len({i.id for i in items}) == len(items)


def test_dev_set_quotes_are_exact(seeds_dir):
    assert validate_dataset(DEV, seeds_dir) == []


def test_validation_reports_each_broken_line(tmp_path, seeds_dir):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\nnot json\n'
                   '{"id": "y", "task": "qa", "question": "q", "answer": "", "key_facts": ["999个"], '
                   '"evidence": [{"doc": "002_9b8f723787f48edc.txt", "quote": "不存在的引文"}], '
                   '"cities": [], "difficulty": "easy"}\n', encoding="utf-8")
    problems = validate_dataset(bad, seeds_dir)
    assert any(p.startswith("第 1 行：缺少字段") for p in problems)
    assert any(p.startswith("第 2 行：不是合法的 JSON") for p in problems)
    assert any("第 3 行：引文不是" in p for p in problems)
    assert any("第 3 行：关键事实不在引文中：999个" in p for p in problems)


def test_a_file_of_another_kind_is_refused_with_line_and_field(tmp_path):
    """A calibration file beside the evaluation sets is not one: a Chinese error naming the
    line and the missing field, not a KeyError half-way through a run."""
    from core.errors import ScenarioError

    other = tmp_path / "calibration.jsonl"
    other.write_text('{"id": "c-1", "sentence": "句子", "passage": "段落", "label": 1}\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_dataset(other)
    assert "calibration.jsonl 第 1 行" in e.value.message and "task" in e.value.message
    assert any(p.startswith("第 1 行：缺少字段 task") for p in validate_dataset(other))
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    assert validate_dataset(empty) == ["评测集中没有题目"]
