"""Loaders: each format made for real, text encodings detected, PDF pages kept."""
from __future__ import annotations

import pytest

from core.errors import IngestError
from ingest.loaders import load_document
from tests.docmaker import make_docx, make_pdf, write_text


def test_chinese_pdf_keeps_pages_and_text(tmp_path):
    path = make_pdf(tmp_path / "方案.pdf", [["无锡开放了85个场景机会。", "这是第一页。"],
                                           ["合肥预留5%预算用于新场景建设。"]], title="场景方案")
    doc = load_document(path)
    assert doc.title == "场景方案"
    assert [p.number for p in doc.pages] == [1, 2]
    assert "85个场景机会" in doc.pages[0].text
    assert "合肥预留5%预算" in doc.pages[1].text


def test_docx_headings_and_tables_survive(tmp_path):
    path = make_docx(tmp_path / "政策.docx", "数据要素政策", [
        ("h1", "一、总体要求"), ("p", "推进公共数据授权运营。"),
        ("h2", "（一）重点城市"), ("table", [["城市", "政策"], ["杭州", "《杭州市公共数据授权运营实施方案》"]]),
    ])
    doc = load_document(path)
    text = doc.pages[0].text
    assert doc.title == "数据要素政策"
    assert "# 一、总体要求" in text and "## （一）重点城市" in text
    assert "杭州\t《杭州市公共数据授权运营实施方案》" in text


def test_html_drops_scripts_and_keeps_structure(tmp_path):
    html = """<html><head><meta charset="utf-8"><title>深圳场景清单</title>
    <script>alert('x')</script><style>p{color:red}</style></head>
    <body><nav>首页 | 导航</nav><h2>一、需求清单</h2><p>深圳发布<b>67项</b>需求清单。</p>
    <table><tr><th>领域</th><th>数量</th></tr><tr><td>低空经济</td><td>12</td></tr></table></body></html>"""
    doc = load_document(write_text(tmp_path / "page.html", html))
    text = doc.pages[0].text
    assert doc.title == "深圳场景清单"
    assert "alert" not in text and "color:red" not in text and "导航" not in text
    assert "## 一、需求清单" in text
    assert "深圳发布67项需求清单。" in text
    assert "低空经济\t12" in text


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_text_encodings_are_detected(tmp_path, encoding):
    body = "城市数字新场景：无锡发布“无限锡引”城市级超级场景，开放85个场景机会。"
    doc = load_document(write_text(tmp_path / f"{encoding}.txt", body, encoding))
    assert doc.pages[0].text.strip() == body


def test_markdown_front_matter_gives_title(tmp_path):
    md = "---\ntitle: 合肥场景政策简介\nissuer: 合肥市\n---\n## 要点\n预留5%预算。\n"
    doc = load_document(write_text(tmp_path / "brief.md", md))
    assert doc.title == "合肥场景政策简介"
    assert doc.meta["issuer"] == "合肥市"
    assert "issuer" not in doc.pages[0].text


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "文件为空"),
    ("fake.pdf", b"\x00\x01binary garbage" * 50, "不是有效的 PDF"),
    ("broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\ngarbage", "PDF"),
    ("data.xyz", "内容".encode(), "不支持的文件类型"),
    ("fake.docx", b"not a zip at all", "不是有效的 DOCX"),
    ("binary.txt", b"\x00\x00\x00\x01\x02" * 100, "二进制"),
])
def test_bad_files_fail_with_name_and_reason(tmp_path, name, data, reason):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError) as err:
        load_document(path)
    assert err.value.path == name
    assert reason in err.value.reason


def test_truncated_real_pdf_is_reported(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [["第一页内容。"], ["第二页内容。"]])
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 3])
    with pytest.raises(IngestError) as err:
        load_document(cut)
    assert err.value.path == "cut.pdf"
    assert "PDF" in err.value.reason


def test_unreadable_file_is_reported(tmp_path):
    import os

    path = write_text(tmp_path / "secret.txt", "内部资料")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads everything: fall back to a directory
            path = tmp_path / "folder.txt"
            path.mkdir()
        with pytest.raises(IngestError) as err:
            load_document(path)
        assert err.value.path == path.name
        assert "无法读取" in err.value.reason or "文件夹" in err.value.reason
    finally:
        (tmp_path / "secret.txt").chmod(0o644)
