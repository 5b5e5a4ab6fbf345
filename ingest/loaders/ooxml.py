"""Package parts shared by the OOXML loaders (DOCX, XLSX, PPTX)."""
from __future__ import annotations

import posixpath
import zipfile

_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def core_title(archive: zipfile.ZipFile) -> str | None:
    """``dc:title`` of the package's core properties. Read here rather than through
    python-docx/python-pptx: LibreOffice writes the core-properties relationship with a
    type those libraries do not recognise, and they then report their template's title
    ("Word Document", "PowerPoint Presentation")."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    names = set(archive.namelist())
    part = "docProps/core.xml"
    try:
        if "_rels/.rels" in names:
            for rel in etree.fromstring(archive.read("_rels/.rels"), parser).iter(_RELS):
                if (rel.get("Type") or "").lower().endswith("/metadata/core-properties"):
                    part = posixpath.normpath((rel.get("Target") or part).lstrip("/"))
                    break
        if part not in names:
            return None
        title = etree.fromstring(archive.read(part), parser).find(_DC_TITLE)
    except (etree.XMLSyntaxError, KeyError, OSError, zipfile.BadZipFile, ValueError):
        return None
    text = " ".join("".join(title.itertext()).split()) if title is not None else ""
    return text or None
