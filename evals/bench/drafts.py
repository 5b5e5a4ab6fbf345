"""Scenario proposals drafted for the development set's proposal items.

    python evals/bench/drafts.py [--home DIR] [--no-builtin] [--show ID]

Prints, averaged over items:
- key-fact coverage: share of an item's key facts found in its draft (NFKC, whitespace removed);
- section completeness: share of drafts that contain every method section;
- 四类 accuracy: share of drafts whose delivery type has the expected driver, over the items
  that name one (a key fact ending in 驱动; the term alone appears in every draft's method quotes);
  a set without such items prints n/a rather than a 0 that no draft earned;
- citation validity: share of cited sentences whose every number appears in the passage
  each of its markers points at (and whose markers all exist);
- unlabelled other-place policy sentences: cited sentences whose place (a place of the
  vocabulary named in the sentence, else in the cited passage's section or title) is not
  the asked city and whose paragraph does not label it ("对标参考：合肥——", "参照（合肥）");
- placeholders per proposal (【待补充：…】/【待核实：…】, table cells included).

The checks themselves are in evals/draft_checks.py (the tests use them too).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.drafting import PROPOSAL_SECTIONS, Drafter, count_placeholders  # noqa: E402
from evals.dataset import DEFAULT_DATASET, load_dataset  # noqa: E402
from evals.draft_checks import asked_city, citation_checks, unlabelled_other_places  # noqa: E402
from evals.metrics import key_fact_recall, mean  # noqa: E402
from evals.seed_home import seeded_assistant  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    ap.add_argument("--no-builtin", action="store_true")
    ap.add_argument("--show", default="")
    args = ap.parse_args(argv)
    drafter = Drafter(seeded_assistant(args.home, "scenario-drafts-", builtin=not args.no_builtin))
    vocab = drafter.assistant.index.vocab
    items = [i for i in load_dataset(args.dataset) if i.task == "proposal"]
    coverage, complete, valid, typed, holes, unlabelled = [], [], [], [], [], []
    for item in items:
        city = asked_city(vocab, item.question)
        d = drafter.proposal(item.question, city=city)
        holes.append(count_placeholders(d))
        bad = unlabelled_other_places(d, vocab, city)
        unlabelled.append(len(bad))
        md = d.to_markdown()
        coverage.append(key_fact_recall(md, item.key_facts))
        complete.append(1.0 if all(f"## {t}" in md for t in PROPOSAL_SECTIONS) else 0.0)
        valid.extend(citation_checks(d))
        expected = [f for f in item.key_facts if f.endswith("驱动")]
        if expected:  # only items whose key facts name a driver can score the class
            typed.append(1.0 if (d.delivery_type or "").startswith(expected[0]) else 0.0)
        print(f"{item.id} {item.key_facts} type={d.delivery_type} coverage={coverage[-1]:.2f} refs={len(d.references)}"
              f" placeholders={holes[-1]} unlabelled={len(bad)}")
        if args.show == item.id:
            print(md)
            print("\n".join("unlabelled: " + b for b in bad))
    print(f"proposal items: {len(items)}")
    print(f"key-fact coverage:      {mean(coverage):.3f}")
    print(f"all sections present:   {mean(complete):.3f}")
    print("四类 driver correct:     " + (f"{mean(typed):.3f} (n={len(typed)} items that name a driver)" if typed
                                       else "n/a (no item names a driver)"))
    print(f"valid citations:        {mean(1.0 if v else 0.0 for v in valid):.3f} (n={len(valid)} cited sentences)")
    print(f"unlabelled other-place policy sentences: {sum(unlabelled)} (target 0)")
    print(f"placeholders per proposal: mean {mean(holes):.1f}, max {max(holes, default=0)} (target ≤ 6)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
