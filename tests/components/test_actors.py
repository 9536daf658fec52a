from pipeline.components.actors import canonicalise, find_actors
from pipeline.components.modality import classify_modality


def _actors(text, triggers, roles, entities, issuers=("中共某区委", "某区人民政府")):
    tag = classify_modality(text, triggers)
    mentions, implied = find_actors(text, entities(text), tag, roles, list(issuers))
    return {(m.text, m.role) for m in mentions}, implied, tag


def test_encouraged_actor_is_addressee(triggers, roles, entities):
    actors, implied, tag = _actors("鼓励企业设立人才发展基金", triggers, roles, entities)
    assert ("企业", "addressee") in actors and tag.modality == "encouragement" and not implied


def test_lead_and_cooperating_bodies(triggers, roles, entities):
    actors, implied, _ = _actors("由区人社局会同区财政局制定实施细则", triggers, roles, entities)
    assert ("区人社局", "lead") in actors and ("区财政局", "cooperate") in actors
    assert not implied  # the duty has an explicit doer


def test_beneficiary_of_a_benefit(triggers, roles, entities):
    actors, implied, tag = _actors("对引进的高层次人才给予安家补贴", triggers, roles, entities)
    assert ("高层次人才", "beneficiary") in actors and tag.modality == "commitment" and implied


def test_coordinated_subjects_share_the_role(triggers, roles, entities):
    actors, implied, _ = _actors("单位和个人应当遵守本办法", triggers, roles, entities)
    assert {("单位", "responsible"), ("个人", "responsible")} <= actors and not implied


def test_object_made_is_not_an_actor(triggers, roles, entities):
    actors, implied, _ = _actors("设立人才服务机构，须提交下列材料", triggers, roles, entities)
    assert actors == set() and implied


def test_deictic_place_is_not_an_actor(triggers, roles, entities):
    actors, implied, _ = _actors("我区加快建设人才公寓", triggers, roles, entities)
    assert actors == set() and implied


def test_canonical_names_and_types(roles):
    assert canonicalise("区委", roles, ["中共某区委", "某区人民政府"]) == ("中共某区委", "party organ")
    assert canonicalise("区政府", roles, ["中共某区委", "某区人民政府"]) == ("某区人民政府", "government")
    assert canonicalise("用人主体", roles, []) == ("用人单位", "employer")
    assert canonicalise("北京大学", roles, [])[1] == "university or institute"


def test_giver_is_not_the_beneficiary(triggers, roles, entities):
    actors, _, _ = _actors("主管部门给予用人单位通报批评", triggers, roles, entities)
    assert ("主管部门", "beneficiary") not in actors


def test_society_as_a_domain_is_not_an_actor(triggers, roles, entities):
    actors, _, _ = _actors("把人才工作列入社会发展总体规划", triggers, roles, entities)
    assert not any(t == "社会" for t, _ in actors)


def test_deictic_bodies_stand_for_the_issuer(triggers, roles, entities):
    actors, implied, _ = _actors("区委区政府加快建设人才公寓", triggers, roles, entities)
    assert actors == set() and implied


def test_you_by_marks_the_explicit_doer(triggers, roles, entities):
    actors, implied, _ = _actors("具体办法由区人社局规定", triggers, roles, entities)
    assert ("区人社局", "responsible") in actors and not implied


def test_bodies_made_in_a_clause_are_not_actors(triggers, roles, entities):
    actors, _, _ = _actors("共建创新服务中心、校友企业家联谊会，组织交流活动", triggers, roles, entities)
    assert not any("联谊会" in t for t, _ in actors)


def test_a_firm_being_founded_is_not_an_actor(triggers, roles, entities):
    actors, _, _ = _actors("鼓励科技人员创办企业", triggers, roles, entities)
    assert not any(t == "企业" for t, _ in actors)


def test_talent_can_hold_any_role(triggers, roles, entities):
    actors, _, _ = _actors("鼓励留学人员回国创办企业", triggers, roles, entities)
    assert ("留学人员", "addressee") in actors
    actors, implied, _ = _actors("博士研究生应当按期提交材料", triggers, roles, entities)
    assert ("博士研究生", "responsible") in actors and not implied


def test_the_holder_of_a_benefit_noun_is_its_beneficiary(triggers, roles, entities):
    actors, _, _ = _actors("企业引才奖励按年度兑现", triggers, roles, entities)
    assert ("企业", "beneficiary") in actors
    actors, _, _ = _actors("企业应当发放生活补贴", triggers, roles, entities)
    assert ("企业", "responsible") in actors  # a modal between them: the payer


def test_the_qualified_subject_of_a_grant_is_its_beneficiary(triggers, roles, entities):
    actors, _, tag = _actors("在本区注册满两年的科技企业，给予一次性奖励", triggers, roles, entities)
    assert tag.modality == "commitment" and ("科技企业", "beneficiary") in actors


def test_a_place_that_acts_stands_for_its_government(triggers, roles, entities):
    actors, implied, _ = _actors("市、区建立人才工作联席会议制度", triggers, roles, entities)
    assert ("市、区", "responsible") in actors and not implied
    actors, _, _ = _actors("各区要加强人才服务", triggers, roles, entities)
    assert ("各区", "responsible") in actors
    actors, _, _ = _actors("市场主体应当诚信经营，区域协同发展", triggers, roles, entities)
    assert not any(t in ("市", "区") for t, _ in actors)  # 市场, 区域: not places


def test_person_categories_standing_alone_are_actors(triggers, roles, entities):
    actors, implied, _ = _actors("毕业生应当按时报到", triggers, roles, entities)
    assert ("毕业生", "responsible") in actors and not implied
    actors, _, _ = _actors("申请人应当如实填写材料", triggers, roles, entities)
    assert ("申请人", "responsible") in actors


def test_the_qualified_topic_of_a_permission_is_its_addressee(triggers, roles, entities):
    actors, _, tag = _actors("在本区工作满一年的博士研究生，可申请租房补贴", triggers, roles, entities)
    assert tag.modality == "permission" and ("博士研究生", "addressee") in actors
    actors, _, _ = _actors("当事人对裁决不服的，可以依法提起诉讼", triggers, roles, entities)
    assert ("当事人", "addressee") in actors  # the subject of a condition before the modal
    actors, _, _ = _actors("当事人对裁决不服的，应当依法提起诉讼", triggers, roles, entities)
    assert ("当事人", "responsible") in actors  # not permitted: obliged


def test_a_grant_after_coordinated_recipients_and_an_adverbial(triggers, roles, entities):
    actors, _, _ = _actors("对做出突出贡献的企业和个人，经评审后给予表彰", triggers, roles, entities)
    assert {("企业", "beneficiary"), ("个人", "beneficiary")} <= actors
    actors, _, _ = _actors("对做出突出贡献的企业和个人，区政府应当加强管理", triggers, roles, entities)
    assert ("企业", "beneficiary") not in actors  # no grant follows


def test_a_short_modifier_keeps_the_encouragement_in_force(triggers, roles, entities):
    actors, _, _ = _actors("鼓励有条件的企业开展人才合作", triggers, roles, entities)
    assert ("企业", "addressee") in actors
    actors, _, _ = _actors("鼓励高校以及其他科研机构建设实验室", triggers, roles, entities)
    assert {("高校", "addressee"), ("科研机构", "addressee")} <= actors


def test_bodies_handed_to_or_asked_cooperate(triggers, roles, entities):
    actors, _, _ = _actors("涉嫌犯罪的，移送司法机关处理", triggers, roles, entities)
    assert ("司法机关", "cooperate") in actors
    actors, _, _ = _actors("流动前应当征得保密部门同意", triggers, roles, entities)
    assert ("保密部门", "cooperate") in actors


def test_the_category_an_amount_is_set_for_is_its_beneficiary(triggers, roles, entities):
    actors, _, _ = _actors("按全日制硕士研究生每人每年6000元、全日制博士研究生每人每年9000元的标准发放", triggers, roles, entities)
    assert {("全日制硕士研究生", "beneficiary"), ("全日制博士研究生", "beneficiary")} <= actors
    actors, _, _ = _actors("博士研究生5年内可申请一次", triggers, roles, entities)
    assert ("博士研究生", "beneficiary") not in actors  # a period, not an amount


def test_the_body_under_whose_guidance_others_act_leads(triggers, roles, entities):
    actors, _, _ = _actors("区科技局在市科技局的指导下，组织实施本区的人才项目", triggers, roles, entities)
    assert ("市科技局", "lead") in actors and ("区科技局", "responsible") in actors


def test_a_platform_is_an_actor_only_when_supported_to_act_or_relied_on(triggers, roles, entities):
    assert [e.label for e in entities("支持A区创业孵化基地建立种子资金") if e.text == "A区创业孵化基地"] == ["PLATFORM"]
    actors, _, _ = _actors("支持A区创业孵化基地建立种子资金", triggers, roles, entities)
    assert ("A区创业孵化基地", "addressee") in actors
    actors, _, _ = _actors("区人社局建设A区创业孵化基地", triggers, roles, entities)
    assert not any(text == "A区创业孵化基地" for text, _ in actors)


def test_a_body_and_what_belongs_to_it_are_one_mention(triggers, roles, entities):
    actors, implied, _ = _actors("区人社局及其工作人员应当遵守本办法", triggers, roles, entities)
    assert actors == {("区人社局及其工作人员", "responsible")} and not implied


def test_a_generic_head_takes_the_relative_clause_that_names_it(triggers, roles, entities):
    actors, _, _ = _actors("对作出突出贡献的人才给予奖励", triggers, roles, entities)
    assert ("作出突出贡献的人才", "beneficiary") in actors
    actors, _, _ = _actors("收到举报的部门应当及时核查", triggers, roles, entities)
    assert ("收到举报的部门", "responsible") in actors
    actors, _, _ = _actors("建设特色鲜明的人才街区", triggers, roles, entities)
    assert not any("特色鲜明" in text for text, _ in actors)  # 人才 modifies 街区 here


def test_the_members_of_what_is_composed_cooperate(triggers, roles, entities):
    actors, _, _ = _actors("成立由区人社局、区财政局组成的工作专班", triggers, roles, entities)
    assert {("区人社局", "cooperate"), ("区财政局", "cooperate")} <= actors
    actors, _, _ = _actors("由区人社局负责组织实施", triggers, roles, entities)
    assert ("区人社局", "responsible") in actors  # 由 alone still names the doer


def test_a_person_category_another_body_acts_for_is_the_beneficiary(triggers, roles, entities):
    actors, _, _ = _actors("留学人员回国就业的，由区人社局办理落户手续", triggers, roles, entities)
    assert ("留学人员", "beneficiary") in actors and ("区人社局", "responsible") in actors


def test_the_term_a_definition_defines_is_no_actor(triggers, roles, entities):
    actors, _, _ = _actors("本条例所称用人单位，是指在本县登记的企业和社会组织", triggers, roles, entities)
    assert "用人单位" not in {t for t, _ in actors}
    actors, _, _ = _actors("用人单位应当在本县登记", triggers, roles, entities)
    assert ("用人单位", "responsible") in actors  # the same word outside a definition


def test_a_lead_cue_anywhere_in_the_subjects_predicate_makes_it_lead(triggers, roles, entities):
    actors, _, _ = _actors("区人社局和区科技局应当制定实施细则，统筹推进人才公寓建设", triggers, roles, entities)
    assert {("区人社局", "lead"), ("区科技局", "lead")} <= actors
    actors, _, _ = _actors("区人社局应当制定实施细则，区科技局统筹推进人才公寓建设", triggers, roles, entities)
    assert ("区人社局", "responsible") in actors  # the cue is in the next subject's predicate
