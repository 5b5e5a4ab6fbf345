"""The default answer: composed from the best sentences of the retrieved chunks, each
followed by its citation marker, numbers and names exactly as written. No LLM.

A sentence is scored by how much of the question's weight (IDF of its content terms)
it covers, with the chunk's other sentences and headings counting less, plus small
bonuses when it has the kind of fact the question asks for (a number for 多少, a place
for 哪个城市). When the best sentence covers too little, or a place the question names
appears in none of the retrieved chunks, the answer says that the material does not
answer it (资料中未找到…) and points to the closest passages instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.chunk import split_sentences
from ingest.enrich import find_years
from ingest.lexical_index import Tokenizer
from ingest.vocab import Vocab

from .retrieve import RetrievedChunk
from .verify import MARKER, is_instruction

QUANTITY_Q = re.compile(r"多少|几[个项家条类次年月部]?|比例|占比|比重|规模|金额|数量|多高|多大|多长|多久|多少钱|百分")
PLACE_Q = re.compile(r"哪个城市|哪座城市|哪个省|哪些城市|哪个地区|哪里|哪个区|哪些地方|哪座|在哪")
TIME_Q = re.compile(r"何时|什么时候|哪一年|哪年|哪个月|时间")
NAME_Q = re.compile(r"叫什么|名称|名字|哪家")
QUESTION_TERMS = frozenset("多少 几 几个 几项 哪些 哪个 哪座 哪家 哪里 哪 什么 如何 怎样 怎么 是否 吗 呢 叫 名称 名字 "
                           "具体 指 主要 分别 有没有 能 不能 为什么 多大 多高 请问 城市 一个 哪一年".split())
_DIGIT = re.compile(r"\d")
# a number: digits, or Chinese numerals with a measure word ("三分之一", "八成", "两个"),
# not the 一 of 一部分 or 一体化
NUMERAL = re.compile(r"\d|[一二两三四五六七八九十百千半]+(?:[个项家条类次倍成座]|分之|万|亿)")
_YEAR_OR_MONTH = re.compile(r"\d{4}\s*年|\d{1,2}\s*月")
CONTEXT_WEIGHT = 0.6  # a term found only elsewhere in the chunk counts this much


@dataclass
class Pick:
    sentence: str
    chunk: RetrievedChunk
    score: float
    coverage: float
    names_entity: bool = True  # its paragraph names a place the question asks about


@dataclass
class ComposedAnswer:
    text: str
    cited: list[RetrievedChunk]  # in citation order: [1] is cited[0]
    refused: bool
    support: float
    picks: list[Pick] = field(default_factory=list)
    missing_entities: list[str] = field(default_factory=list)


def display_sentence(s: str) -> str:
    """Table rows keep their cells apart; everything else is shown as written, except a
    bracketed number, which a document cannot use to fake one of our markers."""
    return MARKER.sub(r"［\1］", re.sub(r"\s*\t\s*", " | ", s.strip()).strip(" |"))


def _shingles(s: str) -> set[str]:
    s = re.sub(r"\s+", "", s)
    return {s[i:i + 3] for i in range(max(len(s) - 2, 1))}


class ExtractiveComposer:
    def __init__(self, tokenizer: Tokenizer, idf, vocab: Vocab, refuse_below: float = 0.5,
                 max_sentences: int = 3):
        self.tokenizer = tokenizer
        self.idf = idf
        self.vocab = vocab
        self.refuse_below = refuse_below
        self.max_sentences = max_sentences

    def question_terms(self, question: str) -> dict[str, float]:
        terms = {t: self.idf(t) for t in self.tokenizer.tokenize(question) if t not in QUESTION_TERMS}
        return {t: w for t, w in terms.items() if w > 0}

    def question_entities(self, question: str) -> list[str]:
        """The places a question asks about, most specific only: for 常州 the province
        江苏 is implied, and counting it would let a sentence about 无锡 answer."""
        found = self.vocab.find_regions(question)
        implied = {a for e in found for a in self.vocab.ancestors(e)}
        return [e for e in found if e not in implied]

    def compose(self, question: str, chunks: list[RetrievedChunk]) -> ComposedAnswer:
        terms = self.question_terms(question)
        total = sum(terms.values()) or 1.0
        entities = self.question_entities(question)
        years = find_years(question)
        wants_number = bool(QUANTITY_Q.search(question))
        # a place the question names must appear in the material, or nothing here is about it
        present = [e for e in entities if any(_mentions(c, e) for c in chunks)]
        missing = [e for e in entities if e not in present]
        picks: list[Pick] = []
        for chunk in chunks:
            headings = {_squash(h) for h in chunk.section.split(" / ")}
            for paragraph in chunk.text.split("\n"):
                # context is the sentence's own paragraph and headings, not the whole chunk:
                # a box holds several cities' cases, one per paragraph
                context_tokens = set(self.tokenizer.tokenize(chunk.section + "\n" + paragraph))
                scope = chunk.section + paragraph
                scope_regions = set(self.vocab.find_regions(scope)) if present else set()
                names_entity = (not present or any(e in scope_regions for e in present)) and \
                    all(str(y) in scope for y in years)
                for sentence in split_sentences(paragraph):
                    # a table caption or header row repeats the question's words but states no fact
                    if len(sentence) < 6 or _squash(sentence) in headings or _is_header_row(sentence):
                        continue
                    if is_instruction(sentence):
                        continue  # words addressed to a model are not facts about a city
                    if wants_number and not NUMERAL.search(sentence):
                        continue  # "how many" is not answered by a sentence without a number
                    toks = set(self.tokenizer.tokenize(sentence))
                    in_sentence = sum(w for t, w in terms.items() if t in toks)
                    in_context = sum(w for t, w in terms.items() if t not in toks and t in context_tokens)
                    coverage = (in_sentence + CONTEXT_WEIGHT * in_context) / total
                    score = coverage + self._type_bonus(question, sentence) + 0.04 / chunk.rank
                    picks.append(Pick(sentence, chunk, score, coverage, names_entity))
        picks.sort(key=lambda p: -p.score)
        # the answer must come from a paragraph about the place and year asked about
        picks = [p for p in picks if p.names_entity]
        if not picks:
            return self._refusal(question, chunks, 0.0, missing)
        best = picks[0]
        if best.coverage < self.refuse_below or (missing and len(missing) == len(entities)):
            return self._refusal(question, chunks, best.coverage, missing)
        chosen = [best]
        for p in picks[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if p.score < 0.8 * best.score or p.coverage < self.refuse_below:
                continue
            sh = _shingles(p.sentence)
            if any(len(sh & _shingles(c.sentence)) / max(len(sh), 1) > 0.5 for c in chosen):
                continue
            chosen.append(p)
        return self._render(chosen, best.coverage, missing)

    @staticmethod
    def _type_bonus(question: str, sentence: str) -> float:
        bonus = 0.0
        if QUANTITY_Q.search(question):
            bonus += 0.12 if _DIGIT.search(sentence) else -0.15
        if TIME_Q.search(question):
            bonus += 0.1 if _YEAR_OR_MONTH.search(sentence) else -0.1
        if NAME_Q.search(question) and re.search(r"[《“「]", sentence):
            bonus += 0.06
        return bonus

    def _render(self, chosen: list[Pick], support: float, missing: list[str]) -> ComposedAnswer:
        cited: list[RetrievedChunk] = []
        parts = []
        for p in chosen:
            if p.chunk not in cited:
                cited.append(p.chunk)
            n = cited.index(p.chunk) + 1
            text = display_sentence(p.sentence).rstrip("：:，,、")
            if not text.endswith(("。", "！", "？", "；", "”", "）", ")")):
                text += "。"
            parts.append(f"{text}[{n}]")
        return ComposedAnswer("".join(parts), cited, False, support, chosen, missing)

    @staticmethod
    def _refusal(question: str, chunks: list[RetrievedChunk], support: float,
                 missing: list[str]) -> ComposedAnswer:
        subject = question.strip().rstrip("？?。")
        reason = f"资料中未找到关于“{subject}”的确切答案"
        if missing:
            reason += f"（现有资料未提及{'、'.join(missing)}）"
        closest = chunks[:2]
        if not closest:
            return ComposedAnswer(reason + "。知识库中还没有可检索的内容。", [], True, support, [], missing)
        pointers = "；".join(f"《{c.title or c.doc}》{('· ' + c.section.split(' / ')[-1]) if c.section else ''}[{i}]"
                            for i, c in enumerate(closest, start=1))
        return ComposedAnswer(f"{reason}。最接近的资料：{pointers}。", list(closest), True, support, [], missing)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_header_row(sentence: str) -> bool:
    cells = [c for c in sentence.split("\t") if c.strip()]
    return len(cells) >= 2 and all(len(c.strip()) <= 8 and not _DIGIT.search(c) for c in cells) \
        and not any(p in sentence for p in "。，；")


def _mentions(chunk: RetrievedChunk, entity: str) -> bool:
    """Named in the chunk, or one of its places lies in ``entity`` (metadata cities
    include their province: 江苏 is present where 无锡 is)."""
    return entity in chunk.text or entity in chunk.section or entity in (chunk.meta.get("cities") or ())
