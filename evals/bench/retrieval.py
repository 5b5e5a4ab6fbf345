"""Retrieval quality, for each mode, as answers retrieve (``Assistant.search``: the whole
question and, for a compound one, its parts; primary sources before built-in summaries).

    python evals/bench/retrieval.py [--home DIR] [--no-builtin] [--dataset FILE …]

Ingests the seed reports and the built-in corpus (the default knowledge base; incremental,
so a second run reuses the home), then prints Hit@5, Recall@5, Recall@10, MRR@10 and
nDCG@10 for dense, lexical and hybrid retrieval over every item that has evidence.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.dataset import DEFAULT_DATASET, YARDSTICK, load_dataset  # noqa: E402
from evals.metrics import mean, score_retrieval  # noqa: E402
from evals.seed_home import bench_assistant  # noqa: E402



def evaluate(assistant, items, modes=("dense", "lexical", "hybrid"), k: int = 10) -> dict:
    table = {}
    for mode in modes:
        scores = []
        for item in items:
            _, chunks = assistant.search(item.question, k=k, mode=mode)
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
    ap.add_argument("--dataset", type=Path, action="append", default=None)
    ap.add_argument("--no-builtin", action="store_true", help="leave the built-in corpus out")
    ap.add_argument("--modes", default="dense,lexical,hybrid")
    args = ap.parse_args(argv)
    assistant = bench_assistant(args.home, builtin=not args.no_builtin)
    for path in args.dataset or (YARDSTICK, DEFAULT_DATASET):
        items = [i for i in load_dataset(path) if i.evidence]
        print(f"\n{path.name}")
        print_table(evaluate(assistant, items, modes=tuple(args.modes.split(","))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
