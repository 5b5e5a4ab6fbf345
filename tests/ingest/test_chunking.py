"""Structure and chunking: headings, tables and boxes, sentence ends, section paths."""
from __future__ import annotations

from ingest.chunk import chunk_sections, split_sentences
from ingest.loaders import Page
from ingest.structure import heading_level, split_sections
from tests.docmaker import POLICY_TEXT


def test_heading_kinds_and_levels():
    assert heading_level("第三章 保障措施")[0] == 1
    assert heading_level("三、构建城市数字新场景开发培育新路径")[0] == 2
    assert heading_level("（三）系统设计：开展“五阶”架构设计")[0] == 3
    assert heading_level("(四)分类实施")[0] == 3
    assert heading_level("1.2025年数字场景创新迈入规模化部署新阶段")[0] == 4
    assert heading_level("（1）明确责任分工")[0] == 5
    assert heading_level("## 城市场景创新『大比拼』") == (2, "城市场景创新『大比拼』")
    assert heading_level("# 一、总体要求") == (2, "一、总体要求")  # Chinese numbering wins
    assert heading_level("一是赋能提升民生服务“温情”。系统推进数字公共服务体系") is None
    assert heading_level("1.8万亿元的投资规模说明产业正在扩张") is None
    assert heading_level("三、重点任务要求各部门于年底前完成。") is None


def test_sections_carry_heading_paths():
    sections = split_sections([Page(None, POLICY_TEXT)])
    paths = [s.path_text for s in sections]
    assert "一、总体要求 / （一）工作目标" in paths
    assert "二、重点任务 / （二）完善资金保障" in paths
    box = next(s for s in sections if s.kind == "box")
    assert box.path == ["二、重点任务", "（二）完善资金保障", "专栏1临江区智慧停车试点"]
    assert "2.6万个" in box.paragraphs[0]
    # the heading after a box closes it
    assert sections[-1].path == ["三、保障措施"] and sections[-1].kind == "text"


def test_chunks_end_at_sentence_ends_and_stay_in_their_section():
    para = "".join(f"第{i}项任务要求各区按期完成建设并提交验收材料。" for i in range(1, 30))
    raw = f"一、任务\n\n{para}\n\n二、保障\n\n保障措施很短。"
    chunks = chunk_sections(split_sections([Page(None, raw)]), target=120, max_chars=300)
    first = [c for c in chunks if c.section == "一、任务"]
    assert len(first) > 2
    assert all(c.text.endswith("。") and len(c.text) <= 310 for c in first)
    # nothing lost, nothing repeated; the section's first chunk starts with its heading
    assert "".join(c.text for c in first) == "一、任务\n" + para
    assert chunks[-1].section == "二、保障" and chunks[-1].text == "二、保障\n保障措施很短。"


def test_split_sentences_keeps_closing_quotes():
    assert split_sentences("他说：“要快。”然后离开；再见！好吗？") == ["他说：“要快。”", "然后离开；", "再见！", "好吗？"]


def test_tab_table_stays_whole_with_header_and_continued_rows():
    raw = ("2.深化“制度变革驱动-小切口”场景\n\n说明文字。\n\n表2 “制度变革驱动-小切口”场景示例\n"
           "场景类别\t典型场景名称\t价值解读\n政务服务\t电子证照共享机制\t减少群众跑腿次数，\n"
           "\n实现“零材料”提交。\n基层治理\t数据一次采集\t规定上级部门不得重复索要数据。\n来源：中国信息通信研究院\n\n后续正文。")
    sections = split_sections([Page(None, raw)])
    table = next(s for s in sections if s.kind == "table")
    assert table.paragraphs[0] == "场景类别\t典型场景名称\t价值解读"
    assert table.paragraphs[1] == "政务服务\t电子证照共享机制\t减少群众跑腿次数，实现“零材料”提交。"
    chunks = chunk_sections(sections)
    t = [c for c in chunks if c.kind == "table"]
    assert len(t) == 1
    assert t[0].text.startswith("表2“制度变革驱动-小切口”场景示例\n场景类别\t典型场景名称\t价值解读")
    assert "后续正文" not in t[0].text


def test_blank_line_after_a_complete_row_ends_the_table():
    """DOCX, spreadsheets and slides put a blank line after a table: the body text that
    follows is a paragraph of the section again, not the last row's continuation."""
    raw = "一、情况\n城市\t数量\n杭州\t12\n\n杭州的做法值得推广。\n第二段正文。"
    sections = split_sections([Page(None, raw)])
    assert [(s.kind, s.path, s.paragraphs) for s in sections] == [
        ("table", ["一、情况"], ["城市\t数量", "杭州\t12"]),
        ("text", ["一、情况"], ["杭州的做法值得推广。", "第二段正文。"]),
    ]


def test_large_table_splits_into_row_groups_that_repeat_the_header():
    rows = "\n".join(f"城市{i}\t政策{i}\t内容很长的一段说明文字用来撑大表格第{i}行。" for i in range(60))
    raw = f"表 3 各地政策\n地区\t政策名称\t主要内容\n{rows}\n来源：整理"
    chunks = chunk_sections(split_sections([Page(None, raw)]), target=300, max_chars=500)
    assert len(chunks) > 3
    for c in chunks:
        assert c.kind == "table" and len(c.text) <= 500
        assert c.text.startswith("表3各地政策\n地区\t政策名称\t主要内容")
    body_rows = [line for c in chunks for line in c.text.split("\n")[2:]]
    assert len(body_rows) == 60


def test_space_aligned_table_rows():
    raw = ("表 3 各地公共数据授权运营发展政策\n地区 政策名称\n北京 《北京市公共数据专区授权运营管理办法（试行）》\n"
           "杭州 《杭州市公共数据授权运营实施方案》\n来源：中国信息通信研究院整理")
    table = split_sections([Page(None, raw)])[0]
    assert table.kind == "table"
    assert table.paragraphs == ["地区 政策名称", "北京 《北京市公共数据专区授权运营管理办法（试行）》",
                                "杭州 《杭州市公共数据授权运营实施方案》"]


def test_box_stays_whole_when_it_fits_and_splits_between_paragraphs_when_not():
    small = "专栏 2 创新资源配置\n\n无锡实施清单绑定。\n\n合肥实施预算预留。\n\n二、下一节\n\n正文。"
    chunks = chunk_sections(split_sections([Page(None, small)]))
    boxes = [c for c in chunks if c.kind == "box"]
    assert len(boxes) == 1 and boxes[0].text == "专栏2创新资源配置\n无锡实施清单绑定。\n合肥实施预算预留。"
    big_paras = ["无锡" + "实施清单绑定与分档奖励政策。" * 20, "合肥" + "实施预算预留与容错豁免。" * 20]
    big = "专栏 2 创新资源配置\n\n" + "\n\n".join(big_paras)
    chunks = chunk_sections(split_sections([Page(None, big)]), target=300, max_chars=400)
    assert {c.kind for c in chunks} == {"box"}
    assert all(c.section == "专栏2创新资源配置" for c in chunks)
    assert chunks[0].text.startswith("专栏2创新资源配置\n无锡") and any(c.text.startswith("合肥") for c in chunks)


def test_pdf_pages_reach_chunk_metadata():
    pages = [Page(1, "一、总体要求\n第一页的内容说明。"), Page(2, "二、重点任务\n第二页的任务内容。")]
    chunks = chunk_sections(split_sections(pages))
    assert [(c.section, c.page) for c in chunks] == [("一、总体要求", 1), ("二、重点任务", 2)]


def test_seed_structure(seeds_dir):
    """The seed with the richest structure: chapters, boxes and tables are all found."""
    from ingest.loaders import load_document

    doc = load_document(seeds_dir / "000_daa89020ecb01e97.txt")
    sections = split_sections(doc.pages)
    kinds = {s.kind for s in sections}
    assert kinds == {"text", "box", "table"}
    assert sum(1 for s in sections if s.kind == "table") == 4
    assert sum(1 for s in sections if s.kind == "box") == 6
    assert any(s.path_text.startswith("三、构建城市数字新场景开发培育新路径 / （三）系统设计") for s in sections)
