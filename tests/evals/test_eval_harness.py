"""The evaluation harness: metrics on hand-computed cases, the judge's verdict parsing and
cache against a scripted server, run comparison, dataset validation, and the eval run."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from evals.compare import compare, paired_bootstrap
from evals.judge import parse_verdict
from evals.metrics import RetrievalScores, citation_scores, rouge_l, token_f1


@pytest.fixture(scope="module")
def tokenizer():
    from index.lexical_index import Tokenizer
    from core.vocab import load_vocab

    return Tokenizer(load_vocab())


def test_chinese_tokenisation_keeps_terms_and_drops_stopwords(tokenizer):
    toks = tokenizer.tokenize("无锡的揭榜挂帅项目开放了85个场景机会")
    assert "揭榜挂帅" in toks and "无锡" in toks and "85" in toks
    assert "的" not in toks and "了" not in toks


def test_token_f1_and_rouge_l_hand_computed(tokenizer):
    # gold: 无锡 开放 85 个 场景 机会 ; prediction shares 无锡 85 个 场景 机会 (5 of 6 / 5 of 6)
    gold = ["无锡", "开放", "85", "个", "场景", "机会"]
    pred = ["无锡", "发布", "85", "个", "场景", "机会"]
    assert token_f1(pred, gold) == pytest.approx(5 / 6)
    assert rouge_l(pred, gold) == pytest.approx(5 / 6)
    # order matters for ROUGE-L, not for F1: LCS of [a b c] and [c b a] is 1
    assert token_f1(["a", "b", "c"], ["c", "b", "a"]) == 1.0
    assert rouge_l(["a", "b", "c"], ["c", "b", "a"]) == pytest.approx(1 / 3)
    assert token_f1([], gold) == 0.0 and rouge_l(pred, []) == 0.0
    # through jieba: the default rouge tokenizer would see no tokens at all in Chinese
    a, b = tokenizer.tokenize("无锡开放了85个场景机会"), tokenizer.tokenize("无锡开放85个场景机会")
    assert a and token_f1(a, b) == 1.0


def test_ndcg_ideal_uses_min_k_relevant():
    # 3 quotes, found at ranks 2 and 5: DCG = 1/log2(3) + 1/log2(6); IDCG over min(10, 3) = 3 ranks
    s = RetrievalScores([set(), {0}, set(), set(), {2}], n_evidence=3)
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert s.ndcg(10) == pytest.approx(dcg / idcg)
    # a chunk matching an already-found quote gains nothing
    assert RetrievalScores([{0}, {0}], 1).ndcg(10) == pytest.approx(1.0)


def test_citation_scores_hand_computed(tokenizer):
    cited = {1: "无锡开放85个场景机会和192个场景能力。", 2: "合肥预留5%预算专项用于新场景建设。"}
    retrieved = list(cited.values())
    # sentence 1 supported by [1]; [2] on it is unnecessary (removing it keeps support) -> imprecise
    # sentence 2 cites [1] but its number is in [2] only -> unsupported, but faithful to the retrieved set
    answer = "无锡开放85个场景机会。[1][2]合肥预留5%预算。[1]"
    s = citation_scores(answer, cited, retrieved, tokenizer, 0.8)
    assert (s.sentences, s.citations) == (2, 3)
    assert s.recall == pytest.approx(1 / 2)
    assert s.precision == pytest.approx(1 / 3)
    assert s.faithfulness == pytest.approx(1.0)
    # an invented number is supported nowhere
    s2 = citation_scores("无锡开放95个场景机会。[1]", cited, retrieved, tokenizer, 0.8)
    assert (s2.recall, s2.faithfulness) == (0.0, 0.0)


@pytest.mark.parametrize("text, yes, score", [
    ("结论：是\n分数：5", True, 5.0),
    ("结论：否\n分数：1", False, 1.0),
    ("结论:是\n分数:4", True, 4.0),
    ("是。回答与资料一致。", True, None),
    ("否，数字不一致。", False, None),
    ("This answer says yes but 这是错误的。", None, None),   # no "yes" search, no 是 inside prose
    ("分析：数字不一致。\n结论：否\n分数：0", False, 0.0),
    ("", None, None),
])
def test_verdict_parsing(text, yes, score):
    v = parse_verdict(text)
    assert (v.yes, v.score) == (yes, score)


def test_judge_against_scripted_server_is_cached(settings, tmp_path):
    from assistant.service import Assistant
    from core.settings import LLMSettings
    from evals.dataset import EvalItem
    from evals.judge import LLMJudge
    from tests.openai_stub import ScriptedOpenAI

    (tmp_path / "w.txt").write_text("一、无锡\n\n无锡开放85个场景机会。", encoding="utf-8")
    item = EvalItem("x", "qa", "无锡开放了多少个场景机会？", "85个", ["85个"], [], ["无锡"], "easy")
    with ScriptedOpenAI(["结论：是\n分数：5", "结论：否\n分数：2"]) as server:
        s = settings.with_(llm=LLMSettings(base_url=server.url, model="judge", api_key="k"))
        a = Assistant(s.with_(llm=None))
        a.ingest([tmp_path / "w.txt"], progress=False)
        result = a.ask(item.question)
        judge = LLMJudge(s)
        first = judge.score(item, result)
        again = LLMJudge(s).score(item, result)  # a new judge, same cache: no request
        assert len(server.requests) == 2
    assert first == again == {"judge_faithfulness": 1.0, "judge_correctness": 0.4}
    assert "资料" in server.requests[0]["body"]["messages"][0]["content"]


def test_paired_bootstrap_and_compare():
    assert paired_bootstrap([0.0] * 30, [1.0] * 30) < 0.05
    assert paired_bootstrap([0.5, 0.6, 0.4, 0.5], [0.5, 0.4, 0.6, 0.5]) > 0.5

    def run(scores):
        return {"items": [{"mode": "hybrid", "id": f"q{i}", "question": f"问{i}", "answer": f"答{i}",
                           "scores": {"key_fact_recall": v}} for i, v in enumerate(scores)]}
    result = compare(run([1.0] * 20), run([1.0] * 17 + [0.0] * 3))
    row = result["metrics"][0]
    assert row["metric"] == "key_fact_recall" and row["delta"] == pytest.approx(-0.15)
    assert [w["id"] for w in result["worse"]] == ["q17", "q18", "q19"]
    assert result["worse"][0]["drops"] == {"key_fact_recall": (1.0, 0.0)}


@pytest.mark.slow  # evaluates over the seeds
def test_eval_cli_run_compare_validate(tmp_path, seeds_dir):
    from click.testing import CliRunner

    from ui.cli import cli

    dev = [json.loads(x) for x in (Path(__file__).resolve().parents[2] / "evals/datasets/dev.jsonl")
           .read_text(encoding="utf-8").splitlines()]
    small = [d for d in dev if "002_9b8f723787f48edc.txt" in {e["doc"] for e in d["evidence"]}][:6]
    small += [d for d in dev if d["task"] == "unanswerable"][:2]
    ds = tmp_path / "small.jsonl"
    ds.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in small), encoding="utf-8")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "002_9b8f723787f48edc.txt").write_bytes((seeds_dir / "002_9b8f723787f48edc.txt").read_bytes())
    runner = CliRunner()
    r = runner.invoke(cli, ["eval", str(ds), "--corpus", str(corpus), "--modes", "hybrid,lexical", "--no-builtin",
                            "--out", str(tmp_path / "run1"), "--home", str(tmp_path / "h"), "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    results = json.loads(Path(out["results"]).read_text(encoding="utf-8"))
    assert set(results["metrics"]) == {"hybrid", "lexical"}
    overall = results["metrics"]["hybrid"]["overall"]
    assert overall["n"] == 8 and overall["hit@5"] == 1.0 and overall["refused_unanswerable"] == 1.0
    assert set(results["metrics"]["hybrid"]["by_task"]) == {"qa", "unanswerable"}
    html = Path(out["report"]).read_text(encoding="utf-8")
    assert html.count("<details") == 16 and "data:image/png;base64," in html and "<mark>" in html
    assert [d["doc"] for d in results["documents"]] == ["002_9b8f723787f48edc.txt"] and results["warnings"] == []
    assert "知识库（1 个文档）" in html and "警告" not in html
    r = runner.invoke(cli, ["eval", "compare", str(tmp_path / "run1"), str(tmp_path / "run1")])
    assert r.exit_code == 0 and "不显著" in r.stdout and "变差的题目：0" in r.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    r = runner.invoke(cli, ["eval", "validate", str(bad), "--corpus", str(corpus)])
    assert r.exit_code == 1 and "第 1 行：缺少字段" in r.stderr
    r = runner.invoke(cli, ["eval", "validate", str(ds), "--corpus", str(corpus)])
    assert r.exit_code == 0 and "数据集有效" in r.stdout


@pytest.mark.slow  # ingests the seeds
def test_eval_warns_when_the_home_holds_more_than_the_corpus(tmp_path, seeds_dir):
    """A home that already holds other documents scores differently: the run names the
    documents it searched and warns, in the terminal and in the report."""
    from click.testing import CliRunner

    from ui.cli import cli
    from tests.docmaker import write_text

    dev = [json.loads(x) for x in (Path(__file__).resolve().parents[2] / "evals/datasets/dev.jsonl")
           .read_text(encoding="utf-8").splitlines()]
    ds = tmp_path / "small.jsonl"
    ds.write_text(json.dumps(next(d for d in dev if d["task"] == "unanswerable"), ensure_ascii=False), encoding="utf-8")
    corpus, other = tmp_path / "corpus", tmp_path / "other"
    corpus.mkdir()
    other.mkdir()
    (corpus / "002_9b8f723787f48edc.txt").write_bytes((seeds_dir / "002_9b8f723787f48edc.txt").read_bytes())
    write_text(other / "extra.txt", "一、无锡实践\n\n无锡发布三个城市级超级场景，开放85个场景机会和192个场景能力。")
    home = tmp_path / "h"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(other), "--home", str(home), "--json"]).exit_code == 0
    r = runner.invoke(cli, ["eval", str(ds), "--corpus", str(corpus), "--no-builtin", "--out", str(tmp_path / "run"),
                            "--home", str(home)])
    assert r.exit_code == 0, r.output
    assert "知识库（2 个文档）：002_9b8f723787f48edc.txt、extra.txt" in r.stdout
    assert "警告：知识库中另有 1 个文档不在 --corpus 中" in r.stderr and "extra.txt" in r.stderr
    results = json.loads((tmp_path / "run" / "results.json").read_text(encoding="utf-8"))
    assert len(results["warnings"]) == 1 and "extra.txt" in results["warnings"][0]
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "知识库（2 个文档）" in html and "警告：知识库中另有 1 个文档" in html
    # without --corpus (as the web UI runs), the set's evidence documents are the corpus
    qa = next(d for d in dev if d["task"] == "qa" and {e["doc"] for e in d["evidence"]} == {"002_9b8f723787f48edc.txt"})
    ds.write_text(json.dumps(qa, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(cli, ["eval", str(ds), "--no-builtin", "--out", str(tmp_path / "run2"), "--home", str(home)])
    assert r.exit_code == 0, r.output
    assert "警告：知识库中另有 1 个文档不在评测集的出处文档中" in r.stderr and "extra.txt" in r.stderr
    assert runner.invoke(cli, ["docs", "remove", "002_9b8f723787f48edc.txt", "--home", str(home)]).exit_code == 0
    r = runner.invoke(cli, ["eval", str(ds), "--no-builtin", "--out", str(tmp_path / "run3"), "--home", str(home)])
    assert "评测集的出处文档中有 1 个文档不在知识库中，引用它们的题目必然失分：002_9b8f723787f48edc.txt" in r.stderr
