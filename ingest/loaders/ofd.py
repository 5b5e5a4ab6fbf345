"""OFD (GB/T 33190, the Chinese fixed-layout format for official documents), read from the
standard with zipfile and lxml.

``OFD.xml`` names each document's ``Document.xml`` (``DocBody/DocRoot``) and its title
(``DocBody/DocInfo/Title``); ``Document.xml`` lists the pages (``Pages/Page@BaseLoc``);
each page's ``Content.xml`` holds layers of ``TextObject`` elements (``Boundary="x y w h"``
in millimetres, y downwards, an optional ``CTM``) with ``TextCode`` runs positioned at
``X``/``Y`` inside the object. Text objects are grouped into lines by baseline, lines read
top to bottom and objects left to right; a wide horizontal gap becomes a tab (a table's
columns), a large vertical gap or an indented first line starts a new paragraph.
"""
from __future__ import annotations

import posixpath
import re
import statistics
import zipfile
from dataclasses import dataclass

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page
from .zipguard import open_zip

DEFAULT_SIZE = 3.5  # mm, when a text object names no size
COLUMN_GAP = 2.0  # in font sizes: a wider gap between objects on one line separates cells
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


@dataclass
class _Run:
    x: float  # left edge on the page
    right: float  # right edge on the page
    baseline: float
    size: float
    text: str


def load_ofd(data: bytes, name: str, options: LoadOptions) -> Loaded:
    archive = open_zip(data, name, "OFD")
    try:
        return _read(archive, name)
    finally:
        archive.close()


def _invalid(name: str, why: str) -> IngestError:
    return IngestError(name, f"不是有效的 OFD 文件（{why}）")


def _read(archive: zipfile.ZipFile, name: str) -> Loaded:
    parts = {n: n for n in archive.namelist()}
    lower = {n.lower(): n for n in parts}

    def find(path: str) -> str | None:
        path = path.lstrip("/")
        return parts.get(path) or lower.get(path.lower())

    root_part = find("OFD.xml")
    if root_part is None:
        raise _invalid(name, "缺少 OFD.xml")
    root = _parse(archive, root_part)
    if root is None or _local(root) != "OFD":
        raise _invalid(name, "OFD.xml 无法解析")
    bodies = _children(root, "DocBody")
    if not bodies:
        raise _invalid(name, "OFD.xml 中没有 DocBody")
    title = None
    pages: list[Page] = []
    warnings: list[str] = []
    number = 0
    for body in bodies:
        info = _first(body, "DocInfo")
        if title is None and info is not None:
            title = (_text(_first(info, "Title")) or "").strip() or None
        doc_root = (_text(_first(body, "DocRoot")) or "").strip()
        doc_part = find(doc_root) if doc_root else None
        if doc_part is None:
            raise _invalid(name, f"缺少 {doc_root or 'Document.xml'}")
        document = _parse(archive, doc_part)
        if document is None:
            raise _invalid(name, f"{doc_part} 无法解析")
        doc_dir = posixpath.dirname(doc_part)
        for page in (p for pages_el in _children(document, "Pages") for p in _children(pages_el, "Page")):
            number += 1
            content_part = _resolve(page.get("BaseLoc") or "", doc_dir, find)
            if content_part is None:
                warnings.append(f"第{number}页缺少内容文件，已跳过")
                continue
            content = _parse(archive, content_part)
            if content is None:
                warnings.append(f"第{number}页的内容文件已损坏，已跳过")
                continue
            pages.append(Page(number, _page_text(content)))
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "OFD 中没有可提取的文字（可能是扫描件）")
    return Loaded(pages, title, warnings=warnings)


def _resolve(loc: str, doc_dir: str, find) -> str | None:
    """A ``BaseLoc``: absolute from the package root (``/Doc_0/Pages/…``) or relative to
    the document's folder; some producers write root paths without the slash, or name
    the page folder only."""
    loc = loc.strip().replace("\\", "/")
    if not loc:
        return None
    if loc.startswith("/"):
        candidates = [loc]
    else:
        candidates = [posixpath.normpath(posixpath.join(doc_dir, loc)), loc]
    for candidate in candidates:
        for path in (candidate, candidate.rstrip("/") + "/Content.xml"):
            found = find(path)
            if found is not None and not found.endswith("/"):
                return found
    return None


# ------------------------------------------------------------------------------ XML

_PARSER = None


def _parse(archive: zipfile.ZipFile, part: str):
    global _PARSER
    from lxml import etree

    if _PARSER is None:
        _PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        with archive.open(part) as f:
            return etree.fromstring(f.read(), _PARSER)
    except (etree.XMLSyntaxError, KeyError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return None


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(element, local: str) -> list:
    """Child elements by local name: the OFD namespace (http://www.ofdspec.org/2016) or none."""
    return [c for c in element if _local(c) == local]


def _first(element, local: str):
    found = _children(element, local)
    return found[0] if found else None


def _text(element) -> str | None:
    return None if element is None else "".join(element.itertext())


def _floats(value: str | None) -> list[float]:
    out = []
    for token in (value or "").split():
        try:
            out.append(float(token))
        except ValueError:
            return out
    return out


def _deltas(value: str | None) -> list[float]:
    """``DeltaX``: numbers, where ``g N d`` repeats ``d`` N times."""
    tokens = (value or "").split()
    out: list[float] = []
    i = 0
    try:
        while i < len(tokens):
            if tokens[i] == "g" and i + 2 < len(tokens):
                out += [float(tokens[i + 2])] * min(int(float(tokens[i + 1])), 10_000)
                i += 3
            else:
                out.append(float(tokens[i]))
                i += 1
    except ValueError:
        pass
    return out


# ----------------------------------------------------------------------------- text

def _runs(content) -> list[_Run]:
    runs = []
    for obj in content.iter():
        if _local(obj) != "TextObject":
            continue
        box = _floats(obj.get("Boundary"))
        if len(box) < 4:
            continue
        bx, by, bw = box[0], box[1], box[2]
        ctm = _floats(obj.get("CTM"))
        a, b, c, d, e, f = ctm if len(ctm) == 6 else (1, 0, 0, 1, 0, 0)
        scale = abs(d) or abs(a) or 1
        size = (_floats(obj.get("Size")) or [DEFAULT_SIZE])[0] * scale or DEFAULT_SIZE
        for code in obj:
            if _local(code) != "TextCode" or not code.text:
                continue
            text = code.text.replace("\r", "").replace("\n", "")
            if not text.strip():
                continue
            x, y = (_floats(code.get("X")) or [0])[0], (_floats(code.get("Y")) or [0])[0]
            page_x = bx + a * x + c * y + e
            page_y = by + b * x + d * y + f
            deltas = _deltas(code.get("DeltaX"))[: len(text) - 1]
            widths = [size if _CJK.match(ch) else size * 0.5 for ch in text]
            # glyph advances where DeltaX gives them, the font size (half for Latin) elsewhere
            advance = sum(deltas) * (abs(a) or 1) + sum(widths[len(deltas):])
            right = page_x + advance
            if bw > 0 and page_x < bx + bw < right:
                right = bx + bw  # the text cannot reach beyond its object's box
            runs.append(_Run(page_x, right, page_y, size, text))
    return runs


def _lines(runs: list[_Run]) -> list[list[_Run]]:
    """Runs whose baselines lie within half a font size of each other form one line."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: (r.baseline, r.x)):
        if lines:
            line = lines[-1]
            baseline = statistics.median(r.baseline for r in line)
            if abs(run.baseline - baseline) <= max(run.size, line[0].size) / 2:
                line.append(run)
                continue
        lines.append([run])
    for line in lines:
        line.sort(key=lambda r: r.x)
    return lines


def _join(line: list[_Run]) -> str:
    out = line[0].text
    for prev, run in zip(line, line[1:]):
        gap = run.x - prev.right
        size = max(prev.size, run.size)
        if gap > COLUMN_GAP * size:
            out += "\t"
        elif out and (_CJK.match(out[-1]) or _CJK.match(run.text[0])):
            pass  # no spaces between CJK characters
        elif gap > 0.15 * size and not out.endswith(" ") and not run.text.startswith(" "):
            out += " "
        out += run.text
    return out.strip()


def _page_text(content) -> str:
    lines = _lines(_runs(content))
    if not lines:
        return ""
    baselines = [statistics.median(r.baseline for r in line) for line in lines]
    steps = [b - a for a, b in zip(baselines, baselines[1:]) if b > a]
    usual_step = sorted(steps)[len(steps) // 4] if steps else 0  # the line spacing, not the paragraph gaps
    starts = [round(line[0].x) for line in lines]
    margin = statistics.mode(starts)  # the left edge most lines start at
    out: list[str] = []
    for i, line in enumerate(lines):
        size = max(r.size for r in line)
        if i and out and out[-1]:
            step = baselines[i] - baselines[i - 1]
            indented = line[0].x - margin >= 1.5 * size
            if (usual_step and step > 1.5 * usual_step and step > 1.2 * size) or indented:
                out.append("")
        out.append(_join(line))
    if "\t" in out[-1]:
        out.append("")  # a blank line after a table, as every loader writes it
    return "\n".join(out)
