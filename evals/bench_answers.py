"""Answer quality of the extractive composer on the development set.

    python evals/bench_answers.py [--home DIR] [--mode hybrid] [--show-misses]

Prints key-fact recall on qa items (NFKC, whitespace removed), the share of
unanswerable items refused, and the share of answerable items wrongly refused.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.service import Assistant  # noqa: E402
from evals.bench_retrieval import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.metrics import key_fact_recall, mean  # noqa: E402
from evals.seed_home import seeded_assistant  # noqa: E402


def evaluate_answers(assistant: Assistant, items, mode: str = "hybrid", show_misses: bool = False) -> dict:
    kfr, refused_unans, refused_ans = [], [], []
    for item in items:
        r = assistant.ask(item.question, mode=mode)
        if item.task == "unanswerable":
            refused_unans.append(1.0 if r.refused else 0.0)
            if show_misses and not r.refused:
                print(f"  answered unanswerable {item.id}: {item.question} -> {r.answer[:80]}")
            continue
        refused_ans.append(1.0 if r.refused else 0.0)
        if item.task == "qa":
            score = key_fact_recall(r.answer, item.key_facts)
            kfr.append(score)
            if show_misses and score < 1:
                print(f"  miss {item.id} {item.question} {item.key_facts} -> {r.answer[:120]}")
    return {"key_fact_recall_qa": mean(kfr), "qa_items": len(kfr),
            "unanswerable_refused": mean(refused_unans), "unanswerable_items": len(refused_unans),
            "answerable_refused": mean(refused_ans), "answerable_items": len(refused_ans)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--sweep", default="", help="comma-separated refusal thresholds to compare")
    args = ap.parse_args(argv)
    items = load_dataset(args.dataset)
    settings = seeded_assistant(args.home, "scenario-bench-").settings
    thresholds = [float(t) for t in args.sweep.split(",") if t] or [settings.refuse_below]
    print(f"{'refuse_below':>12} {'key-fact recall (qa)':>21} {'unanswerable refused':>21} {'answerable refused':>19}")
    for t in thresholds:
        assistant = Assistant(settings.with_(refuse_below=t))
        res = evaluate_answers(assistant, items, args.mode, args.show_misses)
        print(f"{t:>12.2f} {res['key_fact_recall_qa']:>21.3f} {res['unanswerable_refused']:>21.3f} "
              f"{res['answerable_refused']:>19.3f}   (qa={res['qa_items']}, unanswerable={res['unanswerable_items']}, "
              f"answerable={res['answerable_items']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
