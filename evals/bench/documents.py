"""Answer and retrieval quality when the seed reports arrive as real documents.

    python evals/bench/documents.py [--formats txt,pdf,docx,html] [--dataset FILE] [--cache DIR]

Makes each seed report in each format outside the repository (``--cache``, default
``~/.cache/scenario/bench_documents``): ``pdf`` is Chromium's headless print of the .txt
with its default running header and footer (date, title, ``file://`` URL, "n/m"), the
way officials save web pages; ``docx`` and ``html`` wrap the same lines. Each format is
ingested into its own home, built-in corpus off, and scored on the dataset (default:
the realistic set) with the same measures as bench/retrieval.py and bench/answers.py: Recall@5
and MRR@10 (hybrid), key-fact recall and the share of answerable questions refused.
It also counts the chunks that still hold a CJK radical code point, a ``file://`` URL or
an "n/m" page footer — each should be 0.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.service import Assistant  # noqa: E402
from core.settings import Settings  # noqa: E402
from evals.bench.answers import evaluate_answers, summarize  # noqa: E402
from evals.bench.retrieval import evaluate  # noqa: E402
from evals.dataset import YARDSTICK, load_dataset  # noqa: E402
from evals.seed_home import seed_files  # noqa: E402
from ingest.normalize import has_lookalikes  # noqa: E402

FOOTER_RE = re.compile(r"(?:^|\s)\d{1,3}/\d{1,3}(?:\s|$)")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    raise SystemExit("chromium not found (apt install chromium)")


def make_pdf(src: Path, out: Path) -> None:
    """Chromium's print of the text file, header and footer on (its default)."""
    subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
                    f"--print-to-pdf={out}", src.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)


def make_docx(src: Path, out: Path) -> None:
    import docx

    document = docx.Document()
    for line in src.read_text(encoding="utf-8").splitlines():
        document.add_paragraph(line)
    document.save(str(out))


def make_html(src: Path, out: Path) -> None:
    from html import escape

    body = "\n".join(f"<p>{escape(line)}</p>" for line in src.read_text(encoding="utf-8").splitlines())
    out.write_text(f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>", encoding="utf-8")


MAKERS = {"pdf": make_pdf, "docx": make_docx, "html": make_html}


def variant_files(fmt: str, cache: Path) -> list[Path]:
    if fmt == "txt":
        return seed_files()
    folder = cache / fmt
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for src in seed_files():
        out = folder / f"{src.stem}.{fmt}"
        if not out.exists():
            MAKERS[fmt](src, out)
        files.append(out)
    return files


def renamed(items, fmt: str):
    """The items with their evidence pointing at the variant's file names."""
    for item in items:
        item.evidence = [dict(ev, doc=f"{Path(ev['doc']).stem}.{fmt}") if ev.get("doc") else ev
                         for ev in item.evidence]
    return items


def chunk_defects(assistant: Assistant) -> dict[str, int]:
    texts = [t for _, t, _ in assistant.index.store.iter_all()]
    return {"radicals": sum(has_lookalikes(t) for t in texts),
            "file_urls": sum("file://" in t for t in texts),
            "page_footers": sum(bool(FOOTER_RE.search(t)) for t in texts), "chunks": len(texts)}


def run(fmt: str, cache: Path, dataset: Path) -> dict:
    files = variant_files(fmt, cache)
    home = cache / "homes" / fmt
    assistant = Assistant(Settings(home=home, use_builtin=False))
    started = time.perf_counter()
    report = assistant.ingest(files, progress=False)
    ingest_s = time.perf_counter() - started
    failed = [f"{r.source}: {r.reason}" for r in report.failed]
    items = renamed(load_dataset(dataset), fmt)
    retrieval = evaluate(assistant, [i for i in items if i.evidence], modes=("hybrid",))["hybrid"]
    answers = summarize(evaluate_answers(assistant, items))
    return {"format": fmt, "Recall@5": retrieval["Recall@5"], "MRR@10": retrieval["MRR@10"],
            "KFR": answers["key_fact_recall"], "ans_refused": answers["answerable_refused"],
            "unans_refused": answers["unanswerable_refused"], "ingest_s": ingest_s, "failed": failed,
            **chunk_defects(assistant)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--formats", default="txt,pdf,docx,html")
    ap.add_argument("--dataset", type=Path, default=YARDSTICK)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "scenario" / "bench_documents")
    ap.add_argument("--fresh", action="store_true", help="rebuild the homes (re-ingest every file)")
    args = ap.parse_args(argv)
    if args.fresh:
        shutil.rmtree(args.cache / "homes", ignore_errors=True)
    rows = [run(fmt, args.cache, args.dataset) for fmt in args.formats.split(",")]
    print(f"dataset={args.dataset.name} built-in corpus off, hybrid retrieval")
    print(f"{'format':<7} {'Recall@5':>9} {'MRR@10':>7} {'KFR':>6} {'ans.ref':>8} {'unans.ref':>9} "
          f"{'ingest s':>9} {'chunks':>7} {'radical':>8} {'file://':>8} {'n/m':>4}")
    for r in rows:
        print(f"{r['format']:<7} {r['Recall@5']:>9.3f} {r['MRR@10']:>7.3f} {r['KFR']:>6.3f} {r['ans_refused']:>8.3f} "
              f"{r['unans_refused']:>9.3f} {r['ingest_s']:>9.1f} {r['chunks']:>7} {r['radicals']:>8} "
              f"{r['file_urls']:>8} {r['page_footers']:>4}")
        for f in r["failed"]:
            print(f"   failed: {f}")
    base = next((r for r in rows if r["format"] == "txt"), None)
    if base:
        for r in rows:
            if r is not base:
                print(f"{r['format']} − txt: Recall@5 {r['Recall@5'] - base['Recall@5']:+.3f}, "
                      f"MRR@10 {r['MRR@10'] - base['MRR@10']:+.3f}, KFR {r['KFR'] - base['KFR']:+.3f}, "
                      f"answerable refused {r['ans_refused'] - base['ans_refused']:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
