"""The “三步” build plan of a draft, over documents written for this test (a method note
and two cities' scenario reports in different domains; real embedder and Chroma): each
step carries what this scenario, or its like, did at that step, so two scenarios' plans
differ; the method sentence of a step comes from that step's own text, never from the
三元 operation text or a list elsewhere that shares a word."""
from __future__ import annotations

import pytest

from tests.conftest import documents_home
from assistant.drafting import APPLIED_LABEL, BENCHMARK_LABEL, THREE_STEPS, Drafter, count_placeholders

METHOD = """城市数字场景开发方法

一、场景识别：建立“三维”标准

场景识别从价值创造、多方协同、流程再造三个维度开展。三个维度都满足的，才适合作为城市级数字场景立项推进。

二、重点场景方向

智慧社区共建共治场景的重点方向聚焦于，一是构建协同治理的数字基础；二是拓展以人为本的智慧应用；三是长效可持续的运营机制，依托平台化运营实现资源整合与价值反哺，形成“自我造血”的良性循环。

三、高效建设：推进“三步”集成部署

第一步推行“场景上架”标准化流程。建立包含申报、初审、评审、公示等环节的标准化流程，开展架构合规性、数据安全性和技术可行性三重审查。

第二步实施模块化敏捷组装。构建基于城市数字底座的模块化组件库，优先调用底座已有能力组件，采用“搭积木”式的敏捷开发模式。

第三步构建能力沉淀反馈闭环。建立“场景-底座”双向赋能机制，把场景运行中沉淀的数据、算法和方案回收为底座的公共能力。

四、长效运营：基于“三元”主体协同

三是明确主体责任，构建“政府、运营商、市场”共同体，以运营收益反哺场景迭代升级。
"""
ELDERLY = """南京市独居老人紧急呼叫服务建设情况

一、试点

2023年，南京市在鼓楼区选取3个街道开展独居老人紧急呼叫试点，经专家评审后列入市级场景清单。

二、建设

2024年，南京市依托城市数字底座建成独居老人紧急呼叫平台，为1.2万户独居老人安装智能呼叫终端并接入社区网格。

三、推广

2025年，独居老人紧急呼叫服务推广覆盖全市12个区，累计响应呼叫4.6万次，平均响应时间缩短至8分钟。
"""
FLOOD = """武汉市城市道路积水监测预警建设情况

一、试点

2022年，武汉市在江汉区开展城市道路积水监测预警试点，立项论证后列入城市安全场景清单。

二、建设

2023年，武汉市在易涝点部署城市道路积水监测传感器860个，建成城市道路积水监测预警平台并接入城市运行管理系统。

三、推广

2024年，城市道路积水监测预警推广至全市，累计预警积水事件1300余次，积水处置时间缩短40%。
"""
STEPS = "六、“三步”建设计划"


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """A home without the built-in corpus holding only the three documents above."""
    return documents_home(tmp_path_factory.mktemp("three-steps"),
                          {"开发方法.txt": METHOD, "南京独居老人.txt": ELDERLY, "武汉道路积水.txt": FLOOD})


@pytest.fixture(scope="module")
def drafts(kb):
    drafter = Drafter(kb)
    return {idea: drafter.proposal(idea, city="深圳") for idea in ("独居老人紧急呼叫", "城市道路积水监测预警")}


def _texts(draft) -> list[str]:
    return [b.text for b in draft.section(STEPS).blocks if b.kind == "p"]


def test_three_steps_differ_between_scenarios_of_different_domains(kb, drafts):
    from evals.draft_checks import unlabelled_other_places

    elderly, flood = (_texts(drafts[i]) for i in ("独居老人紧急呼叫", "城市道路积水监测预警"))
    assert elderly != flood
    for idea, texts, city, word, other in (("独居老人紧急呼叫", elderly, "南京", "独居老人", "积水"),
                                           ("城市道路积水监测预警", flood, "武汉", "积水", "独居老人")):
        applied = [t for t in texts if t.startswith(f"{APPLIED_LABEL}{idea}”")]
        # the scenario's own pilot, build and roll-out, each under its step, another city's labelled as such
        assert len(applied) >= 2, texts
        assert all(word in t and other not in t for t in applied), texts
        assert all(f"{BENCHMARK_LABEL}{city}——" in t for t in applied), texts
        steps = {heading for heading, *_ in THREE_STEPS if any(f"（{heading}）" in t for t in applied)}
        assert len(steps) >= 2, texts
        assert unlabelled_other_places(drafts[idea], kb.index.vocab, "深圳") == []
        assert count_placeholders(drafts[idea]) <= 6
        assert sum(1 for b in drafts[idea].section(STEPS).blocks if b.kind == "placeholder") <= 1
    # what the two plans share is the method's short explanation, at most one sentence a step
    assert len(set(elderly) & set(flood)) <= len(THREE_STEPS)


def test_three_steps_quote_each_steps_own_method_text_not_operations(drafts):
    for draft in drafts.values():
        text = "".join(_texts(draft))
        # 三元 operation text and a list item elsewhere that merely says 反哺 / 立项 stay out of 三步
        assert "运营机制" not in text and "三元" not in text and "运营收益" not in text, text
        assert "三个维度" not in text, text
        method = [t for t in _texts(draft) if not t.startswith(APPLIED_LABEL)]
        for (heading, ordinal, *_), t in zip(THREE_STEPS, method):
            assert t.startswith(heading) and ordinal in t.split("：", 1)[1], method


# --- which passage a step quotes: meaning and the scenario's own words, not shared characters ---
DRAINAGE = """广州内涝防治建设情况

一、试点

2022年，广州在海珠区开展内涝风险监测试点，经专家评审后列入重点场景清单。

二、建设

2023年，广州在内涝易发点部署排涝泵站液位监测设备500套，建成防涝监测系统，暴雨时自动推送内涝风险提示。
"""
PARK = """合肥骆岗公园无人驾驶示范建设情况

一、建设

2023年，合肥市在骆岗公园开通城市道路无人驾驶示范线路，部署无人驾驶小巴车20辆，建成自动驾驶测试道路12公里。

二、推广

2024年，合肥市骆岗公园无人驾驶小巴推广至全市5个园区，累计服务游客30万人次。
"""
PARKING = """杭州智慧停车建设情况

一、建设

2023年，杭州市建成城市级智慧停车平台，接入公共停车泊位18万个，市民可在线预约车位并无感支付。

二、推广

2024年，杭州智慧停车推广至全市各区，累计服务车辆1200万辆次，平均找位时间缩短5分钟。
"""
GOV = """苏州政务服务一网通办建设情况

一、试点

2022年，苏州市在工业园区试点企业开办一件事集成办理，经评审后列入市级改革清单。

二、建设

2023年，苏州市建成一网通办总门户，整合1200项政务服务事项，企业开办压缩至1个工作日。
"""
ONE_CASE = """成都市城市道路积水监测预警建设情况

一、建设历程

2022年，成都市在锦江区开展城市道路积水监测预警试点，经专家评审后列入市级场景清单。2023年，成都市在易涝点部署积水监测传感器600个，建成城市道路积水预警平台。2024年，成都市城市道路积水预警推广至全市，累计预警积水事件900余次。
"""
UNRELATED = {"开发方法.txt": METHOD, "合肥骆岗.txt": PARK, "南京独居老人.txt": ELDERLY, "杭州停车.txt": PARKING,
             "苏州政务.txt": GOV}
ROAD_FLOODING = "城市道路积水预警"


def _applied(draft) -> list[str]:
    return [t for t in _texts(draft) if t.startswith(APPLIED_LABEL)]


def _cited(draft, text: str):
    import re

    refs = {r.n: r for r in draft.references}
    return [refs[int(n)] for n in re.findall(r"\[(\d+)\]", text)]


def test_a_drainage_passage_sharing_no_characters_beats_one_sharing_city_and_road(tmp_path_factory):
    """内涝 shares no character with 城市道路积水预警, 骆岗公园's 城市道路 shares two words: the
    step quotes the drainage build, and the unmanned-vehicle demo nowhere."""
    assert not set("".join(DRAINAGE.split("\n")[8:9])) & set(ROAD_FLOODING)
    kb = documents_home(tmp_path_factory.mktemp("drainage"), {**UNRELATED, "广州内涝.txt": DRAINAGE})
    draft = Drafter(kb).proposal(ROAD_FLOODING, city="深圳")
    applied = _applied(draft)
    assert any("第二步" in t and "排涝泵站" in t for t in applied), _texts(draft)
    text = "".join(_texts(draft))
    assert "骆岗" not in text and "停车" not in text and "一网通办" not in text, text


def test_the_same_case_is_never_quoted_under_two_steps(tmp_path_factory):
    """成都's pilot, build and roll-out are one passage of one case: one step quotes it, the
    others ask for the local plan; a case split across chunks (or told by its card) is one case."""
    kb = documents_home(tmp_path_factory.mktemp("one-case"), {**UNRELATED, "成都积水.txt": ONE_CASE})
    drafter = Drafter(kb)
    draft = drafter.proposal(ROAD_FLOODING, city="深圳")
    applied = _applied(draft)
    assert applied, _texts(draft)
    cases = [(r.doc, r.section) for t in applied for r in _cited(draft, t)]
    assert len(cases) == len(set(cases)) and sum("成都" in t for t in applied) == 1, applied
    assert sum(1 for b in draft.section(STEPS).blocks if b.kind == "placeholder") == 1

    from assistant.drafting import _Citer
    from assistant.retrieve import RetrievedChunk

    citer = _Citer(kb.index.vocab, "深圳")
    part = {"source": "成都积水.txt", "section": "一、建设历程", "kind": "text"}
    first, second = (RetrievedChunk(i, "2023年，成都市建成平台。", dict(part), 1.0) for i in ("a", "b"))
    card = RetrievedChunk("c", "案例：成都积水预警", {"kind": "case", "case_id": "cd-1", "case_city": "成都",
                                                  "source_doc": "成都积水.txt", "source_section": "一、建设历程"}, 1.0)
    keys = [drafter._case_keys(citer, c, c.text) - {c.id} for c in (first, second, card)]
    assert keys[0] == keys[1] == keys[2], keys


def test_a_corpus_of_unrelated_cases_leaves_the_steps_to_the_placeholder(tmp_path_factory):
    """Nothing on road flooding: no step quotes the street demo, the parking or the one-stop
    service; the section's single placeholder asks for all three steps."""
    kb = documents_home(tmp_path_factory.mktemp("unrelated"), UNRELATED)
    draft = Drafter(kb).proposal(ROAD_FLOODING, city="深圳")
    assert _applied(draft) == [], _texts(draft)
    holders = [b.text for b in draft.section(STEPS).blocks if b.kind == "placeholder"]
    assert len(holders) == 1 and all(need in holders[0] for *_, need in THREE_STEPS), holders
