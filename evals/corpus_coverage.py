"""Which city names and policy titles in the seed reports does the built-in knowledge base
not cover?

    python evals/corpus_coverage.py [--seeds DIR]

A region counts as covered when a card names it as city, province or district, or a
brief names it as its region. A policy title (a 《…》 name ending in a policy word)
counts as covered when a brief carries it as its title or a card or brief mentions it.
Regions named only in publishers' addresses, acknowledgements or author notes are not
cases and are listed separately.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.seed_home import SEEDS  # noqa: E402
from ingest.loaders import load_document  # noqa: E402
from ingest.structure import split_sections  # noqa: E402
from core.vocab import load_vocab  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
POLICY_WORDS = ("意见", "方案", "措施", "办法", "指南", "通知", "计划", "规划", "条例", "细则", "决定", "导则", "清单")
NOT_CASES = re.compile(r"地址|邮编|电话|致\s*谢|版权声明|作者简介|表示感谢|大力支持")


def covered_regions(vocab) -> set[str]:
    regions: set[str] = set()
    for p in (CORPUS / "cases").glob("*.yaml"):
        card = yaml.safe_load(p.read_text(encoding="utf-8"))
        regions.update(r for r in (card.get("city"), card.get("province"), card.get("district")) if r)
        regions.update(vocab.find_regions(" ".join([card.get("summary", ""), card.get("title", "")]
                                               + card.get("actions", []) + card.get("outcomes", []))))
    for p in (CORPUS / "policies").glob("*.md"):
        meta = yaml.safe_load(p.read_text(encoding="utf-8").split("---", 2)[1])
        regions.add(meta.get("region", ""))
    return regions


def corpus_text() -> str:
    parts = [p.read_text(encoding="utf-8") for p in (CORPUS / "cases").glob("*.yaml")]
    parts += [p.read_text(encoding="utf-8") for p in (CORPUS / "policies").glob("*.md")]
    return re.sub(r"\s+", "", "\n".join(parts))


def seed_mentions(seeds: Path, vocab):
    """Regions named in case-bearing text, regions named only in front/back matter, and policy titles."""
    in_cases: dict[str, set[str]] = {}
    elsewhere: dict[str, set[str]] = {}
    titles: dict[str, set[str]] = {}
    for f in sorted(seeds.glob("*.txt")):
        for section in split_sections(load_document(f).pages):
            for para in section.paragraphs:
                target = elsewhere if NOT_CASES.search(para) else in_cases
                for r in vocab.find_regions(para):
                    target.setdefault(r, set()).add(f.name[:3])
                for t in re.findall(r"《([^《》]{4,60})》", para):
                    t = re.sub(r"\s+", "", t)
                    if t.endswith(POLICY_WORDS) or re.search(r"（(?:试行|征求意见稿)）$|（20\d\d[—–-]", t):
                        titles.setdefault(t, set()).add(f.name[:3])
    return in_cases, {r: d for r, d in elsewhere.items() if r not in in_cases}, titles


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=Path, default=SEEDS)
    args = ap.parse_args(argv)
    vocab = load_vocab()
    in_cases, only_elsewhere, titles = seed_mentions(args.seeds, vocab)
    covered = covered_regions(vocab)
    text = corpus_text()
    missing_regions = sorted(r for r in in_cases if r not in covered)
    missing_titles = sorted(t for t in titles if t not in text)
    print(f"regions named in seed text: {len(in_cases)}; covered by cards or briefs: {len(in_cases) - len(missing_regions)}")
    print("regions not covered:", "、".join(f"{r}({','.join(sorted(in_cases[r]))})" for r in missing_regions) or "none")
    print("regions named only in addresses/acknowledgements (not cases):",
          "、".join(sorted(only_elsewhere)) or "none")
    print(f"policy titles in seeds: {len(titles)}; mentioned by the corpus: {len(titles) - len(missing_titles)}")
    print("policy titles not covered:")
    for t in missing_titles:
        print(f"  《{t}》 ({','.join(sorted(titles[t]))})")
    if not missing_titles:
        print("  none")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
