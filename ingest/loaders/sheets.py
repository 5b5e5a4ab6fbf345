"""Spreadsheets (XLSX, XLS, CSV): each sheet one page, ``# <sheet name>`` then its table.

The first non-empty row is the header (after any one-value caption rows, such as a title
merged across the sheet); rows are tab-separated, empty rows and columns are dropped, a
merged range shows its top-left value in every cell it covers, whole numbers lose
Excel's ``.0``, dates read YYYY-MM-DD and percentages keep their ``%`` and decimals.
A sheet longer than :data:`MAX_ROWS` rows is cut there, with a warning.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page
from .ooxml import core_title
from .text import decode_text
from .zipguard import OLE2_MAGIC, is_encrypted_ooxml, open_zip

MAX_ROWS = 20_000
ENCRYPTED = "Excel 文件已加密，需要先在 Excel/WPS 中取消密码"
SHEETML = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"

Rows = dict[int, dict[int, str]]  # sheet row number -> column number -> cell text


def _corrupt(name: str, why: str) -> IngestError:
    return IngestError(name, f"无法解析 Excel 文件：文件已损坏（{why}）")


# ---------------------------------------------------------------------------- XLSX

def load_xlsx(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if data.startswith(OLE2_MAGIC):
        if is_encrypted_ooxml(data):
            raise IngestError(name, ENCRYPTED)
        return load_xls(data, name, options)  # an old .xls saved under a new name
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _corrupt(name, "不是 zip 格式")
    try:
        parts = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise _corrupt(name, type(e).__name__) from None
    if "xl/workbook.xml" not in parts:
        raise _corrupt(name, "不是 Excel 工作簿")
    archive = open_zip(data, name, "XLSX")  # the zip-bomb check
    try:
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - openpyxl raises KeyError, ValueError, lxml errors
        archive.close()
        raise _corrupt(name, type(e).__name__) from None
    pages: list[Page] = []
    warnings: list[str] = []
    try:
        for index, sheet in enumerate(workbook.worksheets, 1):
            try:
                rows, cut = _xlsx_rows(sheet)
                merges = _xlsx_merges(archive, getattr(sheet, "_worksheet_path", ""))
            except Exception as e:  # noqa: BLE001 - a damaged sheet part
                raise _corrupt(name, f"工作表「{sheet.title}」：{type(e).__name__}") from None
            _fill_merges(rows, merges)
            _add_sheet(pages, warnings, index, sheet.title, rows, cut)
        title = core_title(archive)
    finally:
        workbook.close()
        archive.close()
    return _result(pages, warnings, title, name)


def _xlsx_rows(sheet) -> tuple[Rows, bool]:
    sheet.reset_dimensions()  # a stale <dimension> would pad every row to its width
    rows: Rows = {}
    for cells in sheet.iter_rows():
        row: dict[int, str] = {}
        number = None
        for cell in cells:
            value = getattr(cell, "value", None)
            if value is None:
                continue
            number = cell.row
            text = _cell_text(value, getattr(cell, "number_format", "") or "")
            if text:
                row[cell.column] = text
        if row:
            if len(rows) >= MAX_ROWS:
                return rows, True
            rows[number] = row
    return rows, False


def _xlsx_merges(archive: zipfile.ZipFile, part: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of each ``<mergeCell>``; read-only openpyxl
    does not parse them, so the sheet part is read once more, streaming."""
    from lxml import etree
    from openpyxl.utils.cell import range_boundaries

    if not part or part not in archive.namelist():
        return []
    merges = []
    with archive.open(part) as source:
        for _, element in etree.iterparse(source, tag=f"{SHEETML}mergeCell", huge_tree=False):
            try:
                min_col, min_row, max_col, max_row = range_boundaries(element.get("ref", ""))
            except (ValueError, TypeError):
                continue
            if None not in (min_col, min_row, max_col, max_row):
                merges.append((min_row, min_col, max_row, max_col))
            element.clear()
    return merges


# ----------------------------------------------------------------------------- XLS

def load_xls(data: bytes, name: str, options: LoadOptions) -> Loaded:
    if zipfile.is_zipfile(io.BytesIO(data)):
        return load_xlsx(data, name, options)  # an .xlsx saved under the old suffix
    if is_encrypted_ooxml(data):
        raise IngestError(name, ENCRYPTED)
    if not data.startswith(OLE2_MAGIC):
        # web systems often export an HTML table or plain text under the .xls suffix
        if data.lstrip()[:1] == b"<":
            from .html import load_html

            return load_html(data, name, options)
        if b"\x00" not in data[:4096] and _is_text(data):
            return load_csv(data, name, options)
    import xlrd

    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
        except NotImplementedError:  # formatting_info is BIFF8-only
            book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except xlrd.XLRDError as e:
        if "encrypted" in str(e).lower():
            raise IngestError(name, ENCRYPTED) from None
        why = "不是 Excel 97-2003 格式" if "BOF" in str(e) or "Unsupported format" in str(e) else type(e).__name__
        raise _corrupt(name, why) from None
    except Exception as e:  # noqa: BLE001 - xlrd raises struct, index and assertion errors
        raise _corrupt(name, type(e).__name__) from None
    pages: list[Page] = []
    warnings: list[str] = []
    try:
        for index in range(book.nsheets):
            try:
                sheet = book.sheet_by_index(index)
                rows, cut = _xls_rows(book, sheet)
            except Exception as e:  # noqa: BLE001 - a damaged sheet record
                raise _corrupt(name, f"第{index + 1}个工作表：{type(e).__name__}") from None
            # xlrd's ranges are (row_lo, row_hi, col_lo, col_hi), 0-based, hi exclusive
            merges = [(r0 + 1, c0 + 1, r1, c1) for r0, r1, c0, c1 in getattr(sheet, "merged_cells", [])]
            _fill_merges(rows, merges)
            _add_sheet(pages, warnings, index + 1, sheet.name, rows, cut)
    finally:
        book.release_resources()
    return _result(pages, warnings, None, name)


def _is_text(data: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _xls_rows(book, sheet) -> tuple[Rows, bool]:
    import xlrd

    rows: Rows = {}
    for r in range(sheet.nrows):
        row: dict[int, str] = {}
        for c, cell in enumerate(sheet.row(r)):
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    value = xlrd.xldate_as_datetime(cell.value, book.datemode)
                except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                    value = cell.value
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                value = bool(cell.value)
            elif cell.ctype == xlrd.XL_CELL_ERROR:
                value = xlrd.error_text_from_code.get(cell.value, "#ERROR")
            else:
                value = cell.value
            text = _cell_text(value, _xls_format(book, cell))
            if text:
                row[c + 1] = text
        if row:
            if len(rows) >= MAX_ROWS:
                return rows, True
            rows[r + 1] = row
    return rows, False


def _xls_format(book, cell) -> str:
    if not book.formatting_info or cell.xf_index is None:
        return ""
    try:
        fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key)
    except IndexError:
        return ""
    return fmt.format_str if fmt is not None else ""


# ----------------------------------------------------------------------------- CSV

def load_csv(data: bytes, name: str, options: LoadOptions) -> Loaded:
    text = decode_text(data, name)
    delimiter = _sniff_delimiter(text[:50_000])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = {}
    cut = False
    try:
        for number, record in enumerate(reader, 1):
            row = {c: t for c, value in enumerate(record, 1) if (t := _clean(value))}
            if row:
                if len(rows) >= MAX_ROWS:
                    cut = True
                    break
                rows[number] = row
    except csv.Error as e:
        raise IngestError(name, f"无法解析 CSV 文件（{e}）") from None
    pages: list[Page] = []
    warnings: list[str] = []
    _add_sheet(pages, warnings, 1, Path(name).stem, rows, cut)
    return _result(pages, warnings, None, name)


def _sniff_delimiter(sample: str) -> str:
    """The delimiter that splits the most sample lines into the same number (>1) of
    fields; quotes are respected, empty lines ignored (csv.Sniffer gives up on those)."""
    lines = [line for line in sample.splitlines()[:-1] or sample.splitlines() if line.strip()][:100]
    best, best_score = ",", (0, 0)
    for delimiter in ",\t;|":
        try:
            counts = [len(record) for record in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        usual = max(set(counts), key=counts.count) if counts else 1
        score = (counts.count(usual), usual) if usual > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


# ---------------------------------------------------------------------------- shared

def _cell_text(value, number_format: str = "") -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.time):
        return value.strftime("%H:%M" if value.second == 0 else "%H:%M:%S")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:  # NaN
            return ""
        if "%" in number_format:  # shown as Excel shows it: 0.0% → one decimal
            m = re.search(r"0\.(0+)%", number_format)
            return number_text(round(value * 100, len(m.group(1)) if m else 0)) + "%"
        return number_text(value)
    return _clean(str(value))


def number_text(value: float) -> str:
    """A number as a person would write it: 120 not 120.0, 0.1 not 0.1000000000000001."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"  # what Excel shows: 15 significant digits, no binary noise


def _clean(text: str) -> str:
    """One line per row: a cell's line breaks and tabs become spaces."""
    return " ".join(text.split())


def _fill_merges(rows: Rows, merges: list[tuple[int, int, int, int]]) -> None:
    """Copy each merged range's top-left value into the cells it covers, for the rows and
    columns that hold data (a range formatted across the whole sheet adds nothing else)."""
    if not merges or not rows:
        return
    used_columns = {c for row in rows.values() for c in row}
    last_column = max(used_columns)
    for min_row, min_col, max_row, max_col in merges:
        value = rows.get(min_row, {}).get(min_col)
        if value is None:
            continue
        if max_row - min_row < len(rows):
            covered = [r for r in range(min_row, max_row + 1) if r in rows]
        else:
            covered = [r for r in rows if min_row <= r <= max_row]
        for r in covered:
            row = rows[r]
            for c in range(min_col, min(max_col, last_column) + 1):
                row.setdefault(c, value)


def _add_sheet(pages: list[Page], warnings: list[str], index: int, title: str, rows: Rows, cut: bool) -> None:
    """``# title``, the caption rows, the table (header first), a blank line, the notes.
    A row above or below the table holding one value only (a title merged across the
    sheet, "单位：万元", "注：……") is a caption or note line, not a table row."""
    if not rows:
        return
    ordered = [row for _, row in sorted(rows.items())]
    wide = len({c for row in ordered for c in row}) > 1
    head: list[str] = []
    tail: list[str] = []
    while wide and ordered and len(set(ordered[0].values())) == 1:
        head.append(next(iter(ordered.pop(0).values())))
    while wide and ordered and len(set(ordered[-1].values())) == 1:
        tail.insert(0, next(iter(ordered.pop().values())))
    columns = sorted({c for row in ordered for c in row})
    lines = [f"# {title}", *head]
    lines += ["\t".join(row.get(c, "") for c in columns) for row in ordered]
    lines.append("")
    if tail:
        lines += [*tail, ""]
    pages.append(Page(index, "\n".join(lines)))
    if cut:
        warnings.append(f"工作表「{title}」超过 {MAX_ROWS} 行，只读取了前 {MAX_ROWS} 行")


def _result(pages: list[Page], warnings: list[str], title: str | None, name: str) -> Loaded:
    if not pages:
        raise IngestError(name, "表格中没有数据（所有工作表都是空的）")
    return Loaded(pages, title or Path(name).stem, warnings=warnings)
