"""Which loader reads which suffix. A new format adds one line here."""
from __future__ import annotations

from .html import load_html
from .images import IMAGE_SUFFIXES, load_image
from .legacy_office import load_legacy_office
from .ofd import load_ofd
from .pdf import load_pdf
from .sheets import load_csv, load_xls, load_xlsx
from .slides import load_pptx
from .text import load_card, load_markdown, load_text
from .word import load_docx

LOADERS = {
    ".txt": load_text, ".md": load_markdown, ".yaml": load_card, ".yml": load_card,
    ".pdf": load_pdf, ".docx": load_docx, ".html": load_html, ".htm": load_html,
    ".xlsx": load_xlsx,
    ".xls": load_xls,
    ".csv": load_csv,
    ".pptx": load_pptx,
    ".ofd": load_ofd,
    ".doc": load_legacy_office,
    ".wps": load_legacy_office,
    ".et": load_legacy_office,
    ".dps": load_legacy_office,
    **dict.fromkeys(IMAGE_SUFFIXES, load_image),
}
SUPPORTED_SUFFIXES = tuple(LOADERS)
