"""The built-in knowledge base: every card and brief valid against the schema and the
vocabularies, every card figure found in its cited seed, everything in the project's
own words, and cards searchable with their facets."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml

from ingest.cards import validate_brief, validate_card
from core.vocab import load_vocab

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CARDS = sorted((CORPUS / "cases").glob("*.yaml"))
BRIEFS = sorted((CORPUS / "policies").glob("*.md"))
RUN = 25


def read_brief(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(front), body


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def seed_texts(seeds_dir):
    return {p.name: squash(p.read_text(encoding="utf-8")) for p in sorted(seeds_dir.glob("*.txt"))}


def test_corpus_size():
    assert len(CARDS) >= 60 and len(BRIEFS) >= 20


def test_card_ids_are_unique_and_match_file_names():
    ids = [yaml.safe_load(p.read_text(encoding="utf-8"))["id"] for p in CARDS]
    assert len(set(ids)) == len(ids)
    assert [p.stem for p in CARDS] == ids


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_card_schema(path):
    assert validate_card(yaml.safe_load(path.read_text(encoding="utf-8")), load_vocab()) == []


@pytest.mark.parametrize("path", BRIEFS, ids=lambda p: p.stem)
def test_brief_schema(path):
    meta, body = read_brief(path)
    assert validate_brief(meta, body, load_vocab()) == []


def test_schema_rejects_bad_cards():
    good = yaml.safe_load(CARDS[0].read_text(encoding="utf-8"))
    vocab = load_vocab()
    assert any("不在词表" in p for p in validate_card({**good, "domain": "随便"}, vocab))
    assert any("长度" in p for p in validate_card({**good, "summary": "太短"}, vocab))
    assert any("属于" in p for p in validate_card({**good, "city": "无锡", "province": "浙江"}, vocab))
    assert any("mechanisms" in p for p in validate_card({**good, "mechanisms": ["魔法"]}, vocab))
    assert validate_card({k: v for k, v in good.items() if k != "source"}, vocab) == ["缺少字段 source"]


@pytest.mark.parametrize("path", CARDS, ids=lambda p: p.stem)
def test_card_figures_appear_in_their_source(path, seed_texts):
    card = yaml.safe_load(path.read_text(encoding="utf-8"))
    source = seed_texts[card["source"]["doc"]]
    for figure in card["figures"]:
        assert squash(figure["value"]) in source, f"{figure} not in {card['source']['doc']}"


def own_words_problem(text: str, seeds: dict[str, str]) -> str | None:
    """Names in 《》 are facts (official titles) and are exempt; all prose is checked."""
    flat = re.sub(r"《[^》]*》", "", squash(text))
    for i in range(len(flat) - RUN + 1):
        if any(flat[i:i + RUN] in s for s in seeds.values()):
            return flat[i:i + RUN]
    return None


@pytest.mark.parametrize("path", CARDS + BRIEFS, ids=lambda p: p.name)
def test_own_words(path, seed_texts):
    if path.suffix == ".yaml":
        card = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = yaml.safe_dump({k: v for k, v in card.items() if k != "source"}, allow_unicode=True)
    else:
        meta, body = read_brief(path)
        # the title is the policy's official name; issuer and source are citations
        text = body + yaml.safe_dump({k: v for k, v in meta.items() if k not in ("title", "source", "issuer")},
                                     allow_unicode=True)
    assert own_words_problem(text, seed_texts) is None


# the 无锡 card's count of scenario opportunities: its figures line is exact (85个), its
# summary, in the card's own words, rounds (八十多个); a one-figure answer quotes either
WUXI_COUNT = re.compile(r"85个|八十多个场景机会")


@pytest.mark.slow  # ingests the whole built-in corpus
def test_cards_become_searchable_chunks_with_facets(settings, tmp_path):
    from assistant.case_library import CaseLibrary
    from assistant.service import Assistant

    cases = tmp_path / "corpus" / "cases"
    cases.mkdir(parents=True)
    for name in ("hefei-budget-reserve-fault-tolerance", "wuxi-super-scenarios", "beijing-urban-safety-risk-platform"):
        (cases / f"{name}.yaml").write_bytes((CORPUS / "cases" / f"{name}.yaml").read_bytes())
    (cases / "broken.yaml").write_text("id: x\ncity: 火星\nsummary: 不合格\n", encoding="utf-8")
    a = Assistant(settings.with_(builtin_corpus=tmp_path / "corpus", use_builtin=True))
    report = a.ingest(a.settings.builtin_paths, progress=False)
    failed = {r.source: r.reason for r in report.failed}
    assert list(failed) == ["broken.yaml"] and "案例卡片不合格" in failed["broken.yaml"]
    lib = CaseLibrary(a.index)
    assert {r.id for r in lib.find()} == {"hefei-budget-reserve-fault-tolerance", "wuxi-super-scenarios",
                                        "beijing-urban-safety-risk-platform"}
    assert [r.id for r in lib.find(mechanism="容错免责")] == ["hefei-budget-reserve-fault-tolerance"]
    assert [r.id for r in lib.find(domain="安全韧性")] == ["beijing-urban-safety-risk-platform"]
    assert [r.id for r in lib.find(city="江苏")] == ["wuxi-super-scenarios"]
    wuxi = lib.find(city="无锡")[0]
    assert {"value": "85", "unit": "个", "what": "开放的场景机会"} in wuxi.figures
    assert wuxi.source["doc"] == "002_9b8f723787f48edc.txt"
    assert lib.facets()["domain"] == {"制度机制": 1, "产业发展": 1, "安全韧性": 1}
    r = a.ask("无锡开放了多少个场景机会？")
    assert WUXI_COUNT.search(r.answer) and r.citations[0].chunk.meta["kind"] == "case"


@pytest.mark.slow  # over 5 s
def test_builtin_corpus_can_be_turned_off(settings, tmp_path):
    from assistant.service import Assistant

    corpus = tmp_path / "corpus"
    (corpus / "cases").mkdir(parents=True)
    (corpus / "cases" / "wuxi-super-scenarios.yaml").write_bytes((CORPUS / "cases" / "wuxi-super-scenarios.yaml").read_bytes())
    own = tmp_path / "own.txt"
    own.write_text("一、合肥\n\n合肥预留5%预算专项用于新场景建设。", encoding="utf-8")
    on = Assistant(settings.with_(builtin_corpus=corpus, use_builtin=True))
    on.ensure_builtin(progress=False)
    on.ingest([own], progress=False)
    assert {d["doc"] for d in on.documents()} == {"wuxi-super-scenarios.yaml", "own.txt"}  # added, not replaced
    assert WUXI_COUNT.search(on.ask("无锡开放了多少个场景机会？").answer)
    off = Assistant(settings.with_(builtin_corpus=corpus, use_builtin=False))
    r = off.ask("无锡开放了多少个场景机会？")
    assert all(c.doc == "own.txt" for c in r.retrieved)
