"""Calibrate the support test φ on hand-labelled sentence/passage pairs.

    python evals/calibrate_support.py [--pairs evals/datasets/support_calibration.jsonl]

Each pair was labelled by reading: does the passage support the sentence? Supported
pairs are verbatim statements and paraphrases with the same facts; unsupported ones
change a number, add a claim, name the wrong place, or come from an unrelated passage.
Prints φ's agreement with the labels for each content-coverage threshold, and the
confusion at the best one (settings.support_threshold is set from this).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.verify import support  # noqa: E402
from index.lexical_index import Tokenizer  # noqa: E402
from core.vocab import load_vocab  # noqa: E402

DEFAULT_PAIRS = Path(__file__).resolve().parent / "datasets" / "support_calibration.jsonl"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def load_pairs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def agreement(pairs: list[dict], tokenizer: Tokenizer, threshold: float) -> tuple[float, dict]:
    confusion = {"tp": 0, "tn": 0, "fp": 0, "fn": 0}
    for p in pairs:
        predicted = support(p["sentence"], p["passage"], tokenizer, threshold)[0]
        key = ("t" if predicted == p["supported"] else "f") + ("p" if predicted else "n")
        confusion[key] += 1
    return (confusion["tp"] + confusion["tn"]) / len(pairs), confusion


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", type=Path, default=DEFAULT_PAIRS)
    args = ap.parse_args(argv)
    pairs = load_pairs(args.pairs)
    tokenizer = Tokenizer(load_vocab())
    print(f"pairs: {len(pairs)} ({sum(p['supported'] for p in pairs)} supported)")
    results = {t: agreement(pairs, tokenizer, t) for t in THRESHOLDS}
    for t, (acc, c) in results.items():
        print(f"threshold {t:.1f}: agreement {acc:.3f}  (tp {c['tp']}, tn {c['tn']}, fp {c['fp']}, fn {c['fn']})")
    best = max(THRESHOLDS, key=lambda t: (results[t][0], -abs(t - 0.6)))
    print(f"best threshold: {best:.1f} (agreement {results[best][0]:.3f})")
    for p in pairs:
        if support(p["sentence"], p["passage"], tokenizer, best)[0] != p["supported"]:
            print(f"  disagrees: {p['id']} label={p['supported']} {p['note']}: {p['sentence']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
