"""OCR of scanned PDF pages and images, with real files made here (Chinese text drawn
with a CJK font), the real bundled models, and the real pipeline, CLI and question
answering. The engine and the files are shared by the module: OCR is slow."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from ui.cli import cli
from core.errors import IngestError
from ingest import ocr
from ingest.loaders import LoadOptions, load_document
from tests.docmaker import make_pdf
from tests.scanmaker import bomb_png, image_pdf, mixed_pdf, need_font, page_image

pytestmark = pytest.mark.store

TEXT_PAGE = ["一、总体情况", "示范市坚持需求牵引、场景驱动，推动新技术在城市治理中规模化应用。"]
SCAN_PAGE = ["二、场景开放", "　　示范市2025年开放场景机会120个，其中城市治理类45个，", "交通出行类30个。"]
PNG_PAGE = ["临江区智慧停车试点", "　　临江区整合路内、路外车位2.6万个，高峰时段寻位时间缩短40%。"]
TIFF_PAGES = [["三、实验室建设", "　　江北新区2024年建成场景实验室7个。"],
              ["四、能力清单", "　　滨湖区发布首批场景能力清单58项。"]]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    need_font()
    d = tmp_path_factory.mktemp("scans")
    out = {"dir": d}
    out["mixed"] = mixed_pdf(d / "mixed.pdf", TEXT_PAGE, page_image(SCAN_PAGE))
    out["scan"] = image_pdf(d / "scan.pdf", [page_image(SCAN_PAGE, title="示范市场景开放情况"),
                                            page_image([])])  # page 2: a blank scanned page
    page_image(PNG_PAGE, noise=True).save(d / "parking.png")
    out["png"] = d / "parking.png"
    first, *rest = [page_image(p) for p in TIFF_PAGES]
    first.save(d / "labs.tiff", save_all=True, append_images=rest, compression="tiff_deflate")
    out["tiff"] = d / "labs.tiff"
    out["text"] = make_pdf(d / "text.pdf", [TEXT_PAGE, ["二、场景开放", "示范市2025年开放场景机会120个。"]])
    return out


@pytest.fixture(scope="module")
def mixed_doc(files):
    calls = []
    doc = load_document(files["mixed"], options=LoadOptions(ocr="auto", progress=lambda *a: calls.append(a)))
    return doc, calls


def test_mixed_pdf_ocrs_only_the_scanned_page(mixed_doc):
    doc, calls = mixed_doc
    p1, p2 = doc.pages
    assert p1.number == 1 and p1.ocr_confidence is None  # the text layer, untouched
    assert "推动新技术在城市治理中规模化应用" in squash(p1.text)
    assert p2.number == 2 and p2.ocr_confidence is not None and p2.ocr_confidence > ocr.LOW_CONFIDENCE
    assert "示范市2025年开放场景机会120个" in squash(p2.text)
    assert p2.text.splitlines()[0] == "二、场景开放"  # a heading keeps its own line
    assert calls == [(0, 1, "OCR 识别"), (1, 1, "OCR 识别")]
    assert doc.warnings == []


def test_image_only_pdf_with_a_blank_page(files):
    doc = load_document(files["scan"])
    by_number = {p.number: p for p in doc.pages}
    assert "示范市2025年开放场景机会120个" in squash(by_number[1].text)
    assert by_number[1].text.startswith("# 示范市场景开放情况")  # larger type: a heading
    assert not by_number[2].text.strip() and by_number[2].ocr_confidence is None  # blank: no text, no error


def test_ocr_off_and_force(files):
    with pytest.raises(IngestError, match=re.escape("PDF 没有文本层（可能是扫描件），OCR 已关闭（--ocr off）")):
        load_document(files["scan"], options=LoadOptions(ocr="off"))
    with pytest.raises(IngestError, match=re.escape("图片需要 OCR 才能导入，当前 OCR 已关闭（--ocr off）")):
        load_document(files["png"], options=LoadOptions(ocr="off"))
    doc = load_document(files["mixed"], options=LoadOptions(ocr="off"))  # text pages still load
    assert [bool(p.text.strip()) for p in doc.pages] == [True, False]
    forced = load_document(files["text"], options=LoadOptions(ocr="force"))
    assert all(p.ocr_confidence is not None for p in forced.pages)
    assert "示范市2025年开放场景机会120个" in squash(forced.pages[1].text)
    assert "推动新技术在城市治理中规模化应用" in squash(forced.pages[0].text)


def test_png_and_multipage_tiff(files):
    png = load_document(files["png"])
    assert len(png.pages) == 1 and png.pages[0].number is None and png.pages[0].ocr_confidence > 0.9
    assert "临江区整合路内、路外车位2.6万个，高峰时段寻位时间缩短40%" in squash(png.pages[0].text)
    tiff = load_document(files["tiff"])
    assert [p.number for p in tiff.pages] == [1, 2]
    assert "江北新区2024年建成场景实验室7个" in squash(tiff.pages[0].text)
    assert "滨湖区发布首批场景能力清单58项" in squash(tiff.pages[1].text)


@pytest.mark.parametrize("degrees", [180, 270])
def test_turned_pages_are_read_upright(degrees):
    page = ocr.ocr_image(page_image(SCAN_PAGE).rotate(degrees, expand=True, fillcolor=255))
    assert page.rotation == (360 - degrees) % 360
    assert "示范市2025年开放场景机会120个" in squash(page.text)


def test_bad_images(tmp_path):
    need_font()
    (tmp_path / "random.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    with pytest.raises(IngestError, match="图片文件已损坏或格式无法识别"):
        load_document(tmp_path / "random.png")
    good = tmp_path / "good.png"
    page_image(PNG_PAGE).save(good)
    (tmp_path / "truncated.png").write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    with pytest.raises(IngestError, match="已损坏或不完整"):
        load_document(tmp_path / "truncated.png")
    with pytest.raises(IngestError, match=r"图片尺寸过大（约 900 百万像素）"):
        load_document(bomb_png(tmp_path / "bomb.png"))
    with pytest.raises(IngestError, match=r"图片尺寸过大（20000×8000 像素"):
        load_document(bomb_png(tmp_path / "wide.png", 20000, 8000))
    page_image([]).save(tmp_path / "blank.jpg")
    with pytest.raises(IngestError, match="图片中没有识别出文字"):
        load_document(tmp_path / "blank.jpg")


def test_low_confidence_pages_are_listed(files, monkeypatch):
    monkeypatch.setattr(ocr, "LOW_CONFIDENCE", 1.01)
    doc = load_document(files["mixed"])
    assert len(doc.warnings) == 1
    assert re.fullmatch(r"第2页 OCR 置信度较低（(0|1)\.\d\d），请核对原件", doc.warnings[0])


def test_reading_order_columns_tables_paragraphs():
    B = ocr._Box

    def line(y, x0, text, h=20.0):
        return B(x0, y, x0 + 20 * len(text), y + h, text, 0.99)

    boxes = [B(300, 10, 700, 50, "双栏报道", 0.99)]  # a title over both columns, larger type
    left = ["左栏第一行文字内容在此处", "左栏第二行文字内容在此处", "左栏第三行文字内容结束。"]
    right = ["右栏第一行文字内容在此处", "右栏第二行文字内容在此处", "右栏第三行文字内容结束。"]
    for i, (a, b) in enumerate(zip(left, right)):
        boxes += [line(80 + 30 * i, 50, a), line(80 + 30 * i, 560, b)]
    boxes += [line(200, 50, "名称"), line(200, 400, "数量"), line(230, 50, "场景"), line(230, 400, "120")]
    boxes += [line(300, 90, "新段落首行缩进两个字符的正文内容"), line(330, 50, "第二行顶格继续写完。"),
              line(360, 90, "另一段落也首行缩进的正文内容很长"), line(390, 50, "再续一行。")]
    lines, text = ocr.layout(boxes, 1000)
    rows = text.split("\n")
    assert rows[0] == "# 双栏报道"
    body = [r for r in rows if r]
    assert body[1:7] == left + right  # column by column
    assert "名称\t数量" in rows and "场景\t120" in rows  # table cells tab-separated, row by row
    i = rows.index("新段落首行缩进两个字符的正文内容")
    assert rows[i - 1] == "" and rows[i + 1] == "第二行顶格继续写完。" and rows[i + 2] == ""
    assert len(lines) == len(body)


def test_pipeline_answers_from_the_scanned_page_and_cites_it(files, tmp_path_factory):
    from assistant.service import Assistant
    from tests.conftest import store_settings
    from tests.index_checks import assert_consistent

    home = tmp_path_factory.mktemp("ocr-home")
    assistant = Assistant(store_settings(home / "h", use_builtin=False, builtin_corpus=None))
    report = assistant.ingest([files["mixed"], files["png"], files["tiff"]], progress=False)
    assert [r.status for r in report.results] == ["added"] * 3, [r.reason for r in report.results]
    rows = [m for _, _, m in assistant.index.store.iter_all(include_documents=False)]
    mixed = [m for m in rows if m["source"] == "mixed.pdf"]
    assert {m["page"] for m in mixed} == {1, 2}
    assert all(("ocr_confidence" in m) == (m["page"] == 2) for m in mixed)
    assert all("ocr_confidence" in m for m in rows if m["source"] != "mixed.pdf")
    assert_consistent(assistant)
    r = assistant.ask("示范市2025年开放了多少个场景机会？")
    assert "120" in r.answer and not r.refused
    assert any(c.chunk.doc == "mixed.pdf" and c.chunk.page == 2 for c in r.citations)
    r = assistant.ask("临江区整合了多少路内、路外车位？")
    assert "2.6万" in r.answer and any(c.chunk.doc == "parking.png" for c in r.citations)


def test_cli_ingest_ocr_modes(files, tmp_path):
    from assistant.service import Assistant
    from core.settings import Settings

    home = tmp_path / "home"

    def ingest(*args):
        r = CliRunner().invoke(cli, ["ingest", *map(str, args), "--json", "--home", str(home)],
                               catch_exceptions=False)
        return r.exit_code, {f["source"]: f for f in json.loads(r.stdout)["files"]}

    code, out = ingest(files["scan"], "--ocr", "off")
    assert code == 1 and "OCR 已关闭（--ocr off）" in out["scan.pdf"]["reason"]
    code, out = ingest(files["text"], files["png"], "--ocr", "off")
    assert code == 1 and out["text.pdf"]["status"] == "added" and "OCR 已关闭" in out["parking.png"]["reason"]
    code, out = ingest(files["text"], "--ocr", "force")
    assert code == 0 and out["text.pdf"]["status"] == "updated"  # another OCR mode: read again
    rows = [m for _, _, m in Assistant(Settings(home=home, use_builtin=False)).index.store.iter_all(
        include_documents=False)]
    assert rows and all(0.9 < m["ocr_confidence"] <= 1 for m in rows if m["source"] == "text.pdf")


def test_engine_uses_the_bundled_models_and_never_downloads(monkeypatch):
    from rapidocr.utils.download_file import DownloadFile

    def refuse(*a, **k):
        raise AssertionError("rapidocr tried to download a model")

    monkeypatch.setattr(DownloadFile, "run", refuse)
    ocr.reset_engine()  # a new engine, built under the guard (and conftest's no_network)
    models = ocr._bundled_models()
    assert set(models) == {"det", "cls", "rec"}
    page = ocr.ocr_image(page_image(["示范市2025年开放场景机会120个。"]).rotate(180))  # det, cls and rec
    assert "示范市2025年开放场景机会120个" in squash(page.text) and page.rotation == 180
