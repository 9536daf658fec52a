import pytest

from pipeline.components.entities import zh_to_number


def _labels(ents):
    return [(e.text, e.label) for e in ents]


@pytest.mark.parametrize(
    "text, value, bound",
    [("给予最高10万元奖励", 100_000, "max"), ("处以五千元以下罚款", 5_000, "max"),
     ("补贴不低于1.5万元", 15_000, "min"), ("资助500万元", 5_000_000, "exact")],
)
def test_money_value_and_bound(entities, text, value, bound):
    money = [e for e in entities(text) if e.label == "MONEY"]
    assert len(money) == 1 and money[0].value == value and money[0].bound == bound


def test_dates_and_documents(entities):
    ents = entities("根据《某市人才发展规划》，2023年6月起每年评选一次，三十日内办结")
    assert ("某市人才发展规划", "DOC") in _labels(ents)
    dates = {e.text: e.norm for e in ents if e.label == "DATE"}
    assert dates == {"2023年6月": "2023-06", "每年": None, "三十日内": None}


def test_org_spans_drop_determiners_and_split_classes(entities):
    ents = _labels(entities("鼓励各类用人单位和我区高校科研院所参与"))
    assert ("用人单位", "ORG") in ents and ("高校", "ORG") in ents and ("科研院所", "ORG") in ents
    assert not any(t.startswith(("各类", "我区")) for t, _ in ents)


def test_named_bodies_and_coordinated_levels(entities):
    ents = _labels(entities("由区、县人事局和北京大学负责"))
    assert ("区、县人事局", "ORG") in ents and ("北京大学", "ORG") in ents


def test_talent_needs_a_qualifier(entities):
    ents = _labels(entities("引进一批海外高层次人才，服务各类人才"))
    assert ("海外高层次人才", "TALENT") in ents
    assert not any(t in ("人才", "各类人才") for t, _ in ents)


def test_quoted_programmes(entities):
    ents = _labels(entities("实施“光谷英才计划”，通过“一事一议”方式给予支持"))
    assert ("光谷英才计划", "PROGRAM") in ents and ("一事一议", "PROGRAM") in ents


def test_entities_never_overlap_and_slice_the_text(entities):
    text = "依托武汉大学、中科院武汉分院等高校院所，建设人才创新创业服务中心（东湖），吸引海外优秀人才"
    ents = entities(text)
    for e in ents:
        assert text[e.start : e.end] == e.text
    spans = sorted((e.start, e.end) for e in ents)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("text, number", [("500", 500), ("五千", 5000), ("十", 10), ("三万五千", 35000), ("1.5", 1.5)])
def test_zh_to_number(text, number):
    assert zh_to_number(text) == number


def test_level_words_stay_in_organisation_names(entities):
    ents = _labels(entities("县级以上人民政府应当统筹人才公寓建设"))
    assert ("县级以上人民政府", "ORG") in ents


def test_a_bracketed_alternative_is_not_part_of_the_name(entities):
    assert ("大学", "ORG") not in _labels(entities("具有国家重点大学（或学科）工作经历"))
    assert all("或学科" not in t for t, _ in _labels(entities("具有国家重点大学（或学科）工作经历")))


def test_coordinated_levels_with_a_bracketed_level(entities):
    ents = _labels(entities("市、区（市）人民政府应当保障用地"))
    assert ("市、区（市）人民政府", "ORG") in ents


def test_sectors_are_not_bodies(entities):
    assert ("部门", "ORG") not in _labels(entities("鼓励人才向重点行业、部门流动"))
    assert ("部门", "ORG") in _labels(entities("由有关部门负责"))


def test_whole_jurisdiction_words_are_dropped_and_incubators_are_not_firms(entities):
    ents = _labels(entities("全市社区养老服务机构招聘护士，改造科技企业孵化器"))
    assert ("社区养老服务机构", "ORG") in ents
    assert ("科技企业", "ORG") not in ents


def test_person_categories_are_talent(entities):
    ents = _labels(entities("对来市创业的港澳青年和博士研究生给予补贴，留学人员可申请落户，青年和学生除外"))
    assert ("港澳青年", "TALENT") in ents and ("博士研究生", "TALENT") in ents
    assert ("留学人员", "TALENT") in ents  # a category in its own right
    assert ("青年", "TALENT") not in ents and ("学生", "TALENT") not in ents  # bare


def test_periods_relative_dates_and_issue_days(entities):
    dates = {e.text for e in entities("工作满2年的，补贴最长不超过3年，当年申报，自印发之日起施行") if e.label == "DATE"}
    assert dates == {"满2年", "最长不超过3年", "当年", "印发之日"}


def test_a_place_glued_to_a_motion_verb(entities):
    locs = [e.text for e in entities("支持留学人员来京创业，回国后") if e.label == "LOC"]
    assert locs == ["京"]


def test_a_dictionary_word_ending_in_a_head_keeps_its_verb_like_start(entities):
    # 保障局 is one jieba word whose first part (保障) is a verb: the name is not cut to 局
    ents = _labels(entities("申请人向省人力资源社会保障局提交材料"))
    assert ("省人力资源社会保障局", "ORG") in ents


def test_a_preposition_glued_onto_the_level_stays_out_of_the_name(entities):
    ents = _labels(entities("材料经市人力社保局审核后，企业也可向市科技局申请"))
    assert ("市人力社保局", "ORG") in ents and ("市科技局", "ORG") in ents


@pytest.mark.parametrize(
    "text, span",
    [("对全日制硕士、博士研究生发放补贴", "全日制硕士、博士研究生"),
     ("引进硕士及以上研究生的", "硕士及以上研究生"),
     ("引进国家级和省级领军人才", "国家级和省级领军人才"),
     ("由县或者乡、镇人民政府审核", "县或者乡、镇人民政府")],
)
def test_conjuncts_sharing_one_head_are_one_entity(entities, text, span):
    assert span in [t for t, _ in _labels(entities(text))]


def test_complete_names_in_a_coordination_stay_apart(entities):
    spans = [t for t, _ in _labels(entities("表彰劳动模范和工匠人才，联合武汉大学、华中科技大学"))]
    assert "工匠人才" in spans and "劳动模范和工匠人才" not in spans
    assert "华中科技大学" in spans and not any("、" in t for t in spans)


def test_a_department_named_for_two_fields_is_one_name(entities):
    spans = [t for t, _ in _labels(entities("由区住房和城乡建设局会同区人力资源和社会保障局审核"))]
    assert "区住房和城乡建设局" in spans and "区人力资源和社会保障局" in spans
    spans = [t for t, _ in _labels(entities("落实党中央和省委的部署"))]
    assert "党中央和省委" not in spans


def test_adjacent_place_names_are_one_place_and_a_place_is_no_carrier(entities):
    ents = _labels(entities("支持粤港澳大湾区企业在香港设立研发中心"))
    assert ("粤港澳大湾区", "LOC") in ents and ("香港", "LOC") in ents
    assert not any(lab == "PLATFORM" and t == "香港" for t, lab in ents)


def test_named_systems_and_websites_are_platforms(entities):
    ents = _labels(entities("通过“人才服务申报系统”提交，或登录某市人才网站查询"))
    assert ("人才服务申报系统", "PLATFORM") in ents


def test_a_determiner_after_a_level_stays_in_the_name(entities):
    ents = _labels(entities("市有关部门定期举办交流活动，相关部门应当配合"))
    assert ("市有关部门", "ORG") in ents  # GUIDELINES 8: inside a name it stays
    assert ("部门", "ORG") in ents and ("相关部门", "ORG") not in ents  # opening the span: dropped


def test_professions_with_a_qualifier_are_talent(entities):
    ents = _labels(entities("对中青年教师和医务工作者给予补贴，教师除外"))
    assert ("中青年教师", "TALENT") in ents and ("医务工作者", "TALENT") in ents
    assert ("教师", "TALENT") not in ents  # bare


@pytest.mark.parametrize("line, label, pieces", [
    # a preposition or adverb breaks a name: the piece ending in a head stays
    ("区人社局按照区政府要求办理", "ORG", ["区人社局"]),
    ("甲市科技局向乙市财政局", "ORG", ["甲市科技局", "乙市财政局"]),
    # a 、 between complete names breaks the span; between modifiers of one head it does not
    ("甲大学、乙学院", "ORG", ["甲大学", "乙学院"]),
    ("硕士、博士研究生", "TALENT", ["硕士、博士研究生"]),
    ("国家级和省级孵化器", "ORG", ["国家级和省级孵化器"]),
    # a conjunction word breaks the span only after a complete name
    ("区属高校及科研机构", "ORG", ["区属高校", "科研机构"]),
    ("甲市人力资源和社会保障局", "ORG", ["甲市人力资源和社会保障局"]),
    # a quote the span does not pair breaks it; a paired one is part of the name
    ("“理工类毕业生", "TALENT", ["理工类毕业生"]),
    ("研究生”最高", "TALENT", ["研究生"]),
    ("“甲计划”建设高校", "ORG", ["“甲计划”建设高校"]),
])
def test_a_tagger_span_is_cut_where_a_name_cannot_go_on(entity_rules, tokenizer, line, label, pieces):
    from pipeline.components.entities import split_span

    spans = split_span(line, (0, len(line), label), tokenizer.tokens(line), entity_rules)
    assert [line[s:e] for s, e, _ in spans] == pieces and all(lab == label for *_, lab in spans)


@pytest.mark.parametrize("line, kept", [("青年", False), ("满三年", True), ("2020年", True), ("当年", True)])
def test_a_tagger_date_needs_a_numeral_or_a_date_pattern(entity_rules, tokenizer, line, kept):
    from pipeline.components.entities import split_span

    assert split_span(line, (0, len(line), "DATE"), tokenizer.tokens(line), entity_rules) == (
        [(0, len(line), "DATE")] if kept else [])


@pytest.mark.parametrize("text, name", [
    ("区、县财政局负责组织实施", "区、县财政局"),
    ("省和设区的市人民政府负责统筹", "省和设区的市人民政府"),
])
def test_conjoined_levels_sharing_the_head_are_one_org(entities, entity_rules, text, name):
    from pipeline.components.entities import join_levels

    orgs = [e.text for e in join_levels(text, entities(text), entity_rules) if e.label == "ORG"]
    assert orgs == [name]
    assert [e.text for e in join_levels("甲大学、乙学院", entities("甲大学、乙学院"), entity_rules)] == \
        [e.text for e in entities("甲大学、乙学院")]  # complete names stay apart


def test_the_issuing_districts_abbreviation_after_a_motion_verb_is_a_place(entity_rules, tokenizer):
    from pipeline.components.entities import home_abbreviation, home_places

    home = home_abbreviation(["甲市富阳区财政局"], entity_rules)
    assert home == ("富", "富阳") and home_abbreviation(["北京市财政局"], entity_rules) is None

    def places(line):
        return [e.text for e in home_places(line, tokenizer.tokens(line), [], home, entity_rules)]

    assert places("毕业后来富就业") == ["富"] and places("在富缴纳社会保险") == ["富"]
    assert places("来富阳工作") == [] and places("在富有活力的企业") == []


@pytest.mark.parametrize("text, names", [
    ("受聘到文化、体育、旅游等事业单位工作", ["文化、体育、旅游等事业单位"]),  # modifiers of one head
    ("鼓励高校、科研院所等单位参与", ["高校", "科研院所", "单位"]),  # complete names stay apart
    ("引进金融、文创等现代服务业人才", ["现代服务业人才"]),  # instances of the name's own modifier
    ("卫生等单位", ["单位"]),  # one word before 等 is no list
])
def test_modifiers_listed_before_a_one_word_name_share_it(entities, entity_rules, tokenizer, text, names):
    from pipeline.components.entities import join_conjuncts

    found = join_conjuncts(text, tokenizer.tokens(text), entities(text), entity_rules)
    assert [e.text for e in found if e.label in ("ORG", "TALENT")] == names


def test_a_listed_term_the_tagger_missed_comes_back_unless_it_is_short():
    from pipeline.components.tagger import restore_terms

    rule = [(0, 4, "ORG"), (5, 7, "ORG"), (8, 12, "INDUSTRY"), (13, 17, "ORG")]
    terms = [(0, 4, "ORG"), (5, 7, "ORG"), (8, 12, "INDUSTRY"), (13, 17, "ORG")]
    tagged = [(14, 18, "ORG")]  # the tagger's own span over the last term
    assert restore_terms(tagged, rule, terms, frozenset({"ORG"}), 4) == [(0, 4, "ORG"), (14, 18, "ORG")]
    assert restore_terms(tagged, rule, [], frozenset({"ORG"}), 4) == tagged  # a span of the chunker, not a term


def test_a_verbal_noun_sits_inside_a_name_but_does_not_open_one(entities):
    ents = _labels(entities("由县教育行政部门负责，建设研发机构，并由高校的运营管理机构配合"))
    assert ("县教育行政部门", "ORG") in ents and ("运营管理机构", "ORG") in ents  # 教育, 运营: jieba's vn
    assert not any(t.startswith("建设") for t, _ in ents)  # a verbal noun opening the phrase is its verb
