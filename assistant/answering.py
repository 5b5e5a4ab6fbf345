"""The fitted decisions of the answer: how likely a unit answers a part, and whether a
part is answered at all.

Both are logistic models over the features of ``evidence.py``, fitted by
``evals/fit_answering.py`` on evaluation data with k-fold cross-validation (the figures it
reports are cross-validated, not training-fit). The fitted weights ship as
``assistant/models/answering.json``; nothing here is tuned by hand.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from core.errors import ConfigError
from .evidence import PART_FEATURES, UNIT_FEATURES, PartEvidence

MODEL_FILE = "answering.json"


@dataclass
class Logistic:
    """p = σ(w · (x − mean) / std + b)."""

    features: tuple[str, ...]
    weights: list[float]
    bias: float
    mean: list[float]
    std: list[float]

    def proba(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return np.zeros(len(x), dtype=np.float64)
        z = ((x - np.asarray(self.mean)) / np.asarray(self.std)) @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def fit_logistic(x: np.ndarray, y: np.ndarray, features: tuple[str, ...], l2: float = 1.0,
                 balance: bool = True, iterations: int = 50) -> Logistic:
    """L2-regularised logistic regression by Newton's method on standardised features;
    ``balance`` weighs the classes equally (positives are rare among units)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-6] = 1.0
    z = (x - mean) / std
    n, d = z.shape
    a = np.hstack([z, np.ones((n, 1))])
    sw = np.ones(n)
    if balance and 0 < y.sum() < n:
        sw = np.where(y > 0.5, n / (2 * y.sum()), n / (2 * (n - y.sum())))
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[-1] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (sw * (p - y)) + reg * w
        hess = (a * (sw * p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return Logistic(tuple(features), [float(v) for v in w[:-1]], float(w[-1]), [float(v) for v in mean],
                    [float(v) for v in std])


@dataclass
class AnsweringModel:
    unit: Logistic
    part: Logistic
    answer_at: float  # a question is answered when one of its parts' probability reaches this
    add_at: float  # a further unit joins a part's answer when its probability reaches this …
    add_ratio: float  # … and this share of the part's best unit
    extra_units: int = 0  # units each part may take beyond its slot's budget …
    # … and a part asking for a figure, date, name or place: one fact, seldom more units
    extra_specific: int = 0
    # once one part answers the question, another part is answered from this probability
    # (None: answer_at); lower, because the question is then known to be about the material
    part_at: float | None = None
    trained_on: dict = field(default_factory=dict)  # what it was fitted on, and its CV figures

    def unit_proba(self, pe: PartEvidence) -> np.ndarray:
        """How likely each unit answers the part. A unit that shares no word and no
        character pair with the part (or its context), nor its heading or paragraph,
        cannot: in the evaluation data 2 of 531 answering units lack such an anchor."""
        p = self.unit.proba(pe.features)
        return p * anchored(pe.features)

    def part_vector(self, pe: PartEvidence, probs: np.ndarray) -> np.ndarray:
        return np.array([part_features(pe, probs)[f] for f in PART_FEATURES], dtype=np.float64)

    @property
    def other_part_at(self) -> float:
        return self.answer_at if self.part_at is None else min(self.part_at, self.answer_at)

    def part_proba(self, pe: PartEvidence, probs: np.ndarray) -> float:
        return float(self.part.proba(self.part_vector(pe, probs)[None, :])[0])

    def to_dict(self) -> dict:
        return {"unit": asdict(self.unit), "part": asdict(self.part), "answer_at": self.answer_at,
                "add_at": self.add_at, "add_ratio": self.add_ratio, "extra_units": self.extra_units,
                "extra_specific": self.extra_specific,
                "part_at": self.part_at,
                "trained_on": self.trained_on}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def from_dict(cls, d: dict) -> "AnsweringModel":
        unit, part = Logistic(**{**d["unit"], "features": tuple(d["unit"]["features"])}), \
            Logistic(**{**d["part"], "features": tuple(d["part"]["features"])})
        if unit.features != UNIT_FEATURES or part.features != PART_FEATURES:
            raise ConfigError("回答模型与当前特征不一致：请运行 python evals/fit_answering.py 重新拟合")
        return cls(unit, part, float(d["answer_at"]), float(d["add_at"]), float(d["add_ratio"]),
                   int(d.get("extra_units", 0)), int(d.get("extra_specific", d.get("extra_units", 0))),
                   d.get("part_at"), d.get("trained_on", {}))


def anchored(features: np.ndarray) -> np.ndarray:
    col = {f: i for i, f in enumerate(UNIT_FEATURES)}
    if not len(features):
        return np.zeros(0)
    return ((features[:, col["lex_own"]] + features[:, col["lex_scope"]] + features[:, col["char_q"]]
             + features[:, col["lex_ctx"]]) > 0).astype(np.float64)


def fitting(pe: PartEvidence) -> np.ndarray:
    """1 for units about the place and year asked that have what the part's slot asks for."""
    col = {f: i for i, f in enumerate(UNIT_FEATURES)}
    f = pe.features
    if not len(f):
        return np.zeros(0)
    return ((f[:, col["entity_ok"]] > 0) & (f[:, col["year_ok"]] > 0) & (f[:, col["slot_fill"]] > 0)).astype(float)


def part_features(pe: PartEvidence, probs: np.ndarray) -> dict[str, float]:
    """The part-level features, given each unit's probability of answering the part."""
    out = dict(pe.part_features)
    if len(probs):
        order = np.argsort(-probs)
        best = order[0]
        col = {f: i for i, f in enumerate(UNIT_FEATURES)}
        f = pe.features
        fits = fitting(pe) > 0  # the best unit about the place and year asked, with what the slot asks for
        out.update(best_prob=float(probs[best]), fit_prob=float(probs[fits].max()) if fits.any() else 0.0,
                   best_attr=float(f[order[:3], col["attr_cov"]].max()), best_sem=float(f[best, col["sem_own"]]))
    else:
        out.update(best_prob=0.0, fit_prob=0.0, best_attr=0.0, best_sem=0.0)
    return out


def question_support(parts, probs: list[float]) -> list[float]:
    """Each part's probability as evidence that the question is about the material: a part
    that inherits its subject from the part before (``Part.follows``) counts no more than
    that part. "都是哪些企业的？有名单吗？" is not about the material because some passage
    mentions a 名单 when none names the 企业."""
    out: list[float] = []
    for part, p in zip(parts, probs):
        out.append(min(p, out[-1]) if out and part.follows else p)
    return out


def load_model(path: Path | None = None) -> AnsweringModel:
    try:
        if path is None:
            text = resources.files("assistant").joinpath("models", MODEL_FILE).read_text(encoding="utf-8")
        else:
            text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("缺少回答模型文件 assistant/models/answering.json：请运行 python evals/fit_answering.py") from None
    return AnsweringModel.from_dict(json.loads(text))
