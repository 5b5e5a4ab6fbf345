"""Question understanding: a compound question is split into its parts, each with the slot
it asks for and its qualifiers (places, years, quoted names, the attribute asked about)."""
from __future__ import annotations

import pytest

from assistant.question import QuestionReader, slot_of
from index.lexical_index import Tokenizer
from core.vocab import load_vocab


@pytest.fixture(scope="module")
def reader():
    vocab = load_vocab()
    tokenizer = Tokenizer(vocab)
    return QuestionReader(vocab, tokenizer.tokenize, tokenizer.is_word, tokenizer.tags)


def parts(reader, question):
    return reader.read(question).parts


def test_question_marks_split_parts_and_a_later_part_inherits_the_subject(reader):
    ps = parts(reader, "东莞放出来的场景机会一共有多少个？主要集中在哪些赛道？")
    assert [p.own_text for p in ps] == ["东莞放出来的场景机会一共有多少个？", "主要集中在哪些赛道？"]
    assert [p.slot for p in ps] == ["number", "list"]
    # the second part names no place: it asks about 东莞, and is searched with the first part's words
    assert ps[1].entities == ["东莞"] and "东莞" in ps[1].text


@pytest.mark.parametrize("question, follows", [
    ("示范市发布的那100个解决方案都是哪些企业的？有名单吗？", True),  # names nothing of its own
    ("示范市的政务平台是委托哪家企业运营的？每年运营费用多少？", True),  # comes back to the part before
    ("促进中心的主任叫什么名字？清单多久更新一次？", False),  # asks about something else
    ("北京占了多大份额？另外AI服务器的加速芯片里GPU现在占多少？", False),  # a new topic
])
def test_a_part_leans_on_the_part_before_only_when_it_comes_back_to_it(reader, question, follows):
    ps = parts(reader, question)
    assert len(ps) == 2 and not ps[0].follows
    assert ps[1].follows is follows


def test_clauses_that_ask_nothing_are_context_not_parts(reader):
    ps = parts(reader, "领导让我报个数：国内出台场景文件的城市大概有多少家？统计的是哪几年？")
    assert len(ps) == 2
    assert ps[0].own_text.startswith("国内出台场景文件的城市") and "领导让我报个数" in ps[0].context


def test_coordinated_questions_inside_one_sentence(reader):
    ps = parts(reader, "重庆沙坪坝街道的智慧社区，汇了多少数据、接了多少物联设备？")
    assert [p.own_text for p in ps] == ["汇了多少数据", "接了多少物联设备？"]
    assert all(p.slot == "number" and p.entities == ["沙坪坝区"] for p in ps)


def test_another_topic_after_lingwai_inherits_nothing(reader):
    ps = parts(reader, "北京占了多大份额？另外AI服务器的加速芯片里GPU现在占多少？")
    assert ps[0].entities == ["北京"]
    assert ps[1].fresh and ps[1].entities == []


@pytest.mark.parametrize("question, conjuncts", [
    ("深圳开放的约200个“城市+AI”场景里，交通类和医疗类各有多少个？", ["交通类", "医疗类"]),
    ("报告在容错、资金激励和AI安全治理这三块分别给了什么建议？", ["容错", "资金激励", "AI安全治理"]),
])
def test_ge_and_fenbie_distribute_over_coordinated_items(reader, question, conjuncts):
    ps = parts(reader, question)
    assert len(ps) == len(conjuncts)
    for p, c in zip(ps, conjuncts):
        assert c in p.own_text and all(o not in p.own_text for o in conjuncts if o != c)


def test_listed_places_distribute_one_part_per_place(reader):
    ps = parts(reader, "无锡、合肥、海淀三地拿财政资金支持场景，思路各有什么侧重？")
    assert [p.entities for p in ps] == [["无锡"], ["合肥"], ["海淀区"]]
    assert "合肥" not in ps[0].text and "无锡" not in ps[1].text


@pytest.mark.parametrize("text, slot", [
    ("从啥时候开始算？", "time"),
    ("申报截止日期是什么时候？", "time"),
    ("它的总经理叫什么名字？", "name"),
    ("由哪个部门受理？", "name"),
    ("主要集中在哪些赛道？", "list"),
    ("分成了哪几大类？", "list"),
    ("入驻企业的租金是多少？", "number"),
    ("为什么不少科技成果落不了地？", "reason"),
    ("具体怎么操作的？", "how"),
    ("起点终点有什么不一样？", "comparison"),
    ("有没有减免政策？", "yesno"),
    ("落在哪些区？", "place"),
    ("深圳这几年开放了多少个场景？", "number"),  # 这几年 asks nothing
])
def test_slot_detection(text, slot):
    assert slot_of(text) == slot


def test_number_parts_know_the_quantity_asked(reader):
    money, share, count, span = (parts(reader, q)[0] for q in (
        "奇瑞那个智能中枢项目花了多少钱？", "北京占了多大份额？", "累计发布了多少个场景？", "清单多久更新一次？"))
    assert (money.quantity, share.quantity, count.quantity) == ("money", "percent", "count")
    assert span.slot == "time" and span.quantity == "duration"


def test_qualifiers_place_year_programme_and_attribute(reader):
    p = parts(reader, "2025年南京市场景创新发展有限责任公司的总经理叫什么名字？")[0]
    assert p.entities == ["南京"] and p.years == [2025]
    assert "总经理" in p.attributes and "公司" not in p.attributes  # the subject is not what is asked
    q = parts(reader, "国务院办公厅《关于加快场景培育和开放推动新场景大规模应用的实施意见》是哪个月印发的？")[0]
    assert q.programmes == ["关于加快场景培育和开放推动新场景大规模应用的实施意见"]


def test_district_short_names_are_places(reader):
    assert parts(reader, "海淀对公共类场景最高支持多少？")[0].entities == ["海淀区"]
    assert parts(reader, "亦庄出了什么规定？")[0].entities == ["北京亦庄"]


@pytest.mark.parametrize("question, focus", [
    ("南京那个场景项目的租金是多少？", "租金"),
    ("评价体系里各指标权重是多少？", "权重"),
    ("这个平台是哪家公司承建的？", "承建"),
])
def test_focus_is_the_attribute_next_to_the_question_word(reader, question, focus):
    assert focus in parts(reader, question)[0].focus


def test_no_focus_before_a_verb_nor_from_the_slot_frame(reader):
    assert parts(reader, "合肥这个项目花了多少钱？")[0].focus == []  # 项目 is the subject, not the attribute
    assert "日期" not in parts(reader, "申报截止日期是哪天？")[0].focus


def test_typed_slots_need_the_kind_of_value_asked(reader):
    """A money question is not answered by an efficiency share, a count of firms not by a
    year, a company name not by a quoted slogan."""
    from assistant.evidence import fills_slot
    from ingest.units import Unit

    unit = Unit("x", "sentence", 0)
    money = parts(reader, "合肥给场景项目多少钱的支持？")[0]
    assert fills_slot(money, "合肥在市级政府投资项目中预留5%预算用于场景。", unit)[0] == 1.0
    assert fills_slot(money, "对重点项目给予最高200万元奖励。", unit)[0] == 1.0
    assert fills_slot(money, "场景建成后办事效率提升60%。", unit) == (0.0, 1.0)
    count = parts(reader, "深圳有多少家企业参与？")[0]
    assert fills_slot(count, "深圳有85家企业参与了场景建设。", unit)[0] == 1.0
    assert fills_slot(count, "深圳2024年启动场景建设。", unit) == (0.0, 1.0)
    company = parts(reader, "这个平台是哪家公司承建的？")[0]
    assert fills_slot(company, "平台由某某科技公司承建。", unit)[0] == 1.0
    assert fills_slot(company, "平台由华为承建。", unit, frozenset({"华为"}))[0] == 1.0
    assert fills_slot(company, "平台提出“城市大脑”理念。", unit)[0] == 0.0

    # a share after a verb of change says how much something moved, not how much money
    assert fills_slot(money, "改造后人力成本降低四分之一。", unit) == (0.0, 1.0)
    assert fills_slot(money, "项目补贴不超过总投资的30%。", unit)[0] == 1.0

    # a list question naming how many items it wants is not answered by restating the count
    listed = parts(reader, "那份规划里的重点园区具体是哪六个？")[0]
    assert listed.slot == "list"
    assert fills_slot(listed, "规划布局6个重点园区，释放产业空间、配套投资和人才公寓。", unit)[0] == 0.0
    assert fills_slot(listed, "六个重点园区是甲园、乙园、丙园、丁园、戊园和己园。", unit)[0] == 1.0
    assert fills_slot(parts(reader, "重点园区有哪些？")[0], "重点园区包括甲园、乙园和丙园。", unit)[0] == 1.0

    # a question about a change is not answered by the level of one year
    change = parts(reader, "2024年场景投资比2023年涨了多少？")[0]
    assert fills_slot(change, "2023年场景投资达到1.8万亿元。", unit) == (0.0, 1.0)
    assert fills_slot(change, "2024年场景投资同比增长12%。", unit)[0] == 1.0
    assert fills_slot(parts(reader, "场景投资至少多少？")[0], "场景投资达到1.8万亿元。", unit)[0] == 1.0


def test_vague_quantities_and_counting_classifiers_ask_nothing(reader):
    # "好几" is a vague quantity, not a question word; a classifier after 多少 ("多少一家")
    # says how the answer is counted, not what it is about
    assert parts(reader, "合肥已经好几年在做场景，它的专项资金每年多少？")[0].own_text.startswith("它的")
    assert parts(reader, "首批场景的奖补是多少一家？")[0].focus == []
    # a verb of becoming before the question word frames the answer ("变成了什么")
    assert "变成" not in parts(reader, "场景清单后来变成什么形式？")[0].focus


def test_a_request_about_the_answers_form_is_not_a_part(reader):
    ps = parts(reader, "苏州和宁波的数据平台各是谁建的？能各用一句话概括吗？")
    assert [p.entities for p in ps] == [["苏州"], ["宁波"]]
    assert all("一句话" not in p.own_text for p in ps)


def test_a_question_ending_in_a_colon_heads_the_questions_after_it(reader):
    ps = parts(reader, "上级想知道这个基金有多大：首期规模多少？投向哪些领域？")
    assert len(ps) == 2
    assert ps[0].slot == "number" and ps[1].slot == "list"
    assert "有多大" in ps[0].context and "有多大" not in ps[0].own_text


def test_a_leading_fenbie_covers_every_coordinated_question(reader):
    ps = parts(reader, "苏州和宁波的两份方案，分别是哪个部门印发的、名称叫什么？")
    assert [p.entities for p in ps] == [["苏州"], ["宁波"], ["苏州"], ["宁波"]]
    assert [p.own_text.startswith("名称") for p in ps] == [False, False, True, True]


def test_answer_kind_nouns_and_verb_complements_are_not_the_focus(reader):
    # the answer characterises its subject ("特点", "做法") without naming these words
    assert "特点" not in parts(reader, "杭州的场景清单有什么特点？")[0].focus
    assert "做法" not in parts(reader, "成都在容错上有哪些做法？")[0].focus
    # "冒出来" ends in a verb complement: what comes before it is the subject
    assert parts(reader, "去年新场景冒出来多少？")[0].focus == []
    # a classifier after the question word says how the answer is grouped; a verb of what the
    # source does ("建议", "提醒") is not what the answer is about
    assert parts(reader, "那份规划的任务主要分成哪几大块？")[0].focus == []
    assert parts(reader, "那篇报道还提醒了哪些问题？")[0].own_text.startswith("那篇")
    assert "提醒" not in parts(reader, "那篇报道还提醒了哪些问题？")[0].focus
    assert parts(reader, "报告建议怎么起步？")[0].focus == ["起步"]
    # a measure word cut onto its noun ("那份文件") is not a qualifier of its own
    assert all(not a.startswith("份") for a in parts(reader, "那份文件是谁发的？")[0].attributes)


def test_parts_that_read_alike_are_headed_by_their_place(reader):
    from assistant.extractive import PartAnswer, _label

    ps = parts(reader, "苏州、宁波两地推进场景开放，思路各有什么侧重？")
    answers = [PartAnswer(part=p, answered=True, probability=1.0) for p in ps]
    labels = [_label(p, answers) for p in ps]
    assert labels[0].startswith("苏州：") and labels[1].startswith("宁波：")
    single = parts(reader, "苏州的思路有什么侧重？")[0]
    assert _label(single, [PartAnswer(part=single, answered=True, probability=1.0)]) == single.own_text.rstrip("？?。") + "？"


def test_attributes_are_what_is_asked_about_not_the_verbs_and_pronouns_around_the_question_word(reader):
    # the verb that governs the question word and the pronoun before it say what to do
    # with the subject; the material need not repeat them for the part to be answered
    grouped = parts(reader, "这份规划里的任务主要归成哪几大类？")[0]
    assert "归成" not in grouped.attributes
    spent = parts(reader, "它们总共投了多少钱？")[0]
    assert not {"它们", "投了", "投"} & set(spent.attributes)
    # nouns stay: they name the attribute the material must state
    assert {"收费", "标准"} <= set(parts(reader, "园区停车场的收费标准是多少？")[0].attributes)
    assert "租金" in parts(reader, "孵化器入驻企业的租金是多少？")[0].attributes


def test_words_naming_the_kind_of_answer_are_not_attributes(reader):
    # 做法, 建议, 名字 say what kind of answer is wanted; the passage that answers seldom uses them
    advice = parts(reader, "报告对预算制度给了什么建议和做法？")[0]
    assert not {"建议", "做法"} & set(advice.attributes) and "制度" in advice.attributes
    assert parts(reader, "园区停车场的收费办法是什么？")[0].attributes == ["收费"]
    named = parts(reader, "那家公司的总经理叫什么名字？")[0]
    assert "名字" not in named.attributes and "总经理" in named.attributes


def test_a_part_that_names_nothing_of_its_own_is_read_with_its_context(reader):
    lean = parts(reader, "文件说数据共享要分三步推进，具体怎么个推法？")
    assert lean[-1].thin and "数据共享" in lean[-1].text
    own = parts(reader, "无锡的场景补贴标准是多少？另外合肥的奖励上限是多少？")
    assert not any(p.thin for p in own)


def test_a_list_part_about_a_counted_set_needs_most_of_that_set(reader):
    """"那12个试点街道具体是哪些": a sentence naming two of them, or restating the count, does
    not list the set; a small set counted in the context ("两个维度") asks nothing more."""
    from assistant.evidence import fills_slot
    from ingest.units import Unit

    part = parts(reader, "文件里那12个试点街道，具体是哪些？")[-1]
    assert part.slot == "list"
    two = "试点街道包括湖滨街道、西湖街道和灵隐街道。"
    assert fills_slot(part, two, Unit(two, "sentence", 0))[0] == 0.0
    many = "、".join(f"第{i}街道" for i in range(1, 11)) + "。"
    assert fills_slot(part, many, Unit(many, "sentence", 0))[0] == 1.0
    small = parts(reader, "报告说有两个维度，具体是哪些？")[-1]
    assert fills_slot(small, two, Unit(two, "sentence", 0))[0] == 1.0


def test_cuts_no_dictionary_or_passage_knows_and_relative_times_are_not_attributes():
    # jieba guesses words across boundaries ("镇街管什么" → 街管, "数据商能做" → 商能); a part
    # asking for one would look unsupported by every passage. A word the corpus uses stays.
    vocab = load_vocab()
    tokenizer = Tokenizer(vocab)
    corpus = {"全龄", "社区"}
    strict = QuestionReader(vocab, tokenizer.tokenize, tokenizer.is_word, tokenizer.tags, corpus.__contains__)
    assert "街管" not in parts(strict, "镇街管什么？")[0].attributes
    assert "商能" not in parts(strict, "数据商能做哪些业务？")[0].attributes
    assert "业务" in parts(strict, "数据商能做哪些业务？")[0].attributes  # a dictionary word stays
    assert "全龄" in parts(strict, "全龄友好社区归集了多少条数据？")[0].attributes  # the corpus knows it
    # "去年秋天" says when, not what: the report dates its facts and never says 去年
    dated = parts(strict, "到去年秋天数据局牵头的那份是谁发的？")[0]
    assert not {"去年", "秋天"} & set(dated.attributes) and "数据" in dated.attributes
