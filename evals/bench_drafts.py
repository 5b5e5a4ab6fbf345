"""Scenario proposals drafted for the development set's proposal items.

    python evals/bench_drafts.py [--home DIR] [--no-builtin] [--show ID]

Prints, averaged over items:
- key-fact coverage: share of an item's key facts found in its draft (NFKC, whitespace removed);
- section completeness: share of drafts that contain every method section;
- 四类 accuracy: share of drafts whose delivery type has the expected driver
  (the item's key fact ending in 驱动; the term alone appears in every draft's method quotes);
- citation validity: share of cited sentences whose every number appears in the passage
  each of its markers points at (and whose markers all exist).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.drafting import PROPOSAL_SECTIONS, Drafter  # noqa: E402
from evals.bench_retrieval import DEFAULT_DATASET  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.matching import normalize  # noqa: E402
from evals.metrics import key_fact_recall, mean  # noqa: E402
from evals.seed_home import seeded_assistant  # noqa: E402

CITED = re.compile(r"([^\[\]\n]+?)((?:\[\d+\])+)")


def citation_checks(draft) -> list[bool]:
    """One verdict per cited sentence: its numbers are in every passage it cites."""
    refs = {r.n: normalize(r.quote) for r in draft.references}
    verdicts = []
    for section in draft.sections:
        texts = [b.text for b in section.blocks] + [c for b in section.blocks for row in b.rows for c in row]
        for text in texts:
            for m in CITED.finditer(text):
                markers = [int(x) for x in re.findall(r"\d+", m.group(2))]
                numbers = re.findall(r"\d+(?:\.\d+)?", normalize(m.group(1)))
                ok = all(n in refs for n in markers) and all(
                    num in refs[n] for n in markers if n in refs for num in numbers)
                verdicts.append(ok)
    return verdicts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--no-builtin", action="store_true")
    ap.add_argument("--show", default="")
    args = ap.parse_args(argv)
    drafter = Drafter(seeded_assistant(args.home, "scenario-drafts-", builtin=not args.no_builtin))
    items = [i for i in load_dataset(args.dataset) if i.task == "proposal"]
    coverage, complete, valid, typed = [], [], [], []
    for item in items:
        d = drafter.proposal(item.question)
        md = d.to_markdown()
        coverage.append(key_fact_recall(md, item.key_facts))
        complete.append(1.0 if all(f"## {t}" in md for t in PROPOSAL_SECTIONS) else 0.0)
        valid.extend(citation_checks(d))
        expected = [f for f in item.key_facts if f.endswith("驱动")]
        typed.append(1.0 if expected and (d.delivery_type or "").startswith(expected[0]) else 0.0)
        print(f"{item.id} {item.key_facts} type={d.delivery_type} coverage={coverage[-1]:.2f} refs={len(d.references)}")
        if args.show == item.id:
            print(md)
    print(f"proposal items: {len(items)}")
    print(f"key-fact coverage:      {mean(coverage):.3f}")
    print(f"all sections present:   {mean(complete):.3f}")
    print(f"四类 driver correct:     {mean(typed):.3f}")
    print(f"valid citations:        {mean(1.0 if v else 0.0 for v in valid):.3f} (n={len(valid)} cited sentences)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
