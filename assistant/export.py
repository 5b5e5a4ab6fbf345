"""Export a draft as Markdown or as a Word document (python-docx) with headings, tables,
a numbered reference list (document, section, quoted passage) and Chinese fonts set for
the East Asian script, so that Word and WPS render it."""
from __future__ import annotations

from pathlib import Path

# GB/T 9704 公文 conventions: title in 小标宋 (二号), first-level headings 黑体, second-level
# 楷体, body 仿宋_GB2312 三号 (16 pt) on A4 with page numbers in the footer.
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
LATIN_FONT = "Times New Roman"
TITLE_PT, BODY_PT = 22, 16


def _md_cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def draft_to_markdown(draft) -> str:
    lines = [f"# {draft.title}", ""]
    for section in draft.sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if block.kind == "table":
                lines.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
                lines.append("|" + "---|" * len(block.header))
                lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            else:
                lines.append(block.text)
            lines.append("")
    lines += ["## 参考资料", ""]
    lines += [f"{r.n}. {reference_text(r)}" for r in draft.references]
    if not draft.references:
        lines.append("（无）")
    return "\n".join(lines).rstrip() + "\n"


def reference_text(r) -> str:
    """One reference without its number: the list numbering carries it in every format."""
    where = f"{r.section}：" if r.section else "："
    return f"《{r.title or r.doc}》（{r.doc}）{where}“{r.quote}”"


def _set_fonts(style_or_run, east_asian: str, latin: str = LATIN_FONT) -> None:
    from docx.oxml.ns import qn

    font = style_or_run.font
    font.name = latin
    element = style_or_run.element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)


def _page_number_field(paragraph) -> None:
    """A PAGE field, so Word and WPS number every page themselves."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if text.strip() == "PAGE" else "w:t")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _a4(document) -> None:
    """A4 with 公文 margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm) and a
    centred "— n —" page number in every footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("— ")
        _page_number_field(footer)
        footer.add_run(" —")


def _styles(document) -> None:
    """Title, heading and body styles with East Asian fonts and 公文 sizes, black text."""
    from docx.shared import Pt, RGBColor

    normal = document.styles["Normal"]
    _set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(BODY_PT)
    for name, font, size in (("Title", TITLE_FONT, TITLE_PT), ("Heading 1", HEADING_FONT, BODY_PT),
                             ("Heading 2", SUBHEADING_FONT, BODY_PT)):
        style = document.styles[name]
        _set_fonts(style, font)
        style.font.size = Pt(size)
        style.font.bold = False
        style.font.color.rgb = RGBColor(0, 0, 0)


def _table(document, block) -> None:
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = "Table Grid"
    for c, text in enumerate(block.header):
        table.cell(0, c).text = text
    for r, row in enumerate(block.rows, start=1):
        for c, text in enumerate(row):
            table.cell(r, c).text = text


def draft_to_docx(draft, path: Path) -> Path:
    """A 公文-style Word document: A4, page numbers, GB/T 9704 fonts, and the references
    as a numbered list (Word's "List Number" style, one item per passage)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document()
    document.core_properties.title = draft.title
    _a4(document)
    _styles(document)
    document.add_heading(draft.title, level=0).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in draft.sections:
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            if block.kind == "table":
                _table(document, block)
            else:
                document.add_paragraph(block.text)
    document.add_heading("参考资料", level=1)
    numbered = document.styles["List Number"]
    _set_fonts(numbered, BODY_FONT)
    for r in draft.references:
        document.add_paragraph(reference_text(r), style=numbered)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def write_draft(draft, out: Path) -> Path:
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".docx":
        return draft_to_docx(draft, out)
    if suffix in (".md", ".markdown", ".txt"):
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(draft_to_markdown(draft), encoding="utf-8")
        return out
    from core.errors import ScenarioError

    raise ScenarioError(f"不支持的导出格式「{suffix or '无扩展名'}」：请用 .md 或 .docx")
