"""Real files made by the tests: a Chinese PDF (reportlab's built-in CID font, no font
file needed), a DOCX with headings and a table, an HTML page, a GB18030 text file, an
OFD package written to GB/T 33190."""
from __future__ import annotations

from pathlib import Path


def make_pdf(path: Path, pages: list[list[str]], title: str | None = None) -> Path:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    if title:
        c.setTitle(title)
    for lines in pages:
        c.setFont("STSong-Light", 11)
        y = 780
        for line in lines:
            c.drawString(50, y, line)
            y -= 18
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, title: str, blocks: list) -> Path:
    """``blocks``: ("h1", text) | ("h2", text) | ("p", text) | ("table", [[cells], …])."""
    import docx

    d = docx.Document()
    d.core_properties.title = title
    for kind, value in blocks:
        if kind == "h1":
            d.add_heading(value, level=1)
        elif kind == "h2":
            d.add_heading(value, level=2)
        elif kind == "p":
            d.add_paragraph(value)
        elif kind == "table":
            table = d.add_table(rows=len(value), cols=len(value[0]))
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
    d.save(str(path))
    return path


def write_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


POLICY_TEXT = """示范市场景创新工作方案

一、总体要求

示范市坚持需求牵引、场景驱动，推动新技术在城市治理中规模化应用。

（一）工作目标

到2027年，示范市累计开放场景机会120个，建成场景验证实验室3个。

二、重点任务

（一）发布场景清单

每季度发布一次场景机会清单与能力清单，清单内容向社会公开。

（二）完善资金保障

市级财政每年安排专项资金8000万元，对首试首用项目给予最高300万元奖励。

专栏 1 临江区智慧停车试点

临江区在老城区部署智慧停车系统，整合路内、路外车位2.6万个，高峰时段寻位时间缩短40%。

三、保障措施

建立容错免责机制，对探索性项目出现的非主观失误予以免责。
"""


OFD_NS = "http://www.ofdspec.org/2016"


def make_ofd(path: Path, title: str, pages: list[list[str]], missing: tuple[int, ...] = (),
             size: float = 4.2333) -> Path:
    """A GB/T 33190 OFD package: ``OFD.xml`` (DocBody with DocInfo and DocRoot),
    ``Doc_0/Document.xml`` (CommonData with PageArea and PublicRes, Pages),
    ``Doc_0/PublicRes.xml`` (a font) and ``Doc_0/Pages/Page_N/Content.xml``.

    Each line of a page is drawn as two or three TextObjects on one baseline, written
    right to left and with different Boundary/TextCode splits of the baseline, so a
    reader must group and order them by position. A tab in a line puts the next cell
    in a column 60 mm further right (a table row); an empty string leaves extra space
    (a paragraph break). Odd pages are listed with an absolute BaseLoc
    (``/Doc_0/Pages/…``), even pages relative to the document folder; the 0-based page
    indexes in ``missing`` are listed in Document.xml but have no Content.xml.
    """
    import uuid
    import zipfile
    from xml.sax.saxutils import escape

    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    next_id = [1]

    def new_id() -> int:
        next_id[0] += 1
        return next_id[0]

    font_id = new_id()
    contents: dict[str, str] = {}
    page_refs = []
    left, top, step = 25.0, 30.0, size * 1.6
    for index, lines in enumerate(pages):
        objects = []
        y = top
        for line in lines:
            if not line:
                y += step
                continue
            for column, cell in enumerate(line.split("\t")):
                widths = [size if ord(ch) > 0x2E80 else size / 2 for ch in cell]  # CJK full width, Latin half
                n = len(cell)
                cuts = [0, max(1, n // 3), max(2, 2 * n // 3), n] if n >= 6 else [0, max(1, n // 2), n]
                x = left + 60.0 * column
                pieces = []
                for i in range(len(cuts) - 1):
                    piece = cell[cuts[i]:cuts[i + 1]]
                    if piece:
                        pieces.append((x, piece, widths[cuts[i]:cuts[i + 1]]))
                        x += sum(widths[cuts[i]:cuts[i + 1]])
                for k, (x0, piece, advances) in reversed(list(enumerate(pieces))):
                    lift = 1.0 * (k % 2)  # same baseline, split differently between Boundary and TextCode
                    delta_attr = f' DeltaX="{" ".join(f"{w:g}" for w in advances[:-1])}"' if len(piece) > 1 else ""
                    objects.append(
                        f'<ofd:TextObject ID="{new_id()}" Boundary="{x0:.3f} {y - lift:.3f} '
                        f'{sum(advances):.3f} {size * 1.2:.3f}" Font="{font_id}" Size="{size:g}">'
                        f'<ofd:FillColor Value="0 0 0"/>'
                        f'<ofd:TextCode X="0" Y="{size + lift:.3f}"{delta_attr}>{escape(piece)}</ofd:TextCode>'
                        f'</ofd:TextObject>')
            y += step
        loc = f"Pages/Page_{index}/Content.xml"
        page_id = new_id()
        page_refs.append(f'<ofd:Page ID="{page_id}" BaseLoc="{"/Doc_0/" + loc if index % 2 else loc}"/>')
        if index not in missing:
            contents[f"Doc_0/{loc}"] = (
                f'{head}<ofd:Page xmlns:ofd="{OFD_NS}"><ofd:Area><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                f'</ofd:Area><ofd:Content><ofd:Layer ID="{new_id()}" Type="Body">{"".join(objects)}'
                f'</ofd:Layer></ofd:Content></ofd:Page>')
    ofd_xml = (f'{head}<ofd:OFD xmlns:ofd="{OFD_NS}" Version="1.1" DocType="OFD"><ofd:DocBody>'
               f'<ofd:DocInfo><ofd:DocID>{uuid.uuid4().hex}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>'
               f'<ofd:Creator>scenario-assistant tests</ofd:Creator><ofd:CreationDate>2025-01-01</ofd:CreationDate>'
               f'</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    document_xml = (f'{head}<ofd:Document xmlns:ofd="{OFD_NS}"><ofd:CommonData>'
                    f'<ofd:MaxUnitID>{next_id[0]}</ofd:MaxUnitID>'
                    f'<ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox></ofd:PageArea>'
                    f'<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>'
                    f'<ofd:Pages>{"".join(page_refs)}</ofd:Pages></ofd:Document>')
    public_res = (f'{head}<ofd:Res xmlns:ofd="{OFD_NS}" BaseLoc="Res"><ofd:Fonts>'
                  f'<ofd:Font ID="{font_id}" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", ofd_xml)
        z.writestr("Doc_0/Document.xml", document_xml)
        z.writestr("Doc_0/PublicRes.xml", public_res)
        for part, xml in contents.items():
            z.writestr(part, xml)
    return path
