"""Structure (GUIDELINES 2) and statements (GUIDELINES 3)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.segment import parse_number


@pytest.mark.parametrize(
    "text, number",
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零三", 103),
     ("一〇五", 105), ("12", 12), ("③", 3), ("两百", 200)],
)
def test_parse_number(text, number):
    assert parse_number(text) == number


def _structure(make_doc, segment, raw):
    doc = make_doc(raw)
    provisions, statements = segment(doc)
    return doc, provisions, statements


def test_opinion_with_parts_and_running_article_numbers(make_doc, segment):
    raw = (
        "为加快人才发展，现提出如下意见。\n"
        "一、总体要求\n坚持党管人才原则，统筹推进人才队伍建设。\n"
        "二、重点任务\n1.加快集聚顶尖人才。坚持高端引领；靶向引进人才。\n2.精准引进产业人才。\n"
        "三、保障措施\n3.完善工作格局。\n"
    )
    doc, provs, stmts = _structure(make_doc, segment, raw)
    assert [(p.level, p.number, p.heading) for p in provs] == [
        ("preamble", 0, ""), ("part", 1, "总体要求"), ("part", 2, "重点任务"),
        ("article", 1, "加快集聚顶尖人才"), ("article", 2, "精准引进产业人才"),
        ("part", 3, "保障措施"), ("article", 3, "完善工作格局"),
    ]
    by_id = {p.provision_id: p for p in provs}
    assert by_id["part 3/article 3"].parent == "part 3"
    assert [s.text for s in stmts] == [
        "为加快人才发展，现提出如下意见", "坚持党管人才原则，统筹推进人才队伍建设",
        "加快集聚顶尖人才", "坚持高端引领", "靶向引进人才", "精准引进产业人才", "完善工作格局",
    ]
    part2 = by_id["part 2"]
    assert part2.text.startswith("二、重点任务") and part2.text.endswith("精准引进产业人才")
    assert by_id["part 2/article 1"].text == "1.加快集聚顶尖人才。坚持高端引领；靶向引进人才"


def test_regulation_with_chapters_sections_items_and_paragraphs(make_doc, segment):
    raw = (
        "第一章  总则\n第一条 为了规范管理，制定本条例。\n"
        "第二节 职责\n第二条 市人事局的主要职责是：\n（一）管理人才工作；\n(二)处理争议。\n"
        "区人事局负责本区工作。\n第三条 单位可以：\n（1）招聘人才；\n②培训人才。\n"
        "第二章 附则\n第四条 本条例自公布之日起施行。\n"
    )
    _, provs, stmts = _structure(make_doc, segment, raw)
    assert [(p.level, p.number) for p in provs] == [
        ("chapter", 1), ("section", 1), ("part", 2), ("section", 2), ("item", 1), ("item", 2),
        ("section", 3), ("item", 1), ("item", 2), ("chapter", 2), ("section", 4),
    ]
    items = [(p.provision_id, p.parent) for p in provs if p.level == "item"]
    assert items == [  # items are siblings under their article, never nested in each other
        ("chapter 1/part 2/section 2/item 1", "chapter 1/part 2/section 2"),
        ("chapter 1/part 2/section 2/item 2", "chapter 1/part 2/section 2"),
        ("chapter 1/part 2/section 3/item 1", "chapter 1/part 2/section 3"),
        ("chapter 1/part 2/section 3/item 2", "chapter 1/part 2/section 3"),
    ]
    para = next(s for s in stmts if s.text == "区人事局负责本区工作")
    assert para.provision_id == "chapter 1/part 2/section 2"  # a 款 after the items belongs to the article
    assert "市人事局的主要职责是" in [s.text for s in stmts]
    assert not any(s.text in ("总则", "职责", "附则") for s in stmts)


def test_a_list_under_a_lead_in_nests_in_any_marker_order(make_doc, segment):
    # GUIDELINES 8: levels follow the marker, nesting follows the document (（一） → 1. here)
    raw = ("第五条 符合下列条件之一的人员，可以申请入户：\n（一）甲类人员：\n1.取得高级职称；\n2.年龄在四十五周岁以下。\n"
           "（二）乙类人员：\n1.取得中级职称。\n第六条 申请人应当提交材料。\n")
    _, provs, _ = _structure(make_doc, segment, raw)
    assert [(p.provision_id, p.level, p.parent) for p in provs] == [
        ("section 5", "section", None),
        ("section 5/item 1", "item", "section 5"),
        ("section 5/item 1/article 1", "article", "section 5/item 1"),
        ("section 5/item 1/article 2", "article", "section 5/item 1"),
        ("section 5/item 2", "item", "section 5"),
        ("section 5/item 2/article 1", "article", "section 5/item 2"),
        ("section 6", "section", None),
    ]


def test_paren_numbers_under_a_part_are_sections(make_doc, segment):
    raw = "一、人才引进\n（一）高层次人才引进支持\n对顶尖人才给予奖励。\n（二）青年人才\n给予补贴。\n"
    _, provs, stmts = _structure(make_doc, segment, raw)
    assert [(p.level, p.number, p.parent) for p in provs] == [
        ("part", 1, None), ("section", 1, "part 1"), ("section", 2, "part 1")]
    # v1.1: a numbered noun phrase under a part is a statement; the part heading is not
    assert [(s.provision_id, s.text) for s in stmts] == [
        ("part 1/section 1", "高层次人才引进支持"), ("part 1/section 1", "对顶尖人才给予奖励"),
        ("part 1/section 2", "青年人才"), ("part 1/section 2", "给予补贴")]


def test_inline_enumeration_is_not_a_provision(make_doc, segment):
    _, provs, _ = _structure(make_doc, segment, "一是加强领导，二是完善机制。\n2022年起实施。\n1.5万元的补贴。\n")
    assert [p.level for p in provs] == ["preamble"]


def test_fullwidth_digits_number_articles(make_doc, segment):
    _, provs, _ = _structure(make_doc, segment, "一、任务\n１．加快引进人才。\n１２．完善政策。\n")
    assert [(p.level, p.number) for p in provs][1:] == [("article", 1), ("article", 12)]


_LINES = st.sampled_from([
    "第一章 总则", "第十二条 为了促进人才发展，制定本条例。", "一、总体要求", "（一）人才引进",
    "1.加快引进。", "（2）培养人才；", "③服务人才。", "坚持党管人才原则。", "给予奖励；提供服务！",
    "第三节", "。。；", "”", "二、", "  ", "（十）", "附件：1.表", "a,b;c", "第1条内容",
])


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.one_of(_LINES, st.text(max_size=30)), min_size=1, max_size=25))
def test_offsets_always_slice_the_document_text(make_doc, segment, lines):
    doc = make_doc("\n".join(lines))
    provisions, statements = segment(doc)
    ids = [p.provision_id for p in provisions]
    assert len(ids) == len(set(ids))
    for rec in [*provisions, *statements]:
        assert doc.text[rec.start : rec.end] == rec.text
        assert 0 <= rec.start <= rec.end <= len(doc.text)
    for s in statements:
        assert s.provision_id in ids and s.text.strip()
    for p in provisions:
        assert p.parent is None or p.parent in ids
