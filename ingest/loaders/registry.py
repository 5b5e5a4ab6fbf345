"""Which loader reads which suffix. A new format adds one line here."""
from __future__ import annotations

from .html import load_html
from .images import IMAGE_SUFFIXES, load_image
from .pdf import load_pdf
from .text import load_card, load_markdown, load_text
from .word import load_docx

LOADERS = {
    ".txt": load_text, ".md": load_markdown, ".yaml": load_card, ".yml": load_card,
    ".pdf": load_pdf, ".docx": load_docx, ".html": load_html, ".htm": load_html,
    **dict.fromkeys(IMAGE_SUFFIXES, load_image),
}
SUPPORTED_SUFFIXES = tuple(LOADERS)
