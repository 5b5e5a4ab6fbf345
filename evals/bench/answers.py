"""Answer quality of the extractive composer, as users get it (``Assistant.ask``).

    python evals/bench/answers.py [--home DIR] [--no-builtin] [--dataset FILE …] [--show-misses]

Ingests the seed reports and the built-in corpus (the default knowledge base) into the
home, then prints per dataset, overall, by task and by difficulty: key-fact recall on qa
items, the share of unanswerable items refused, the share of answerable items refused,
and the answers' length. The shipped answering model was fitted on these sets, so these
are training-fit figures; ``evals/fit_answering.py`` prints the cross-validated ones.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.service import Assistant  # noqa: E402
from evals.dataset import DEFAULT_DATASET, YARDSTICK, load_dataset  # noqa: E402
from evals.metrics import key_fact_recall, mean  # noqa: E402
from evals.seed_home import bench_assistant  # noqa: E402

DEFAULT_DATASETS = (YARDSTICK, DEFAULT_DATASET)


def evaluate_answers(assistant: Assistant, items, mode: str = "hybrid", show_misses: bool = False) -> list[dict]:
    rows = []
    for item in items:
        if item.task not in ("qa", "unanswerable"):
            continue
        r = assistant.ask(item.question, mode=mode)
        row = {"id": item.id, "task": item.task, "difficulty": item.difficulty, "refused": r.refused,
               "chars": len(r.answer), "kfr": key_fact_recall(r.answer, item.key_facts) if item.task == "qa" else None,
               "ms": r.timings_ms["total"]}
        rows.append(row)
        if show_misses and ((item.task == "qa" and row["kfr"] < 1) or (item.task == "unanswerable" and not r.refused)):
            print(f"  {item.id} {item.question}\n    facts {item.key_facts}\n    -> {r.answer[:200]}")
    return rows


def summarize(rows: list[dict]) -> dict:
    qa = [r for r in rows if r["task"] == "qa"]
    un = [r for r in rows if r["task"] == "unanswerable"]
    answered = [r["chars"] for r in qa if not r["refused"]]
    return {"key_fact_recall": mean(r["kfr"] for r in qa) if qa else None,
            "answerable_refused": mean(r["refused"] for r in qa) if qa else None,
            "unanswerable_refused": mean(r["refused"] for r in un) if un else None,
            "chars": statistics.median(answered) if answered else None, "qa": len(qa), "unanswerable": len(un)}


def _fmt(v, spec=".3f") -> str:
    return f"{v:{spec}}" if v is not None else "—"


def print_table(name: str, rows: list[dict]) -> None:
    print(f"\n{name}")
    print(f"  {'':<16} {'KFR(qa)':>8} {'ans.refused':>12} {'unans.refused':>14} {'chars(median)':>14} {'n qa/unans':>11}")
    groups = [("overall", rows)] + [(f"difficulty={d}", [r for r in rows if r["difficulty"] == d])
                                     for d in ("easy", "medium", "hard")]
    for label, group in groups:
        if not group:
            continue
        s = summarize(group)
        print(f"  {label:<16} {_fmt(s['key_fact_recall']):>8} {_fmt(s['answerable_refused']):>12} "
              f"{_fmt(s['unanswerable_refused']):>14} {_fmt(s['chars'], '.0f'):>14} {s['qa']:>5}/{s['unanswerable']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, action="append", default=None)
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--no-builtin", action="store_true", help="leave the built-in corpus out")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args(argv)
    assistant = bench_assistant(args.home, builtin=not args.no_builtin)
    for path in args.dataset or DEFAULT_DATASETS:
        print_table(path.name, evaluate_answers(assistant, load_dataset(path), args.mode, args.show_misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
