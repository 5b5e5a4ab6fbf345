"""The unit ranker: a conditional logit that orders one part's units, fitted where the
answering logistic saturates (several units of a broad part all near p≈1)."""
from __future__ import annotations

import numpy as np

from assistant.answering import AnsweringModel, Logistic, fit_ranker
from assistant.evidence import PART_FEATURES, UNIT_FEATURES, PartEvidence
from assistant.question import Part


def _groups(rng, n_groups=60, size=8):
    """Groups in which the answering unit is the one with the highest feature 0 plus
    noise in feature 1; feature 2 is noise alone."""
    out = []
    d = len(UNIT_FEATURES)
    for _ in range(n_groups):
        x = rng.normal(size=(size, d))
        y = np.zeros(size)
        y[int(np.argmax(x[:, 0] + 0.3 * x[:, 1]))] = 1.0
        out.append((x, y))
    return out


def test_ranker_learns_which_feature_orders_a_part_and_ignores_noise():
    rng = np.random.default_rng(3)
    rank = fit_ranker(_groups(rng), UNIT_FEATURES, l2=1.0)
    w = np.abs(rank.weights)
    assert rank.weights[0] > 0 and w[0] > 3 * w[2]
    assert rank.bias == 0.0
    # on fresh groups it puts the answering unit first far more often than chance (1/8)
    test = _groups(np.random.default_rng(4), n_groups=200)
    z = [((x - np.asarray(rank.mean)) / np.asarray(rank.std)) @ np.asarray(rank.weights) for x, _ in test]
    first = np.mean([y[int(np.argmax(s))] for s, (_, y) in zip(z, test)])
    assert first > 0.7


def test_stronger_shrinkage_gives_smaller_weights():
    groups = _groups(np.random.default_rng(5))
    loose, tight = fit_ranker(groups, UNIT_FEATURES, l2=1.0), fit_ranker(groups, UNIT_FEATURES, l2=100.0)
    assert np.abs(tight.weights).sum() < np.abs(loose.weights).sum()


def test_model_orders_units_by_ranker_and_puts_ruled_out_units_last():
    d = len(UNIT_FEATURES)
    flat = Logistic(UNIT_FEATURES, [0.0] * d, 0.0, [0.0] * d, [1.0] * d)
    rank = Logistic(UNIT_FEATURES, [1.0] + [0.0] * (d - 1), 0.0, [0.0] * d, [1.0] * d)
    k = len(PART_FEATURES)
    part = Logistic(PART_FEATURES, [0.0] * k, 0.0, [0.0] * k, [1.0] * k)
    model = AnsweringModel(flat, part, 0.5, 0.5, 0.7, rank=rank)
    feats = np.zeros((3, d), dtype=np.float32)
    feats[:, 0] = [0.1, 0.9, 0.5]
    pe = PartEvidence(Part(text="q", slot="what", own_text="q"), feats)
    probs = np.array([0.99, 0.0, 0.98])  # unit 1 is ruled out (unanchored): last, however it ranks
    assert list(model.unit_order(pe, probs)) == [2, 0, 1]
    model.rank = None
    assert list(model.unit_order(pe, probs)) == [0, 2, 1]
    # the ranker survives a save and load
    model.rank = rank
    again = AnsweringModel.from_dict(model.to_dict())
    assert again.rank is not None and again.rank.weights == rank.weights
