"""Tune the chunk size on data: retrieval quality on the development set for several
target sizes (one fresh home each), so the default in settings is measured, not guessed.

    python evals/tune_chunking.py [--sizes 200,320,450,600] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.service import Assistant  # noqa: E402
from evals.bench.retrieval import evaluate  # noqa: E402
from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.seed_home import seed_files, seed_settings  # noqa: E402
from index.knowledge_base import Index  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="200,320,450,600")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scenario-tune-"))
    items = [i for i in load_dataset(args.dataset) if i.evidence]
    print(f"{'size':>5} {'chunks':>6} {'mode':<8} {'Hit@5':>6} {'R@5':>6} {'R@10':>6} {'MRR@10':>7} {'ingest_s':>8}")
    for size in (int(s) for s in args.sizes.split(",")):
        settings = seed_settings(work / f"size-{size}", chunk_chars=size,
                                 max_chunk_chars=max(700, size + 200))
        index = Index(settings)
        t0 = time.perf_counter()
        ingest_paths(index, seed_files(), progress=False)
        took = time.perf_counter() - t0
        for mode, row in evaluate(Assistant(index.settings, index), items).items():
            print(f"{size:>5} {index.store.count():>6} {mode:<8} {row['Hit@5']:>6.3f} {row['Recall@5']:>6.3f} "
                  f"{row['Recall@10']:>6.3f} {row['MRR@10']:>7.3f} {took:>8.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
