"""Metric definitions. Retrieval metrics use the contract's matching rule (see
``evals/matching.py``); each is computed per item, then averaged over items.

- Hit@k      1 if any of the top-k chunks matches any evidence quote, else 0.
- Recall@k   share of the item's evidence quotes matched by at least one top-k chunk.
- MRR@10     1 / rank of the first top-10 chunk that matches any quote (0 if none).
- nDCG@10    binary gain (a chunk is relevant when it matches a quote not matched by a
             better-ranked chunk), log2 discount; the ideal DCG is taken over
             min(10, number of quotes) relevant chunks.
- key-fact recall  share of an item's key facts found in the answer after NFKC and
             whitespace removal.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .matching import evidence_matches, normalize


@dataclass
class RetrievalScores:
    matched_at: list[set[int]]  # for each rank, the evidence indices that chunk matches
    n_evidence: int

    def hit(self, k: int) -> float:
        return 1.0 if any(self.matched_at[:k]) else 0.0

    def recall(self, k: int) -> float:
        if not self.n_evidence:
            return 0.0
        found = set().union(*self.matched_at[:k]) if self.matched_at[:k] else set()
        return len(found) / self.n_evidence

    def mrr(self, k: int = 10) -> float:
        for rank, m in enumerate(self.matched_at[:k], start=1):
            if m:
                return 1.0 / rank
        return 0.0

    def ndcg(self, k: int = 10) -> float:
        seen: set[int] = set()
        dcg = 0.0
        for rank, m in enumerate(self.matched_at[:k], start=1):
            new = m - seen
            if new:
                dcg += 1.0 / math.log2(rank + 1)
                seen |= new
        ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(k, self.n_evidence) + 1))
        return dcg / ideal if ideal else 0.0


def score_retrieval(chunks: list[tuple[str, str]], evidence: list[dict]) -> RetrievalScores:
    """``chunks`` are (doc, text) in rank order."""
    matched = [{i for i, ev in enumerate(evidence) if evidence_matches(text, doc, ev)}
               for doc, text in chunks]
    return RetrievalScores(matched, len(evidence))


def key_fact_recall(answer: str, key_facts: list[str]) -> float:
    if not key_facts:
        return 0.0
    a = normalize(answer)
    return sum(1 for f in key_facts if normalize(f) in a) / len(key_facts)


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
