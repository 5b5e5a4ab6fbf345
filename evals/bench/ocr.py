"""OCR speed and accuracy on scanned seed documents, and what scanning costs retrieval.

    python evals/bench/ocr.py [--seed PATTERN …] [--dpi 150] [--det-limit 1280]
                              [--det-thresh 0.2] [--threads N] [--noise] [--retrieval]

Renders seed text files (default ``002_*.txt`` and ``003_*.txt`` from ``SCENARIO_SEEDS``
or ``../shared/seeds``) as image-only PDFs — A4 pages, 150 dpi grey, wqy-zenhei at 11 pt,
~35 lines a page, paragraphs indented two characters, Markdown headings printed at 15 pt
without their ``#`` and ``**`` marks left out, as a printed page shows them; ``--noise``
adds the blur, speckle and slight skew of a real scanner — into a cache outside the
repository (``~/.cache/scenario/bench_ocr/``; the seeds are
third-party text and are never written into the project). Then reads them through the
real PDF loader (OCR ``auto``) and prints pages, seconds, pages per minute on this
machine, mean OCR confidence and character accuracy against the source (1 − edit
distance / source length per page, after NFKC and removing whitespace).

``--retrieval`` also ingests the seeds into two homes — one with these seeds as text,
one with them as the scanned PDFs (the other seeds as text in both) — and prints the
retrieval table of ``bench/retrieval.py`` on the items of ``realistic.jsonl`` whose evidence
comes only from these seeds. Targets: ≥ 20 pages a minute on 2 cores; Recall@5 of the
scans within 0.05 of the text.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.seed_home import SEEDS  # noqa: E402

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CACHE = Path(os.environ.get("SCENARIO_BENCH_CACHE", Path.home() / ".cache" / "scenario" / "bench_ocr"))
DEFAULT_SEEDS = ("002_*.txt", "003_*.txt")
A4_INCHES = (8.27, 11.69)
LINES_PER_PAGE = 35
FONT_PT = 11
HEADING_SCALE = 15 / 11  # Markdown headings are printed at 15 pt over 11 pt body text
RENDER_VERSION = "3"


# --- making the scans -------------------------------------------------------------------

def wrap(text: str, width: int) -> list[tuple[str, str]]:
    """The source as printed lines, each (kind, text): ``h`` a Markdown heading (printed
    larger, without its ``#``), ``p`` a paragraph's first line (indented two
    characters), ``c`` a continuation line, ``""`` the blank line between paragraphs.
    ``**`` emphasis marks are not printed; a closing mark never starts a line."""
    out: list[tuple[str, str]] = []
    for para in text.splitlines():
        para = para.strip().replace("**", "")
        if not para:
            if out and out[-1][0]:
                out.append(("", ""))
            continue
        if para.startswith("#"):
            out.append(("h", para.lstrip("#").strip()[:width]))
            continue
        indent = len(para) > width // 2
        cut = _cut(para, width - 2 if indent else width)
        out.append(("p" if indent else "c", para[:cut]))
        para = para[cut:]
        while para:
            cut = _cut(para, width)
            out.append(("c", para[:cut]))
            para = para[cut:]
    return out


NO_LINE_START = "，。、；：？！）》」』”’%,.;:?!)"


def _cut(text: str, width: int) -> int:
    """Where to break ``text`` into a line of ``width`` characters: as a typesetter does,
    a closing mark never starts a line (it stays on the line before, overhanging)."""
    cut = width
    while cut < len(text) and cut < width + 2 and text[cut] in NO_LINE_START:
        cut += 1
    return cut


def render_pages(text: str, dpi: int, noise: bool, pt: float = FONT_PT):
    """Page images and, for each, the source text printed on it."""
    import random

    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    px = round(pt * dpi / 72)
    font = ImageFont.truetype(str(FONT), px)
    big = ImageFont.truetype(str(FONT), round(px * HEADING_SCALE))
    w, h = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    margin = round(0.9 * dpi)
    char = font.getlength("中")
    width = int((w - 2 * margin) // char)
    step = (h - 2 * margin) / round(LINES_PER_PAGE * FONT_PT / pt)
    rng = random.Random(11)
    pages: list[tuple] = []
    img = draw = None
    y = 0.0
    printed: list[str] = []

    def finish():
        nonlocal img
        if img is None:
            return
        page = img
        if noise:
            page = page.rotate(rng.uniform(-0.6, 0.6), resample=Image.BICUBIC, fillcolor=255)
            page = page.filter(ImageFilter.GaussianBlur(0.7))
            pix = page.load()
            for _ in range(w * h // 300):
                pix[rng.randrange(w), rng.randrange(h)] = rng.randrange(90, 230)
            page = page.point(lambda v: min(255, v + 18))  # grey paper
        pages.append((page, list(printed)))
        img = None

    for kind, line in wrap(text, width):
        advance = step * (1.6 if kind == "h" else 1.0)
        if img is None or y + advance > h - margin:
            finish()
            if not kind:
                continue
            img = Image.new("L", (w, h), 255)
            draw = ImageDraw.Draw(img)
            y, printed = float(margin), []
        if kind == "h":
            draw.text((margin, y + step * 0.2), line, font=big, fill=0)
        elif kind:
            draw.text((margin + (2 * char if kind == "p" else 0), y), line, font=font, fill=0)
        printed.append(line)
        y += advance
    finish()
    return [(page, lines) for page, lines in pages if any(lines)]


def scanned_pdf(seed: Path, dpi: int, noise: bool, pt: float = FONT_PT) -> tuple[Path, list[str]]:
    """The cached image-only PDF of ``seed`` and the source text of each page."""
    text = seed.read_text(encoding="utf-8")
    key = hashlib.sha1(f"{RENDER_VERSION}|{dpi}|{noise}|{pt}|{text}".encode()).hexdigest()[:10]
    out = CACHE / "scans" / f"{seed.stem}-{dpi}dpi-{pt:g}pt{'-noise' if noise else ''}-{key}"
    pdf, truth = out.with_suffix(".pdf"), out.with_suffix(".json")
    if not (pdf.exists() and truth.exists()):
        out.parent.mkdir(parents=True, exist_ok=True)
        pages = render_pages(text, dpi, noise, pt)
        pages[0][0].save(pdf, "PDF", resolution=dpi, save_all=True, append_images=[p for p, _ in pages[1:]])
        truth.write_text(json.dumps(["\n".join(lines) for _, lines in pages], ensure_ascii=False), encoding="utf-8")
    return pdf, json.loads(truth.read_text(encoding="utf-8"))


# --- accuracy ---------------------------------------------------------------------------

def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, one numpy row at a time."""
    import numpy as np

    if not a or not b:
        return max(len(a), len(b))
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    idx = np.arange(len(b) + 1)
    row = idx.copy()
    for i, code in enumerate(np.frombuffer(a.encode("utf-32-le"), dtype=np.uint32), start=1):
        cand = np.empty(len(b) + 1, dtype=np.int64)
        cand[0] = i
        cand[1:] = np.minimum(row[:-1] + (bb != code), row[1:] + 1)
        row = np.minimum.accumulate(cand - idx) + idx  # insertions: row[j] ≤ row[j-1] + 1
    return int(row[-1])


def squash(text: str) -> str:
    from evals.matching import normalize
    from ingest.normalize import normalize_text

    return normalize(normalize_text(text)).replace("#", "")


def accuracy(ocr_text: str, source: str) -> float:
    src = squash(source)
    return max(0.0, 1 - edit_distance(squash(ocr_text), src) / max(1, len(src)))


# --- retrieval --------------------------------------------------------------------------

def retrieval(seeds: list[Path], scans: dict[Path, Path]) -> None:
    from assistant.service import Assistant
    from core.settings import Settings
    from evals.bench.retrieval import evaluate, print_table
    from evals.dataset import YARDSTICK
    from evals.dataset import load_dataset
    from evals.seed_home import seed_files

    names = {s.name for s in seeds}
    items = [i for i in load_dataset(YARDSTICK)
             if i.evidence and {e["doc"] for e in i.evidence} <= names]
    others = [f for f in seed_files() if f.name not in names]
    rename = {s.name: scans[s].name for s in seeds}
    scan_items = [dataclasses.replace(i, evidence=[{**e, "doc": rename[e["doc"]]} for e in i.evidence])
                  for i in items]
    print(f"\nretrieval: {len(items)} items of {YARDSTICK.name} citing only {', '.join(sorted(names))}; "
          f"other seeds in both homes: {len(others)}")
    tables = {}
    for label, files, its in (("text", seeds, items), ("scanned", list(scans.values()), scan_items)):
        home = CACHE / "homes" / label
        t = time.perf_counter()
        assistant = Assistant(Settings(home=home, use_builtin=False))
        stale = [d["doc"] for d in assistant.documents() if d["doc"] not in {f.name for f in others + files}]
        if stale:  # scans of an earlier rendering
            assistant.remove(stale)
        report = assistant.ingest(others + files, progress=False, force=False)
        if label == "scanned":  # read again: what is measured is the OCR code as it is now
            report.results += assistant.ingest(files, progress=False, force=True).results
        failed = [f"{r.source}: {r.reason}" for r in report.failed]
        if failed:
            raise SystemExit("ingest failed: " + "; ".join(failed))
        print(f"\n{label} ({home}, ingest {time.perf_counter() - t:.0f}s, {assistant.index.store.count()} chunks)")
        tables[label] = evaluate(assistant, its)
        print_table(tables[label])
    for mode in tables["text"]:
        delta = tables["scanned"][mode]["Recall@5"] - tables["text"][mode]["Recall@5"]
        print(f"Recall@5 {mode}: scanned − text = {delta:+.3f} (target ≥ −0.05)")


# --- main -------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", action="append", default=None, help="seed file name pattern (repeatable)")
    ap.add_argument("--scan-dpi", type=int, default=150, help="resolution of the scans made")
    ap.add_argument("--dpi", type=int, default=None, help="render resolution for OCR (ingest.ocr.PDF_DPI)")
    ap.add_argument("--det-limit", type=int, default=None, help="longest side for detection (ingest.ocr.DET_LIMIT)")
    ap.add_argument("--det-thresh", type=float, default=None, help="detection threshold (ingest.ocr.DET_THRESH)")
    ap.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads (default: every core)")
    ap.add_argument("--noise", action="store_true", help="scans with blur, speckle and slight skew")
    ap.add_argument("--font-pt", type=float, default=FONT_PT, help="type size of the scans (lines a page scale)")
    ap.add_argument("--pages", action="store_true", help="print every page's figures")
    ap.add_argument("--retrieval", action="store_true", help="also compare Recall@5, scanned vs text")
    args = ap.parse_args(argv)
    if not FONT.exists():
        raise SystemExit(f"font not found: {FONT} (apt-get install fonts-wqy-zenhei)")
    import numpy as np

    from ingest import ocr
    from ingest.loaders import LoadOptions, load_document

    for attr, value in (("PDF_DPI", args.dpi), ("DET_LIMIT", args.det_limit), ("DET_THRESH", args.det_thresh),
                        ("THREADS", args.threads)):
        if value is not None:
            setattr(ocr, attr, value)
    ocr.reset_engine()
    seeds = sorted({p for pattern in (args.seed or DEFAULT_SEEDS) for p in SEEDS.glob(pattern)})
    if not seeds:
        raise SystemExit(f"no seeds match {args.seed or DEFAULT_SEEDS} in {SEEDS} (set SCENARIO_SEEDS)")
    print(f"OCR: render {ocr.PDF_DPI} dpi, detection longest side {ocr.DET_LIMIT}, threshold {ocr.DET_THRESH}, "
          f"{ocr.THREADS or ocr.cpu_threads()} threads; scans {args.scan_dpi} dpi, {args.font_pt:g} pt"
          f"{' with noise' if args.noise else ''}")
    t = time.perf_counter()
    ocr.engine()
    ocr.ocr_image(np.full((64, 256), 255, dtype=np.uint8))  # loads the models: not page time
    print(f"engine ready in {time.perf_counter() - t:.1f}s")
    scans: dict[Path, Path] = {}
    rows = []
    seconds = cpu = 0.0
    for seed in seeds:
        pdf, truth = scanned_pdf(seed, args.scan_dpi, args.noise, args.font_pt)
        scans[seed] = pdf
        t, c = time.perf_counter(), time.process_time()
        doc = load_document(pdf, options=LoadOptions(ocr="auto", progress=None))
        took = time.perf_counter() - t
        seconds += took
        cpu += time.process_time() - c
        by_number = {p.number: p for p in doc.pages}
        for n, source in enumerate(truth, start=1):
            page = by_number.get(n)
            rows.append((seed.name, n, page.ocr_confidence if page else None,
                         accuracy(page.text if page else "", source)))
        low = [w for w in doc.warnings if "置信度" in w]
        print(f"{seed.name}: {len(truth)} pages in {took:.1f}s, {len(low)} low-confidence warnings")
    from evals.metrics import mean

    if args.pages:
        for name, n, conf, acc in rows:
            print(f"  {name} p{n}: confidence {conf if conf is None else round(conf, 4)}  accuracy {acc:.4f}")
    pages = len(rows)
    confs = [c for _, _, c, _ in rows if c is not None]
    accs = [a for *_, a in rows]
    print(f"\npages {pages}  seconds {seconds:.1f}  pages/minute {pages / seconds * 60:.1f}  "
          f"mean confidence {mean(confs):.4f}  character accuracy {mean(accs):.4f} (min {min(accs):.4f})")
    # CPU time says what the pages cost when the machine is shared (others' load inflates wall time)
    print(f"CPU {cpu:.1f}s ({cpu / pages:.2f}s a page), load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    if args.retrieval:
        retrieval(seeds, scans)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
