"""PDF layout: running headers, footers and page numbers go; a sentence broken by a
page break is whole again; table columns come back as tabs; pages stay on chunks."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from ingest.chunk import chunk_sections
from ingest.loaders import load_document
from ingest.structure import split_sections

HEADER = "示范市人民政府办公室  2026年第{n}期"
BROKEN_1 = "到2027年，示范市累计开放场景机会120个，建成场景验证实验室3个，"
BROKEN_2 = "形成一批可复制可推广的典型案例。"
ROWS = [("场景类别", "典型场景名称", "牵头单位"),
        ("交通出行", "公交到站精准预报", "市交通局"),
        ("", "共享单车电子围栏", "市城管局"),
        ("公共安全", "独居老人智能报警", "市民政局")]


def _office_pdf(path, pages: int = 4):
    """Pages with a header and "第n页 共m页" footer, body text, a sentence running over
    the break between pages 2 and 3, and a table on page 4 drawn in columns."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    body = {1: ["一、总体要求", "示范市坚持需求牵引、场景驱动，推动新技术在城市治理中规模化应用。"],
            2: ["二、工作目标", "每季度发布一次场景机会清单与能力清单。", BROKEN_1],
            3: [BROKEN_2, "三、保障措施", "市级财政每年安排专项资金8000万元。"],
            4: ["表1 首批场景清单"]}
    for n in range(1, pages + 1):
        c.setFont("STSong-Light", 9)
        c.drawString(50, 810, HEADER.format(n=n))
        c.drawCentredString(297, 25, f"第{n}页 共{pages}页")
        c.setFont("STSong-Light", 11)
        y = 760
        for line in body.get(n, []):
            c.drawString(50, y, line)
            y -= 20
        if n == 4:
            for row in ROWS:
                for x, cell in zip((50, 160, 330), row):
                    if cell:
                        c.drawString(x, y, cell)
                y -= 20
        c.showPage()
    c.save()
    return path


def test_headers_footers_and_page_numbers_are_removed(tmp_path):
    doc = load_document(_office_pdf(tmp_path / "notice.pdf"))
    text = "\n".join(p.text for p in doc.pages)
    assert "示范市人民政府办公室" not in text and "共4页" not in text
    assert "示范市坚持需求牵引" in doc.pages[0].text and [p.number for p in doc.pages] == [1, 2, 3, 4]


def test_a_sentence_broken_by_a_page_break_is_joined_and_keeps_its_page(tmp_path):
    doc = load_document(_office_pdf(tmp_path / "notice.pdf"))
    chunks = chunk_sections(split_sections(doc.pages), 400, 800, 40)
    joined = BROKEN_1 + BROKEN_2
    holding = [c for c in chunks if joined in c.text]
    assert holding, [c.text for c in chunks]
    assert holding[0].page == 2  # cited at the page where the sentence starts
    assert any(c.page == 3 and "专项资金8000万元" in c.text for c in chunks)


def test_table_columns_become_tab_rows_with_the_empty_cell_kept(tmp_path):
    doc = load_document(_office_pdf(tmp_path / "notice.pdf"))
    lines = doc.pages[3].text.splitlines()
    assert "场景类别\t典型场景名称\t牵头单位" in lines
    assert "交通出行\t公交到站精准预报\t市交通局" in lines
    assert "\t共享单车电子围栏\t市城管局" in lines  # first cell empty: merged with the row above
    sections = split_sections(doc.pages)
    table = next(s for s in sections if s.kind == "table")
    assert table.header.startswith("表1首批场景清单")


def test_a_heading_with_a_space_is_not_taken_for_a_table(tmp_path):
    from tests.docmaker import make_pdf

    doc = load_document(make_pdf(tmp_path / "t.pdf", [["以场景之势 聚创新之力", "正文第一句。"]]))
    assert "以场景之势 聚创新之力" in doc.pages[0].text


@pytest.mark.slow  # drives Chromium
@pytest.mark.skipif(not shutil.which("chromium"), reason="needs Debian's chromium")
def test_a_page_printed_by_chromium_loses_its_running_header_and_footer(tmp_path):
    """Chromium's default print adds the date, the title, the file:// URL and "n/m"."""
    import random

    rng = random.Random(3)
    fields = ["交通", "医疗", "教育", "养老", "文旅", "应急", "政务服务", "生态环境", "城市更新"]
    paragraphs = [f"第{i}项举措：示范市在{'、'.join(rng.sample(fields, rng.randint(1, 5)))}领域开放场景，"
                  + "累计投入资金" * rng.randint(1, 3) + f"{i * 10}亿元，惠及市民{i}万人次。"
                  for i in range(1, 120)]
    html = tmp_path / "policy.html"
    html.write_text("<html><head><meta charset='utf-8'><title>示范市场景政策汇编</title></head><body>"
                    + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>", encoding="utf-8")
    pdf = tmp_path / "policy.pdf"
    subprocess.run(["chromium", "--headless", "--disable-gpu", "--no-sandbox", f"--print-to-pdf={pdf}",
                    html.as_uri()], check=True, capture_output=True, timeout=120)
    doc = load_document(pdf)
    assert len(doc.pages) >= 3
    text = "\n".join(p.text for p in doc.pages)
    assert "file://" not in text
    assert not any(line.strip() == "示范市场景政策汇编" for line in text.splitlines())
    assert doc.title == "示范市场景政策汇编"
    chunks = chunk_sections(split_sections(doc.pages), 400, 800, 40)
    whole = "".join(c.text for c in chunks)
    for p in paragraphs:
        assert p in whole, p  # every paragraph whole, none cut by a footer


def test_a_pdf_with_a_broken_cross_reference_table_is_repaired_and_read(tmp_path):
    """Damaged xref offsets (common after bad downloads and edits): pdfium rebuilds the
    table from the objects, so the text is read rather than refused."""
    import re

    from tests.docmaker import make_pdf

    good = make_pdf(tmp_path / "good.pdf", [["示范市累计开放场景机会120个。"], ["第二页：建成实验室3个。"]])
    data = good.read_bytes()
    broken = re.sub(rb"\d{10} 00000 n", b"0000000999 00000 n", data)  # every offset wrong
    broken = re.sub(rb"startxref\s+\d+", b"startxref\n12345", broken)
    assert broken != data
    path = tmp_path / "broken-xref.pdf"
    path.write_bytes(broken)
    doc = load_document(path)
    assert "示范市累计开放场景机会120个。" in doc.pages[0].text and "建成实验室3个" in doc.pages[1].text
