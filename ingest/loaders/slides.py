"""PPTX: one page per slide, ``## <slide title>`` then its text in reading order.

Shapes are read top to bottom, left to right (shapes whose tops are close count as one
row); a text frame gives one line per paragraph, a table tab-separated rows (merged
cells show their origin's text), a chart its title and data as a table; groups are
read recursively. The speaker notes follow a line ``备注：``.
"""
from __future__ import annotations

import io

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page
from .ooxml import core_title
from .sheets import number_text
from .zipguard import OLE2_MAGIC, is_encrypted_ooxml, open_zip

ROW_TOLERANCE = 0.04  # of the slide height: shapes this close at the top share a row


def load_pptx(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if data.startswith(OLE2_MAGIC):
        if is_encrypted_ooxml(data):
            raise IngestError(name, "PowerPoint 文件已加密，需要先在 PowerPoint/WPS 中取消密码")
        raise IngestError(name, "这是旧版 .ppt 格式的文件，请先另存为 .pptx")
    with open_zip(data, name, "PPTX") as archive:
        if "ppt/presentation.xml" not in archive.namelist():
            raise IngestError(name, "不是有效的 PPTX 文件（不是 PowerPoint 演示文稿）")
        package_title = core_title(archive)
    try:
        from pptx import Presentation

        presentation = Presentation(io.BytesIO(data))
        slides = list(presentation.slides)
    except Exception as e:  # noqa: BLE001 - python-pptx raises KeyError, ValueError, lxml errors
        raise IngestError(name, f"无法解析 PPTX：文件已损坏（{type(e).__name__}）") from None
    height = presentation.slide_height or 6858000
    pages: list[Page] = []
    first_title = None
    for number, slide in enumerate(slides, 1):
        try:
            title_shape = slide.shapes.title
            title = _one_line(title_shape.text_frame.text) if title_shape is not None and title_shape.has_text_frame else ""
            lines = [f"## {title or f'第{number}页'}"]
            body: list[str] = []
            _shape_lines(slide.shapes, body, height, skip=title_shape.shape_id if title_shape is not None else None)
            lines += body
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                notes = _frame_lines(slide.notes_slide.notes_text_frame)
                if notes:
                    lines += ["", "备注："] + notes
        except IngestError:
            raise
        except Exception as e:  # noqa: BLE001 - a damaged slide part
            raise IngestError(name, f"无法解析 PPTX：第{number}页已损坏（{type(e).__name__}）") from None
        first_title = first_title or title or None
        pages.append(Page(number, "\n".join(lines)))
    if not pages:
        raise IngestError(name, "演示文稿中没有幻灯片")
    return Loaded(pages, package_title or first_title)


def _one_line(text: str) -> str:
    return " ".join(text.replace("\v", " ").split())


def _reading_order(shapes, height: int) -> list:
    """Top to bottom; shapes whose tops differ by less than the tolerance form one row,
    read left to right."""
    def top(s):
        return s.top if s.top is not None else 0

    def left(s):
        return s.left if s.left is not None else 0

    ordered = sorted(shapes, key=lambda s: (top(s), left(s)))
    rows: list[list] = []
    for shape in ordered:
        if rows and top(shape) - top(rows[-1][0]) < height * ROW_TOLERANCE:
            rows[-1].append(shape)
        else:
            rows.append([shape])
    return [s for row in rows for s in sorted(row, key=left)]


def _shape_lines(shapes, lines: list[str], height: int, skip=None) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in _reading_order(list(shapes), height):
        if skip is not None and shape.shape_id == skip:
            continue
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            _shape_lines(shape.shapes, lines, height)
        elif getattr(shape, "has_table", False) and shape.has_table:
            _table_lines(shape.table, lines)
        elif getattr(shape, "has_chart", False) and shape.has_chart:
            _chart_lines(shape.chart, lines)
        elif shape.has_text_frame:
            lines += _frame_lines(shape.text_frame)


def _frame_lines(frame) -> list[str]:
    out = []
    for paragraph in frame.paragraphs:
        for line in paragraph.text.split("\v"):  # a soft line break inside a paragraph
            line = line.strip()
            if line:
                out.append(line)
    return out


def _table_lines(table, lines: list[str]) -> None:
    n_rows, n_cols = len(table.rows), len(table.columns)
    grid = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    for r in range(n_rows):
        for c in range(n_cols):
            cell = table.cell(r, c)
            if cell.is_spanned:
                continue
            text = _one_line(cell.text)
            height, width = (cell.span_height, cell.span_width) if cell.is_merge_origin else (1, 1)
            for rr in range(r, min(r + height, n_rows)):
                for cc in range(c, min(c + width, n_cols)):
                    grid[rr][cc] = text
    rows = [row for row in grid if any(row)]
    if rows:
        lines += ["\t".join(row) for row in rows]
        lines.append("")


def _chart_lines(chart, lines: list[str]) -> None:
    """A chart's title, then its data: categories down, one column per series."""
    try:
        title = _one_line(chart.chart_title.text_frame.text) if chart.has_title else ""
        plot = chart.plots[0]
        categories = [str(c) for c in plot.categories]
        series = list(plot.series)
    except (IndexError, KeyError, ValueError, AttributeError):
        return
    if title:
        lines.append(f"图表：{title}")
    if not categories or not series:
        return
    lines.append("\t".join(["类别"] + [s.name or f"系列{i}" for i, s in enumerate(series, 1)]))
    columns = [list(s.values) for s in series]
    for i, category in enumerate(categories):
        cells = [number_text(col[i]) if i < len(col) and col[i] is not None else "" for col in columns]
        lines.append("\t".join([category] + cells))
    lines.append("")
