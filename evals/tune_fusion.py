"""Calibrate the fusion: retrieval quality of hybrid retrieval on the development set for
several (dense weight, lexical weight, RRF k) settings, on a home with the seeds ingested.

    python evals/tune_fusion.py --home DIR
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.service import Assistant  # noqa: E402
from evals.bench.retrieval import evaluate  # noqa: E402
from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.seed_home import seed_files, seed_settings  # noqa: E402
from index.knowledge_base import Index  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

GRID = [(1.0, 1.0, 60), (0.8, 1.0, 60), (0.6, 1.0, 60), (0.5, 1.0, 60), (0.4, 1.0, 60),
        (0.6, 1.0, 20), (0.5, 1.0, 10), (1.0, 1.0, 10)]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--chunk-chars", type=int, default=None)
    args = ap.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="scenario-fusion-"))
    sizes = {"chunk_chars": args.chunk_chars, "max_chunk_chars": max(700, args.chunk_chars + 200)} \
        if args.chunk_chars else {}
    base = seed_settings(home, **sizes)
    index = Index(base)
    ingest_paths(index, seed_files(), progress=False)
    items = [i for i in load_dataset(args.dataset) if i.evidence]
    print(f"{'dense_w':>7} {'lex_w':>5} {'rrf_k':>5} {'Hit@5':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7}")
    for dw, lw, k in GRID:
        index.settings = base.with_(dense_weight=dw, lexical_weight=lw, rrf_k=k)
        row = evaluate(Assistant(index.settings, index), items, modes=("hybrid",))["hybrid"]
        print(f"{dw:>7.2f} {lw:>5.2f} {k:>5} {row['Hit@5']:>6.3f} {row['Recall@5']:>6.3f} "
              f"{row['Recall@10']:>6.3f} {row['MRR@10']:>7.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
