"""Drafts over a small corpus written for this test (two cities' policy notes and a
national guideline, real embedder and Chroma): another city's policy is labelled as that
city's, the asker's own city comes first and national text next, placeholders are capped,
and the DOCX is an A4 公文-style document with page numbers and numbered references."""
from __future__ import annotations

import re

import pytest

from assistant.drafting import (BENCHMARK_LABEL, MAX_PLACEHOLDERS, Drafter, count_placeholders, place_of)
from assistant.retrieve import RetrievedChunk
from tests.conftest import documents_home

SHENZHEN = """深圳市场景开放支持措施

一、资金支持

深圳市设立场景开放专项资金，对列入市级场景清单的示范项目按实际投资给予最高200万元补助。

二、首试首用

深圳市鼓励政府部门首次采购本地企业的新场景产品，对首试首用中出现的非主观过失予以免责。
"""
HEFEI = """合肥市新场景培育办法

一、预算安排

合肥市要求在政府投资项目中预留3%的预算，专门用于采购新场景解决方案。

二、容错机制

合肥市对首次应用新技术的场景项目实行容错，探索中出现的失误不作负面评价。
"""
NATIONAL = """关于推动场景创新的指导意见

一、总体要求

各地要建立场景清单定期发布和动态调整机制，以揭榜挂帅方式组织供需对接。

二、保障措施

各地可统筹财政资金支持场景建设，对首试首用的新产品依法依规落实容错纠错。
"""


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """A home without the built-in corpus holding only the three notes above."""
    return documents_home(tmp_path_factory.mktemp("policies"),
                          {"深圳措施.txt": SHENZHEN, "合肥办法.txt": HEFEI, "指导意见.txt": NATIONAL})


@pytest.fixture(scope="module")
def shenzhen_draft(kb):
    return Drafter(kb).proposal("为深圳起草一个场景资金支持与首试首用容错政策方案")


def _policy_blocks(draft) -> list[str]:
    return [b.text for b in draft.section("十、可用政策支持").blocks if b.kind == "p"]


def test_other_city_policy_is_labelled_as_that_city(kb, shenzhen_draft):
    from evals.draft_checks import unlabelled_other_places

    blocks = _policy_blocks(shenzhen_draft)
    hefei = [t for t in blocks if "预留3%" in t or "不作负面评价" in t]
    assert hefei, blocks
    assert all(t.startswith(f"{BENCHMARK_LABEL}合肥——") for t in hefei)
    assert not any(t.startswith(BENCHMARK_LABEL) for t in blocks if "深圳市" in t)
    assert unlabelled_other_places(shenzhen_draft, kb.index.vocab, "深圳") == []
    # with another asker the same sentences flip: 深圳's become the benchmarks
    hefei_draft = Drafter(kb).proposal("场景资金支持与首试首用容错政策", city="合肥")
    assert all(t.startswith(f"{BENCHMARK_LABEL}深圳——") for t in _policy_blocks(hefei_draft) if "200万元" in t)


def test_own_city_first_then_national_then_benchmarks(shenzhen_draft):
    blocks = _policy_blocks(shenzhen_draft)

    def rank(text: str) -> int:
        if text.startswith(BENCHMARK_LABEL):
            return 2
        return 0 if "深圳" in text else 1

    ranks = [rank(t) for t in blocks]
    assert ranks[0] == 0 and ranks == sorted(ranks), blocks
    assert 1 in ranks and 2 in ranks
    bare = [re.sub(r"^对标参考：\S+?——|\[\d+\]$", "", t) for t in blocks]
    assert not any(a in b for a in bare for b in bare if a is not b)  # each sentence once
    # the asker's own policy was found, so no placeholder asks for it
    assert not any(b.kind == "placeholder" for b in shenzhen_draft.section("十、可用政策支持").blocks)


def test_placeholders_one_per_section_and_capped(kb):
    d = Drafter(kb).proposal("海底光缆巡检机器人")
    assert count_placeholders(d) <= MAX_PLACEHOLDERS
    for section in d.sections:
        holders = [b for b in section.blocks if b.kind == "placeholder"]
        assert len(holders) <= 1, section.title
        assert all(re.fullmatch(r"【待补充：.{6,}】", b.text) for b in holders)
    assert "【待" not in "".join(c for s in d.sections for b in s.blocks for row in b.rows for c in row)


def test_place_of_reads_the_paragraph_and_heading(kb):
    vocab = kb.index.vocab
    chunk = RetrievedChunk("c1", "宁波市的做法是先试点。在资金方面给予补助。", {"section": "二、杭州市经验"}, 1.0)
    assert place_of(vocab, chunk, "宁波市的做法是先试点。") == "宁波"
    assert place_of(vocab, chunk, "在资金方面给予补助。") == "宁波"
    other = RetrievedChunk("c2", "给予补助。", {"section": "二、杭州市经验"}, 1.0)
    assert place_of(vocab, other, "给予补助。") == "杭州"
    assert place_of(vocab, RetrievedChunk("c3", "给予补助。", {}, 1.0), "给予补助。") is None


def test_docx_is_a4_with_page_numbers_fonts_and_numbered_references(shenzhen_draft, tmp_path):
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm

    from assistant.export import write_draft

    doc = docx.Document(str(write_draft(shenzhen_draft, tmp_path / "方案.docx")))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    footer = section.footer.paragraphs[0]._p
    assert footer.findall(".//" + qn("w:fldChar")) and "PAGE" in "".join(
        t.text for t in footer.findall(".//" + qn("w:instrText")))

    def east_asian(style: str) -> str:
        return doc.styles[style].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))

    assert east_asian("Normal") == "仿宋_GB2312" and doc.styles["Normal"].font.size.pt == 16
    assert east_asian("Heading 1") == "黑体" and "小标宋" in east_asian("Title")
    refs = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
    assert len(refs) == len(shenzhen_draft.references)
    assert refs[0].startswith("《") and shenzhen_draft.references[0].quote in refs[0]
    assert any("200万元" in r for r in refs)
    md = shenzhen_draft.to_markdown().split("## 参考资料")[1]
    numbered = [line for line in md.splitlines() if re.match(r"\d+\. 《", line)]
    assert len(numbered) == len(shenzhen_draft.references) and numbered[0].startswith("1. 《")
