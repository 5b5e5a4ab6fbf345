"""Export a draft as Markdown or as a Word document (python-docx) with headings, tables,
a numbered reference list (document, section, quoted passage) and Chinese fonts set for
the East Asian script, so that Word and WPS render it."""
from __future__ import annotations

from pathlib import Path

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"


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
    for r in draft.references:
        where = " · ".join(x for x in (r.section,) if x)
        lines.append(f"[{r.n}] 《{r.title or r.doc}》（{r.doc}）{where}：“{r.quote}”")
    if not draft.references:
        lines.append("（无）")
    return "\n".join(lines).rstrip() + "\n"


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


def draft_to_docx(draft, path: Path) -> Path:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.core_properties.title = draft.title
    normal = document.styles["Normal"]
    _set_fonts(normal, BODY_FONT)
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2"):
        _set_fonts(document.styles[name], HEADING_FONT)
    document.add_heading(draft.title, level=0)
    for section in draft.sections:
        document.add_heading(section.title, level=1)
        for block in section.blocks:
            if block.kind == "table":
                table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
                table.style = "Table Grid"
                for c, text in enumerate(block.header):
                    table.cell(0, c).text = text
                for r, row in enumerate(block.rows, start=1):
                    for c, text in enumerate(row):
                        table.cell(r, c).text = text
            else:
                document.add_paragraph(block.text)
    document.add_heading("参考资料", level=1)
    for r in draft.references:
        document.add_paragraph(f"[{r.n}] 《{r.title or r.doc}》（{r.doc}）{r.section}：“{r.quote}”")
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
    from .errors import ScenarioError

    raise ScenarioError(f"不支持的导出格式「{suffix or '无扩展名'}」：请用 .md 或 .docx")
