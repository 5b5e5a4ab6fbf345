"""Drafts that follow the accepted method: a scenario proposal for an official and a
response to a published scenario list for an enterprise.

Every factual sentence is a sentence of the corpus with its citation marker; judgements
the draft makes (the 三维 screening, the 四类 class) are labelled 初判 and name the cited
evidence they rest on; where the corpus has nothing, the section says so with a marked
placeholder 【待补充：…】 and never invents text.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ingest.chunk import split_sentences

from .cases import CaseFinder, CaseHit, canonical_delivery_type
from core.errors import ScenarioError
from .evidence import bigrams, display_unit
from .extractive import display_sentence
from .retrieve import Filters, RetrievedChunk

PROPOSAL_SECTIONS = ("一、场景概述", "二、“三维”场景筛选", "三、“四类”场景归类", "四、“五阶”场景设计",
                     "五、“七有”准备度清单", "六、“三步”建设计划", "七、“三元”运营模式", "八、成效指标",
                     "九、可比案例", "十、可用政策支持", "十一、风险与应对")
RESPONSE_SECTIONS = ("一、需求理解", "二、解决方案与技术路线", "三、实施计划（“三步”建设）", "四、预期成效与指标",
                     "五、可比落地案例", "六、适用政策", "七、风险与保障")
DELIVERY_TYPES = ("科技创新驱动-小切口", "制度变革驱动-小切口", "科技创新驱动-多跨", "制度变革驱动-多跨")
PARTIES = re.compile(r"公安|交通|应急|卫健|医保|医疗|税务|社保|工商|市场监管|城管|住建|水务|气象|民政|教育|文旅|"
                     r"社区|街道|企业|运营商|物业|多部门|跨部门|跨层级|跨区域|群众|市民|用人单位")
VALUE_WORDS = re.compile(r"痛点|高频|效率|便捷|方便|惠及|缓解|解决|避免|提升|守护|防范|减少|缩短|杜绝")
PROCESS_WORDS = re.compile(r"流程|一网|一件事|一站式|联动|整合|打通|串联|共享|跨部门|压缩|秒验|零材料|全流程|协同")
REFORM_WORDS = re.compile(r"制度|机制|规定|改革|承诺制|联席会议|监管|不得")
FIVE_STAGES = (
    ("第一阶 业务全流程拆解", "第一阶", "部门 环节 流程 服务 对象", "涉及的部门、环节、材料和数据清单"),
    ("第二阶 流程再造", "第二阶", "流程 简化 合并 压缩 一次 联动", "按取消、合并、重排、简化梳理后的新流程"),
    ("第三阶 数据流通与安全", "第三阶", "数据 共享 归集 安全 隐私", "数据共享路径、分类分级与安全措施"),
    ("第四阶 技术集成与公共能力", "第四阶", "平台 系统 技术 设备 物联网 算法 底座", "可复用的底座能力与需新建的模块"),
    ("第五阶 体制机制突破", "第五阶", "机制 制度 标准 规则 协同 责任", "需调整的规则、联合审批或数据权属安排"))
STAGE_WORDS = re.compile(r"[一二三四五]阶|五阶|七有|三维|三元|三步")
# the six parts of the method by the names its text uses for them (a 五阶 stage by its ordinal)
METHOD_PARTS = re.compile(r"七有|三维|五阶|第[一二三四五]阶|四类|三步|三元")
# the three parts of 三元 operation by each name the method's texts give them
THREE_PARTS = (("三方主体", "主体责任"), ("三项运营", "运营对象"), ("三个衡量", "运营标尺"))
ENUM_LEAD = re.compile(r"^[一二三四五六七八九十]是")  # an item's lead-in: its body is the next sentence
STEP_ORDINAL = re.compile(r"第[一二三]步")
THREE_STEPS = (
    # heading, ordinal, the step's own terms, what a scenario's material on it speaks of, what the user supplies
    ("第一步 标准化立项与评审", "第一步", ("立项", "评审", "上架", "审查"),
     "立项 评审 论证 申报 清单 揭榜 试点 启动 规划", "立项论证与评审安排"),
    ("第二步 模块化敏捷组装", "第二步", ("组装", "模块", "组件", "积木"),
     "建设 建成 搭建 平台 部署 上线 接入 系统 改造 安装", "建设内容与上线节点"),
    ("第三步 反哺迭代", "第三步", ("反哺", "沉淀", "闭环", "迭代"),
     "推广 复制 覆盖 迭代 升级 扩面 全市 累计 优化", "推广复制与迭代安排"))
# the 三步 material: what a step may quote and how sure it must be
CLAUSE = re.compile(r"[，,。；;：:]")
STEP_UNIT_KINDS = ("sentence", "item", "row")  # not whole paragraphs or lists, not headings
# words every scenario's name shares: they say nothing about which scenario a passage is on
GENERIC_WORDS = frozenset("场景 建设 应用 平台 数字 数字化 智慧 智能 城市 推进 试点 系统 服务 管理 中心 项目 工程 "
                          "示范 创新 综合 一体化 体系 打造 构建 提升 开展 实施 推动 全面 重点 新型 方案 工作 "
                          "本市 全市 我市".split())
STEP_NEAR_BEST = 0.7  # a quote scores at least this share of the best candidate's
COSINE_BASE = 0.85  # the cosine of a need with unrelated text under the default embedder (e5)
STEP_FLOOR = 0.1  # and at least this in absolute terms
STEP_RELEVANCE = 0.1  # and its meaning this far above the median of the units at hand (0.015 in e5 cosine)
CITE_WORDS = re.compile(r"引用|参照|参考|对标|借鉴|学习|外地|其他")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass
class Reference:
    n: int
    doc: str
    title: str
    section: str
    quote: str
    chunk_id: str


@dataclass
class Block:
    kind: str  # "p" | "table" | "placeholder"
    text: str = ""
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.blocks.append(Block("p", text))

    def placeholder(self, what: str) -> str:
        text = placeholder(what)
        self.blocks.append(Block("placeholder", text))
        return text


def placeholder(what: str) -> str:
    return f"【待补充：{what}】"


MAX_PLACEHOLDERS = 6
MAX_POLICIES = 7  # a section an official reads through, not a list of every match
PLACEHOLDER = re.compile(r"【待(?:补充|核实)：[^】]*】")


def count_placeholders(draft) -> int:
    """Placeholders anywhere in a draft, table cells included."""
    texts = [b.text for s in draft.sections for b in s.blocks] + \
        [c for s in draft.sections for b in s.blocks for row in b.rows for c in row]
    return sum(len(PLACEHOLDER.findall(t)) for t in texts)


def cap_placeholders(draft, limit: int) -> None:
    """Keep one placeholder per section and at most ``limit`` in all: an official fills a
    few precise gaps, not a form. Those beyond the cap move to the draft's notes."""
    kept = 0
    for section in draft.sections:
        holders = [b for b in section.blocks if b.kind == "placeholder"]
        for extra in holders[1:]:
            section.blocks.remove(extra)
            draft.notes.append(f"“{section.title}”另需补充：{extra.text}")
        if holders:
            if kept >= limit:
                section.blocks.remove(holders[0])
                draft.notes.append(f"“{section.title}”另需补充：{holders[0].text}")
            else:
                kept += 1


@dataclass
class Draft:
    kind: str  # "proposal" | "response"
    title: str
    subject: str
    city: str | None
    sections: list[Section]
    references: list[Reference]
    cases: list[CaseHit] = field(default_factory=list)
    delivery_type: str | None = None
    notes: list[str] = field(default_factory=list)

    def section(self, title: str) -> Section:
        return next(s for s in self.sections if s.title == title)

    def to_markdown(self) -> str:
        from .export import draft_to_markdown

        return draft_to_markdown(self)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "title": self.title, "subject": self.subject, "city": self.city,
                "delivery_type": self.delivery_type,
                "sections": [{"title": s.title, "blocks": [b.__dict__ for b in s.blocks]} for s in self.sections],
                "references": [r.__dict__ for r in self.references],
                "cases": [c.to_dict() for c in self.cases], "markdown": self.to_markdown(), "notes": self.notes}


class _Citer:
    """Numbers the passages a draft quotes, once each, in order of first use, and labels a
    sentence that states another place's policy as that place's (对标参考：合肥——…), so a
    draft never presents another city's rule as the asker's own."""

    def __init__(self, vocab=None, city: str | None = None):
        self.refs: list[Reference] = []
        self._by_key: dict[tuple[str, str], int] = {}
        self.vocab = vocab
        self.city = city

    def place_of(self, chunk: RetrievedChunk, sentence: str) -> str | None:
        """The place a sentence speaks for; see :func:`place_of`."""
        return place_of(self.vocab, chunk, sentence) if self.vocab is not None else None

    def rank(self, chunk: RetrievedChunk, sentence: str) -> int:
        """0 the asker's own place, 1 national (no place named), 2 another place."""
        place = self.place_of(chunk, sentence)
        if place is None:
            return 1
        return 0 if self.city and same_place(self.vocab, place, self.city) else 2

    def cite(self, chunk: RetrievedChunk, sentence: str, label: bool = True) -> str:
        quote = as_list(display_sentence(sentence).lstrip("-•· "))
        key = (chunk.id, quote)
        if key not in self._by_key:
            self.refs.append(Reference(len(self.refs) + 1, chunk.doc, chunk.title, chunk.section, quote, chunk.id))
            self._by_key[key] = len(self.refs)
        text = quote if quote.endswith(("。", "！", "？", "；", "”")) else quote.rstrip("：:，,") + "。"
        cited = f"{text}[{self._by_key[key]}]"
        place = self.place_of(chunk, sentence) if label else None
        if place and not (self.city and same_place(self.vocab, place, self.city)):
            cited = f"{BENCHMARK_LABEL}{place}——{cited}"
        return cited


BENCHMARK_LABEL = "对标参考："
APPLIED_LABEL = "结合“"
KEPT_LABELS = (BENCHMARK_LABEL, APPLIED_LABEL)


def as_list(text: str) -> str:
    """A table row quoted as prose ("a | b | c") reads as a list ("a；b；c")."""
    cells = [c.strip() for c in re.split(r"\s*[|｜]\s*", text) if c.strip()]
    return "；".join(cells) if len(cells) > 1 else text


def _city_level(vocab, region: str) -> str:
    """The listed name of a place as written; a district stays a district (海淀 → 海淀区):
    its policy is the district's, and :func:`same_place` still counts it as its city's."""
    return vocab.canonical(region)


def place_of(vocab, chunk: RetrievedChunk, sentence: str) -> str | None:
    """The place whose policy a sentence states: a place the sentence names, else the last
    place named before it in its paragraph, else the passage's section heading or title;
    None when nothing names one (a national text)."""
    def first(text: str) -> str | None:
        spans = vocab.region_spans(text)
        return _city_level(vocab, text[spans[0][0]:spans[0][1]]) if spans else None

    def last(text: str) -> str | None:
        spans = vocab.region_spans(text)
        return _city_level(vocab, text[spans[-1][0]:spans[-1][1]]) if spans else None

    found = first(sentence)
    if found:
        return found
    core = sentence.strip()[:12]
    for paragraph in chunk.text.split("\n"):
        at = paragraph.find(core) if core else -1
        if at > 0:
            found = last(paragraph[:at])
            if found:
                return found
    return first(chunk.section or "") or first(chunk.title or "")


def same_place(vocab, place: str, city: str) -> bool:
    """The place is the asker's city, inside it, or the province that contains it."""
    city = vocab.canonical(city)
    return place == city or city in vocab.ancestors(place) or place in vocab.ancestors(city)


def _figure_sentence(hit: CaseHit) -> str:
    """The sentence of a case's passage that states one of its key figures."""
    if hit.chunk is None:
        return ""
    values = [f["value"] for f in hit.figures if _NUMBER.search(f["value"])]
    for line in hit.chunk.text.split("\n"):
        for sentence in split_sentences(line):
            if any(v in sentence for v in values):
                return sentence
    return ""


def _marker(cited: str) -> str:
    """The trailing citation marker of a cited sentence ("…。[3]" → "[3]")."""
    m = re.search(r"\[\d+\]$", cited)
    return m.group(0) if m else ""


DRAFT_VERB = re.compile(r"(?:起草|撰写|编制|拟定|写)(?:一份|一个|一套|一版)?")
# what a request asks to be written: the kind of document, not the scenario
DOC_KINDS = re.compile(r"(?:的)?(?:(?:场景)?(?:建设|工作|实施|运营|机制|政策)?(?:方案|提纲|要点|框架|设想|提案|意见|办法|思路)"
                       r"(?:的)?(?:框架|提纲|要点)?)+$")
OWN_PLACE = re.compile(r"^(?:我们|我市|本市|我区|本区|全市|我省|本省)")
ASIDE = re.compile(r"(?:并且|并|同时|要|请)?(?:引用|参考|参照|讲清|说明|列出|附上)")  # "…方案要点并引用现有做法"
DOING_VERB = re.compile(r"(?:要做|想做|做|搞|建设|打造|出台|推进|开展|建)(?:一个|一套|一批)?")


def _strip_kind(s: str) -> str:
    s = DOC_KINDS.sub("", s.strip(" “”\"。.！!"))
    s = re.sub(r"(?:的)?(?:场景)?(?:建设)?$", "", s)
    s = OWN_PLACE.sub("", s).strip(" “”\"")
    # a quotation left open or closed by the cuts is put right ("企业开办“一网通办”")
    if s.count("“") > s.count("”"):
        s += "”"
    elif s.count("”") > s.count("“"):
        s = "“" + s
    return s


def idea_of(text: str) -> str:
    """The scenario a request is about, without the request's framing: who asks, the verb and
    the kind of document ("为本市起草一个独居老人智能报警场景方案" → 独居老人智能报警;
    "请帮我们市起草一份场景机会清单发布和动态管理机制的方案要点" → 场景机会清单发布和动态管理机制;
    "我们要做惠企政策免申即享的涉企服务场景，请起草方案要点" → 惠企政策免申即享的涉企服务)."""
    text = text.strip()
    clauses = [c for c in re.split(r"[，,。；;：:！!？?\n]", text) if c.strip()]
    for i, clause in enumerate(clauses):
        m = DRAFT_VERB.search(clause)
        if not m:
            continue
        idea = _strip_kind(ASIDE.split(clause[m.end():])[0])
        if len(idea) > 2:
            return idea
        for before in reversed(clauses[:i]):  # "我们要做X场景，请起草方案要点": X is said first
            d = DOING_VERB.search(before)
            if d and len(_strip_kind(before[d.end():])) > 2:
                return _strip_kind(before[d.end():])
        break
    return _strip_kind(text) or text


@dataclass
class _Proposal:
    """What every section of one proposal reads: the request, the place and the idea's own evidence."""
    request: str
    idea: str
    city: str | None
    where: str
    citer: _Citer
    chunk: RetrievedChunk | None
    line: str
    context: str = ""  # the idea's evidence and the overview's quotes, which 三维 and 四类 judge on

    @property
    def evidence_text(self) -> str:
        return (self.chunk.section + self.line) if self.chunk else ""

    @property
    def parties(self) -> list[str]:
        return sorted(set(PARTIES.findall(self.context)))


class Drafter:
    def __init__(self, assistant):
        self.assistant = assistant
        self.finder = CaseFinder(assistant)

    # --- evidence ----------------------------------------------------------------
    def _filters(self, city: str | None = None) -> Filters:
        return Filters(cities=(city,) if city else ())  # the retriever adds the settings' own

    def _evidence(self, query: str, k: int = 5, city: str | None = None) -> list[RetrievedChunk]:
        return self.assistant.retriever.retrieve(query, k=k, filters=self._filters(city))

    def _quotes(self, citer: _Citer, query: str, k: int = 5, city: str | None = None,
                limit: int = 2) -> list[str]:
        """Up to ``limit`` cited sentences that answer ``query``; none when nothing does."""
        chunks = self._evidence(query, k, city)
        evidence = self.assistant.measure(query, chunks)
        model = self.assistant.composer.model
        composed = self.assistant.composer.compose(evidence)
        if composed.refused:
            return []
        # a policy quote names the mechanism asked for: among the units the model finds
        # plausible, those holding more of the topic's words come first
        words = [w for w in query.split() if len(w) >= 2 and w != city]
        scored = [(sum(w in c.unit.text for w in words), float(p), c)
                  for pe in evidence.parts for c, p in zip(evidence.candidates, model.unit_proba(pe))
                  if p >= model.add_at]
        scored.sort(key=lambda t: (-t[0], -t[1]))
        picks, seen = [], set()
        for _, _, c in scored:
            if c.unit.text not in seen:
                seen.add(c.unit.text)
                picks.append(c)
        return [citer.cite(c.chunk, display_unit(c.unit)) for c in picks[:limit]]

    def _request_points(self, citer: _Citer, request: str, city: str | None, limit: int = 6) -> list[str]:
        """The request read as a question ("讲清政府怎么定位、怎么收费"): each of its parts
        answered by the same evidence selection as answers, cited."""
        if request.strip() == idea_of(request):
            return []  # a bare scenario name asks nothing beyond the overview's quotes
        _, _, evidence = self.assistant.evidence_for(request, k=self.assistant.settings.answer_chunks,
                                                     filters=self._filters(None))
        composed = self.assistant.composer.compose(evidence)
        return [] if composed.refused else [citer.cite(p.chunk, p.sentence) for p in composed.picks[:limit]]

    def _method(self, citer: _Citer, query: str, must: str | tuple[str, ...], limit: int = 1) -> list[str]:
        """Sentences of the method text (the built-in method notes or the 2026 report) that name
        one of ``must``: a part of the method goes by more than one name (the notes' 三方主体 is
        the report's 主体责任)."""
        musts = (must,) if isinstance(must, str) else must

        def names(text: str) -> bool:
            return any(m in text for m in musts)

        chunks = [c for c in self._evidence(query, k=8) if names(c.section + c.text)]
        out = []
        for c in chunks:
            for line in c.text.split("\n"):
                if not names(line) or len(line) <= 12:
                    continue
                sentences = split_sentences(line)
                i = next(i for i, s in enumerate(sentences) if names(s))
                quote = sentences[i]
                # "二是有底座。" says nothing alone, nor "三是明确主体责任，构建…共同体。" without what follows
                if (len(quote) < 20 or ENUM_LEAD.match(quote)) and i + 1 < len(sentences):
                    quote += sentences[i + 1]
                out.append(citer.cite(c, quote.lstrip("-• ")))
                if len(out) >= limit:
                    return out
        return out

    def _applied(self, citer: _Citer, idea: str, focus: str, used: set[str]) -> str:
        """A sentence of the corpus about this scenario that speaks to a stage's concern
        (its departments, its data, its rules), so the method reads as applied to the
        scenario; the method notes themselves are left out, each sentence used once."""
        words = focus.split()
        idea_grams = bigrams(idea)
        need = max(2, -(-len(idea_grams) * 2 // 5))  # two in five of the idea's bigrams: on topic
        best, best_score = None, 0
        for c in self._evidence(f"{idea} {focus}", k=6):
            if STAGE_WORDS.search(c.section + c.text[:200]):
                continue  # the method text, already quoted above
            for line in c.text.split("\n"):
                for sentence in split_sentences(line):
                    shared = len(idea_grams & bigrams(sentence))
                    hits = sum(w in sentence for w in words)
                    if sentence in used or shared < need or not hits or len(sentence) < 15:
                        continue
                    score = shared + hits
                    if score > best_score:
                        best, best_score = (c, sentence), score
        if best is None:
            return ""
        used.add(best[1])
        return citer.cite(*best)

    def _idea_evidence(self, idea: str) -> tuple[RetrievedChunk | None, str]:
        """The passage and line that name the scenario itself. A table row or method
        example that classifies it (its caption or line names a 四类 type) comes first,
        a whole-name match before a match on its first characters."""
        chunks = self._evidence(idea, k=10)
        seen = {c.id for c in chunks}
        chunks += [c for c in self._evidence(f"{idea} 场景示例 四类 推进模式", k=10) if c.id not in seen]
        names = [idea] + ([idea[:6]] if len(idea) > 6 else [])
        for name in names:
            for typed in (True, False):
                for c in chunks:
                    # a case card's "类型" line classifies that case, not the scenario asked about
                    if typed and c.meta.get("kind") == "case":
                        continue
                    for line in c.text.split("\n"):
                        if name in line and (not typed or canonical_delivery_type(c.section + line)):
                            return c, line
        return None, ""

    def _step_method(self, citer: _Citer, heading: str, ordinal: str, terms: tuple[str, ...]) -> str:
        """The method's one sentence on a step of 三步: a sentence of the 三步 text inside
        that step's paragraph (the last step ordinal before it is this step's) that names
        the step or one of its own terms. Text whose heading or words name another part
        of the method (三元, 五阶, 七有…) is never taken, nor a list elsewhere whose item
        merely shares a word ("三是长效可持续的运营机制…价值反哺")."""
        best = None
        for c in self._evidence(f"三步 {heading}", k=8):
            heading_path = f"{c.title} {c.section}"
            if set(METHOD_PARTS.findall(heading_path)) - {"三步"}:
                continue  # another part's text
            in_three_steps = "三步" in heading_path
            current = None  # the step whose paragraph a line is in
            for line in c.text.split("\n"):
                sentences = split_sentences(line)
                for i, sentence in enumerate(sentences):
                    named = STEP_ORDINAL.search(sentence)
                    current = named.group(0) if named else current
                    if set(METHOD_PARTS.findall(sentence)) - {"三步"} or len(line) <= 12:
                        continue
                    own = ordinal in sentence
                    if not (own or (in_three_steps and current in (ordinal, None)
                                    and any(t in sentence for t in terms))):
                        continue
                    quote = sentence
                    if len(quote) < 20 and i + 1 < len(sentences):  # "第一步推行…流程。" says little alone
                        quote += sentences[i + 1]
                    rank = (0 if own else 1, 0 if in_three_steps else 1)
                    if best is None or rank < best[0]:
                        best = (rank, c, quote)
        return citer.cite(best[1], best[2].lstrip("-• ")) if best else ""

    def _step_material(self, citer: _Citer, idea: str, focus: str, cases: list[CaseHit],
                       used: set[str], quoted: set | None = None) -> str:
        """A cited sentence on how this scenario, or a comparable case of its domain, went
        through a step (its pilot, its build, its roll-out), from the retrieved passages
        and the comparable cases' own passages; the method text itself is left out.

        Candidates are sentences, list items and table rows that name the step's concern;
        each is scored by meaning (the cosine of its ingest-time vector with the need's,
        "idea + focus") and by the scenario's specific words it holds (IDF over the chunks
        at hand, :data:`GENERIC_WORDS` out), half each. Only a unit near the best score,
        above :data:`STEP_FLOOR` and clearly closer in meaning than the pool's median
        (:data:`STEP_RELEVANCE`) is quoted; none is "" (the section's placeholder asks).
        ``quoted`` holds the chunk ids and case keys already quoted under another step."""
        quoted = set() if quoted is None else quoted
        query = f"{idea} {focus}"
        chunks = self._evidence(query, k=8)
        chunks += [h.chunk for h in cases if h.chunk is not None and h.chunk.id not in {c.id for c in chunks}]
        units = [c for c in self.assistant.scorer.candidates(chunks) if c.vec is not None]
        if not units:
            return ""
        need_vec = self.assistant.index.embed_query(query)
        # meaning on the embedder's own scale (e5 puts unrelated text near 0.85); the
        # relevance bar is over every unit at hand, the method text's included: the baseline
        meaning = {id(c): (float(c.vec @ need_vec) - COSINE_BASE) / (1 - COSINE_BASE) for c in units}
        bar = float(np.median(list(meaning.values()))) + STEP_RELEVANCE
        chunks = [c for c in chunks if not METHOD_PARTS.search(f"{c.title} {c.section}")]
        kept = {c.id for c in chunks}
        pool = [(c, display_unit(c.unit)) for c in units if c.unit.kind in STEP_UNIT_KINDS and c.chunk.id in kept]
        # a title or heading line set as a sentence ("武汉市…建设情况") states nothing done
        pool = [(c, text) for c, text in pool if len(text) >= 15 and not METHOD_PARTS.search(text)
                and text not in (c.chunk.title, c.chunk.section) and (c.unit.kind == "row" or CLAUSE.search(text))]
        cosines = [meaning[id(c)] for c, _ in pool]
        words = self._specific_words(idea, chunks)
        total = sum(words.values())
        steps = focus.split()
        scored = []
        for (c, text), cos in zip(pool, cosines):
            if cos < bar or not any(w in text for w in steps):
                continue
            overlap = sum(w for t, w in words.items() if t in text) / total if total else 0.0
            scored.append((0.5 * float(cos) + 0.5 * overlap, c, text))
        if not scored:
            return ""
        best = max(score for score, _, _ in scored)
        for score, c, text in sorted(scored, key=lambda t: -t[0]):
            if score < max(STEP_FLOOR, STEP_NEAR_BEST * best):
                break
            keys = self._case_keys(citer, c.chunk, text)
            if text in used or keys & quoted:
                continue
            used.add(text)
            quoted.update(keys)
            return citer.cite(c.chunk, text)
        return ""

    def _specific_words(self, idea: str, chunks: list[RetrievedChunk]) -> dict[str, float]:
        """The idea's own words (jieba) without the generic ones every scenario shares,
        weighted by their IDF over the chunks at hand."""
        texts = [f"{c.section}\n{c.text}" for c in chunks]
        n = len(texts)
        words = dict.fromkeys(t for t in self.assistant.index.tokenizer.tokenize(idea)
                              if len(t) >= 2 and t not in GENERIC_WORDS and not t.isdigit())
        return {w: math.log(1 + (n + 1) / (1 + sum(w in t for t in texts))) for w in words}

    def _case_keys(self, citer: _Citer, chunk: RetrievedChunk, text: str) -> set:
        """What a quote uses up: its chunk and its case. A case is its source passage (a
        case card names the section it was drawn from) and the place it speaks for, so a
        case split across chunks, or told by its card and its report, counts once."""
        meta = chunk.meta
        if meta.get("kind") == "case":
            if meta.get("source_doc"):
                where = (meta["source_doc"], meta.get("source_section", ""))
            else:
                where = ("card", meta.get("case_id", chunk.id))
            place = meta.get("case_city", "")
        else:
            where = (chunk.doc, chunk.section)
            place = citer.place_of(chunk, text) or ""
        vocab = self.assistant.index.vocab
        place = vocab.canonical(place) if place and place != "未具名" else place
        return {chunk.id, (*where, place)}

    def _three_steps(self, sec: Section, citer: _Citer, schedule: str, idea: str = "",
                     cases: list[CaseHit] | None = None, used: set[str] | None = None) -> None:
        """Each of the three steps with what this scenario, or comparable cases of its
        domain, did at that step (pilots, builds, roll-outs), then the method's one
        sentence on it; so the plan differs between scenarios. One placeholder asks for
        the schedule and for the steps the corpus says nothing about."""
        used = set() if used is None else used
        quoted: set = set()  # chunks and cases quoted under a step: never again under another
        missing = []
        for heading, ordinal, terms, focus, need in THREE_STEPS:
            material = self._step_material(citer, idea, focus, cases or [], used, quoted) if idea else ""
            if material:
                sec.add(f"{APPLIED_LABEL}{self._applied_name(idea, citer.city)}”（{heading}）：" + material)
            else:
                missing.append(need)
            method = self._step_method(citer, heading, ordinal, terms)
            if method:
                sec.add(f"{heading}（方法要求）：" + method)
            elif not material:
                sec.add(f"{heading}：资料中未找到该步骤的说明。")
        if idea and missing:
            schedule += f"；资料中未找到同类场景的{'、'.join(missing)}，请补充本地做法"
        sec.placeholder(schedule)

    def _applied_name(self, idea: str, city: str | None) -> str:
        """The scenario as a label before a quote names it ("结合“独居老人智能报警”：…"); a
        request that names another place ("引用上海的做法") is "本场景" there, or the label
        would read as that place's and the quote after it as unlabelled benchmark text."""
        vocab = self.assistant.index.vocab
        for start, end in vocab.region_spans(idea):
            if not (city and same_place(vocab, vocab.canonical(idea[start:end]), city)):
                return "本场景"
        return idea

    def _comparable(self, need: str, city: str | None) -> list[CaseHit]:
        """Cases whose figures can serve as this need's reference values: the same domain
        as the need, or (when the need has none) sharing a technology or mechanism; a
        traffic figure is no benchmark for an elderly-care alarm."""
        profile = self.finder.profile(need)
        hits = self.finder.find(need, city=city, k=10)
        if profile.domain:
            return [h for h in hits if h.domain == profile.domain]
        return [h for h in hits if set(h.technologies) & set(profile.technologies)
                or set(h.mechanisms) & set(profile.mechanisms)]

    @staticmethod
    def _benchmarks(sec: Section, citer: _Citer, cases: list[CaseHit], label: str, limit: int) -> None:
        """Cited sentences stating the key figures of comparable cases: reference values."""
        added = 0
        for h in cases:
            sentence = _figure_sentence(h)
            if sentence and added < limit:
                sec.add(f"{label}（{h.city}）：" + citer.cite(h.chunk, sentence, label=False))
                added += 1

    def _policy_candidates(self, topic: str, city: str | None) -> list[tuple[RetrievedChunk, str]]:
        """Sentences that answer a policy topic, the asker's city searched first (filtered)
        and then everyone's; the same evidence selection as answers picks them."""
        out = []
        for query, where in (((f"{city} {topic}", city),) if city else ()) + ((topic, None),):
            chunks = self._evidence(query, 5, where)
            evidence = self.assistant.measure(query, chunks)
            composed = self.assistant.composer.compose(evidence)
            if not composed.refused:
                out += [(p.chunk, p.sentence) for p in composed.picks[:3]]
        return out

    def _policies(self, sec: Section, citer: _Citer, city: str | None, topics: tuple[str, ...], missing: str) -> None:
        """Cited policy sentences per topic ordered the way an official reads them: the
        asker's own city's first, national ones next, other places' last and labelled as
        benchmarks (对标参考：合肥——…). A placeholder asks for local policy only when the
        corpus holds none of the asker's own."""
        picked: list[tuple[int, int, str]] = []
        seen: set[str] = set()
        for t, topic in enumerate(topics):
            ranks_done: set[int] = set()  # per topic the best own, national and benchmark sentence
            for chunk, sentence in self._policy_candidates(topic, city):
                key, rank = display_sentence(sentence), citer.rank(chunk, sentence)
                # a sentence already quoted inside a longer one (or around it) says nothing new
                if rank in ranks_done or any(key in k or k in key for k in seen):
                    continue
                seen.add(key)
                ranks_done.add(rank)
                picked.append((rank, t, citer.cite(chunk, sentence)))
        for _, _, text in sorted(picked, key=lambda x: (x[0], x[1]))[:MAX_POLICIES]:
            sec.add(text)
        if not any(rank == 0 for rank, _, _ in picked):
            sec.placeholder(missing)

    def _as_prose(self, draft: Draft) -> Draft:
        """With an LLM configured, rewrite each section's cited sentences as prose from
        the same quotes; every sentence must pass the spine's citation check, and a
        section keeps its extracted sentences when nothing verifies."""
        llm = self.assistant.llm
        if llm is None:
            return draft
        from .verify import check_answer

        refs = {r.n: r for r in draft.references}
        for section in draft.sections:
            # a labelled sentence (对标参考：合肥——…, 结合“…”：…) keeps its words: prose would drop the label
            cited = [b for b in section.blocks if b.kind == "p" and re.search(r"\[\d+\]$", b.text)
                     and not b.text.startswith(KEPT_LABELS)]
            numbers = sorted({int(n) for b in cited for n in re.findall(r"\[(\d+)\]", b.text)})
            if len(numbers) < 2:
                continue
            quotes = [refs[n].quote for n in numbers]
            verdict = check_answer(llm.write_section(section.title, quotes),
                                   {i: q for i, q in enumerate(quotes, start=1)},
                                   self.assistant.index.tokenizer, self.assistant.settings.support_threshold)
            dropped = len(verdict.dropped)
            if not verdict.answer:
                draft.notes.append(f"“{section.title}”：大模型改写未通过引用核验，保留摘录原句")
                continue
            # local markers [1..k] (renumbered by first use) back to the draft's reference numbers
            local = {new: numbers[old - 1] for new, old in enumerate(verdict.kept_passages, start=1)}
            prose = re.sub(r"\[(\d+)\]", lambda m: f"[{local[int(m.group(1))]}]", verdict.answer)
            first = section.blocks.index(cited[0])
            section.blocks = [b for b in section.blocks if b not in cited]
            section.blocks.insert(first, Block("p", prose))
            if dropped:
                draft.notes.append(f"“{section.title}”：删除了 {dropped} 句未通过引用核验的改写")
        return draft

    def _asked_city(self, request: str) -> str | None:
        """The city a request names for itself ("为合肥起草…"), so its policies come first;
        a place the request asks to cite ("引用上海的做法") is a benchmark, not the asker."""
        vocab = self.assistant.index.vocab
        for start, end in vocab.region_spans(request):
            if not CITE_WORDS.search(request[max(0, start - 8):start]):
                return vocab.canonical(request[start:end])
        return None

    # --- the proposal ------------------------------------------------------------------
    def proposal(self, request: str, city: str | None = None) -> Draft:
        idea = idea_of(request)
        if not idea:
            raise ScenarioError("请描述场景设想，例如：独居老人智能报警")
        city = city or self._asked_city(request)
        citer = _Citer(self.assistant.index.vocab, city)
        chunk, line = self._idea_evidence(idea)
        p = _Proposal(request, idea, city, f"{city}" if city else "本市", citer, chunk, line)
        sections = [Section(t) for t in PROPOSAL_SECTIONS]
        s = dict(zip(PROPOSAL_SECTIONS, sections))
        self._overview(s["一、场景概述"], p)
        p.context = p.evidence_text + " ".join(b.text for b in s["一、场景概述"].blocks)
        self._three_dims(s["二、“三维”场景筛选"], p)
        dtype = self._four_types(s["三、“四类”场景归类"], p)
        self._five_stages(s["四、“五阶”场景设计"], p)
        self._seven_haves(s["五、“七有”准备度清单"], p)
        # 六、三步: comparable cases of the domain, their pilots and roll-outs; their figures are 八's benchmarks
        # (a sentence the 五阶 design quoted may return here: a step is told by its own facts)
        comparable = self._comparable(idea, city)
        self._three_steps(s["六、“三步”建设计划"], citer, f"“{idea}”各步骤的时间安排、责任单位与里程碑", idea,
                          comparable)
        self._operations(s["七、“三元”运营模式"], p)
        cases = self._case_table(s["九、可比案例"], p)  # before indicators: their figures are benchmarks
        sec = s["八、成效指标"]
        self._benchmarks(sec, citer, comparable, "参照", limit=3)
        sec.placeholder(f"{p.where}本场景的目标值（如覆盖人数、处置时长、效率提升比例）与统计口径")
        self._policies(s["十、可用政策支持"], citer, city,
                       ("场景建设资金支持 预留预算 奖励", "首试首用 容错免责", "场景清单 揭榜挂帅 供需对接"),
                       f"{p.where}本地现行的场景资金、首试首用、容错与清单政策及其申报窗口")
        self._risks(s["十一、风险与应对"], citer)
        draft = Draft("proposal", f"{p.where}“{idea}”场景建设方案（初稿）", idea, city, sections, citer.refs,
                      cases, dtype)
        cap_placeholders(draft, MAX_PLACEHOLDERS)
        return self._as_prose(draft)

    def _overview(self, sec: Section, p: _Proposal) -> None:
        """一、概述: what the material says of this idea, then the request's own points."""
        sec.add(f"本方案为{p.where}“{p.idea}”场景的建设设想初稿，按城市数字新场景开发方法（七有、三维、五阶、四类、三步、三元）组织。")
        if p.chunk:
            sec.add("资料中与本场景直接相关的表述：" + p.citer.cite(p.chunk, p.line))
        for q in self._quotes(p.citer, p.idea, limit=2) + self._request_points(p.citer, p.request, p.city):
            if q not in "".join(b.text for b in sec.blocks):
                sec.add(q)
        if len(sec.blocks) == 1:
            sec.placeholder(f"“{p.idea}”的业务背景、服务对象与要解决的痛点（资料中未找到直接描述）")

    def _three_dims(self, sec: Section, p: _Proposal) -> None:
        """二、三维: each dimension judged 初判 on the overview's cited material, or left 待论证."""
        for m in self._method(p.citer, "三维 价值创造 多方协同 流程再造 场景识别", "价值创造"):
            sec.add("方法要求：" + m)
        parties = p.parties
        dims = [
            ("价值创造", VALUE_WORDS.search(p.context), "资料描述了该场景解决的具体问题或带来的效率提升"),
            ("多方协同", len(parties) >= 2, f"涉及{'、'.join(parties)}等多方" if parties else ""),
            ("流程再造", PROCESS_WORDS.search(p.context), "资料描述了流程整合、数据共享或联动"),
        ]
        rows = [[name, "初判：符合", why + "（见“一、场景概述”所引资料）"] if ok else
                [name, "待论证", "资料中未找到该维度的依据"] for name, ok, why in dims]
        sec.blocks.append(Block("table", header=["维度", "判断", "理由"], rows=rows))
        missing = [name for name, ok, _ in dims if not ok]
        if missing:
            sec.placeholder(f"本场景在“{'”“'.join(missing)}”维度的依据（如涉及部门、流程变化）")

    def _four_types(self, sec: Section, p: _Proposal) -> str:
        """三、四类: the class the material gives the idea, else one inferred (and said to be inferred)."""
        dtype = canonical_delivery_type(p.evidence_text)
        if dtype:
            sec.add(f"初判：{dtype}。理由：资料把“{p.idea}”列为该类场景的示例（见“一、场景概述”所引资料）。")
        else:
            driver = "制度变革驱动" if REFORM_WORDS.search(p.context) else "科技创新驱动"
            parties = p.parties
            scope = "多跨" if len(parties) >= 3 else "小切口"
            dtype = f"{driver}-{scope}"
            sec.add(f"初判：{dtype}。理由：资料中未找到本场景的既有归类；按驱动因素（{'涉及制度或机制调整' if driver.startswith('制度') else '以技术应用为主'}）"
                    f"与协同范围（涉及 {len(parties)} 类主体）推断，需在立项论证中确认。")
        for m in self._method(p.citer, "四类 推进模式 推荐顺序 科技创新驱动 小切口", dtype.split("-")[0], limit=1):
            sec.add("方法参考：" + m)
        return dtype

    def _five_stages(self, sec: Section, p: _Proposal) -> None:
        """四、五阶: each stage's method, then what the material says of this idea at that stage."""
        needs: list[str] = []
        used: set[str] = set()
        for stage, key, focus, need in FIVE_STAGES:
            quotes = self._method(p.citer, f"五阶 {stage}", key)
            sec.add(quotes[0] if quotes else f"{stage}：资料中未找到该阶段的方法说明。")
            applied = self._applied(p.citer, p.idea, focus, used)
            if applied:
                sec.add(f"{APPLIED_LABEL}{self._applied_name(p.idea, p.citer.city)}”：" + applied)
            else:
                needs.append(need)
        if needs:
            sec.placeholder(f"“{p.idea}”在以下方面的本地情况：{'；'.join(needs)}")

    def _seven_haves(self, sec: Section, p: _Proposal) -> None:
        """五、七有: the method's requirement per element; the city's state is the user's to fill."""
        rows = []
        for name in ("有组织", "有底座", "有要素", "有生态", "有机制", "有激励", "有安全"):
            quotes = self._method(p.citer, f"七有 {name}", name)
            rows.append([name, quotes[0] if quotes else "资料中未找到该要素的要求说明", "待核实"])
        sec.blocks.append(Block("table", header=["要素", "要求（摘自资料）", f"{p.where}现状"], rows=rows))
        sec.placeholder(f"{p.where}七有各要素的现状（牵头机构、数字底座、数据要素、资金与安全安排）")

    def _operations(self, sec: Section, p: _Proposal) -> None:
        """七、三元: the method's three parts, then how this kind of scenario is run where the material says."""
        for names in THREE_PARTS:
            for q in self._method(p.citer, f"三元 长效运营 {' '.join(names)}", names):
                sec.add(q)
        applied = self._applied(p.citer, p.idea, "运营 企业 公司 付费 收费 合作 维护 服务商", set())
        if applied:
            sec.add(f"{APPLIED_LABEL}{self._applied_name(p.idea, p.citer.city)}”：" + applied)
        sec.placeholder(f"“{p.idea}”的牵头部门与监管安排、运营主体与服务内容、参与企业与收益机制")

    def _case_table(self, sec: Section, p: _Proposal) -> list[CaseHit]:
        """九、可比案例: five comparable cases with their figures and why they compare."""
        cases = self.finder.find(p.idea, city=p.city, k=5)
        if not cases:
            sec.placeholder("可对标的城市案例（资料中未找到）")
            return cases
        rows = []
        for h in cases[:5]:
            n = p.citer.cite(h.chunk, h.summary.rstrip("…")) if h.chunk else ""
            figs = "；".join(f"{f.get('what', '')}{f['value']}{f.get('unit', '')}" for f in h.figures[:3])
            rows.append([h.city, h.title, figs or "—", h.why, _marker(n)])
        sec.blocks.append(Block("table", header=["城市", "案例", "关键数据", "对标理由", "出处"], rows=rows))
        return cases

    def _risks(self, sec: Section, citer: _Citer) -> None:
        """十一、风险: what the material names as the risks of building and running scenarios."""
        quotes = self._quotes(citer, "场景建设 风险 挑战 问题 运营 投入不足", limit=2)
        for q in quotes:
            sec.add(q)
        if not quotes:
            sec.placeholder("本场景的数据安全、资金可持续与推广风险及应对措施")

    # --- the list response ----------------------------------------------------------------
    def response(self, need: str, capability: str, city: str | None = None) -> Draft:
        need, capability = (need or "").strip(), (capability or "").strip()
        if not need or not capability:
            raise ScenarioError("请同时给出需求清单条目（--need）和企业能力（--capability）")
        citer = _Citer(self.assistant.index.vocab, city)
        sections = [Section(t) for t in RESPONSE_SECTIONS]
        s = dict(zip(RESPONSE_SECTIONS, sections))
        where = city or "发布方城市"

        sec = s["一、需求理解"]
        sec.add(f"需求原文：{need}")
        quotes = self._quotes(citer, need, limit=2)
        for q in quotes:
            sec.add("资料中的相关情况：" + q)
        if not quotes:
            sec.placeholder("需求的业务背景与痛点（资料中未找到直接描述）")

        sec = s["二、解决方案与技术路线"]
        sec.add(f"企业能力（企业自述）：{capability}")
        quotes = self._quotes(citer, f"{need} {capability}", limit=2)
        for q in quotes:
            sec.add("可借鉴的技术做法：" + q)
        sec.placeholder("技术路线图、系统架构与对接城市数字底座的方式")

        comparable = self._comparable(need, city)
        self._three_steps(s["三、实施计划（“三步”建设）"], citer, "分阶段工期与交付物", idea_of(need), comparable)

        cases = self.finder.find(need, city=None, k=5)
        sec = s["四、预期成效与指标"]
        self._benchmarks(sec, citer, comparable, "同类场景成效参照", limit=2)
        sec.placeholder("本项目承诺的指标与测算依据")

        sec = s["五、可比落地案例"]
        if cases:
            sec.blocks.append(Block("table", header=["城市", "案例", "对标理由", "出处"], rows=[
                [h.city, h.title, h.why, _marker(citer.cite(h.chunk, h.summary.rstrip("…"))) if h.chunk else ""]
                for h in cases[:5]]))
        else:
            sec.placeholder("可比落地案例（资料中未找到）")

        self._policies(s["六、适用政策"], citer, city, ("场景项目 资金支持 奖励 补贴", "首试首用 容错免责 首购", "揭榜挂帅 场景清单"),
                       f"{where}可适用的支持政策")

        sec = s["七、风险与保障"]
        for q in self._quotes(citer, "场景建设 风险 容错 运营 投入 保障", limit=2):
            sec.add(q)
        sec.placeholder("数据安全、交付与运维保障承诺")
        draft = Draft("response", f"关于“{need[:30]}”的揭榜响应方案（初稿）", need, city, sections, citer.refs, cases)
        return self._as_prose(draft)
