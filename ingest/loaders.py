"""Turn a file into pages of text. Each loader keeps what structure it can see
(headings become ``#`` lines, table rows become tab-separated lines) so that the
structure pass treats every format alike; a PDF keeps its page numbers."""
from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import IngestError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".yaml", ".yml")
MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # a DOCX that inflates past this is refused
MAX_ZIP_RATIO = 200  # …and so is one whose parts compress better than this (a zip bomb)


@dataclass
class Page:
    number: int | None  # 1-based page number where the format has pages
    text: str


@dataclass
class LoadedDocument:
    path: Path
    name: str
    title: str
    pages: list[Page]
    file_hash: str
    meta: dict = field(default_factory=dict)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_document(path: Path, data: bytes | None = None, max_bytes: int = MAX_FILE_BYTES) -> LoadedDocument:
    """Load one file (``data``: its bytes, when the caller already read them); raise
    :class:`IngestError` naming the file and the reason."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(name, f"不支持的文件类型「{suffix or '无扩展名'}」，"
                                f"支持：{' '.join(SUPPORTED_SUFFIXES)}")
    try:
        if data is None and path.is_file() and path.stat().st_size > max_bytes:
            raise IngestError(name, too_large(path.stat().st_size, max_bytes))
        data = path.read_bytes() if data is None else data
    except FileNotFoundError:
        raise IngestError(name, "文件不存在") from None
    except IsADirectoryError:
        raise IngestError(name, "这是一个文件夹，不是文件") from None
    except PermissionError:
        raise IngestError(name, "无法读取文件：没有读取权限") from None
    except OSError as e:
        raise IngestError(name, f"无法读取文件：{e.strerror or e}") from None
    if not data.strip():
        raise IngestError(name, "文件为空")
    if len(data) > max_bytes:
        raise IngestError(name, too_large(len(data), max_bytes))
    loader = {".txt": _load_text, ".md": _load_markdown, ".pdf": _load_pdf,
              ".docx": _load_docx, ".html": _load_html, ".htm": _load_html,
              ".yaml": _load_card, ".yml": _load_card}[suffix]
    pages, title, meta = loader(data, name)
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "文件中没有可提取的文字")
    title = (title or guess_title(pages) or path.stem).strip()
    return LoadedDocument(path=path, name=name, title=title, pages=pages,
                          file_hash=file_hash(data), meta=meta)


def too_large(size: int, limit: int) -> str:
    return f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB"


# --- text ---------------------------------------------------------------------------

def decode_text(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312),
    then whatever charset-normalizer finds. Binary content is refused."""
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(name, "文件内容是二进制数据，不是文本")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    mixed = _decode_lines(data)  # files pasted together from differently encoded sources
    if mixed is not None:
        return mixed
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(name, "无法识别文本编码（已尝试 UTF-8、GB18030 等）")
    return str(best)


def _decode_lines(data: bytes) -> str | None:
    """Decode line by line, UTF-8 first then GB18030; None when a line fits neither."""
    out = []
    for line in data.split(b"\n"):
        for encoding in ("utf-8", "gb18030"):
            try:
                out.append(line.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            return None
    return "\n".join(out)


def _load_text(data: bytes, name: str):
    return [Page(None, decode_text(data, name))], None, {}


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _load_markdown(data: bytes, name: str):
    text = decode_text(data, name)
    meta: dict = {}
    m = _FRONT_MATTER.match(text)
    if m:
        import yaml

        try:
            loaded = yaml.safe_load(m.group(1))
            meta = loaded if isinstance(loaded, dict) else {}
        except yaml.YAMLError:
            meta = {}
        text = text[m.end():]
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    return [Page(None, text)], title, meta


def _load_card(data: bytes, name: str):
    """A case card (YAML). It is validated against the vocabularies by the pipeline."""
    import yaml

    from .cards import is_card

    try:
        loaded = yaml.safe_load(decode_text(data, name))
    except yaml.YAMLError as e:
        raise IngestError(name, f"YAML 格式错误（{str(e).splitlines()[0]}）") from None
    if not is_card(loaded):
        raise IngestError(name, "YAML 文件不是案例卡片（缺少 id、city、summary）")
    title = loaded.get("title") if isinstance(loaded.get("title"), str) else None
    return [Page(None, str(loaded.get("summary", "")))], title, {"card": loaded}


# --- PDF ----------------------------------------------------------------------------

def _load_pdf(data: bytes, name: str):
    if not data.lstrip().startswith(b"%PDF"):
        raise IngestError(name, "不是有效的 PDF 文件（缺少 PDF 文件头）")
    import logging

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    import io

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise IngestError(name, "PDF 已加密，需要密码才能读取")
            except (FileNotDecryptedError, NotImplementedError):
                raise IngestError(name, "PDF 已加密，需要密码才能读取") from None
        pages = []
        for i, page in enumerate(reader.pages, start=1):
            try:
                pages.append(Page(i, page.extract_text() or ""))
            except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on bad pages
                raise IngestError(name, f"无法解析 PDF：第 {i} 页已损坏（{type(e).__name__}）") from None
        title = None
        try:
            if reader.metadata and reader.metadata.title:
                title = str(reader.metadata.title)
        except Exception:  # noqa: BLE001 - damaged info dictionaries are common
            title = None
    except IngestError:
        raise
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, RecursionError, OSError) as e:
        raise IngestError(name, f"无法解析 PDF：文件已损坏（{type(e).__name__}）") from None
    if not pages:
        raise IngestError(name, "PDF 中没有页面")
    if not any(p.text.strip() for p in pages):
        raise IngestError(name, "PDF 没有文本层（可能是扫描件），当前不支持 OCR")
    return pages, title, {"pages": len(pages)}


# --- DOCX ---------------------------------------------------------------------------

def _load_docx(data: bytes, name: str):
    import io

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(name, "不是有效的 DOCX 文件（不是 zip 格式）")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
        inflated = sum(p.file_size for p in parts)
        packed = sum(p.compress_size for p in parts) or 1
    if inflated > MAX_UNZIPPED_BYTES or inflated / packed > MAX_ZIP_RATIO:
        raise IngestError(name, f"DOCX 解压后过大（{inflated / 1048576:.0f} MB，压缩比 {inflated / packed:.0f} 倍），"
                                f"疑似压缩炸弹，已拒绝")
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
    title = document.core_properties.title or first_heading
    return [Page(None, "\n".join(lines))], title, {}


def _docx_heading_level(style_name: str) -> int:
    m = re.match(r"(?:Heading|标题)\s*(\d)", style_name or "")
    if m:
        return int(m.group(1))
    return 1 if style_name in ("Title", "标题") else 0


# --- HTML ---------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "div", "li", "section", "article", "blockquote", "pre", "dd", "dt",
               "figcaption", "caption", "br"}


def _load_html(data: bytes, name: str):
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
    return [Page(None, "\n".join(lines))], title, {}


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


# --- titles -------------------------------------------------------------------------

_INSTITUTION = re.compile(r"(研究院|研究所|研究中心|委员会|大学|学院|有限公司|出版社|办公室|版权声明)\s*$")


def guess_title(pages: list[Page]) -> str | None:
    """The first short line that reads like a title (no sentence-ending punctuation)."""
    for page in pages[:2]:
        for raw in page.text.splitlines()[:40]:
            line = raw.strip().lstrip("#").strip().strip("*").strip()
            if 4 <= len(line) <= 40 and not re.search(r"[。；！？，,.]$", line) \
                    and not re.fullmatch(r"[\d\s\-—年月()（）]+", line) \
                    and not _INSTITUTION.search(line):
                return line
    return None
