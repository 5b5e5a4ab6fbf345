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


# --- answers ------------------------------------------------------------------------
# Token F1 and ROUGE-L compare the answer with the gold answer over jieba tokens (the
# tokenizer the BM25 index uses, stopwords removed). rouge_score's default tokenizer
# keeps only [a-z0-9] and would drop every Chinese character.

def token_f1(prediction: list[str], gold: list[str]) -> float:
    """Harmonic mean of token precision and recall, counting repeated tokens (SQuAD style)."""
    from collections import Counter

    if not prediction or not gold:
        return 0.0
    common = sum((Counter(prediction) & Counter(gold)).values())
    if common == 0:
        return 0.0
    p, r = common / len(prediction), common / len(gold)
    return 2 * p * r / (p + r)


def rouge_l(prediction: list[str], gold: list[str]) -> float:
    """ROUGE-L F1: longest common subsequence of tokens, F-measure with β = 1."""
    if not prediction or not gold:
        return 0.0
    prev = [0] * (len(gold) + 1)
    for a in prediction:
        cur = [0]
        for j, b in enumerate(gold, start=1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(prediction), lcs / len(gold)
    return 2 * p * r / (p + r)


# --- citations (after ALCE, Gao et al. 2023, with the support test φ made lexical) -----

@dataclass
class CitationScores:
    recall: float  # share of answer sentences supported by the passages they cite
    precision: float  # share of citations that are needed and support their sentence
    faithfulness: float  # share of answer sentences supported by any retrieved passage
    sentences: int
    citations: int


def citation_scores(answer: str, cited: dict[int, str], retrieved: list[str], tokenizer,
                    threshold: float) -> CitationScores | None:
    """Per answer. A sentence is supported when φ(sentence, its cited passages) holds
    (``assistant.verify.support``: every number present, content-token coverage ≥ threshold).
    A citation c of sentence s is precise when s is supported by its citations and either
    φ(s, c) holds alone or removing c breaks the support (ALCE's irrelevance test)."""
    from assistant.verify import MARKER, REFUSAL, answer_sentences, support

    sentences = [(MARKER.sub("", s).strip(), [int(m) for m in MARKER.findall(s)]) for s in answer_sentences(answer)]
    # "资料中未找到这一问的确切答案" says what is missing; it claims nothing to cite
    sentences = [(t, m) for t, m in sentences if t and not REFUSAL.search(t)]
    if not sentences:
        return None
    phi = lambda text, ns: support(text, "\n".join(cited[n] for n in ns if n in cited), tokenizer, threshold)[0]  # noqa: E731
    everything = "\n".join(retrieved)
    supported = faithful = precise = n_cites = 0
    for text, marks in sentences:
        marks = list(dict.fromkeys(marks))
        ok = bool(marks) and phi(text, marks)
        supported += ok
        faithful += support(text, everything, tokenizer, threshold)[0]
        for c in marks:
            n_cites += 1
            if ok and (phi(text, [c]) or not phi(text, [m for m in marks if m != c])):
                precise += 1
    return CitationScores(supported / len(sentences), precise / n_cites if n_cites else 0.0,
                          faithful / len(sentences), len(sentences), n_cites)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def city_recall(item_cities: list[str], result_cities: list[str], vocab) -> float:
    """Share of the item's cities a result covers (a result's province covers its cities)."""
    if not item_cities:
        return 0.0
    covered = {r for c in result_cities for r in (c, *vocab.ancestors(c))}
    return sum(1 for c in item_cities if c in covered) / len(item_cities)
