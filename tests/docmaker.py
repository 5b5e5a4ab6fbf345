"""Real files made by the tests: a Chinese PDF (reportlab's built-in CID font, no font
file needed), a DOCX with headings and a table, an HTML page, a GB18030 text file."""
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
