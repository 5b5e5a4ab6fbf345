"""Answers from the built-in knowledge base alone (corpus/ cards and briefs; the seed
reports are not ingested), on the development questions.

    python evals/bench/builtin.py [--home DIR] [--show-misses]

Key-fact recall is reported on the qa items whose key facts all appear somewhere in the
built-in corpus ("facts the cards hold"), and on all qa items for reference.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.service import Assistant  # noqa: E402
from core.settings import Settings  # noqa: E402
from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.matching import normalize  # noqa: E402
from evals.metrics import key_fact_recall, mean  # noqa: E402


def corpus_text(settings: Settings) -> str:
    from ingest.pipeline import collect_files

    files, _ = collect_files(settings.builtin_paths)
    return normalize("\n".join(f.read_text(encoding="utf-8") for f in files))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    settings = Settings(home=args.home or Path(tempfile.mkdtemp(prefix="scenario-builtin-")))
    assistant = Assistant(settings)
    report = assistant.ingest(settings.builtin_paths, progress=False)
    held = corpus_text(settings)
    items = load_dataset(args.dataset)
    qa = [i for i in items if i.task == "qa"]
    held_items = [i for i in qa if i.key_facts and all(normalize(f) in held for f in i.key_facts)]
    scores, refused_unans = {}, []
    for item in items:
        r = assistant.ask(item.question)
        if item.task == "unanswerable":
            refused_unans.append(1.0 if r.refused else 0.0)
        elif item.task == "qa":
            scores[item.id] = key_fact_recall(r.answer, item.key_facts)
            if args.show_misses and item in held_items and scores[item.id] < 1:
                print(f"  miss {item.id} {item.question} {item.key_facts} -> {r.answer[:100]}")
    print(f"built-in corpus: {len(report.results)} files, {report.total_chunks} chunks, "
          f"{report.count('failed')} failed")
    print(f"key-fact recall, qa items whose facts the corpus holds (n={len(held_items)}): "
          f"{mean(scores[i.id] for i in held_items):.3f}")
    print(f"key-fact recall, all qa items (n={len(qa)}): {mean(scores.values()):.3f}")
    print(f"unanswerable refused (n={len(refused_unans)}): {mean(refused_unans):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
