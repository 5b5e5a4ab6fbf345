"""Retrieval quality on the development set, for each mode.

    python evals/bench_retrieval.py [--home DIR] [--dataset evals/datasets/dev.jsonl]

Ingests the seed reports into the home (incremental: a second run reuses it), then
prints Hit@5, Recall@5, Recall@10, MRR@10 and nDCG@10 for dense, lexical and hybrid
retrieval over every item that has evidence (qa, case and proposal items).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.retrieve import Retriever  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.metrics import mean, score_retrieval  # noqa: E402
from evals.seed_home import seed_files, seed_settings  # noqa: E402
from ingest.index import Index  # noqa: E402
from ingest.pipeline import ingest_paths  # noqa: E402

DEFAULT_DATASET = Path(__file__).resolve().parent / "datasets" / "dev.jsonl"


def evaluate(index: Index, items, modes=("dense", "lexical", "hybrid"), k: int = 10) -> dict:
    retriever = Retriever(index, index.settings)
    table = {}
    for mode in modes:
        scores = []
        for item in items:
            chunks = retriever.retrieve(item.question, k=k, mode=mode)
            scores.append(score_retrieval([(c.doc, c.text) for c in chunks], item.evidence))
        table[mode] = {
            "Hit@5": mean(s.hit(5) for s in scores),
            "Recall@5": mean(s.recall(5) for s in scores),
            "Recall@10": mean(s.recall(10) for s in scores),
            "MRR@10": mean(s.mrr(10) for s in scores),
            "nDCG@10": mean(s.ndcg(10) for s in scores),
            "n": len(scores),
        }
    return table


def print_table(table: dict) -> None:
    cols = ["Hit@5", "Recall@5", "Recall@10", "MRR@10", "nDCG@10"]
    print(f"{'mode':<8} " + " ".join(f"{c:>9}" for c in cols) + "   items")
    for mode, row in table.items():
        print(f"{mode:<8} " + " ".join(f"{row[c]:>9.3f}" for c in cols) + f"   {row['n']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--chunk-chars", type=int, default=None)
    args = ap.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="scenario-bench-"))
    overrides = {"chunk_chars": args.chunk_chars} if args.chunk_chars else {}
    index = Index(seed_settings(home, **overrides))
    ingest_paths(index, seed_files(), progress=False)
    items = [i for i in load_dataset(args.dataset) if i.evidence]
    print(f"home={home} chunks={index.store.count()} items={len(items)}")
    print_table(evaluate(index, items))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
