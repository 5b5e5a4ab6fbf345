"""Comparable cases and drafts, on a small built-in corpus copied from corpus/ plus an
ingested report: facet matching, diversity, the why text, each draft section,
placeholders when evidence is missing, citations, and DOCX export."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.cases import CaseFinder
from assistant.drafting import PROPOSAL_SECTIONS, RESPONSE_SECTIONS, Drafter, idea_of
from assistant.service import Assistant

pytestmark = pytest.mark.slow  # ingests the seeds and the built-in corpus

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
CARDS = ["beijing-urban-safety-risk-platform", "anhui-city-lifeline-safety-project", "hunan-city-lifeline-1-1-n",
         "chongqing-shapingba-all-age-community", "shandong-smart-community-operation", "hefei-budget-reserve-fault-tolerance",
         "wuxi-super-scenarios", "shanghai-city-operation-one-network", "hangzhou-city-brain-gpt"]
REPORT = """一、城市安全实践

2025年，临江市在老城区部署燃气泄漏与管网监测物联网传感器3.2万个，建成城市生命线安全监测平台，燃气事故下降45%。

二、政策

示范市对首试首用项目给予最高300万元奖励，对探索性项目出现的非主观失误予以容错免责。
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """A home with part of the built-in corpus (cards + method notes) and one user report."""
    root = tmp_path_factory.mktemp("kb")
    corpus = root / "corpus"
    (corpus / "cases").mkdir(parents=True)
    for name in CARDS:
        (corpus / "cases" / f"{name}.yaml").write_bytes((CORPUS / "cases" / f"{name}.yaml").read_bytes())
    (corpus / "method").mkdir()
    for p in (CORPUS / "method").glob("*.md"):
        (corpus / "method" / p.name).write_bytes(p.read_bytes())
    from core.settings import Settings

    a = Assistant(Settings(home=root / "home", builtin_corpus=corpus))
    a.ensure_builtin(progress=False)
    report = root / "安全报告.txt"
    report.write_text(REPORT.replace("临江市", "合肥市"), encoding="utf-8")
    a.ingest([report], progress=False)
    return a


def test_need_profile(kb):
    p = CaseFinder(kb).profile("用物联网和大模型建设城市生命线安全风险预警，建立容错机制")
    assert p.domain == "安全韧性"
    assert {"物联网", "大模型"} <= set(p.technologies)
    assert "容错免责" in p.mechanisms


def test_cases_rank_by_meaning_and_facets_with_why(kb):
    hits = CaseFinder(kb).find("建设覆盖全灾种的城市安全风险监测预警平台", k=3)
    assert hits[0].city == "北京" and hits[0].kind == "card"
    assert "语义相近" in hits[0].why and "同属「安全韧性」领域" in hits[0].why
    assert hits[0].source["origin_doc"] == "000_daa89020ecb01e97.txt"
    assert {"value": "16", "unit": "个", "what": "整合核心数据的部门"} in hits[0].figures
    shared = CaseFinder(kb).find("用大模型升级城市大脑", k=3)
    assert any("共同技术：大模型" in h.why for h in shared)


def test_cases_are_diverse_and_exclude_own_city(kb):
    finder = CaseFinder(kb)
    need = "城市生命线和城市安全风险监测"
    hits = finder.find(need, k=5)
    assert len({h.city for h in hits}) == len(hits)
    assert "北京" not in {h.city for h in finder.find(need, city="北京", k=5)}
    assert "安徽" not in {h.city for h in finder.find(need, exclude_cities=("安徽",), k=5)}
    two = finder.find(need, k=8, per_city=2)
    assert max(sum(1 for h in two if h.city == c) for c in {h.city for h in two}) <= 2


def test_ingested_report_enlarges_the_case_library(kb):
    hits = CaseFinder(kb).find("燃气管网泄漏监测与城市生命线安全平台", k=5)
    passage = next(h for h in hits if h.kind == "passage")
    assert passage.city == "合肥" and passage.source["doc"] == "安全报告.txt"
    assert "3.2万个" in passage.summary
    assert any(f["value"].startswith("45%") for f in passage.figures)
    assert "物联网" in passage.technologies


def test_proposal_has_every_section_cited_sentences_and_placeholders(kb):
    d = Drafter(kb).proposal("为本市起草一个独居老人智能报警场景方案", city="合肥")
    md = d.to_markdown()
    assert d.subject == "独居老人智能报警"
    assert [s.title for s in d.sections] == list(PROPOSAL_SECTIONS)
    assert all(f"## {t}" in md for t in PROPOSAL_SECTIONS) and "## 参考资料" in md
    # the method note lists this scenario as a tech-driven small-cut example
    assert d.delivery_type == "科技创新驱动-小切口"
    assert "初判：科技创新驱动-小切口" in md
    # method steps are quoted with citations from the method notes
    five = d.section("四、“五阶”场景设计")
    assert sum(1 for b in five.blocks if re.match(r"第[一二三四五]阶.*\[\d+\]$", b.text)) == 5
    # the method applied: a cited sentence about this scenario itself, not the method notes
    applied = [b.text for b in five.blocks if b.text.startswith("结合“独居老人智能报警”：")]
    assert applied and all(re.search(r"老人|报警", t) and re.search(r"\[\d+\]$", t) for t in applied)
    # at most one placeholder, naming what the stages without such a sentence need locally
    holders = [b.text for b in five.blocks if b.kind == "placeholder"]
    assert len(holders) <= 1 and all("独居老人智能报警" in h for h in holders)
    assert len(holders) == (len(applied) < 5)
    # every marker points at a reference whose quote holds the sentence's numbers
    from evals.draft_checks import citation_checks

    checks = citation_checks(d)
    assert checks and all(checks)
    refs = {r.n for r in d.references}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", md.split("## 参考资料")[0])} == refs
    # comparable cases exclude the city the proposal is for
    assert d.cases and all(c.city != "合肥" for c in d.cases)


def test_missing_evidence_leaves_placeholders_not_text(kb):
    d = Drafter(kb).proposal("海底光缆巡检机器人")
    overview = d.section("一、场景概述")
    assert any(b.kind == "placeholder" and b.text.startswith("【待补充：") for b in overview.blocks)
    three = d.section("二、“三维”场景筛选")
    table = next(b for b in three.blocks if b.kind == "table")
    assert any(row[1] == "待论证" and row[2] == "资料中未找到该维度的依据" for row in table.rows)
    holders = [b.text for b in three.blocks if b.kind == "placeholder"]
    assert len(holders) == 1 and "维度的依据" in holders[0]
    assert "初判" in "".join(b.text for b in d.section("三、“四类”场景归类").blocks)


def test_response_sections_and_user_text_is_labelled(kb):
    d = Drafter(kb).response("建设燃气管网泄漏监测平台", "我们提供燃气传感器与泄漏定位算法", city="合肥")
    assert [s.title for s in d.sections] == list(RESPONSE_SECTIONS)
    md = d.to_markdown()
    assert "需求原文：建设燃气管网泄漏监测平台" in md
    assert "企业能力（企业自述）：我们提供燃气传感器与泄漏定位算法" in md
    policy = "".join(b.text for b in d.section("六、适用政策").blocks)
    first = int(re.search(r"\[(\d+)\]", policy).group(1))
    # with --city, the first policy quoted is the city's own
    assert d.references[first - 1].doc == "hefei-budget-reserve-fault-tolerance.yaml"
    assert "容错" in d.references[first - 1].quote and not policy.startswith("对标参考")


def test_docx_export_headings_references_and_east_asian_font(kb, tmp_path):
    import docx
    from docx.oxml.ns import qn

    from assistant.export import write_draft

    d = Drafter(kb).proposal("独居老人智能报警")
    path = write_draft(d, tmp_path / "方案.docx")
    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == ["一、场景概述", "二、“三维”场景筛选"] and headings[-1] == "参考资料"
    refs = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(refs) == len(d.references) and refs[0].startswith("《")
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert doc.styles["Heading 1"].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "黑体"
    assert len(doc.tables) >= 3  # 三维, 七有, 三元 (+ cases)
    with pytest.raises(Exception, match="不支持的导出格式"):
        write_draft(d, tmp_path / "方案.pdf")


def test_idea_of():
    assert idea_of("为本市起草一个独居老人智能报警场景方案") == "独居老人智能报警"
    assert idea_of("起草企业开办“一网通办”场景方案") == "企业开办“一网通办”"  # quotes stay balanced
    # framed requests: who asks, the verb, the kind of document and asides are not the scenario
    assert idea_of("请帮我们区起草一份垃圾分类积分兑换的工作方案要点，并引用外地做法。") == "垃圾分类积分兑换"
    assert idea_of("起草我市河道水质在线监测平台的建设方案框架") == "河道水质在线监测平台"
    assert idea_of("我们想做一个社区食堂扫码助餐场景，请起草方案要点并参考现有做法") == "社区食堂扫码助餐"
    assert idea_of("智慧停车") == "智慧停车"


def test_cli_cases_and_drafts_json(kb, tmp_path):
    from click.testing import CliRunner

    from ui.cli import cli

    home = str(kb.settings.home)
    r = CliRunner().invoke(cli, ["cases", "城市安全风险监测预警", "--json", "--home", home, "-k", "3"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data["cases"]) == 3
    assert set(data["cases"][0]) >= {"city", "title", "summary", "why", "score", "source"}
    assert set(data["cases"][0]["source"]) >= {"doc", "section", "text"}
    out = tmp_path / "p.md"
    r = CliRunner().invoke(cli, ["draft", "proposal", "独居老人智能报警", "--out", str(out), "--json", "--home", home])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["out"] == str(out) and out.read_text(encoding="utf-8").startswith("# ")
    r = CliRunner().invoke(cli, ["draft", "response", "--need", "燃气监测", "--home", home])
    assert r.exit_code == 1 and "企业能力" in r.stderr


def test_llm_prose_passes_the_citation_check(kb):
    """With an LLM, a section becomes prose; invented numbers are dropped, markers map back
    to the draft's own reference numbers."""
    from core.settings import LLMSettings
    from tests.openai_stub import ScriptedOpenAI

    reply = "这一场景首先要理清业务。[1]第二阶要用取消、合并、重排、简化的方法再造流程。[2]本市已为此投入9999万元。[2]"
    with ScriptedOpenAI([reply] * 30) as server:
        a = Assistant(kb.settings.with_(llm=LLMSettings(base_url=server.url, model="m", api_key="k")))
        d = Drafter(a).proposal("独居老人智能报警")
    five = d.section("四、“五阶”场景设计")
    prose = [b for b in five.blocks if b.kind == "p" and not b.text.startswith("结合“")]
    assert len(prose) == 1 and "9999" not in prose[0].text
    markers = [int(n) for n in re.findall(r"\[(\d+)\]", prose[0].text)]
    quotes = {r.n: r.quote for r in d.references}
    assert markers and all(m in quotes for m in markers)
    assert sum(b.kind == "placeholder" for b in five.blocks) <= 1  # the placeholder stays
    # both the invented figure and the sentence its passage does not support are dropped
    assert "“四、“五阶”场景设计”：删除了 2 句未通过引用核验的改写" in d.notes
    assert prose[0].text.startswith("第二阶要用取消、合并、重排、简化的方法再造流程。[")


def test_indicators_come_from_cases_of_the_same_domain(kb):
    """An elderly-care alarm takes reference figures from 惠民服务 cases only (the
    community card), never from the city-safety or city-brain cards."""
    finder = CaseFinder(kb)
    assert finder.profile("独居老人智能报警").domain == "惠民服务"
    d = Drafter(kb).proposal("独居老人智能报警")
    lines = [b.text for b in d.section("八、成效指标").blocks if b.text.startswith("参照（")]
    domains = {h.city: h.domain for h in finder.find("独居老人智能报警", k=10)}
    assert lines and all(domains[re.match(r"参照（(.+?)）", t).group(1)] == "惠民服务" for t in lines)
    assert not re.search(r"拥堵|燃气|生命线", "".join(lines))
