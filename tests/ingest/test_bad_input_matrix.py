"""The bad-input matrix through the CLI: every file is made here, ingested in one batch
next to a good file; each bad one is reported with its name and a reason, the good one
is ingested, the exit status says a file failed, and the index stays consistent."""
from __future__ import annotations

import io
import json
import random
import zipfile

import pytest
from click.testing import CliRunner

from ui.cli import cli
from tests.docmaker import POLICY_TEXT, make_ofd, make_pdf

pytestmark = pytest.mark.slow  # every bad file through the CLI and a server

INGESTED = {"good.txt": "added", "mislabelled.html": "added", "mixed.txt": "added", "gappy.ofd": "added"}
NO_SOFFICE = "/nonexistent/soffice"  # SCENARIO_SOFFICE for both tests: .doc fails the same with or without LibreOffice


def zip_bomb_docx(path, inflated_mb: int = 120):
    """A well-formed DOCX whose document.xml inflates to ``inflated_mb`` MB."""
    import docx

    document = docx.Document()
    document.add_paragraph("正常段落")
    buf = io.BytesIO()
    document.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data.replace(b"</w:body>", b"<w:p><w:r><w:t>" + b"A" * (inflated_mb << 20) + b"</w:t></w:r></w:p></w:body>")
            out.writestr(item, data)


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    from PIL import Image
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    d = tmp_path_factory.mktemp("matrix")
    (d / "good.txt").write_text(POLICY_TEXT, encoding="utf-8")
    expect: dict[str, str] = {}
    (d / "zero.txt").write_bytes(b"")
    expect["zero.txt"] = "文件为空"
    rng = random.Random(7)
    for ext in ("txt", "md", "pdf", "docx", "html", "yaml", "xlsx", "xls", "csv", "pptx", "ofd", "doc"):
        (d / f"random.{ext}").write_bytes(b"\x00" + rng.randbytes(4096))
        expect[f"random.{ext}"] = ""
    good_pdf = make_pdf(d / "tmp.pdf", [["第一页内容。"], ["第二页内容。"]])
    (d / "truncated.pdf").write_bytes(good_pdf.read_bytes()[:500])
    good_pdf.unlink()
    expect["truncated.pdf"] = "PDF"
    c = canvas.Canvas(str(d / "encrypted.pdf"), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(72, 700, "secret")
    c.save()
    expect["encrypted.pdf"] = "已加密"
    Image.new("RGB", (200, 100), (255, 255, 255)).save(d / "page.png.tmp", format="PNG")
    c = canvas.Canvas(str(d / "scanned.pdf"))
    c.drawImage(str(d / "page.png.tmp"), 72, 600, 200, 100)
    c.save()
    (d / "page.png.tmp").unlink()
    expect["scanned.pdf"] = "OCR 没有识别出文字"  # a white image: a blank scan
    # OCR: a scan turned 90° is read; a mixed text + scan PDF ingests; a blank noisy scan,
    # a decompression bomb and a picture without text fail
    from tests.scanmaker import FONT, bomb_png, image_pdf, mixed_pdf, page_image
    if FONT.exists():
        image_pdf(d / "rotated.pdf", [page_image(["江心洲2025年建成无人配送示范线路16条。"]).rotate(90, expand=True)])
        mixed_pdf(d / "text-and-scan.pdf", ["一、总体情况"], page_image(["二、进展", "滨江区2025年开放场景机会37个。"]))
        image_pdf(d / "blank-scan.pdf", [page_image([], noise=True)])
        expect["blank-scan.pdf"] = "OCR 没有识别出文字"
        picture = Image.new("L", (600, 400), 200)
        from PIL import ImageDraw
        ImageDraw.Draw(picture).ellipse((100, 80, 400, 330), fill=90)
        picture.save(d / "picture.jpg")
        expect["picture.jpg"] = "图片中没有识别出文字"
    bomb_png(d / "huge.png")
    expect["huge.png"] = "图片尺寸过大"
    zip_bomb_docx(d / "bomb.docx")
    expect["bomb.docx"] = "压缩炸弹"
    (d / "deep.html").write_text("<html><body>" + "<div>" * 10000 + "深层。" + "</div>" * 10000 + "</body></html>",
                                 encoding="utf-8")
    expect["deep.html"] = "嵌套层级过深"
    (d / "big.txt").write_text("超大文件。" * 200_000, encoding="utf-8")  # ~3 MB, limit set to 1 MB
    expect["big.txt"] = "文件过大"
    (d / "program.exe").write_bytes(b"MZ" + bytes(100))
    expect["program.exe"] = "不支持的文件类型"
    # office formats and OFD
    import msoffcrypto.format.ooxml
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["城市", "场景机会"])
    wb.active.append(["示范市", 120])
    wb.save(d / "plain.xlsx.tmp")
    (d / "truncated.xlsx").write_bytes((d / "plain.xlsx.tmp").read_bytes()[:700])
    expect["truncated.xlsx"] = "无法解析 Excel 文件：文件已损坏"
    with zipfile.ZipFile(d / "notabook.xlsx", "w") as z:  # a zip, but no workbook in it
        z.writestr("readme.txt", "不是工作簿")
    expect["notabook.xlsx"] = "无法解析 Excel 文件：文件已损坏（不是 Excel 工作簿）"
    with open(d / "plain.xlsx.tmp", "rb") as plain, open(d / "locked.xlsx", "wb") as locked:
        msoffcrypto.format.ooxml.OOXMLFile(plain).encrypt("示范密码123", locked)
    (d / "plain.xlsx.tmp").unlink()
    expect["locked.xlsx"] = "Excel 文件已加密，需要先在 Excel/WPS 中取消密码"
    with zipfile.ZipFile(d / "broken.ofd", "w") as z:  # a zip without OFD.xml
        z.writestr("Doc_0/Document.xml", "<Document/>")
    expect["broken.ofd"] = "不是有效的 OFD 文件（缺少 OFD.xml）"
    make_ofd(d / "gappy.ofd", "缺页的通知", [["第一页：示范市开放场景机会120个。"], ["第二页缺失。"]], missing=(1,))
    (d / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))  # an OLE2 header
    expect["old.doc"] = "需要安装 LibreOffice"
    # decoded, not failed: GBK bytes under a UTF-8 label, and a file mixing both encodings
    (d / "mislabelled.html").write_bytes('<html><head><meta charset="utf-8"></head><body><p>无锡开放85个场景机会。</p>'
                                         '</body></html>'.encode("gbk"))
    (d / "mixed.txt").write_bytes("第一部分是UTF-8编码。\n".encode("utf-8") + "第二部分是GBK编码。\n".encode("gbk"))
    return d, expect


def test_bad_input_matrix_through_the_cli(batch, tmp_path, monkeypatch):
    folder, expect = batch
    monkeypatch.setenv("SCENARIO_MAX_FILE_MB", "1")
    monkeypatch.setenv("SCENARIO_SOFFICE", NO_SOFFICE)
    args = ["ingest", str(folder), str(folder / "program.exe"), "--json", "--home", str(tmp_path / "home")]
    r = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert r.exit_code == 1
    files = {f["source"]: f for f in json.loads(r.stdout)["files"]}
    failed = {name: f["reason"] for name, f in files.items() if f["status"] == "failed"}
    assert set(failed) == set(expect), f"unexpected outcome: {set(failed) ^ set(expect)}"
    for name, reason in expect.items():
        assert reason in failed[name], (name, failed[name])
        assert failed[name] and name in r.stdout
    assert {n: f["status"] for n, f in files.items() if f["status"] != "failed"} == {**INGESTED, **ocr_good(folder)}
    assert files["gappy.ofd"]["warnings"] == ["第2页缺少内容文件，已跳过"]  # a missing page is not a failure

    from assistant.service import Assistant
    from core.settings import Settings
    from tests.index_checks import assert_consistent

    a = Assistant(Settings(home=tmp_path / "home", use_builtin=False))
    assert_consistent(a)
    assert "85个场景机会" in a.ask("无锡开放了多少个场景机会？").answer
    texts = " ".join(t for _, t, _ in a.index.store.iter_all())
    assert "第二部分是GBK编码" in texts
    if ocr_good(folder):  # read by OCR: the turned scan and the scanned page
        flat = "".join(texts.split())
        assert "江心洲2025年建成无人配送示范线路16条" in flat and "滨江区2025年开放场景机会37个" in flat


def ocr_good(folder) -> dict[str, str]:
    """The scans the batch ingests (made only when the CJK font is installed)."""
    return {n: "added" for n in ("rotated.pdf", "text-and-scan.pdf") if (folder / n).exists()}


BAD_NAMES = {
    "../escape.txt": "路径",
    "/etc/absolute.txt": "路径",
    "..\\windows.txt": "路径",
    "长" * 300 + ".txt": "文件名过长",
    "": "文件名无效",
}


def test_bad_input_matrix_through_the_upload_api(batch, tmp_path, monkeypatch):
    """The same files, plus hostile names, uploaded in one request to a running server:
    each bad one comes back failed with its name and reason, the good ones are ingested,
    nothing is written outside the uploads folder, the server stays up, the index is
    consistent."""
    import httpx

    from assistant.service import Assistant
    from tests.apiserver import prepare_home, start
    from tests.conftest import store_settings
    from tests.index_checks import assert_consistent

    folder, expect = batch
    monkeypatch.setenv("SCENARIO_SOFFICE", NO_SOFFICE)
    settings = store_settings(tmp_path / "home", use_builtin=False, builtin_corpus=None, max_file_mb=1)
    prepare_home(settings)
    server = start(settings)
    try:
        client = server.client("editor")
        files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
                 for p in sorted(folder.iterdir()) if p.is_file()]
        files += [("files", (name, "一、标题\n\n名字不对的文件，内容本身没有问题。".encode(), "text/plain"))
                  for name in BAD_NAMES]
        r = client.post("/api/documents", files=files, data={"access": "公开"}, timeout=300)
        assert r.status_code == 200, r.text
        body = r.json()
        results = body["files"]
        assert len(results) == len(files)  # one line per uploaded file, none lost
        failed = {f["source"]: f["reason"] for f in results if f["status"] == "failed"}
        for name, reason in {**expect, **BAD_NAMES}.items():
            got = next((v for k, v in failed.items() if k == name or (not name and not k)), None)
            assert got is not None and reason in got, (name, got)
        assert {f["source"]: f["status"] for f in results if f["status"] != "failed"} == {**INGESTED, **ocr_good(folder)}
        assert body["failed"] == len(expect) + len(BAD_NAMES)
        # nothing escaped the uploads folder, and no rejected file was kept
        written = {p.name for p in settings.home.rglob("*") if p.is_file() and p.suffix in (".txt", ".html", ".pdf")}
        assert "escape.txt" not in written and "absolute.txt" not in written and "windows.txt" not in written
        assert {p.name for p in server.state.uploads.iterdir()} >= set(INGESTED)
        # a raw NUL byte in the file name (httpx would percent-encode it, so the body is made by hand)
        boundary = "scenario-boundary"
        raw = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="nul\x00byte.txt"\r\n'
               f"Content-Type: text/plain\r\n\r\n一、标题\n\n内容。\r\n--{boundary}--\r\n").encode()
        r = client.post("/api/documents", content=raw,
                        headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code in (200, 422), r.text
        if r.status_code == 200:
            only = r.json()["files"]
            assert len(only) == 1 and only[0]["status"] == "failed" and "控制字符" in only[0]["reason"]
        assert not any("\x00" in p.name for p in settings.home.rglob("*"))
        assert httpx.get(f"{server.url}/api/health").json()["status"] == "ok"  # still up
        answer = client.post("/api/ask", json={"question": "无锡开放了多少个场景机会？"}).json()
        assert "85" in answer["answer"]
    finally:
        server.stop()
    assert_consistent(Assistant(settings))
    print(f"upload matrix: {len(expect)} bad files + {len(BAD_NAMES) + 1} bad names, {len(INGESTED)} good files")
