"""Scanned pages made by the tests: Chinese text rendered with a CJK font onto a page
image (A5 at 150 dpi by default), image-only PDFs, and a PDF mixing a text page with a
scanned one."""
from __future__ import annotations

from pathlib import Path

import pytest

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
A5 = (874, 1240)  # pixels at 150 dpi


def need_font() -> None:
    if not FONT.exists():
        pytest.skip(f"CJK font not installed at {FONT} (apt-get install fonts-wqy-zenhei)")


def page_image(lines: list[str], size: tuple[int, int] = A5, pt: float = 11, dpi: int = 150,
               title: str | None = None, noise: bool = False):
    """A grey page with ``lines`` (a line starting with two ideographic spaces is drawn
    indented), an optional larger ``title`` above them."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    need_font()
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    px = round(pt * dpi / 72)
    font = ImageFont.truetype(str(FONT), px)
    margin = round(0.6 * dpi)
    y = margin
    if title:
        big = ImageFont.truetype(str(FONT), round(px * 1.6))
        w = draw.textlength(title, font=big)
        draw.text(((size[0] - w) / 2, y), title, font=big, fill=0)
        y += round(px * 1.6 * 2)
    for line in lines:
        if line:
            draw.text((margin, y), line, font=font, fill=0)
        y += round(px * 1.7)
    if noise:  # a little blur and speckle, as a scanner leaves
        rng = random.Random(3)
        img = img.filter(ImageFilter.GaussianBlur(0.6))
        pix = img.load()
        for _ in range(size[0] * size[1] // 400):
            pix[rng.randrange(size[0]), rng.randrange(size[1])] = rng.randrange(120, 220)
    return img


def image_pdf(path: Path, images: list, dpi: int = 150) -> Path:
    """An image-only PDF: each image a page, no text layer."""
    images = [im.convert("L") for im in images]
    images[0].save(path, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return path


def mixed_pdf(path: Path, text_lines: list[str], scan, dpi: int = 150) -> Path:
    """Page 1 with a real text layer (reportlab's STSong-Light CID font), page 2 a scan."""
    import io

    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    w, h = scan.size[0] * 72 / dpi, scan.size[1] * 72 / dpi
    c = canvas.Canvas(str(path), pagesize=(w, h))
    c.setFont("STSong-Light", 11)
    y = h - 50
    for line in text_lines:
        c.drawString(40, y, line)
        y -= 18
    c.showPage()
    buf = io.BytesIO()
    scan.convert("L").save(buf, format="PNG")
    buf.seek(0)
    c.drawImage(ImageReader(buf), 0, 0, w, h)
    c.showPage()
    c.save()
    return path


def bomb_png(path: Path, width: int = 30000, height: int = 30000) -> Path:
    """A tiny PNG whose header declares ``width``×``height`` pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))
    return path
