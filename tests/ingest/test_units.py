"""Evidence units: enumerations stay whole with their lead-in, a table row comes with its
caption and header, outlines list a heading's subheadings, card labels are not units."""
from __future__ import annotations

from ingest.chunk import chunk_sections
from assistant.evidence import display_unit
from ingest.loaders import Page
from ingest.structure import split_sections
from ingest.units import chunk_units, text_units


def kinds(units, kind):
    return [u for u in units if u.kind == kind]


def test_yi_shi_er_shi_enumeration_is_one_unit_with_its_lead():
    text = "报告提出系统推进场景开发需具备三方面能力：一是构建城市数智化底座；二是建立“三维”场景识别标准；三是绘制“四类”场景图谱。"
    units = text_units(text)
    [lst] = kinds(units, "list")
    assert lst.lead == "报告提出系统推进场景开发需具备三方面能力："
    assert lst.items == ("一是构建城市数智化底座；", "二是建立“三维”场景识别标准；", "三是绘制“四类”场景图谱。")
    assert lst.text.startswith(lst.lead) and lst.text.endswith("场景图谱。")
    assert [u.kind for u in units if u.kind != "list"] == ["item", "item", "item"]
    assert not lst.embedded and all(u.embedded for u in units if u.kind == "item")


def test_a_sentence_counting_the_items_is_the_lead_of_the_enumeration_after_it():
    # "…需构建三方面能力。" ends in a full stop, yet announces the 一是… that follows
    text = "背景一句话在这里。报告认为推进场景开发需构建三方面能力。一是构建底座；二是建立标准；三是绘制图谱。"
    units = text_units(text)
    [lst] = kinds(units, "list")
    assert lst.lead == "报告认为推进场景开发需构建三方面能力。" and len(lst.items) == 3
    assert [u.text for u in units if u.kind == "sentence"] == ["背景一句话在这里。"]  # the lead is in the list
    # an enumeration too long to be one unit leaves its lead-in a sentence of its own
    long = "报告认为需构建两方面能力。一是" + "构建底座" * 100 + "；二是" + "建立标准" * 100 + "。"
    units = text_units(long)
    assert not kinds(units, "list") and "报告认为需构建两方面能力。" in [u.text for u in kinds(units, "sentence")]
    assert all(u.lead == "报告认为需构建两方面能力。" for u in kinds(units, "item"))


def test_numbered_lines_and_announced_lists_across_lines():
    text = "主要包括以下三个方面：\n（1）统一规划；\n（2）统一标准；\n（3）统一运维。\n此后另起一段。"
    [lst] = kinds(text_units(text), "list")
    assert lst.lead == "主要包括以下三个方面：" and len(lst.items) == 3
    assert any(u.kind == "sentence" and u.text == "此后另起一段。" for u in text_units(text))


def test_an_enumeration_whose_items_are_elaborated_is_one_list_of_their_opening_sentences():
    text = ("报告认为需构建三方面能力。\n一是统筹管理。审批分散在多个部门，难以统筹。\n"
            "二是数据共享。各部门各自为政。\n三是持续运营。考核只看验收。\n此后另起一段。\n一是新的话题。")
    units = text_units(text)
    [heads] = [u for u in kinds(units, "list") if len(u.items) == 3]
    assert heads.lead == "报告认为需构建三方面能力。"
    assert heads.items == ("一是统筹管理。", "二是数据共享。", "三是持续运营。")
    # the sentences and paragraphs are still there; a lone 一是 or a list read whole makes no second list
    assert "一是统筹管理。审批分散在多个部门，难以统筹。" in [u.text for u in kinds(units, "paragraph")]
    assert "三是持续运营。" in [u.text for u in units if u.kind != "list"]
    assert len(kinds(text_units("一是甲事项。\n二是乙事项。\n三是丙事项。"), "list")) == 1
    skipped = text_units("一是甲事项。说明。\n三是丙事项。说明。")
    assert not kinds(skipped, "list")  # 一 then 三: not one enumeration


def test_different_numbering_families_are_different_lists():
    text = "一是架构审查。二是安全审查。第二步实施模块化组装。第三步构建反馈闭环。"
    lists = kinds(text_units(text), "list")
    assert [u.items for u in lists] == [("一是架构审查。", "二是安全审查。"), ("第二步实施模块化组装。", "第三步构建反馈闭环。")]


def test_table_rows_carry_caption_and_header_and_fill_merged_cells():
    text = "表1 场景示例\n场景类别\t典型场景名称\t价值解读\n公共安全\t独居老人智能报警\t水电数据异常触发预警。\n\t井盖位移报警\t实时监测井盖状态。"
    rows = chunk_units(text, "table")
    assert [r.kind for r in rows] == ["row", "row"]
    assert rows[1].text.split("\t")[0] == "公共安全"  # the merged first cell, taken from the row above
    shown = display_unit(rows[1])
    assert shown == "表1 场景示例——场景类别：公共安全，典型场景名称：井盖位移报警，价值解读：实时监测井盖状态"
    assert rows[0].embed_text.startswith("表1 场景示例")  # embedded with its header: cells mean nothing alone


def test_headings_start_their_section_and_outlines_list_subheadings():
    raw = "四、发展趋势\n\n（一）人工智能突破技术奇点\n\nAI深度嵌入城市管理。\n\n（二）数字孪生城市加速成熟\n\n孪生城市用于推演。"
    chunks = chunk_sections(split_sections([Page(None, raw)]))
    outline = next(c for c in chunks if c.kind == "outline")
    assert outline.text == "四、发展趋势\n（一）人工智能突破技术奇点\n（二）数字孪生城市加速成熟"
    [lst] = kinds(chunk_units(outline.text, "outline", outline.section), "list")
    assert lst.lead == "四、发展趋势" and len(lst.items) == 2
    first = next(c for c in chunks if c.section.endswith("（一）人工智能突破技术奇点"))
    units = chunk_units(first.text, first.kind, first.section)
    assert units[0].kind == "heading" and units[1].text == "AI深度嵌入城市管理。"


def test_case_card_label_lines_are_not_units():
    card = "案例：合肥预算预留\n地区：合肥（安徽） 年份：2025 领域：制度机制\n合肥在市级政府投资项目中预留5%预算。\n技术：无"
    units = chunk_units(card, "case")
    assert [u.text for u in units] == ["合肥在市级政府投资项目中预留5%预算。"]


def test_short_paragraph_is_also_a_unit():
    units = text_units("沙坪坝街道归集8.6万条数据。通过数字驾驶舱实现事件处置效率提升80%。")
    [para] = kinds(units, "paragraph")
    assert para.items == ("沙坪坝街道归集8.6万条数据。", "通过数字驾驶舱实现事件处置效率提升80%。")


def test_a_row_wrapped_inside_a_title_is_read_as_one_sentence():
    # a plain-text table whose policy titles wrap over lines, as text extracted from a PDF table
    text = ("表5 各地试点政策\n地区 政策名称 主要内容\n"
            "苏州《苏州市公共数据授权运营\n试点实施方\n案》在交通、医疗、水务等领域选取授权运营试点单位。\n"
            "杭州《杭州市数据资源管理办法》明确数据资源目录的编制要求。")
    units = [u for u in chunk_units(text, "table") if u.kind == "sentence"]
    texts = [u.text for u in units]
    assert "苏州《苏州市公共数据授权运营试点实施方案》在交通、医疗、水务等领域选取授权运营试点单位。" in texts
    assert not any(t.startswith(("试点实施方", "案》")) for t in texts)
    assert next(u for u in units if u.text.startswith("苏州")).para == 2
    # a bracket never closed joins no more than a few lines
    stray = "《未闭合的书名\n" + "\n".join(f"第{i}行内容说明。" for i in range(8))
    assert len(text_units(stray)) >= 4
