"""Plain text, Markdown (with YAML front matter) and case cards (YAML)."""
from __future__ import annotations

import re

from core.errors import IngestError

from .base import Loaded, LoadOptions, Page

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


def load_text(data: bytes, name: str, options: LoadOptions) -> Loaded:
    return Loaded([Page(None, decode_text(data, name))])


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def load_markdown(data: bytes, name: str, options: LoadOptions) -> Loaded:
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
    return Loaded([Page(None, text)], title, meta)


def load_card(data: bytes, name: str, options: LoadOptions) -> Loaded:
    """A case card (YAML). It is validated against the vocabularies by the pipeline."""
    import yaml

    from ..cards import is_card

    try:
        loaded = yaml.safe_load(decode_text(data, name))
    except yaml.YAMLError as e:
        raise IngestError(name, f"YAML 格式错误（{str(e).splitlines()[0]}）") from None
    if not is_card(loaded):
        raise IngestError(name, "YAML 文件不是案例卡片（缺少 id、city、summary）")
    title = loaded.get("title") if isinstance(loaded.get("title"), str) else None
    return Loaded([Page(None, str(loaded.get("summary", "")))], title, {"card": loaded})
