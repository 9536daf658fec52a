import pytest

from pipeline.components.modality import classify_modality, main_clause_start


@pytest.mark.parametrize(
    "text, modality",
    [
        ("不得擅自转租人才公寓", "prohibition"),
        ("鼓励企业设立博士后科研工作站", "encouragement"),
        ("对新引进的顶尖人才给予最高500万元安家补贴", "commitment"),
        ("用人单位可以自主确定高层次人才的薪酬", "permission"),
        ("探索建立人才积分管理制度", "exploration"),
        ("为了促进人才发展，结合本区实际，制定本办法", "declaration"),
        ("本办法所称青年人才，是指年龄不超过35周岁的人才", "declaration"),
        ("加快建设国际人才社区", "obligation"),
        ("区人社部门应当在十个工作日内办结", "obligation"),
        ("支持高校利用自身资源建设众创空间", "encouragement"),
        ("围绕主导产业，聚焦关键领域，精准引进一批领军人才", "obligation"),
    ],
)
def test_primary_modality(triggers, text, modality):
    assert classify_modality(text, triggers).modality == modality


def test_a_condition_clause_is_skipped(triggers):
    tag = classify_modality("用人单位违反合同约定，给人才造成损失的，应当依法赔偿", triggers)
    assert tag.modality == "obligation" and tag.main.text == "应当"


def test_a_modal_outranks_a_directive_word_in_the_subject(triggers):
    # 建设 sits in the subject; the statement forbids something
    assert classify_modality("承担重大建设项目的技术人员，未经批准不得离岗", triggers).modality == "prohibition"


def test_other_classes_go_to_also(triggers):
    tag = classify_modality("探索设立人才基金，对入选项目给予资助", triggers)
    assert tag.modality == "exploration" and "commitment" in tag.also


def test_items_inherit_the_lead_in(triggers):
    assert classify_modality("泄露单位的技术秘密", triggers, leadin="prohibition").modality == "prohibition"
    # an item with a modal of its own keeps it
    assert classify_modality("可以委托中介机构办理", triggers, leadin="prohibition").modality == "permission"


def test_sanctions_are_obligations_not_commitments(triggers):
    assert classify_modality("由主管部门责令改正，并予以处罚", triggers).modality == "obligation"


def test_main_clause_start_skips_purpose_and_conditions(triggers):
    text = "为优化服务，对符合条件的，应当予以办理"
    purpose_end, main = main_clause_start(text, triggers)
    assert text[purpose_end:].startswith("对符合条件的") and text[main:].startswith("应当")


def test_trigger_offsets_slice_the_text(triggers):
    text = "鼓励用人单位建立人才公寓，并给予补贴"
    for t in classify_modality(text, triggers).triggers:
        assert text[t.start : t.end] == t.text


def test_a_coordinated_modal_does_not_replace_the_directive(triggers):
    tag = classify_modality("对违规机构，依法予以取缔，并可以处以罚款", triggers)
    assert tag.modality == "obligation"


def test_scope_of_services_is_permission_and_items_inherit_it(triggers):
    lead = classify_modality("中介机构的业务范围是", triggers).modality
    assert lead == "permission"
    assert classify_modality("举办招聘活动", triggers, leadin=lead).modality == "permission"


def test_a_declaration_lead_in_passes_only_to_items_without_a_trigger(triggers):
    assert classify_modality("对人才给予补贴", triggers, leadin="declaration").modality == "commitment"
    assert classify_modality("出国前已获得硕士学位", triggers, leadin="declaration").modality == "declaration"
    assert classify_modality("出国前已获得硕士学位", triggers).modality == "obligation"


def test_innovating_a_mechanism_is_a_directive(triggers):
    assert classify_modality("创新人才评价机制", triggers).modality == "obligation"
    assert classify_modality("创新创业人才享受补贴", triggers).modality != "obligation"


def test_a_statement_without_cue_is_a_prescription_or_a_benefit(triggers):
    # GUIDELINES 8: a numbered noun phrase is obligation, commitment when it names a benefit
    tag = classify_modality("人才公寓", triggers)
    assert (tag.modality, tag.from_rule) == ("obligation", "default")
    assert classify_modality("租房补贴", triggers).modality == "commitment"


def test_a_modal_inside_a_word_is_no_cue(triggers, tokenizer):
    def starts(text):
        return frozenset(t[1] for t in tokenizer.tokens(text))

    text = "人才评价注重市场认可以及业绩考核"  # 认可 / 以及: no 可以
    assert classify_modality(text, triggers).modality == "permission"  # every match, no words
    assert classify_modality(text, triggers, word_starts=starts(text)).modality != "permission"
    text = "只需提交申请表即可"
    assert classify_modality(text, triggers, word_starts=starts(text)).modality != "permission"
    text = "用人单位可以自主确定薪酬"
    assert classify_modality(text, triggers, word_starts=starts(text)).modality == "permission"
    text = "建立健全人才评价机制"  # a directive inside a word still directs
    assert classify_modality(text, triggers, word_starts=starts(text)).modality == "obligation"


@pytest.mark.parametrize("text, modality", [
    ("申请甲类生活补贴的时限为毕业后六个月", "obligation"),  # the benefit a procedure is about
    ("乙类奖励在五个工作日内完成审核", "obligation"),  # …or that a procedure noun follows
    ("对来区工作的博士给予生活补贴", "commitment"),
])
def test_a_benefit_a_procedure_is_about_grants_nothing(triggers, text, modality):
    assert classify_modality(text, triggers).modality == modality


def test_a_modal_jieba_joins_to_an_adverb_still_counts(triggers, tokenizer):
    def starts(text):
        return frozenset(s for _, s, _, _ in tokenizer.tokens(text))

    text = "申请人还应提交下列材料"
    assert "还应" in [w for w, *_ in tokenizer.tokens(text)]  # one jieba word
    tag = classify_modality(text, triggers, word_starts=starts(text))
    assert tag.main is not None and tag.main.text == "应"
    text = "提交材料后即可办理"  # 可 in 即可 is no modal
    assert all(t.text != "可" for t in classify_modality(text, triggers, word_starts=starts(text)).triggers)


@pytest.mark.parametrize("text", [
    "本细则所指的人才是具有专业技术职称的人员",
    "其他类别的毕业生参照执行",
    "原《甲市人才办法》同时废止",
    "本县行政区域内的人才引进工作，适用本办法",
])
def test_definitions_references_and_repeals_are_declarations(triggers, text):
    assert classify_modality(text, triggers).modality == "declaration"


@pytest.mark.parametrize(
    "text, modality",
    [
        ("申请住房补贴的，用人单位还需提供社保缴纳证明", "obligation"),  # 需: a modal of procedures
        ("入选者需每年提供一份工作报告", "obligation"),
        ("根据工作需要，给予一次性安家补贴", "commitment"),  # 需要 is a noun here
        ("确需延期的，可以申请延长一年", "permission"),  # 确需 opens a condition
        ("建立供需对接平台", "obligation"),
    ],
)
def test_xu_is_a_modal_of_necessity(triggers, text, modality):
    assert classify_modality(text, triggers).modality == modality


def test_a_declaration_that_assigns_a_duty_is_an_obligation(triggers):
    tag = classify_modality("本细则自印发之日起施行，由区科技局负责解释", triggers)
    assert tag.modality == "obligation" and "declaration" in tag.also
    assert classify_modality("本细则自印发之日起施行", triggers).modality == "declaration"


def test_a_statement_that_only_names_the_state_to_reach_is_a_declaration(triggers):
    assert classify_modality("形成政府引导、市场主导、社会参与的人才工作格局", triggers).modality == "declaration"
    assert classify_modality("加快建设人才社区，形成人才集聚格局", triggers).modality == "obligation"
