"""Question understanding: split a compound question into its parts, and for each part
the slot it asks for and its qualifiers.

Users ask two or three things at once ("…有多少个？从啥时候开始算？"), distribute over
entities ("无锡、合肥、海淀三地…各有什么侧重"), and wrap the question in context
("领导让我报个数："). Each part is answered on its own and may be missing from the
material on its own, so the composer and the answerability decision work per part.

Rules, not a model: they follow the grammar of Chinese questions (question words,
clause punctuation, the distributive 各/分别), never the wording of a particular item.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from ingest.enrich import find_years
from core.vocab import Vocab

# words that make a clause a question
QUESTION_WORD = re.compile(
    r"多少|几[个项家条类次年月天部座批种层步阶位大成]?|哪|什么|啥|怎么|怎样|如何|咋|为什么|为何|为啥|何时|何种|"
    r"是否|有没有|能不能|可不可以|要不要|是不是|会不会|吗[？?]?$|呢[？?]?$|多久|多长|多大|多高|多快|多远|谁|"
    r"区别|不同|差别|差异|不一样|一样吗|对不上|还是|([\u4e00-\u9fff])不\1|[有得]多(?!少|个|种|家|项|年|次|位)[\u4e00-\u9fff]")
# words that look like question words but ask nothing ("这几年", "近几年来")
NOT_A_QUESTION = re.compile(r"(?:这|近|前|过去)几[年天个月]|几年来|多年来|几乎|好几|多个|多种|多家|多项|多方")
SEGMENT_END = re.compile(r"(?<=[？?！!；;。])")
# a new question introduced inside a sentence ("…多少个，另外…", "…以及…")
# "那" opens a clause as "then", not as "that" before a measure word ("那篇文章")
CLAUSE_LEAD = re.compile(r"^(?:另外|此外|还有|同时|再者|以及|并且|而且|那么|那(?![篇份个些种位家项条次类样])|又|再)[，,、\s]*")
CLAUSE_SPLIT = re.compile(r"(?<=[，,：:])")
DISTRIBUTIVE = re.compile(r"各自|分别|各(?=[有是为自占管拿给叫用得做出干算属在几多什哪怎])")
CONJUNCTION = re.compile(r"[、和与及跟]|以及")
QUOTED = re.compile(r"《([^》]{2,40})》|“([^”]{2,30})”|\"([^\"]{2,30})\"|「([^」]{2,30})」")
MEASURE_LEAD = re.compile(r"^[份篇个项条家种类位](?=[\u4e00-\u9fff]{2})")
# a request about the answer's form, not a question about the material
FORM_REQUEST = re.compile(r"(?:用|拿)?[一两几三]句话|简单(?:地)?(?:说|讲|概括|总结|介绍)|简要(?:说|概括|介绍)|"
                          r"(?:概括|总结)一下|列(?:个|一)?(?:表|清单)")
# a group of places standing for the places just listed ("三地", "两市", "等地")
PLACE_GROUP = re.compile(r"[两二三四五六七八九十几]?(?:地|市|城|省)(?=[，,拿在都各分对把的])|等地")

SLOT_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("comparison", re.compile(r"区别|有什么不同|有何不同|什么不同|哪些不同|不同之处|差别|差异|不一样|一样吗|对不上|"
                              r"相比|对比|哪个更|谁更|有何异同")),
    ("reason", re.compile(r"为什么|为何|为啥|什么原因|原因是|何以|怎么回事|短板在哪|问题在哪")),
    ("time", re.compile(r"什么时候|何时|哪一?年|哪个月|几月|哪天|哪一天|啥时候|截止(?:日期|时间)|什么时间|"
                        r"哪年哪月|从(?:啥|什么)时候|多久|多长时间|几年")),
    ("place", re.compile(r"哪个城市|哪些城市|哪座城市|哪几个城市|哪个省|哪些省|哪个区|哪些区|哪个地方|哪些地方|"
                         r"哪里|哪儿|哪个地区|哪些地区|什么地方|落在哪|哪几个地方")),
    ("name", re.compile(r"叫什么|什么名字|名称|名字|哪家|哪个部门|哪些部门|谁|哪份文件|什么文件|文号|编号|"
                        r"哪个机构|哪些机构|哪些企业|哪家公司|哪些单位|哪个单位|文件叫")),
    ("list", re.compile(r"哪些|哪几|几方面|几个方面|哪几类|几类|几大类|几个阶段|几个?层|几步|几种|几套|"
                        r"有什么(?:做法|办法|建议|手段|举措|措施|特点|特色|变化|趋势|风险|问题)|都有什么|都是什么|"
                        r"分成了?哪|包括什么|分别是什么|几样|哪[两三四五六七八九十几\d]+[块类个种条项样方大]")),
    ("number", re.compile(r"多少|几[个项家条类次部座批位成倍]|比例|占比|比重|覆盖率|多大|多高|多快|多远|规模|"
                          r"增速|增长率|排第几|第几|几")),
    ("how", re.compile(r"怎么|怎样|如何|咋|靠什么|通过什么|用什么|什么办法|什么方式|什么模式|什么路径")),
    ("yesno", re.compile(r"是否|有没有|能不能|可不可以|要不要|是不是|会不会|需要.*吗|吗[？?]?$")),
)
# the kind of quantity a number slot asks for, and the units that express it
QUANTITY_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("money", re.compile(r"钱|资金|金额|投资|投入|费用|补贴|补助|奖补|奖励|租金|门票|票价|预算|经费|价格|收费|"
                         r"合同额|卖了多少|营收|收入|产值|市场规模|交易额|补多少|给多少|拿多少|融资")),
    ("percent", re.compile(r"比例|占比|比重|百分之|覆盖率|增速|增长率|率(?:是|为|有|达)?多少|份额|几成|占.{0,8}多少")),
    ("duration", re.compile(r"多久|多长时间|几年|几个月|几天|期限|周期")),
    ("people", re.compile(r"多少人|游客|人次|客流|用户数|多少名")),
    ("area", re.compile(r"面积|多少平方|多少亩|多大地方|占地|空间有多")),
)
# adverbs and copulas between the attribute and the question word ("权重各自是多少")
FOCUS_SKIP = re.compile(r"(?:是|为|有|叫|达|能|会|要|可以|一共|总共|大概|大约|大致|一般|到底|究竟|具体|都|各自|分别|各|"
                        r"现在|目前|已经|又|还)+$")
# a slot's own words: they say what kind of answer is wanted, not what it is about
FRAME_WORDS = frozenset("日期 时间 时候 名字 名称 地方 意思 数量 数字 情况 东西 内容 具体 多少 一下 个数 问题 方面 什么".split())
# nouns that name the kind of answer wanted, not a thing the material names ("思路有什么侧重",
# "有什么特点"): the answer characterises its subject without using these words
ANSWER_KINDS = frozenset("""思路 侧重 特点 特色 亮点 做法 办法 手段 举措 措施 路子 路径 经验 变化 趋势 区别 不同
差别 差异 意义 作用 好处 打算 考虑 想法 说法 定位 文件 变成 变为 转成 转为
利弊 优劣 优缺点 好坏 长短 例子 实例 改法 招数 门道 路数 打法 玩法 抓手""".split())
# verbs of what the source does with its content ("报告建议怎么起步", "还提醒了哪些风险"): the
# answer is the content, which seldom repeats the verb
SOURCE_VERBS = frozenset("建议 谈到 谈及 提及 提醒 指出 认为 强调 说明 介绍 给出 点名 列出 列举".split())
FRAME_WORDS = FRAME_WORDS | ANSWER_KINDS | SOURCE_VERBS
# the phrase before the question word ends in a verb ("花了", "冒出来"): what precedes is its subject
VERB_END = re.compile(r"(?:[了过着在到给]|[出起下上进回](?:来|去)|[出成为])$")
# a classifier right after the question word names how the answer is grouped or counted
# ("哪几大块", "哪几类场景" → 场景, "多少一家"), not what it is about
GROUP_LEAD = re.compile(r"^[几一每]?(?:个|大)*(?:块|类|方面|部分|点|条|项|样|种|步|层|级|批|家|位|个)")
FRAME_END = re.compile("(?:" + "|".join(sorted(FRAME_WORDS, key=len, reverse=True)) + ")$")
# jieba's tags (first letter) of words that never name what a part asks about: verbs, pronouns,
# numerals, adverbs, prepositions, classifiers, conjunctions, particles, locatives, set phrases
FUNCTION_TAGS = frozenset("vrmdpqcufl")
# times said relative to now ("去年秋天", "这两年"): when, which the slot and ``years`` carry, not
# what the part asks about; a report dates its facts ("2025年10月") and never says 去年
RELATIVE_TIME = frozenset("""去年 今年 明年 前年 后年 近年 近年来 这两年 这几年 最近 目前 现在 当前 如今 以后 将来 未来
春天 夏天 秋天 冬天 年初 年中 年底 年末 年内 上半年 下半年""".split())
# words that carry no content in a question (its frame, not its subject); vocab.yaml adds more
FILLERS = frozenset("""多少 几 几个 哪些 哪个 哪 什么 啥 如何 怎样 怎么 咋 是否 吗 呢 请问 具体 大概 大约 一共 总共 主要
分别 各 各自 都 又 还 再 能 可以 有没有 有 是 说 讲 提 提到 提出 里 中 的 了 那 这 那个 这个 那份 这份 那些 这些 那篇
到底 究竟 现在 目前 已经 一下 帮 我 我们 咱们 你 报告 文章 材料 资料 里面 其中 怎么样 情况 哪一 问 想 知道
时候 一些 这块 那块 方面 上面 下面 当时 以后 之后 后来 还是 或者 以及 并且 而且 一个 一份 那种 这种""".split())


@dataclass
class Part:
    """One thing the question asks."""

    text: str  # the part as asked, with the clauses it leans on
    slot: str  # number | time | place | name | list | reason | how | comparison | yesno | what
    quantity: str | None = None  # for a number slot: money | percent | duration | people | area | count
    entities: list[str] = field(default_factory=list)  # places it asks about (own or inherited)
    years: list[int] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)  # quoted names: 《…》, “…”
    attributes: list[str] = field(default_factory=list)  # what it asks about (收费标准, 注册资本 …)
    own_text: str = ""  # the part without the context it leans on
    context: str = ""  # the clauses it leans on, and the subject it inherits from the part before
    width: int = 1  # how many things it asks for at once ("效率和满意度" → 2)
    fresh: bool = False  # opens a new topic ("另外…"): it inherits nothing from the part before
    asks: str = ""  # what it asks, without its subject ("…公司的总经理叫什么名字" → 总经理叫什么名字)
    focus: list[str] = field(default_factory=list)  # the words next to the question word: 权重 in "各指标权重是多少"
    # its own words name at most one thing ("具体怎么个步法？", "占多少？"): it is about what its
    # context says, so its meaning and its terms are read with that context
    thin: bool = False
    # it inherits the subject of the part before and leans on it ("…发布的那100个方案都是哪些
    # 企业的？有名单吗？"): it is about the material only as far as that part is
    follows: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Question:
    text: str
    parts: list[Part]
    context: str = ""  # clauses that ask nothing ("领导让我报个数")

    def to_dict(self) -> dict:
        return {"text": self.text, "context": self.context, "parts": [p.to_dict() for p in self.parts]}


def _first_match(patterns: tuple[tuple[str, re.Pattern], ...], text: str, default: str) -> str:
    """The name of the first pattern that occurs in ``text`` (words that ask nothing removed)."""
    text = NOT_A_QUESTION.sub("", text)
    return next((name for name, pattern in patterns if pattern.search(text)), default)


def slot_of(text: str) -> str:
    return _first_match(SLOT_PATTERNS, text, "what")


def quantity_of(text: str) -> str:
    return _first_match(QUANTITY_PATTERNS, text, "count")


def programmes_in(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]


def _is_question(clause: str) -> bool:
    return bool(QUESTION_WORD.search(NOT_A_QUESTION.sub("", clause)))


def _clauses(segment: str) -> list[str]:
    """A sentence cut at commas and colons, and where 另外/以及… open a new question."""
    out: list[str] = []
    for piece in CLAUSE_SPLIT.split(segment):
        piece = piece.strip()
        if not piece:
            continue
        m = re.search(r"[，,]?(另外|此外|还有|以及|同时)(?=[^的]{2,})", piece)
        if m and m.start() > 2 and _is_question(piece[m.end():]) and _is_question(piece[:m.start()]):
            out.extend([piece[:m.start()], piece[m.start():]])
        else:
            out.append(piece)
    return out


def _split_coordinated_questions(clause: str) -> list[str]:
    """"汇了多少数据、接了多少物联设备" → two questions: each side of a 、/和 has its own question word."""
    pieces = re.split(r"[、；;]|(?<=[^\s])(?:和|以及|并且|而且|还)(?=[^\s]{2,})", clause)
    pieces = [p.strip() for p in pieces if p.strip()]
    if len(pieces) < 2 or not all(_is_question(p) for p in pieces):
        return [clause]
    # "分别是谁发的、文件叫什么": the distributive opening the first covers the others
    lead = DISTRIBUTIVE.match(pieces[0])
    if lead:
        pieces[1:] = [p if DISTRIBUTIVE.search(p) else lead.group() + p for p in pieces[1:]]
    return pieces


_GROUP_WORD = re.compile(r"(?:这|那)?[两二三四五六七八九十几]+(?:块|类|个方面|方面|项|样|地|个|级|条路|条|种)$")
_PRONOUN = re.compile(r"^(?:它们|它|其|该|这|那)")


def _conjuncts(phrase: str) -> list[str]:
    """"交通类和医疗类" → [交通类, 医疗类]; nothing unless it is a short coordination."""
    items = [_PRONOUN.sub("", _GROUP_WORD.sub("", c)).strip() for c in CONJUNCTION.split(phrase) if c.strip()]
    items = [c for c in items if c]
    return items if 2 <= len(items) <= 4 and all(len(c) <= 15 for c in items) else []


def _strip_frame(text: str) -> str:
    return CLAUSE_LEAD.sub("", text.strip()).strip("，,：: ")


class QuestionReader:
    """Reads questions with the vocabulary's places and filler words."""

    def __init__(self, vocab: Vocab, tokenize=None, is_word=None, tags=None, in_corpus=None):
        self.vocab = vocab
        self.tokenize = tokenize
        self.is_word = is_word or (lambda w: True)
        self.in_corpus = in_corpus or (lambda w: True)  # a token some indexed passage uses
        self.tags = tags
        extra = vocab.raw.get("question_fillers") or []
        self.fillers = FILLERS | frozenset(extra)

    def read(self, question: str) -> Question:
        text = " ".join((question or "").split())
        raw_parts: list[tuple[str, str]] = []  # (context it leans on, the question clause)
        context_all: list[str] = []
        for segment in (s for s in SEGMENT_END.split(text) if s.strip()):
            pending: list[str] = []
            seg_parts: list[tuple[str, str]] = []
            clauses = _clauses(segment.strip())
            for n, clause in enumerate(clauses):
                if FORM_REQUEST.search(clause) and (seg_parts or raw_parts):
                    continue  # how to answer ("能各用一句话概括吗"), not something to find
                if _is_question(clause) and clause.rstrip().endswith(("：", ":")) and \
                        any(_is_question(c) for c in clauses[n + 1:]):
                    pending.append(clause)  # a heading for the questions after it ("…多大：…各是多少")
                elif _is_question(clause):
                    for q in _split_coordinated_questions(clause):
                        seg_parts.append(("".join(pending), q))
                elif seg_parts:  # a trailing clause belongs to the question before it
                    ctx, q = seg_parts[-1]
                    seg_parts[-1] = (ctx, q + clause)
                else:
                    pending.append(clause)
            if not seg_parts:
                context_all.extend(pending)
                continue
            raw_parts.extend(seg_parts)
        if not raw_parts:
            raw_parts = [("", text)]
        context = "".join(context_all)
        parts: list[Part] = []
        for ctx, q in raw_parts:
            for own, lean in self._distribute(q, ctx):
                parts.append(self._part(own, lean.strip("，,：: "), context))
        self._inherit(parts)
        for part in parts:
            part.thin = bool(part.context) and len(self._subject_words(part.own_text, part)) <= 1
        for prev, part in zip(parts, parts[1:]):
            part.follows = part.follows and self._leans_on(prev, part)
        return Question(text, parts, context)

    def _leans_on(self, prev: Part, part: Part) -> bool:
        """Whether a part that inherited its subject depends on the part before: it names
        nothing of its own, or comes back to it ("…委托哪家企业运营的？每年运营费用多少？")
        without restating that part's subject ("促进中心的注册资本是多少？促进中心负责什么？"
        asks two things about the 促进中心); "清单多久更新一次？" after "主任叫什么名字？" asks
        about something else."""
        own = set(self._subject_words(part.own_text, part))
        if part.thin:
            return True
        subject = set(self._subject_words(prev.own_text, prev)) - set(self._subject_words(prev.asks, prev))
        if subject and subject <= own:
            return False
        return bool(own & set(self._subject_words(prev.text, prev)))

    def _subject_words(self, text: str, part: Part) -> list[str]:
        return [w for w in self._content_words(text, part) if w not in FRAME_WORDS]

    # --- distribution over coordinated items ---------------------------------------
    def _distribute(self, clause: str, ctx: str) -> list[tuple[str, str]]:
        """"A和B各有多少" → "A有多少", "B有多少"; "无锡、合肥、海淀三地…各有什么侧重" → one
        part per place. Returns (own text, context) pairs."""
        if not DISTRIBUTIVE.search(clause):
            return [(clause, ctx)]
        # places listed in the clause or its context
        scope = ctx + clause
        places = self._listed_places(scope)
        if len(places) >= 2:
            return [(DISTRIBUTIVE.sub("", self._with_only_place(clause, p)), self._with_only_place(ctx, p))
                    for p in places[:4]]
        m = DISTRIBUTIVE.search(clause)
        head, tail = clause[:m.start()], clause[m.end():]
        # the coordinated phrase right before 各: after the last boundary (，的里中在)
        cut = max(head.rfind(ch) for ch in "，,的里中在：:") + 1
        conjuncts = _conjuncts(head[cut:])
        if conjuncts:
            return [(head[:cut] + c + tail, ctx) for c in conjuncts]
        # or the clause before it ("管路灯的那个和城市运行平台那个，分别算哪一类")
        last = re.split(r"(?<=[，,：:])", ctx.rstrip("，,：: "))[-1] if ctx and not head.strip() else ""
        conjuncts = _conjuncts(last.rstrip("，,：: "))
        if conjuncts:
            rest = ctx.rstrip("，,：: ")[: -len(last.rstrip("，,：: "))] if last else ctx
            return [(c + tail, rest) for c in conjuncts]
        return [(DISTRIBUTIVE.sub("", clause), ctx)]

    def _place_list(self, text: str) -> tuple[int, int, list[tuple[str, str]]] | None:
        """Places listed together ("无锡、合肥、海淀三地"): the span of the list and each
        place as (listed name, as written)."""
        spans = self.vocab.region_spans(text)
        best = None
        i = 0
        while i < len(spans):
            j = i
            while j + 1 < len(spans) and CONJUNCTION.fullmatch(text[spans[j][1]:spans[j + 1][0]].lstrip("市省区") or "、"):
                j += 1
            if j > i and (best is None or j - i > len(best[2]) - 1):
                end = spans[j][1]
                group = PLACE_GROUP.match(text, end)
                best = (spans[i][0], group.end() if group else end,
                        [(self.vocab.canonical(text[a:b]), text[a:b]) for a, b in spans[i:j + 1]])
            i = j + 1
        return best

    def _listed_places(self, text: str) -> list[str]:
        found = self._place_list(text)
        names: list[str] = []
        for name, _ in found[2] if found else []:
            if name not in names:
                names.append(name)
        return names

    def _with_only_place(self, text: str, keep: str) -> str:
        """``text`` with its list of places cut down to ``keep`` (as written there)."""
        found = self._place_list(text)
        if not found:
            return text
        a, b, places = found
        written = next((w for n, w in places if n == keep), keep)
        return text[:a] + written + text[b:]

    # --- one part -------------------------------------------------------------------
    def _part(self, raw: str, local: str, context: str) -> Part:
        """One part: its own clause, the clauses before it in its sentence (``local``) and
        the question's context; places and years come from the nearest of the three."""
        own = _strip_frame(raw) or raw.strip()
        lean = (context + local).strip("，,：: ")
        full = f"{lean}，{own}" if lean else own
        slot = slot_of(own)
        part = Part(text=full, slot=slot, own_text=own, context=lean,
                    quantity=quantity_of(own) if slot == "number" else (
                        "duration" if slot == "time" and quantity_of(own) == "duration" else None),
                    entities=self._places(own) or self._places(local) or self._places(context),
                    years=find_years(own) or find_years(local) or find_years(context),
                    programmes=programmes_in(full), fresh=bool(re.match(r"[，,\s]*(?:另外|此外|还有)", raw)))
        part.attributes = self._attributes(own, part)
        part.focus = self._focus(own, part)
        part.asks = self._asks(own, part)
        part.width = max(1, min(4, len(re.findall(r"[、和与及]", self._attribute_phrase(own))) + 1))
        return part

    def _places(self, text: str) -> list[str]:
        """The places named, most specific only (for 常州 the province 江苏 is implied)."""
        found = self.vocab.find_regions(text)
        implied = {a for e in found for a in self.vocab.ancestors(e)}
        return [e for e in found if e not in implied]

    @staticmethod
    def _attribute_phrase(own: str) -> str:
        """The words around the question word, where the attribute asked about sits."""
        m = QUESTION_WORD.search(own)
        return own[max(0, m.start() - 12): m.end() + 8] if m else own

    def _attributes(self, own: str, part: Part) -> list[str]:
        """What the part asks about: the content words after its subject ("…公司的总经理叫什么"
        → 总经理), or of its whole clause when it has no "X的" subject; never a place, a
        year, a quoted name, a question word or a filler."""
        if self.tokenize is None:
            return []
        m = QUESTION_WORD.search(own)
        cut = max(own.rfind(ch, 0, m.start()) for ch in "的里") + 1 if m else 0
        words = self._content_words(own[cut:], part) if cut else []
        words = words or self._content_words(own, part)
        # the verbs and pronouns around the question word ("归成哪几大块", "它们放在第几阶")
        # are what it does with its subject, not an attribute the material must name
        function = self._function_span(own)
        text = own.lower()
        # nor the words naming the kind of answer wanted (做法, 建议, 名字): the answer seldom uses them
        # nor a cut jieba guessed across word boundaries ("镇街管什么" → 街管, "数据商能做" → 商能)
        # that neither a dictionary nor any passage knows: it would make the part look unsupported
        return [w for w in words if w not in FRAME_WORDS and w not in RELATIVE_TIME
                and (w.isascii() or self.is_word(w) or self.in_corpus(w))
                and not (w in text and all(text.index(w) + i in function for i in range(len(w))))]

    def _function_span(self, own: str) -> set[int]:
        """The positions in the part of words that cannot be what it asks about: what jieba
        tags as verbs (verbal nouns aside), pronouns, numerals, adverbs, prepositions,
        classifiers, conjunctions, particles, locatives or set phrases ("归成", "投了", "它们",
        "第一批"). An attribute the material must name is a noun; domain terms are untagged."""
        if self.tags is None:
            return set()
        out: set[int] = set()
        at = 0
        for word, tag in self.tags(own):
            if tag[:1] in FUNCTION_TAGS and tag != "vn":
                out.update(range(at, at + len(word)))
            at += len(word)
        return out

    def _focus(self, own: str, part: Part) -> list[str]:
        """The noun the question word asks about: the one right before it ("租金是多少",
        "投资规模是多少" → 投资规模) or the nouns right after it ("哪家公司承建" → 公司, 承建).
        After a verb ("花了多少钱") the thing before is the subject, not the attribute; the
        slot's own words (日期, 名字 …) are the frame, not the attribute."""
        if self.tokenize is None:
            return []
        m = QUESTION_WORD.search(own)
        if not m:
            return []
        before = own[:m.start()]
        before = before[max(before.rfind(ch) for ch in "的里，,：:") + 1:]
        before = FOCUS_SKIP.sub("", FRAME_END.sub("", FOCUS_SKIP.sub("", before)))
        words: list[str] = []
        if before and not VERB_END.search(before):
            tail = [w for w in self._content_words(before[-8:], part) if w not in FRAME_WORDS]
            if tail and before.endswith(tail[-1]) and self.is_word(tail[-1]):
                words.append(tail[-1])
        after = GROUP_LEAD.sub("", re.split(r"[，,。？?；;]", own[m.end():], maxsplit=1)[0])
        words += [w for w in self._content_words(after, part)[:2]
                  if w not in FRAME_WORDS and w not in words and self.is_word(w)]
        return words

    @staticmethod
    def _asks(own: str, part: Part) -> str:
        m = QUESTION_WORD.search(own)
        cut = max(own.rfind(ch, 0, m.start()) for ch in "的里") + 1 if m else 0
        text = own[cut:] if cut else own
        for name in sorted(part.entities + part.programmes, key=len, reverse=True):
            text = text.replace(name, "")
        text = QUOTED.sub("", text).strip("，,：: ")
        return text if len(text) >= 2 else own

    def _content_words(self, text: str, part: Part) -> list[str]:
        subject = set(part.entities) | {str(y) for y in part.years}
        quoted = "".join(part.programmes)
        out: list[str] = []
        for tok in self.tokenize(QUOTED.sub(" ", text)):
            tok = MEASURE_LEAD.sub("", tok)  # "那份文件" cut as 那 / 份文件
            if (len(tok) == 1 and not tok.isascii()) or GROUP_LEAD.fullmatch(tok):
                continue  # a lone character, or a classifier ("大块", "大类")
            if tok in self.fillers or tok in subject or tok in quoted or QUESTION_WORD.search(NOT_A_QUESTION.sub("", tok)):
                continue
            if re.fullmatch(r"\d+", tok) or tok in self.vocab.regions:
                continue
            if tok not in out:
                out.append(tok)
        return out

    def _inherit(self, parts: list[Part]) -> None:
        """A later part that names no subject of its own asks about the part before
        ("东莞…有多少个？主要集中在哪些赛道？": the second is about 东莞 too), unless it
        opens a new topic ("另外…")."""
        for prev, part in zip(parts, parts[1:]):
            if part.fresh or part.entities or part.programmes or part.context:
                continue
            part.follows = True
            part.context = prev.own_text
            part.text = f"{part.context}，{part.own_text}"
            part.entities = list(prev.entities)
            part.years = part.years or list(prev.years)
            part.programmes = list(prev.programmes)
