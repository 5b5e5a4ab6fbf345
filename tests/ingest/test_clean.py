"""Cleaning: every noise kind of the seeds' README, on text shaped like the seeds."""
from __future__ import annotations

from ingest.clean import is_figure_caption, is_footnote, is_page_number, is_source_note, normalize_line
from ingest.loaders import Page
from ingest.structure import split_sections


def text_of(raw: str) -> str:
    return "\n".join(p for s in split_sections([Page(None, raw)]) for p in s.paragraphs)


def test_page_number_lines_are_dropped():
    assert is_page_number("1 ") and is_page_number("- 12 -") and is_page_number("第 3 页")
    assert not is_page_number("1.2025年数字场景创新迈入规模化部署新阶段")
    assert text_of("无锡开放了场景机会。\n\n12 \n\n合肥预留了预算。") == "无锡开放了场景机会。\n合肥预留了预算。"


def test_trailing_spaces_and_spaces_between_cjk_and_numbers():
    assert normalize_line("开放 85 个场景机会，规模 1.8 万亿元   ") == "开放85个场景机会，规模1.8万亿元"
    assert normalize_line("2023-2025 年，占比 38%和 31%") == "2023-2025年，占比38%和31%"
    # tabs separate table cells and are kept
    assert normalize_line("政务服务\t教师资格证线上验证") == "政务服务\t教师资格证线上验证"


def test_hard_line_breaks_inside_sentences_are_joined():
    raw = "广东率先在全国开展公共数据资源普查工\n\n作，全省 21 个地市均已完成首轮公共数据资源普查。\n下一段落开始。"
    assert text_of(raw) == "广东率先在全国开展公共数据资源普查工作，全省21个地市均已完成首轮公共数据资源普查。\n下一段落开始。"


def test_footnote_markers_and_footnote_lines():
    assert normalize_line("当年新增场景政策数量占近三年总量的 65%²。") == "当年新增场景政策数量占近三年总量的65%。"
    assert is_footnote("²数据来源：中国信息通信研究院整理测算")
    assert is_footnote("3 数据来源：《全国数商产业发展报告 2023》 ")
    assert not is_footnote("3.数字场景多技术融合占比超八成")
    raw = "占比达到38%³。\n\n³数据来源：中国信息通信研究院整理测算\n\n后文继续。"
    assert text_of(raw) == "占比达到38%。\n后文继续。"


def test_figure_captions_and_source_lines():
    assert is_figure_caption("图1 数字新场景驱动智慧城市建设的价值转化逻辑")
    assert is_figure_caption("图 2“七有”能力要素")
    assert not is_figure_caption("图1显示了价值转化逻辑，城市需求是起点。")
    assert is_source_note("来源：中国信息通信研究院整理绘制")
    raw = "正文第一句。\n\n来源：中国信息通信研究院整理绘制\n\n图1 数字新场景驱动智慧城市建设的价值转化逻辑\n\n正文第二句。"
    assert text_of(raw) == "正文第一句。\n正文第二句。"


def test_markdown_emphasis_is_removed():
    assert normalize_line("具有以下特点：**场景来源是城市治理和服务的真实业务需求。**") == \
        "具有以下特点：场景来源是城市治理和服务的真实业务需求。"


def test_table_of_contents_is_skipped():
    raw = "目 录\n\n一、把握城市数字新场景新内涵\t1\n（一）价值转换器\t1\n二、洞察新实践\t5\n\n一、把握城市数字新场景新内涵\n\n正文在这里。"
    sections = split_sections([Page(None, raw)])
    assert [s.path for s in sections] == [["一、把握城市数字新场景新内涵"]]
    assert sections[0].paragraphs == ["正文在这里。"]
