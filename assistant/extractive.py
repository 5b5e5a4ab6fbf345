"""The default answer: composed from units of the retrieved chunks, each followed by its
citation marker, numbers and names exactly as written. No LLM.

Per part of the question (``question.py``), the evidence scorer measures every unit
(``evidence.py``) and the fitted model (``answering.py``) says how likely each unit
answers the part and whether the part is answered at all. The answer has one short
block per part, in the question's order; a part the material does not cover is said to
be missing while the others are answered; only when no part is answered is the whole
question refused (资料中未找到…), pointing to the closest passages instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ingest.chunk import split_sentences

from .answering import AnsweringModel, fitting, question_support
from .evidence import SPECIFIC_SLOTS, UNIT_FEATURES, Candidate, Evidence, display_unit
from .question import Part
from .retrieve import RetrievedChunk
from .verify import MARKER

MAX_UNITS = 12  # in the whole answer
# how many units a part may take: a number or a date is one fact, an enumeration or a
# "how" several; each coordinated thing it asks about ("效率和满意度") adds one
SLOT_BUDGET = {"number": 1, "time": 1, "name": 1, "place": 1, "yesno": 1, "what": 2, "comparison": 2,
               "how": 2, "reason": 2, "list": 2}
_END = ("。", "！", "？", "；", "”", "）", ")", "】")


@dataclass
class Pick:
    """A unit chosen for the answer (``sentence`` as quoted)."""

    sentence: str
    chunk: RetrievedChunk
    score: float
    candidate: Candidate | None = None


@dataclass
class PartAnswer:
    part: Part
    answered: bool
    probability: float
    picks: list[Pick] = field(default_factory=list)
    missing_entities: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {**self.part.to_dict(), "answered": self.answered, "probability": round(self.probability, 3),
                "evidence": [p.sentence for p in self.picks], "missing_entities": self.missing_entities}


@dataclass
class ComposedAnswer:
    text: str
    cited: list[RetrievedChunk]  # in citation order: [1] is cited[0]
    refused: bool
    support: float
    picks: list[Pick] = field(default_factory=list)
    missing_entities: list[str] = field(default_factory=list)
    parts: list[PartAnswer] = field(default_factory=list)


def display_sentence(s: str) -> str:
    """Table rows keep their cells apart; everything else is shown as written, except a
    bracketed number, which a document cannot use to fake one of our markers."""
    return MARKER.sub(r"［\1］", re.sub(r"\s*\t\s*", " | ", s.strip()).strip(" |"))


def _shingles(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i:i + 3] for i in range(max(len(s) - 2, 1))}


def _overlaps(a: str, b: str) -> bool:
    """One unit repeats the other (an item inside its list, the same sentence twice)."""
    if a in b or b in a:
        return True
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / max(min(len(sa), len(sb)), 1) > 0.6


def _sentence(text: str) -> str:
    text = display_sentence(text).rstrip("：:，,、")
    return text if text.endswith(_END) else text + "。"


def _label(part: Part, answers: list[PartAnswer]) -> str:
    """The part as asked; parts distributed over places ("无锡、合肥…思路各有什么侧重") read
    alike, so each is headed by its place."""
    label = part.own_text.rstrip("？?。") + "？"
    twins = sum(a.part.own_text == part.own_text for a in answers)
    if twins > 1 and part.entities and not any(e in label for e in part.entities):
        label = f"{'、'.join(part.entities)}：{label}"
    return label


FOCUS_OK = UNIT_FEATURES.index("focus_ok")


class ExtractiveComposer:
    def __init__(self, model: AnsweringModel, max_units: int = MAX_UNITS):
        self.model = model
        self.max_units = max_units

    def select(self, evidence: Evidence, model: AnsweringModel | None = None) -> list[PartAnswer]:
        """For each part: whether it is answered, and by which units. The question is
        answered when one part reaches ``answer_at`` (a part that follows another counting no more
        than that one: ``question_support``); its parts then need ``answer_at``, or ``part_at`` and
        a leading unit that names what the part asks about (the 主任, not just the 中心), which
        a part asking for a figure, date, name or place always needs."""
        model = model or self.model
        scored = [self._decide(pe, model) for pe in evidence.parts]
        support = question_support([pe.part for pe in evidence.parts],
                                   [p if ok else 0.0 for _, _, p, ok, _, _ in scored])
        asked = any(s >= model.answer_at for s in support)
        answers: list[PartAnswer] = []
        used: list[str] = []
        for pe, probs, p, ok, first, named in scored:
            answered = ok and asked and (p >= model.answer_at or (named and p >= model.other_part_at))
            pa = PartAnswer(pe.part, answered, p, missing_entities=pe.missing_entities)
            if pa.answered:
                pa.picks = self._picks(evidence.candidates, probs, pe.part, model, used, first)
                used.extend(pk.sentence for pk in pa.picks)
            answers.append(pa)
        return answers

    @staticmethod
    def _decide(pe, model: AnsweringModel):
        """A part's unit probabilities, its probability of being answered, whether it may be
        answered at all, the unit that must come first, and whether that unit names the
        part's focus."""
        probs = model.unit_proba(pe)
        p = model.part_proba(pe, probs) if len(probs) else 0.0
        part = pe.part
        all_missing = bool(part.entities) and len(pe.missing_entities) == len(part.entities)
        first = None
        if part.slot in SPECIFIC_SLOTS and len(probs):
            # a number, date, name or place is answered only by a unit that states one,
            # about the place and year asked
            fit = fitting(pe) * probs
            first = int(np.argmax(fit)) if fit.max() >= model.add_at else -1
        lead = first if first is not None and first >= 0 else (int(np.argmax(probs)) if len(probs) else -1)
        named = lead >= 0 and pe.features[lead, FOCUS_OK] > 0
        # a figure or a name of something else does not answer
        ok = not all_missing and len(probs) > 0 and first != -1 and (named or part.slot not in SPECIFIC_SLOTS)
        return pe, probs, p, ok, first, named

    def _picks(self, cands: list[Candidate], probs: np.ndarray, part: Part, model: AnsweringModel,
               used: list[str], first: int | None = None) -> list[Pick]:
        order = list(np.argsort(-probs, kind="stable"))
        if first is not None:
            order.remove(first)
            order.insert(0, first)
        best = float(probs[order[0]])
        extra = model.extra_specific if part.slot in SPECIFIC_SLOTS else model.extra_units
        budget = SLOT_BUDGET.get(part.slot, 2) + part.width - 1 + extra
        floor = max(model.add_at, model.add_ratio * best)
        picks: list[Pick] = []
        for i in order:
            if len(picks) >= budget:
                break
            prob = float(probs[i])
            if picks and prob < floor:
                break
            c = cands[i]
            if any(_overlaps(c.unit.text, u) for u in [pk.candidate.unit.text for pk in picks]):
                continue
            picks.append(Pick(display_unit(c.unit), c.chunk, prob, c))
        # an earlier part already quoted these: the part shares that block, nothing is repeated
        return [pk for pk in picks if pk.sentence not in used] or [pk for pk in picks[:1]]

    def compose(self, evidence: Evidence, model: AnsweringModel | None = None) -> ComposedAnswer:
        answers = self.select(evidence, model)
        support = max((a.probability for a in answers), default=0.0)
        missing = sorted({e for a in answers for e in a.missing_entities})
        if not any(a.answered for a in answers):
            return self._refusal(evidence.question.text, evidence.chunks, support, missing, answers)
        return self._render(answers, support, missing)

    # --- rendering ---------------------------------------------------------------------
    def _render(self, answers: list[PartAnswer], support: float, missing: list[str]) -> ComposedAnswer:
        cited: list[RetrievedChunk] = []

        def mark(chunk: RetrievedChunk) -> str:
            if chunk not in cited:
                cited.append(chunk)
            return f"[{cited.index(chunk) + 1}]"

        blocks: list[tuple[list[str], list[str]]] = []  # (labels, lines)
        shown: set[str] = set()
        total = 0
        for a in answers:
            label = _label(a.part, answers)
            if not a.answered:
                gap = "资料中未找到这一问的确切答案"
                if a.missing_entities:
                    gap += f"（现有资料未提及{'、'.join(a.missing_entities)}）"
                blocks.append(([label], [gap + "。"]))
                continue
            fresh = [pk for pk in a.picks if pk.sentence not in shown]
            if not fresh and blocks:  # answered by what an earlier block already quotes
                target = next((b for b in blocks if any(pk.sentence in "".join(b[1]) for pk in a.picks)), blocks[-1])
                target[0].append(label)
                continue
            lines: list[str] = []
            for pk in fresh:
                if total >= self.max_units:
                    break
                lines.extend(self._lines(pk, mark(pk.chunk)))
                shown.add(pk.sentence)
                total += 1
            blocks.append(([label], lines or ["资料中未找到这一问的确切答案。"]))
        picks = [pk for a in answers for pk in a.picks if pk.sentence in shown]
        if len(answers) == 1:
            text = "\n".join(blocks[0][1]) if len(blocks[0][1]) > 1 and any(
                ln.startswith("- ") for ln in blocks[0][1]) else "".join(blocks[0][1])
        else:
            text = "\n\n".join(f"**{''.join(labels)}**\n" + "\n".join(lines) for labels, lines in blocks)
        return ComposedAnswer(text, cited, False, support, picks, missing, answers)

    @staticmethod
    def _lines(pk: Pick, marker: str) -> list[str]:
        """A unit as answer lines: an enumeration as a list under its lead-in, each line cited."""
        unit = pk.candidate.unit if pk.candidate else None
        if unit is not None and unit.kind == "list" and unit.items:
            lines = [display_sentence(unit.lead).rstrip("，,") + marker] if unit.lead else []
            return lines + [f"- {_sentence(item)}{marker}" for item in unit.items]
        # every sentence carries the marker, a paragraph's inner ones too
        return ["".join(_sentence(s) + marker for s in split_sentences(pk.sentence)) or _sentence(pk.sentence) + marker]

    @staticmethod
    def _refusal(question: str, chunks: list[RetrievedChunk], support: float, missing: list[str],
                 answers: list[PartAnswer]) -> ComposedAnswer:
        subject = question.strip().rstrip("？?。")
        reason = f"资料中未找到关于“{subject}”的确切答案"
        if missing:
            reason += f"（现有资料未提及{'、'.join(missing)}）"
        closest = chunks[:2]
        if not closest:
            return ComposedAnswer(reason + "。知识库中还没有可检索的内容。", [], True, support, [], missing, answers)
        pointers = "；".join(f"《{c.title or c.doc}》{('· ' + c.section.split(' / ')[-1]) if c.section else ''}[{i}]"
                            for i, c in enumerate(closest, start=1))
        return ComposedAnswer(f"{reason}。最接近的资料：{pointers}。", list(closest), True, support, [], missing,
                              answers)
