"""Comparable-case finding on the development set's case items, against plain passage
retrieval on the same items.

    python evals/bench/cases.py [--home DIR] [--no-builtin]

City recall@5 = share of an item's cities found among the top 5 results, averaged over
items. A result's city is the case's city (a card) or the first place a passage names;
a result counts for an item's city when it is that city or lies within it (a district
in its city, a city in its province).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.cases import CaseFinder  # noqa: E402
from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.metrics import city_recall, mean  # noqa: E402
from evals.seed_home import seeded_assistant  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--no-builtin", action="store_true", help="seed reports only (cases found in ingested text)")
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args(argv)
    assistant = seeded_assistant(args.home, "scenario-cases-", builtin=not args.no_builtin)
    finder = CaseFinder(assistant)
    vocab = assistant.index.vocab
    items = [i for i in load_dataset(args.dataset) if i.task == "case"]
    ours, plain = [], []
    for item in items:
        hits = finder.find(item.question, k=5)
        ours.append(city_recall(item.cities, [h.city for h in hits], vocab))
        passages = assistant.ask(item.question, k=5).retrieved
        firsts = [finder._case_paragraph(c)[1] for c in passages]
        plain.append(city_recall(item.cities, [c for c in firsts if c], vocab))
        if args.show:
            print(f"{item.id} {item.cities} cases={[h.city for h in hits]} passages={firsts} "
                  f"{ours[-1]:.2f}/{plain[-1]:.2f}")
    corpus = "seed reports only" if args.no_builtin else "seed reports + built-in corpus"
    print(f"case items: {len(items)} ({corpus})")
    print(f"city recall@5, comparable cases (scenario cases):  {mean(ours):.3f}")
    print(f"city recall@5, plain passage retrieval (top 5):     {mean(plain):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
