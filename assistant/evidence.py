"""Evidence selection: which units of the retrieved chunks answer which part of a question.

Every unit (sentence, enumeration, table row, heading) of the retrieved chunks is scored
against every part by meaning and by words:

- meaning: the cosine of the unit's vector (embedded at ingest, looked up by content
  hash) with the part's and the question's query vectors;
- words: how much of the part's weighted terms (IDF) the unit holds, with the synonym
  table of ``corpus/vocab.yaml``, character bigrams for paraphrase that jieba cuts
  differently, and the unit's heading, lead-in and paragraph counting for what a unit
  leans on;
- fit: whether the unit has what the slot asks for (a number in the right unit, a date,
  a place, a name, a list), and whether it is about the place and year asked.

The features are combined by a model fitted on evaluation data (``answering.py``); this
module only measures.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np

from core.chunk_meta import BUILTIN
from ingest.units import Unit, chinese_number, chunk_units

from .question import FILLERS, NOT_A_QUESTION, QUESTION_WORD, Part, Question
from .retrieve import RetrievedChunk
from .verify import is_instruction

UNIT_FEATURES = ("lex_own", "lex_ctx", "lex_scope", "char_own", "char_q", "attr_cov", "sem_own", "sem_q",
                 "sem_gain", "sem_rel", "lex_rel", "focus_ok", "slot_fill", "exact_figure", "qty_mismatch", "entity_ok", "entity_in_unit",
                 "entity_other", "year_ok", "rank_inv", "is_list", "is_outline", "is_row", "is_heading",
                 "is_paragraph", "is_builtin", "log_len")
PART_FEATURES = ("best_prob", "fit_prob", "best_attr", "attr_missing", "entity_missing", "best_sem")

# a number: digits, or Chinese numerals with a measure word ("三分之一", "八成", "两个"),
# not the 一 of 一部分 or 一体化
NUMERAL = re.compile(r"\d|[一二两三四五六七八九十百千半]+(?:[个项家条类次倍成座位批]|分之|万|亿)")
QUANTITY_UNITS = {
    # a share of an amount answers "how much of it" too ("预留5%预算")
    "money": re.compile(r"\d\s*(?:[万亿千百]?\s*(?:元|美元))|[万亿]元|元|%|％"),
    "percent": re.compile(r"%|％|百分之|分之|[一二两三四五六七八九十]成|\d+\s*成"),
    "duration": re.compile(r"(?<!\d)\d{1,2}\s*(?:年|个月|天|小时|分钟|周)|[一二两三四五六七八九十半]+(?:年|个月|天|小时|周)"
                           r"|每(?:年|季度|月|周|天|日)|[一二两三四五六七八九十]个?(?:季度|工作日)"),
    "people": re.compile(r"\d\s*[万亿]?\s*(?:人|人次|名|户)"),
    "area": re.compile(r"平方米|平方公里|亩|公顷|万平"),
}
# a share counts as an amount of money only next to a word for money ("预留5%预算", not "效率提升60%")
MONEY_WORD = re.compile(r"预算|资金|经费|投入|投资|采购|奖励|奖补|补贴|补助|资助|支持|费用|金额|成本|价格|收入")
CURRENCY = re.compile(r"\d\s*(?:[万亿千百]?\s*(?:元|美元))|[万亿]元|元")
SHARE = re.compile(r"%|％|百分之|分之|[一二两三四五六七八九十]成")
# a share after a verb of change is how much something moved ("人力成本降低四分之一"), not an amount
CHANGED_SHARE = re.compile(r"(?:提升|提高|降低|下降|增长|增加|减少|缩短|节约|节省|压降|上涨|下跌)(?:了|近|约|超过|超|达)?\s*"
                           r"(?:\d+(?:\.\d+)?\s*[%％]|百分之[一二两三四五六七八九十百]+|[一二两三四五六七八九十]+分之[一二两三四五六七八九十]+|[一二两三四五六七八九十]成)")
# a question about how much something changed, and a text that states a change
CHANGE_Q = re.compile(r"(?:涨|增长|增加|提高|提升|上升|下降|下跌|减少|降低|缩短)了?多少|[多少]了多少|涨幅|增幅|降幅|翻了几")
CHANGE_IN_TEXT = re.compile(r"(?:涨|增长|增加|提高|提升|上升|下降|下跌|减少|降低|缩短|增)(?:了|近|约|超过|超|达|至)?\s*"
                            r"[\d一二两三四五六七八九十百几半]|同比|环比|增幅|涨幅|降幅|增速|翻(?:了)?[一两番几]|\d\s*倍")
# a list question that names how many items it wants ("哪14个", "哪三类", "哪两大块")
LIST_COUNT_Q = re.compile(r"哪(\d{1,2}|[两二三四五六七八九十]{1,3})\s*[大个]?(?:块|类|个|种|条|项|样|方面|部分|点|家|批|步|区|座|所)")
# a set counted in digits with its measure word ("14大", "20多项", "100个")
COUNTED_SET = re.compile(r"(?<![\d.])(\d{1,3})\s*(?:多|余)?\s*(?:大|个|项|家|条|类|批|座|所|款)")
# "多少家", "几个": a count in a measure word, not a year or a vague "多家"
COUNT_Q = re.compile(r"(?:多少|几)\s*[个项家条类座位批所款部名件套种只台户栋]")
COUNT_IN_TEXT = re.compile(r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千]+)\s*(?:余|多)?\s*[万亿]?\s*"
                           r"[个项家条类座位批所款部名件套种只台户栋]")
# what kind of name is asked for: a company, a government body, or any name
COMPANY_Q = re.compile(r"哪家|公司|企业|承建|供应商|厂商|集成商|运营商|中标")
BODY_Q = re.compile(r"部门|机构|单位|受理|牵头|主管")
COMPANY_IN_TEXT = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,}(?:公司|集团|科技|股份|银行|研究院|智能|数科|网络|电子|软件|通信)")
BODY_IN_TEXT = re.compile(r"[\u4e00-\u9fff]{2,}(?:局|委员会|委|部|厅|办公室|中心|办|政府|管委会|研究院|研究所|协会|联盟|集团|公司)")
QUOTED_TEXT = re.compile(r"“[^”]*”|《[^》]*》|\"[^\"]*\"")
TIME_IN_TEXT = re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{1,2}\s*日|年底|年初|上半年|下半年|[一二三四五六七八九十]+月")
DAY_IN_TEXT = re.compile(r"\d{1,2}\s*[日号]|[一二三四五六七八九十]+[日号]")
DAY_Q = re.compile(r"哪天|哪一天|日期|几号|几日|截止")
NAME_IN_TEXT = re.compile(r"《[^》]+》|“[^”]{2,}”|[\u4e00-\u9fff]{2,}(?:公司|集团|局|委员会|委|部|中心|办公室|研究院|研究所|"
                          r"协会|联盟|大学|银行|总组|厅)")
REASON_IN_TEXT = re.compile(r"因为|由于|原因|导致|造成|在于|根源|短板|不足|瓶颈|制约|难以|缺乏|不够|滞后")
HOW_IN_TEXT = re.compile(r"通过|依托|采取|建立|推动|实施|构建|打造|探索|搭建|推行|实行|开展|创新|以.{1,12}为")
PLACE_IN_TEXT = re.compile(r"[\u4e00-\u9fff]{1,6}(?:省|市|区|县|街道|园区|新区|基地|小镇)")
_CJK_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
SPECIFIC_SLOTS = ("number", "time", "name", "place")
_DIGITS = re.compile(r"\d")


@dataclass
class Candidate:
    """A unit of a retrieved chunk, with what it leans on."""

    unit: Unit
    chunk: RetrievedChunk
    scope: str  # its heading path, lead-in and paragraph: what the unit may lean on
    vec: np.ndarray | None = None


@dataclass
class PartEvidence:
    part: Part
    features: np.ndarray  # candidates × UNIT_FEATURES
    part_features: dict[str, float] = field(default_factory=dict)  # filled once unit scores exist
    missing_entities: list[str] = field(default_factory=list)


@dataclass
class Evidence:
    """Everything the composer needs for one question, measured once."""

    question: Question
    chunks: list[RetrievedChunk]
    candidates: list[Candidate]
    parts: list[PartEvidence]


def bigrams(text: str) -> set[str]:
    out: set[str] = set()
    for w in _CJK_WORD.findall(text.lower()):
        out.update(w[i:i + 2] for i in range(len(w) - 1))
    return out


def content_text(text: str, fillers: frozenset[str]) -> str:
    """A part's text without its question words and fillers, for bigram matching."""
    out = QUESTION_WORD.sub(" ", text)
    for f in sorted((f for f in fillers if len(f) >= 2), key=len, reverse=True):
        out = out.replace(f, " ")
    return out


def fills_slot(part: Part, text: str, unit: Unit, enterprises: frozenset[str] = frozenset()) -> tuple[float, float]:
    """(1 when the unit has what the part's slot asks for, 1 when it has numbers but none
    in the unit of quantity asked)."""
    slot = part.slot
    if slot == "number":
        if not NUMERAL.search(text):
            return 0.0, 0.0
        if CHANGE_Q.search(part.own_text):  # "比2022年涨了多少": a change, by a share or an amount;
            return (1.0, 0.0) if CHANGE_IN_TEXT.search(text) else (0.0, 1.0)  # a level alone is not it
        if part.quantity == "money":
            return (1.0, 0.0) if _states_money(text) else (0.0, 1.0)
        if part.quantity in QUANTITY_UNITS and not QUANTITY_UNITS[part.quantity].search(text):
            return 0.0, 1.0
        if part.quantity == "count" and COUNT_Q.search(part.own_text) and not COUNT_IN_TEXT.search(text):
            return 0.0, 1.0
        return 1.0, 0.0
    if slot == "time":
        if DAY_Q.search(part.own_text):
            return float(bool(DAY_IN_TEXT.search(text))), 0.0
        if part.quantity == "duration":  # "多久": a span of time, not a date
            return float(bool(QUANTITY_UNITS["duration"].search(text))), 0.0
        return float(bool(TIME_IN_TEXT.search(text))), 0.0
    if slot == "name":
        if COMPANY_Q.search(part.own_text):
            return float(bool(COMPANY_IN_TEXT.search(QUOTED_TEXT.sub("", text)) or any(e in text for e in enterprises))), 0.0
        if BODY_Q.search(part.own_text):
            return float(bool(BODY_IN_TEXT.search(QUOTED_TEXT.sub("", text)))), 0.0
        return float(bool(NAME_IN_TEXT.search(text))), 0.0
    if slot == "place":
        return float(bool(PLACE_IN_TEXT.search(text))), 0.0
    if slot == "list":  # an enumeration of its own, not the 、 inside a quoted slogan
        items = len(unit.items) if unit.kind == "list" else len(re.split(r"[、；]|和|及|以及", QUOTED_TEXT.sub("", text)))
        asked = listed_count(part.own_text) or counted_set(part.context)
        if asked:  # "哪14个": a sentence that only restates the count lists none of them
            return float(items >= max(2, round(asked * 0.7))), 0.0
        return float(unit.kind == "list" or items >= 3), 0.0
    if slot == "reason":
        return float(bool(REASON_IN_TEXT.search(text))), 0.0
    if slot == "how":
        return float(bool(HOW_IN_TEXT.search(text))), 0.0
    return 1.0, 0.0


def counted_set(context: str) -> int:
    """The size of a set the question's context counts ("那14大重点产业集聚区", "20多项标准")
    when it is too large for a one-line enumeration (five or more): a list part that then asks
    "具体是哪些" asks for that set, not for any sentence that restates its size."""
    sizes = [int(n) for n in COUNTED_SET.findall(context)]
    return max((n for n in sizes if n >= 5), default=0)


def listed_count(question: str) -> int:
    """How many items a list question names ("哪14个", "哪三类"; 0 for "哪些", "哪几个")."""
    m = LIST_COUNT_Q.search(question)
    if not m:
        return 0
    n = m.group(1)
    return int(n) if n.isdigit() else chinese_number(n)


def _states_money(text: str) -> bool:
    """An amount of money: in a currency, or a share in a clause about money."""
    if CURRENCY.search(text):
        return True
    return any(SHARE.search(CHANGED_SHARE.sub("", c)) and MONEY_WORD.search(c) for c in re.split(r"[，,；;。]", text))


def display_unit(unit: Unit) -> str:
    """A unit as an answer quotes it: a table row with its column names ("场景类别：公共安全；
    典型场景名称：…"), everything else as written."""
    if unit.kind != "row" or not unit.lead:
        return unit.text
    lines = unit.lead.split("\n")
    header = [h.strip() for h in lines[-1].split("\t")]
    caption = "".join(lines[:-1]).strip()
    cells = [c.strip() for c in unit.text.split("\t")]
    if len(header) == len(cells):
        body = "，".join(f"{h}：{c.rstrip('。；')}" for h, c in zip(header, cells) if c)
    else:
        body = "，".join(c.rstrip("。；") for c in cells if c)
    return f"{caption}——{body}" if caption else body


def _memo(cache: dict, key: str, compute):
    """``compute(key)``, remembered; the cache is emptied when it grows past 100,000 texts."""
    got = cache.get(key)
    if got is None:
        if len(cache) > 100_000:
            cache.clear()
        got = cache[key] = compute(key)
    return got


def _relative(rows: np.ndarray) -> np.ndarray:
    """Set the features that compare a unit with the best candidate of its question."""
    if len(rows):
        col = {f: i for i, f in enumerate(UNIT_FEATURES)}
        rows[:, col["sem_rel"]] = rows[:, col["sem_own"]] - rows[:, col["sem_own"]].max()
        rows[:, col["lex_rel"]] = rows[:, col["lex_own"]] - rows[:, col["lex_own"]].max()
    return rows


class EvidenceScorer:
    """Measures every (part, unit) pair; the tokenizer, IDF and unit vectors come from the index."""

    def __init__(self, index, idf, fillers: frozenset[str] | None = None):
        self.index = index
        self.idf = idf
        self.vocab = index.vocab
        self.fillers = fillers or FILLERS
        self._tokens: dict[str, frozenset[str]] = {}
        self._bigrams: dict[str, frozenset[str]] = {}
        self._regions: dict[str, frozenset[str]] = {}
        self._groups: dict[str, tuple[str, ...]] = {}
        self.enterprises = frozenset(str(e) for e in self.vocab.raw.get("enterprises") or ())
        groups = self.vocab.raw.get("synonyms") or []
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for group in groups:
            for word in group:
                self.synonyms[word] = tuple(dict.fromkeys(w for g in groups if word in g for w in g if w != word))

    # --- cached per text ------------------------------------------------------------
    def tokens(self, text: str) -> frozenset[str]:
        return _memo(self._tokens, text, lambda t: frozenset(self.index.tokenizer.tokenize(t)))

    def bigrams_of(self, text: str) -> frozenset[str]:
        return _memo(self._bigrams, text, lambda t: frozenset(bigrams(t)))

    def regions(self, text: str) -> frozenset[str]:
        return _memo(self._regions, text, lambda t: frozenset(self.vocab.find_regions(t)))

    # --- terms ----------------------------------------------------------------------
    def terms(self, text: str) -> dict[str, float]:
        """Content terms of a question text with their IDF (question words and fillers out)."""
        out: dict[str, float] = {}
        for t in self.index.tokenizer.tokenize(text):
            if t in self.fillers or QUESTION_WORD.search(NOT_A_QUESTION.sub("", t)):
                continue  # "多少钱", "哪一年": the question's frame, not its content
            if len(t) == 1 and not t.isascii():
                continue  # single characters in a question are verbs and particles (花, 建, 拿, 每)
            w = self.idf(t)
            if w > 0:
                out[t] = w
        return out

    def matches(self, term: str, tokens: frozenset[str], text: str) -> bool:
        """The term, or one of its synonyms, as a token or (two characters or more) in the text."""
        for s in self._group(term):
            if s in tokens or (len(s) >= 2 and s in text):
                return True
        return False

    def _group(self, term: str) -> tuple[str, ...]:
        got = self._groups.get(term)
        if got is None:
            got = self._groups[term] = (term, *self.synonyms.get(term, ()))
        return got

    def coverage(self, terms: dict[str, float], tokens: frozenset[str], text: str) -> float:
        total = sum(terms.values())
        if not total:
            return 0.0
        return sum(w for t, w in terms.items() if self.matches(t, tokens, text)) / total

    def present(self, terms: dict[str, float], tokens: frozenset[str], text: str, text_bigrams: frozenset[str]) -> float:
        """Like :meth:`coverage`, and a longer term also counts when most of its character
        bigrams occur (智能计算 for 智算 does not, 物联网设备 for 物联设备 does)."""
        total = sum(terms.values())
        if not total:
            return 0.0
        found = 0.0
        for t, w in terms.items():
            grams = bigrams(t)
            if self.matches(t, tokens, text) or (len(grams) >= 2 and len(grams & text_bigrams) >= 2 / 3 * len(grams)):
                found += w
        return found / total

    # --- candidates -------------------------------------------------------------------
    def candidates(self, chunks: list[RetrievedChunk]) -> list[Candidate]:
        out: list[Candidate] = []
        seen: set[str] = set()
        for chunk in chunks:
            lines = chunk.text.split("\n")
            for unit in chunk_units(chunk.text, chunk.meta.get("kind", "text"), chunk.section):
                if unit.text in seen or is_instruction(unit.text):
                    continue  # words addressed to a model are not facts about a city
                seen.add(unit.text)
                paragraph = lines[unit.para] if 0 <= unit.para < len(lines) else ""
                out.append(Candidate(unit, chunk, f"{chunk.section}\n{unit.lead}\n{paragraph}"))
        embedded = [c for c in out if c.unit.embedded]
        if embedded:
            vecs = self.index.unit_vectors([c.unit.embed_text for c in embedded])
            for c, v in zip(embedded, vecs):
                c.vec = v
        # a list or paragraph is as close in meaning as its closest part (only parts are embedded)
        by_text = {c.unit.text: c.vec for c in embedded}
        for c in out:
            if c.vec is None and c.unit.items:
                item_vecs = [by_text[i] for i in c.unit.items if i in by_text]
                if item_vecs:
                    c.vec = np.max(np.stack(item_vecs), axis=0)
        return out

    # --- features ---------------------------------------------------------------------
    def measure(self, question: Question, chunks: list[RetrievedChunk], question_vec: np.ndarray,
                part_vecs: np.ndarray | None) -> Evidence:
        """``part_vecs``: each part's own text (None for a one-part question: the question's
        vector serves)."""
        cands = self.candidates(chunks)
        vecs = np.stack([c.vec if c.vec is not None else np.zeros(len(question_vec), np.float32) for c in cands]) \
            if cands else np.zeros((0, len(question_vec)), np.float32)
        sem_q = vecs @ question_vec if len(cands) else np.zeros(0)
        parts = []
        for i, part in enumerate(question.parts):
            sem_own = vecs @ part_vecs[i] if part_vecs is not None and len(cands) else sem_q
            parts.append(PartEvidence(part, self._features(part, cands, sem_own, sem_q)))
        self._material_features(parts, chunks)
        return Evidence(question, chunks, cands, parts)

    def restrict(self, evidence: Evidence, chunks: list[RetrievedChunk]) -> Evidence:
        """The evidence of a subset of the measured chunks, in their (new) order and ranks,
        without measuring anything again: what the answer composes from after reranking."""
        by_id = {c.id: c for c in chunks}
        order = {c.id: i for i, c in enumerate(chunks)}
        idx = sorted((i for i, c in enumerate(evidence.candidates) if c.chunk.id in by_id),
                     key=lambda i: order[evidence.candidates[i].chunk.id])
        cands = [replace(evidence.candidates[i], chunk=by_id[evidence.candidates[i].chunk.id]) for i in idx]
        col = UNIT_FEATURES.index("rank_inv")
        parts = []
        for pe in evidence.parts:
            feats = pe.features[idx].copy()
            if len(feats):
                feats[:, col] = [1.0 / max(c.chunk.rank, 1) for c in cands]
            parts.append(PartEvidence(pe.part, _relative(feats)))
        self._material_features(parts, chunks)
        return Evidence(evidence.question, chunks, cands, parts)

    def _material_features(self, parts: list[PartEvidence], chunks: list[RetrievedChunk]) -> None:
        """What a part asks that the material as a whole lacks: its places, its words."""
        texts = [c.section + "\n" + c.text for c in chunks]
        material = "\n".join(texts)
        # unions of per-chunk sets (cached by chunk text): the same chunks come back often
        material_tokens = frozenset().union(*(self.tokens(t) for t in texts))
        material_bigrams = frozenset().union(*(self.bigrams_of(t) for t in texts))
        material_regions = set().union(*(self.regions(t) for t in texts)) | {
            r for c in chunks for r in (c.meta.get("cities") or ())}
        for pe in parts:
            part = pe.part
            pe.missing_entities = [e for e in part.entities if e not in material_regions]
            attrs = {a: self.idf(a) for a in part.attributes}
            pe.part_features = {
                "attr_missing": 1.0 - self.present(attrs, material_tokens, material, material_bigrams) if attrs else 0.0,
                "entity_missing": float(bool(pe.missing_entities)),
            }

    def _features(self, part: Part, cands: list[Candidate], sem_own: np.ndarray, sem_q: np.ndarray) -> np.ndarray:
        return _relative(self._raw_features(part, cands, sem_own, sem_q))

    def _raw_features(self, part: Part, cands: list[Candidate], sem_own: np.ndarray, sem_q: np.ndarray) -> np.ndarray:
        own = self.terms(part.own_text)
        ctx = self.terms(part.context) if part.context else {}
        if part.thin:  # "具体怎么个步法？": what it asks about is named in its context
            own, ctx = {**ctx, **own}, {}
        ctx = {t: w for t, w in ctx.items() if t not in own}
        attrs = {a: self.idf(a) for a in part.attributes}
        focus = {a: self.idf(a) or 1.0 for a in part.focus}
        own_bigrams = bigrams(content_text(part.own_text, self.fillers))
        q_bigrams = bigrams(content_text(part.text, self.fillers))
        entities = set(part.entities)
        rows = np.zeros((len(cands), len(UNIT_FEATURES)), dtype=np.float32)
        for r, c in enumerate(cands):
            text = c.unit.text
            toks = self.tokens(text)
            scope_text = c.scope
            scope_toks = self.tokens(scope_text)
            in_unit = sum(w for t, w in own.items() if self.matches(t, toks, text))
            in_scope = sum(w for t, w in own.items()
                           if not self.matches(t, toks, text) and self.matches(t, scope_toks, scope_text))
            total = sum(own.values()) or 1.0
            unit_regions = self.regions(text)
            near_regions = unit_regions | self.regions(c.unit.lead)
            scope_regions = near_regions | self.regions(scope_text)
            fill, mismatch = fills_slot(part, text, c.unit, self.enterprises)
            outline = c.chunk.meta.get("kind") == "outline"
            rows[r] = (
                in_unit / total,
                self.coverage(ctx, toks | scope_toks, text + scope_text) if ctx else 0.0,
                in_scope / total,
                len(own_bigrams & self.bigrams_of(text)) / len(own_bigrams) if own_bigrams else 0.0,
                len(q_bigrams & self.bigrams_of(text)) / len(q_bigrams) if q_bigrams else 0.0,
                self.coverage(attrs, toks, text) if attrs else 0.0,
                float(sem_own[r]),
                float(sem_q[r]),
                float(sem_own[r] - sem_q[r]),
                0.0,  # sem_rel, set by _features
                0.0,  # lex_rel, set by _features
                self._carries_focus(focus, c) if focus else 1.0,
                fill,
                float(part.slot == "number" and bool(_DIGITS.search(text))),  # "85个" beats "八十多个"
                mismatch,
                float(not entities or entities <= scope_regions),
                float(not entities or entities <= near_regions),
                float(bool(entities) and bool(unit_regions) and not entities & unit_regions
                      and not any(self._inside(u, entities) for u in unit_regions)),
                float(all(str(y) in text or str(y) in scope_text for y in part.years)),
                1.0 / max(c.chunk.rank, 1),
                float(c.unit.kind == "list" and not outline),
                float(outline),
                float(c.unit.kind == "row"),
                float(c.unit.kind == "heading"),
                float(c.unit.kind == "paragraph"),
                float(c.chunk.meta.get("origin") == BUILTIN),
                math.log(max(len(text), 6)) / math.log(200),
            )
        return rows

    def _carries_focus(self, focus: dict[str, float], c: Candidate) -> float:
        """1 when the unit, its lead-in or its heading names what the part asks about (权重
        for "各指标权重是多少"): a sentence about the entity alone does not answer it."""
        pieces = (c.chunk.section, c.unit.lead, c.unit.text)  # each memoized: a chunk's heading recurs
        toks = frozenset().union(*(self.tokens(p) for p in pieces))
        grams = frozenset().union(*(self.bigrams_of(p) for p in pieces))
        return float(self.present(focus, toks, "\n".join(pieces), grams) > 0)

    def _inside(self, region: str, entities: set[str]) -> bool:
        return any(a in entities for a in self.vocab.ancestors(region))
