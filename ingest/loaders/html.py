"""HTML: page chrome dropped, headings and tables kept."""
from __future__ import annotations

import re

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page
from .text import decode_text

_BLOCK_TAGS = {"p", "div", "li", "section", "article", "blockquote", "pre", "dd", "dt",
               "figcaption", "caption", "br"}


def load_html(data: bytes, name: str, options: LoadOptions) -> Loaded:
    from bs4 import BeautifulSoup

    text = _decode_html(data, name)
    try:
        soup = BeautifulSoup(text, "lxml")
    except Exception as e:  # noqa: BLE001 - parser failures on hostile input
        raise IngestError(name, f"无法解析 HTML（{type(e).__name__}）") from None
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "iframe",
                     "svg", "form", "button"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else None
    lines: list[str] = []
    body = soup.body or soup
    try:
        _html_lines(body, lines)
    except RecursionError:
        raise IngestError(name, "HTML 嵌套层级过深，无法解析") from None
    if not title:
        h1 = soup.find("h1")
        title = h1.get_text(strip=True) if h1 else None
    return Loaded([Page(None, "\n".join(lines))], title)


def _decode_html(data: bytes, name: str) -> str:
    head = data[:2048].decode("ascii", "ignore").lower()
    m = re.search(r"charset=[\"']?([a-z0-9_\-]+)", head)
    if m:
        try:
            return data.decode(m.group(1))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, name)


def _html_lines(node, lines: list[str]) -> None:
    """Walk the tree: headings become ``#`` lines, tables tab-separated rows, blocks lines."""
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush():
        text = " ".join("".join(buffer).split())
        if text:
            lines.append(text)
        buffer.clear()

    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__.__name__ in ("Comment", "Doctype", "Declaration", "CData",
                                            "ProcessingInstruction"):
                continue
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name.lower()
        if re.fullmatch(r"h[1-6]", name):
            flush()
            text = " ".join(child.get_text(" ").split())
            if text:
                lines.append("#" * int(name[1]) + " " + text)
        elif name == "table":
            flush()
            for row in child.find_all("tr"):
                cells = [" ".join(c.get_text(" ").split()) for c in row.find_all(["td", "th"])]
                if any(cells):
                    lines.append("\t".join(cells))
            lines.append("")
        elif name in _BLOCK_TAGS or name in ("ul", "ol", "main", "body", "table"):
            flush()
            _html_lines(child, lines)
            flush()
        else:
            buffer.append(child.get_text())  # an inline element's text joins the current line
    flush()
