"""Old binary office formats (.doc, WPS .wps; WPS .et and .dps) through LibreOffice.

The file is converted headless to its OOXML counterpart in a temporary folder with a
throwaway LibreOffice profile, then read by the DOCX/XLSX/PPTX loader. ``soffice`` (or
``libreoffice``) is looked up on PATH; ``SCENARIO_SOFFICE`` names another executable.
A file that is already OOXML under the old suffix is read directly, without LibreOffice.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.errors import IngestError

from .base import Loaded, LoadOptions
from .zipguard import OLE2_MAGIC, is_encrypted_ooxml

SOFFICE_ENV = "SCENARIO_SOFFICE"
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class _Kind:
    target: str  # the OOXML suffix LibreOffice converts to
    module: str  # the LibreOffice module that reads it (share/registry/<module>.xcd)
    package: str  # the Debian package holding that module
    label: str  # how the messages name the format
    signatures: tuple[bytes, ...]  # what such a file may start with (after whitespace)


_WORD = (OLE2_MAGIC, b"{\\rtf", b"<", b"MIME-Version", b"\xef\xbb\xbf<")  # binary, RTF, Word XML/HTML, MHT
_KINDS = {
    ".doc": _Kind("docx", "writer", "libreoffice-writer-nogui", ".doc/.wps", _WORD),
    ".wps": _Kind("docx", "writer", "libreoffice-writer-nogui", ".doc/.wps", _WORD),
    ".et": _Kind("xlsx", "calc", "libreoffice-calc-nogui", ".et", (OLE2_MAGIC,)),
    ".dps": _Kind("pptx", "impress", "libreoffice-impress-nogui", ".dps", (OLE2_MAGIC,)),
}


def find_soffice() -> str | None:
    """The LibreOffice executable: ``$SCENARIO_SOFFICE`` when set, else ``soffice`` or
    ``libreoffice`` on PATH; None when there is none."""
    override = os.environ.get(SOFFICE_ENV, "").strip()
    if override:
        return shutil.which(override)
    return shutil.which("soffice") or shutil.which("libreoffice")


def has_module(soffice: str, module: str) -> bool:
    """Whether this LibreOffice has ``module`` (writer, calc, impress) installed: Debian
    splits them into packages, each registering ``share/.registry/<module>.xcd``
    (``share/registry`` upstream). True when the layout is not recognised."""
    root = Path(os.path.realpath(soffice)).parent.parent
    for registry in (root / "share" / ".registry", root / "share" / "registry"):
        if registry.is_dir():
            return (registry / f"{module}.xcd").is_file()
    return True


def _reader(target: str) -> Callable[[bytes, str, LoadOptions], Loaded]:
    if target == "docx":
        from .word import load_docx
        return load_docx
    if target == "xlsx":
        from .sheets import load_xlsx
        return load_xlsx
    from .slides import load_pptx
    return load_pptx


def load_legacy_office(data: bytes, name: str, options: LoadOptions) -> Loaded:
    suffix = Path(name).suffix.lower()
    kind = _KINDS[suffix]
    read = _reader(kind.target)
    if data.startswith(b"PK\x03\x04") or is_encrypted_ooxml(data):
        return read(data, name, options)  # OOXML (or encrypted OOXML) under the old suffix
    if not data[:4096].lstrip().startswith(kind.signatures):
        raise IngestError(name, f"不是有效的 {suffix} 文件（文件内容不是 Office/WPS 格式）")
    soffice = find_soffice()
    if soffice is None or not has_module(soffice, kind.module):
        raise IngestError(name, f"无法读取 {kind.label} 文件：需要安装 LibreOffice（Debian/Ubuntu：sudo apt install "
                                f"{kind.package}），或先另存为 .{kind.target}")
    converted = convert(data, suffix, kind, soffice, name)
    return read(converted, name, options)


def convert(data: bytes, suffix: str, kind: _Kind, soffice: str, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="scenario-lo-") as tmp:
        folder = Path(tmp)
        source = folder / f"input{suffix}"  # an ASCII name: LibreOffice and the locale never disagree
        source.write_bytes(data)
        out = folder / "out"
        command = [soffice, "--headless", "--norestore", "--nolockcheck",
                   f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
                   "--convert-to", kind.target, "--outdir", str(out), str(source)]
        env = {**os.environ, "HOME": tmp}  # nothing written to the user's own profile
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, env=env, start_new_session=True)
        except OSError as e:
            raise IngestError(name, f"无法读取 {kind.label} 文件：无法启动 LibreOffice（{e.strerror or e}）") from None
        try:
            stdout, stderr = proc.communicate(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise IngestError(name, f"无法读取 {kind.label} 文件：LibreOffice 转换超时（超过 {TIMEOUT_SECONDS} 秒），"
                                    f"文件可能已损坏或过大，可先在 Office/WPS 中另存为 .{kind.target}") from None
        result = out / f"input.{kind.target}"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = _last_line(stderr) or _last_line(stdout) or f"退出码 {proc.returncode}"
            hint = f"；如果只安装了 LibreOffice Writer，请再安装 {kind.package}" if kind.target != "docx" else ""
            raise IngestError(name, f"无法读取 {kind.label} 文件：LibreOffice 转换失败（{detail}），"
                                    f"文件可能已损坏或已加密，可先在 Office/WPS 中另存为 .{kind.target}{hint}")
        return result.read_bytes()


def _kill(proc: subprocess.Popen) -> None:
    """End the conversion and everything it started (soffice is a launcher script)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):  # AttributeError: no killpg (Windows)
        proc.kill()
    proc.communicate()


def _last_line(output: bytes) -> str:
    lines = [line.strip() for line in output.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1][:120] if lines else ""
