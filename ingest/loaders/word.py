"""DOCX: headings by style, tables as tab rows, in body order."""
from __future__ import annotations

import io
import re

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page
from .ooxml import core_title
from .zipguard import is_encrypted_ooxml, open_zip


def load_docx(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if is_encrypted_ooxml(data):
        raise IngestError(name, "Word 文件已加密，需要先在 Word/WPS 中取消密码")
    with open_zip(data, name, "DOCX") as archive:
        package_title = core_title(archive)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml errors
        raise IngestError(name, f"无法解析 DOCX：文件已损坏（{type(e).__name__}）") from None
    lines: list[str] = []
    first_heading = None
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text.strip()
            if not text:
                continue
            level = _docx_heading_level(para.style.name if para.style is not None else "")
            if level:
                first_heading = first_heading or text
                lines.append("#" * level + " " + text)
            else:
                lines.append(text)
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                lines.append("\t".join(cells))
            lines.append("")
    title = package_title or first_heading
    return Loaded([Page(None, "\n".join(lines))], title)


def _docx_heading_level(style_name: str) -> int:
    m = re.match(r"(?:Heading|标题)\s*(\d)", style_name or "")
    if m:
        return int(m.group(1))
    return 1 if style_name in ("Title", "标题") else 0
