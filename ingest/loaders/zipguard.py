"""Zip-based formats (DOCX, XLSX, PPTX, OFD) are checked before parsing: a file that
inflates past the limit, or compresses too well, is a zip bomb and is refused."""
from __future__ import annotations

import io
import zipfile

from core.errors import IngestError

MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound files: .doc/.xls/.ppt, encrypted OOXML


def is_encrypted_ooxml(data: bytes) -> bool:
    """A password-protected XLSX/DOCX/PPTX is not a zip but an OLE2 compound file holding an
    ``EncryptionInfo`` stream (directory entry names are UTF-16LE)."""
    return data.startswith(OLE2_MAGIC) and "EncryptionInfo".encode("utf-16-le") in data


def open_zip(data: bytes, name: str, kind: str) -> zipfile.ZipFile:
    """The archive, checked; ``kind`` names the format in the error ("DOCX")."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestError(name, f"不是有效的 {kind} 文件（不是 zip 格式）")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise IngestError(name, f"无法解析 {kind}：文件已损坏（{type(e).__name__}）") from None
    inflated = sum(p.file_size for p in parts)
    packed = sum(p.compress_size for p in parts) or 1
    if inflated > MAX_UNZIPPED_BYTES or inflated / packed > MAX_ZIP_RATIO:
        archive.close()
        raise IngestError(name, f"{kind} 解压后过大（{inflated / 1048576:.0f} MB，压缩比 {inflated / packed:.0f} 倍），"
                                f"疑似压缩炸弹，已拒绝")
    return archive
