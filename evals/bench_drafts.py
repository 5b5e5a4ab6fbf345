"""Scenario proposals drafted for the development set's proposal items.

    python evals/bench_drafts.py [--home DIR] [--no-builtin] [--show ID]

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

The asked city is the first place the request names that it does not ask to cite
("为合肥起草…", not "引用上海的做法"); none means every named place is another's.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.drafting import PROPOSAL_SECTIONS, Drafter, count_placeholders  # noqa: E402
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


CITE_WORDS = re.compile(r"引用|参照|参考|对标|借鉴|学习|外地|其他")


def asked_city(vocab, question: str) -> str | None:
    """The asker's city as the request states it (independent of the drafter's reading)."""
    for start, end in vocab.region_spans(question):
        if not CITE_WORDS.search(question[max(0, start - 8):start]):
            return vocab.canonical(question[start:end])
    return None


def _first_place(vocab, text: str) -> str | None:
    spans = vocab.region_spans(text or "")
    return vocab.canonical(text[spans[0][0]:spans[0][1]]) if spans else None


def _own(vocab, place: str, city: str | None) -> bool:
    return bool(city) and (place == city or city in vocab.ancestors(place) or place in vocab.ancestors(city))


def unlabelled_other_places(draft, vocab, city: str | None) -> list[str]:
    """Cited sentences stating another place's text without naming it as a benchmark."""
    refs = {r.n: r for r in draft.references}
    out = []
    for section in draft.sections:
        for block in section.blocks:
            if block.kind != "p":
                continue
            for m in CITED.finditer(block.text):
                markers = [int(x) for x in re.findall(r"\d+", m.group(2))]
                place = _first_place(vocab, m.group(1))
                for n in markers if place is None else ():
                    r = refs.get(n)
                    place = r and (_first_place(vocab, r.section) or _first_place(vocab, r.title))
                    if place:
                        break
                if not place or _own(vocab, place, city):
                    continue
                head = block.text[:m.end()]
                labels = [f"对标参考：{place}", f"参照（{place}）", f"（{place}）"]
                if not any(lab in head for lab in labels) and not re.search(r"对标参考：|参照（", head):
                    out.append(m.group(1).strip())
    return out


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
