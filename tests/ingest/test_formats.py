"""Spreadsheets, slides, OFD and old office formats: each fixture made by its real tool
(openpyxl, xlwt, the csv module in GB18030, python-pptx, make_ofd, LibreOffice), read
with its structure checked, then ingested together with the real pipeline and asked a
question each file alone answers, with a citation to that file."""
from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from core.errors import IngestError
from ingest.loaders import load_document
from ingest.loaders.legacy_office import find_soffice, has_module
from tests.docmaker import make_ofd

needs_soffice = pytest.mark.skipif(shutil.which("soffice") is None and shutil.which("libreoffice") is None,
                                   reason="LibreOffice (soffice) 未安装：sudo apt install libreoffice-writer-nogui")


def needs_module(module: str, package: str):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    return pytest.mark.skipif(soffice is None or not has_module(soffice, module),
                              reason=f"LibreOffice 的 {module} 组件未安装：sudo apt install {package}")


# ------------------------------------------------------------------------ fixtures

def make_xlsx(path: Path) -> Path:
    """Two sheets; the first with an empty leading row and column, a merged city
    column, whole numbers stored as floats, percentages and dates."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.title = "示范市场景机会统计表"
    ws = wb.active
    ws.title = "2025年场景机会"
    ws.append([])  # an empty first row
    ws.append([None, "城市", "场景类别", None, "开放场景机会（个）", "占比", "发布日期"])  # empty columns A and D
    ws.append([None, "示范市", "交通", None, 35.0, 35 / 120, dt.date(2025, 3, 1)])
    ws.append([None, None, "医疗", None, 20, 20 / 120, dt.datetime(2025, 3, 1, 0, 0)])
    ws.append([None, None, "合计", None, 120, 1, dt.date(2025, 3, 1)])
    ws.append([])
    ws.merge_cells("B3:B5")
    for row in (3, 4, 5):
        ws.cell(row, 6).number_format = "0.0%"
    notes = wb.create_sheet("说明")
    notes.append(["说明"])
    notes.append(["示范市2025年开放场景机会120个，其中交通类35个。"])
    wb.create_sheet("空白页")
    wb.save(path)
    return path


def make_xls(path: Path) -> Path:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("场景清单")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    rows = [["城市", "年份", "发布场景清单（项）", "其中医疗类（项）", "发布日期"],
            ["临江市", 2024, 86, 21, dt.date(2024, 6, 18)],
            ["临江市", 2023, 70.0, 15, dt.date(2023, 6, 20)]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, date_style)
            else:
                sheet.write(r, c, value)
    sheet.write_merge(4, 4, 0, 4, "注：临江市2024年发布场景清单86项，其中医疗类21项。")
    book.save(str(path))
    return path


def make_csv(path: Path) -> Path:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")  # not a comma: the delimiter is sniffed
    writer.writerow(["城市", "年份", "征集场景需求（项）", "其中教育类（项）", "备注"])
    writer.writerow(["滨海市", "2025", "64", "18", "滨海市2025年征集场景需求64项，其中教育类18项"])
    writer.writerow([])
    writer.writerow(["滨海市", "2024", "51", "12", "含“双减”课后服务场景；另有3项跨区需求"])
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def make_pptx(path: Path) -> Path:
    """A title slide, a slide with bullets, notes, a table and a group laid out out of
    reading order, and a slide with no title."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.core_properties.title = "青山市场景创新工作汇报"
    s1 = prs.slides.add_slide(prs.slide_layouts[0])
    s1.shapes.title.text = "青山市场景创新工作汇报"
    s1.placeholders[1].text = "青山市数据局"
    s2 = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    s2.shapes.title.text = "一、2025年工作成效"
    # added bottom-right first, then bottom-left, then top: the loader orders by position
    right = s2.shapes.add_textbox(Inches(5), Inches(5.5), Inches(4), Inches(1))
    right.text_frame.text = "右下角：下一步计划"
    left = s2.shapes.add_textbox(Inches(0.5), Inches(5.55), Inches(4), Inches(1))
    left.text_frame.text = "左下角：经验做法"
    body = s2.shapes.add_textbox(Inches(0.5), Inches(1.5), Inches(9), Inches(1.5)).text_frame
    body.text = "青山市2025年建成场景验证实验室4个"
    bullet = body.add_paragraph()
    bullet.text = "发布城市级超级场景2个"
    bullet.level = 1
    table = s2.shapes.add_table(3, 2, Inches(0.5), Inches(3), Inches(6), Inches(1.2)).table
    for r, row in enumerate([["类别", "数量"], ["场景验证实验室", "4个"], ["城市级超级场景", "2个"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    group = s2.shapes.add_group_shape()
    inner = group.shapes.add_textbox(Inches(0.5), Inches(6.6), Inches(6), Inches(0.5))
    inner.text_frame.text = "组合图形中的文字：实验室向企业免费开放"
    s2.notes_slide.notes_text_frame.text = "数据截至2025年6月"
    s3 = prs.slides.add_slide(prs.slide_layouts[6])  # blank: no title
    s3.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1)).text_frame.text = "联系人：青山市数据局创新处"
    prs.save(path)
    return path


OFD_PAGES = [
    ["南湖市场景创新专项资金管理办法", "",
     "第一条 南湖市2025年安排场景创新专项资金6000万元，",
     "单个项目最高奖励200万元。", "",
     "第二条 资金按季度拨付。"],
    ["附件 资金安排表", "项目\t金额（万元）", "首试首用奖励\t3000", "场景验证补助\t3000"],
    ["本页的内容文件缺失"],
    ["第三条 本办法自2025年1月1日起施行。"],
]


def make_docx_for_doc(path: Path, title: str, heading: str, sentence: str) -> Path:
    """A DOCX LibreOffice turns into a .doc faithfully (table cells need widths, and a
    paragraph must follow the table)."""
    import docx
    from docx.shared import Cm

    d = docx.Document()
    d.core_properties.title = title
    d.add_heading(heading, level=1)
    d.add_paragraph(sentence)
    d.add_heading("（一）分类统计", level=2)
    table = d.add_table(rows=2, cols=2)
    table.style = "Table Grid"
    for r, row in enumerate([["类别", "数量"], ["低空经济", "27个"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
            table.cell(r, c).width = Cm(5)
    d.add_paragraph("以上数据截至2025年6月。")
    d.save(str(path))
    return path


def convert_with_soffice(sources: list[Path], target: str, outdir: Path) -> list[Path]:
    soffice = find_soffice()
    profile = (outdir / "lo-profile").as_uri()
    subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={profile}",
                    "--convert-to", target, "--outdir", str(outdir), *map(str, sources)],
                   check=True, capture_output=True, timeout=180)
    return [outdir / f"{s.stem}.{target}" for s in sources]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("formats")
    out = {
        "xlsx": make_xlsx(d / "示范市场景机会.xlsx"),
        "xls": make_xls(d / "临江市场景清单.xls"),
        "csv": make_csv(d / "滨海市场景需求.csv"),
        "pptx": make_pptx(d / "青山市工作汇报.pptx"),
        "ofd": make_ofd(d / "南湖市资金办法.ofd", "南湖市场景创新专项资金管理办法", OFD_PAGES, missing=(2,)),
    }
    if find_soffice():
        src = d / "src"
        src.mkdir()
        a = make_docx_for_doc(src / "dongchuan.docx", "东川市低空经济场景通知", "一、开放场景",
                              "东川市2025年开放低空经济场景27个，覆盖物流配送和应急救援。")
        b = make_docx_for_doc(src / "xiling.docx", "西岭市智慧社区建设通知", "一、建设目标",
                              "西岭市2025年建成智慧社区示范点45个，覆盖全部街道。")
        doc_a, doc_b = convert_with_soffice([a, b], "doc", src)
        out["doc"] = doc_a.rename(d / "东川市低空经济场景通知.doc")
        out["wps"] = doc_b.rename(d / "西岭市智慧社区通知.wps")  # WPS 文字 files are .doc-compatible
    return out


@pytest.fixture(scope="module")
def kb(files, tmp_path_factory):
    from assistant.service import Assistant
    from tests.conftest import store_settings

    home = tmp_path_factory.mktemp("formats-home")
    a = Assistant(store_settings(home, use_builtin=False, builtin_corpus=None))
    report = a.ingest(list(files.values()), progress=False)
    return a, {r.source: r for r in report.results}


# ----------------------------------------------------------------- structure

def test_xlsx_sheets_are_pages_with_tables(files):
    doc = load_document(files["xlsx"])
    assert doc.title == "示范市场景机会统计表"
    assert [p.number for p in doc.pages] == [1, 2]  # the empty third sheet is left out
    lines = doc.pages[0].text.splitlines()
    assert lines[0] == "# 2025年场景机会"
    assert lines[1] == "城市\t场景类别\t开放场景机会（个）\t占比\t发布日期"  # empty columns dropped
    assert lines[2] == "示范市\t交通\t35\t29.2%\t2025-03-01"  # 35.0 shown as 35
    assert lines[3] == "示范市\t医疗\t20\t16.7%\t2025-03-01"  # merged city cell filled
    assert lines[4] == "示范市\t合计\t120\t100%\t2025-03-01"
    assert lines[5:] == []
    assert doc.pages[1].text.splitlines()[:2] == ["# 说明", "说明"]
    assert not doc.warnings


def test_xlsx_long_sheet_is_cut_with_a_warning(tmp_path, monkeypatch):
    import openpyxl

    from ingest.loaders import sheets

    wb = openpyxl.Workbook()
    wb.active.title = "明细"
    for i in range(12):
        wb.active.append([f"项目{i}", i])
    wb.save(tmp_path / "long.xlsx")
    monkeypatch.setattr(sheets, "MAX_ROWS", 5)
    doc = load_document(tmp_path / "long.xlsx")
    assert doc.title == "long"  # no workbook title: the file stem
    assert doc.pages[0].text.splitlines()[1:] == ["项目0\t0", "项目1\t1", "项目2\t2", "项目3\t3", "项目4\t4"]
    assert doc.warnings == ["工作表「明细」超过 5 行，只读取了前 5 行"]


@pytest.mark.parametrize("fmt, reason", [
    ("xlsx", "Excel 文件已加密，需要先在 Excel/WPS 中取消密码"),
    ("pptx", "PowerPoint 文件已加密，需要先在 PowerPoint/WPS 中取消密码"),
    ("docx", "Word 文件已加密，需要先在 Word/WPS 中取消密码"),
])
def test_password_protected_office_files_say_so(files, tmp_path, fmt, reason):
    import msoffcrypto.format.ooxml

    from tests.docmaker import make_docx

    plain = files.get(fmt) or make_docx(tmp_path / "plain.docx", "内部通知", [("p", "内部资料。")])
    with open(plain, "rb") as f, open(tmp_path / f"locked.{fmt}", "wb") as out:
        msoffcrypto.format.ooxml.OOXMLFile(f).encrypt("示范密码123", out)
    with pytest.raises(IngestError) as err:
        load_document(tmp_path / f"locked.{fmt}")
    assert err.value.reason == reason


def test_xls_numbers_dates_and_merged_cells(files):
    doc = load_document(files["xls"])
    assert doc.title == "临江市场景清单"
    lines = doc.pages[0].text.splitlines()
    assert lines[0] == "# 场景清单"
    assert lines[1] == "城市\t年份\t发布场景清单（项）\t其中医疗类（项）\t发布日期"
    assert lines[2] == "临江市\t2024\t86\t21\t2024-06-18"  # xlrd's floats without .0
    assert lines[3] == "临江市\t2023\t70\t15\t2023-06-20"
    # a note merged across the sheet under the table: a line of its own, not a table row
    assert lines[4:] == ["", "注：临江市2024年发布场景清单86项，其中医疗类21项。"]


@pytest.mark.parametrize("data", [
    "<html><body><table><tr><td>城市</td><td>场景机会</td></tr><tr><td>示范市</td><td>120</td></tr></table></body></html>",
    "城市\t场景机会\n示范市\t120\n",
], ids=["html", "tab-text"])
def test_web_exports_named_xls_are_read(tmp_path, data):
    """Web systems often export an HTML table or tab-separated text as ``.xls``."""
    (tmp_path / "导出.xls").write_bytes(data.encode("gbk"))
    doc = load_document(tmp_path / "导出.xls")
    assert "城市\t场景机会\n示范市\t120" in doc.pages[0].text


def test_gb18030_csv_with_sniffed_delimiter(files):
    doc = load_document(files["csv"])
    assert doc.title == "滨海市场景需求"
    lines = doc.pages[0].text.splitlines()
    assert lines[0] == "# 滨海市场景需求"
    assert lines[1] == "城市\t年份\t征集场景需求（项）\t其中教育类（项）\t备注"
    assert lines[2] == "滨海市\t2025\t64\t18\t滨海市2025年征集场景需求64项，其中教育类18项"
    assert lines[3].startswith("滨海市\t2024\t51\t12\t含“双减”")  # the empty row dropped, the quote kept


def test_pptx_slides_in_reading_order(files):
    doc = load_document(files["pptx"])
    assert doc.title == "青山市场景创新工作汇报"
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.pages[0].text.splitlines() == ["## 青山市场景创新工作汇报", "青山市数据局"]
    assert doc.pages[1].text.splitlines() == [
        "## 一、2025年工作成效",
        "青山市2025年建成场景验证实验室4个", "发布城市级超级场景2个",
        "类别\t数量", "场景验证实验室\t4个", "城市级超级场景\t2个", "",
        "左下角：经验做法", "右下角：下一步计划",  # one row, left to right
        "组合图形中的文字：实验室向企业免费开放",
        "", "备注：", "数据截至2025年6月",
    ]
    assert doc.pages[2].text.splitlines() == ["## 第3页", "联系人：青山市数据局创新处"]


def test_ofd_lines_grouped_by_baseline(files):
    doc = load_document(files["ofd"])
    assert doc.title == "南湖市场景创新专项资金管理办法"
    assert [p.number for p in doc.pages] == [1, 2, 4]  # page 3 has no Content.xml
    assert doc.warnings == ["第3页缺少内容文件，已跳过"]
    assert doc.pages[0].text.splitlines() == [
        "南湖市场景创新专项资金管理办法", "",
        "第一条 南湖市2025年安排场景创新专项资金6000万元，",
        "单个项目最高奖励200万元。", "",
        "第二条 资金按季度拨付。",
    ]
    # page 2 is listed with an absolute BaseLoc; its columns are far apart: a table
    assert doc.pages[1].text.splitlines() == ["附件 资金安排表", "项目\t金额（万元）", "首试首用奖励\t3000",
                                              "场景验证补助\t3000"]
    assert doc.pages[2].text == "第三条 本办法自2025年1月1日起施行。"


def test_ofd_with_ctm_and_a_page_folder_loc(tmp_path):
    """Text objects drawn in points through a CTM (as many converters write them), a
    page listed by its folder, the default namespace prefix-free."""
    import zipfile

    ns = "http://www.ofdspec.org/2016"
    # CTM scales points to mm (0.3528); the TextCode is in points, relative to the box
    objects = "".join(
        f'<TextObject ID="{i}" Boundary="{x} 50 60 8" Size="12" CTM="0.3528 0 0 0.3528 0 0">'
        f'<TextCode X="0" Y="12" DeltaX="g {len(t) - 1} 12">{t}</TextCode></TextObject>'
        for i, (x, t) in enumerate([(58.87, "开放场景"), (25.0, "政务服务"), (41.93, "数据共享")], 1))
    with zipfile.ZipFile(tmp_path / "ctm.ofd", "w") as z:
        z.writestr("OFD.xml", f'<OFD xmlns="{ns}"><DocBody><DocRoot>/Doc_0/Document.xml</DocRoot></DocBody></OFD>')
        z.writestr("Doc_0/Document.xml", f'<Document xmlns="{ns}"><Pages><Page ID="9" BaseLoc="Pages/Page_0"/>'
                                         f'</Pages></Document>')
        z.writestr("Doc_0/Pages/Page_0/Content.xml", f'<Page xmlns="{ns}"><Content><Layer ID="8">{objects}'
                                                     f'</Layer></Content></Page>')
    doc = load_document(tmp_path / "ctm.ofd")
    assert doc.pages[0].text == "政务服务数据共享开放场景"


def test_ofd_without_text_is_reported_as_a_scan(tmp_path):
    with pytest.raises(IngestError) as err:
        load_document(make_ofd(tmp_path / "scan.ofd", "扫描件", [[], []]))
    assert err.value.reason == "OFD 中没有可提取的文字（可能是扫描件）"


@needs_soffice
def test_doc_and_wps_through_libreoffice(files):
    doc = load_document(files["doc"])
    assert doc.title == "东川市低空经济场景通知"
    text = doc.pages[0].text
    assert "# 一、开放场景" in text and "## （一）分类统计" in text
    assert "东川市2025年开放低空经济场景27个，覆盖物流配送和应急救援。" in text
    assert "类别\t数量\n低空经济\t27个\n" in text
    wps = load_document(files["wps"])
    assert wps.title == "西岭市智慧社区建设通知"
    assert "西岭市2025年建成智慧社区示范点45个" in wps.pages[0].text and "# 一、建设目标" in wps.pages[0].text


@needs_module("calc", "libreoffice-calc-nogui")
@needs_module("impress", "libreoffice-impress-nogui")
def test_wps_spreadsheet_and_presentation_through_libreoffice(files, tmp_path):
    """WPS 表格 (.et) and WPS 演示 (.dps) files are their binary Office counterparts
    (.xls, .ppt) under another suffix; LibreOffice converts them to XLSX and PPTX."""
    shutil.copy(files["xls"], tmp_path / "临江市场景清单.et")
    (ppt,) = convert_with_soffice([files["pptx"]], "ppt", tmp_path)
    ppt.rename(tmp_path / "青山市工作汇报.dps")
    sheet = load_document(tmp_path / "临江市场景清单.et")
    assert sheet.pages[0].text.splitlines()[:3] == [
        "# 场景清单", "城市\t年份\t发布场景清单（项）\t其中医疗类（项）\t发布日期", "临江市\t2024\t86\t21\t2024-06-18"]
    slides = load_document(tmp_path / "青山市工作汇报.dps")
    assert slides.title == "青山市场景创新工作汇报" and [p.number for p in slides.pages] == [1, 2, 3]
    assert "## 一、2025年工作成效\n青山市2025年建成场景验证实验室4个" in slides.pages[1].text
    assert "场景验证实验室\t4个" in slides.pages[1].text


def test_a_missing_libreoffice_module_says_which_package(tmp_path, monkeypatch):
    """A LibreOffice with Writer only (Debian's libreoffice-writer-nogui) cannot read .et:
    the message names the package to add instead of a failed conversion."""
    program = tmp_path / "lo" / "program"
    program.mkdir(parents=True)
    (tmp_path / "lo" / "share" / ".registry").mkdir(parents=True)
    (tmp_path / "lo" / "share" / ".registry" / "writer.xcd").write_text("<oor:data/>")
    (program / "soffice").write_text("#!/bin/sh\nexit 1\n")
    (program / "soffice").chmod(0o755)
    monkeypatch.setenv("SCENARIO_SOFFICE", str(program / "soffice"))
    assert _ole_refusal(tmp_path / "表格.et") == ("无法读取 .et 文件：需要安装 LibreOffice（Debian/Ubuntu：sudo apt install "
                                "libreoffice-calc-nogui），或先另存为 .xlsx")


def _ole_refusal(path) -> str:
    """The reason an OLE2 (old Office) file at ``path`` is refused with."""
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    with pytest.raises(IngestError) as err:
        load_document(path)
    return err.value.reason


def test_doc_without_libreoffice_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("SCENARIO_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert _ole_refusal(tmp_path / "old.doc") == ("无法读取 .doc/.wps 文件：需要安装 LibreOffice（Debian/Ubuntu：sudo apt install "
                                "libreoffice-writer-nogui），或先另存为 .docx")


def test_docx_saved_as_doc_needs_no_libreoffice(tmp_path, monkeypatch):
    from tests.docmaker import make_docx

    monkeypatch.setenv("SCENARIO_SOFFICE", str(tmp_path / "no-such-soffice"))
    make_docx(tmp_path / "real.docx", "改名的文档", [("h1", "一、要点"), ("p", "这其实是DOCX文件。")])
    (tmp_path / "renamed.doc").write_bytes((tmp_path / "real.docx").read_bytes())
    doc = load_document(tmp_path / "renamed.doc")
    assert doc.title == "改名的文档" and "# 一、要点" in doc.pages[0].text


@pytest.mark.parametrize("script, reason", [
    ("sleep 30", "LibreOffice 转换超时（超过 1 秒）"),
    ("echo 'Error: source file could not be loaded' >&2; exit 1",
     "LibreOffice 转换失败（Error: source file could not be loaded）"),
])
def test_libreoffice_failures_are_explained(tmp_path, monkeypatch, script, reason):
    from ingest.loaders import legacy_office

    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\n{script}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SCENARIO_SOFFICE", str(fake))
    monkeypatch.setattr(legacy_office, "TIMEOUT_SECONDS", 1)
    (tmp_path / "bad.wps").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    with pytest.raises(IngestError) as err:
        load_document(tmp_path / "bad.wps")
    assert err.value.reason.startswith("无法读取 .doc/.wps 文件：" + reason)


# -------------------------------------------------------- ingest and answer

QUESTIONS = [
    ("xlsx", "示范市2025年开放了多少个场景机会？", "120个"),
    ("xls", "临江市2024年发布了多少项场景清单？", "86项"),
    ("csv", "滨海市2025年征集了多少项场景需求？", "64项"),
    ("pptx", "青山市2025年建成了几个场景验证实验室？", "4个"),
    ("ofd", "南湖市单个项目最高奖励多少？", "200万元"),
    ("doc", "东川市2025年开放了多少个低空经济场景？", "27个"),
    ("wps", "西岭市2025年建成了多少个智慧社区示范点？", "45个"),
]


@pytest.mark.store
@pytest.mark.parametrize("fmt, question, fact", QUESTIONS, ids=[q[0] for q in QUESTIONS])
def test_each_format_answers_with_a_citation(kb, files, fmt, question, fact):
    if fmt not in files:
        pytest.skip("LibreOffice (soffice) 未安装：sudo apt install libreoffice-writer-nogui")
    assistant, results = kb
    name = files[fmt].name
    assert results[name].status == "added", results[name]
    r = assistant.ask(question)
    assert not r.refused and fact in r.answer, r.answer
    assert r.citations and r.citations[0].chunk.doc == name, [c.chunk.doc for c in r.citations]
    assert fact.rstrip("个项万元") in r.citations[0].chunk.text


@pytest.mark.store
def test_ofd_page_numbers_and_warning_reach_the_index(kb, files):
    assistant, results = kb
    name = files["ofd"].name
    assert results[name].warnings == ["第3页缺少内容文件，已跳过"]
    pages = {m["page"] for _, t, m in assistant.index.store.iter_all() if m["source"] == name}
    assert pages <= {1, 2, 4} and 1 in pages
