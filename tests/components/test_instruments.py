import pytest

from pipeline.components.instruments import classify_instrument, instrument_scores


@pytest.mark.parametrize(
    "text, code",
    [
        ("对入选人才给予一次性资助和生活补贴", "supply.funding"),
        ("建设博士后科研工作站和众创空间等孵化载体", "supply.platform"),
        ("为高层次人才提供子女入学和住房安居服务", "supply.service"),
        ("建立人才信息数据库", "supply.information"),
        ("设立人才发展基金，引导社会资本投资", "env.finance"),
        ("对符合条件的企业给予税收减免", "env.tax"),
        ("建立容错机制，营造尊重人才的良好氛围", "env.incentive"),
        ("成立人才工作领导小组，实行目标责任制", "env.organization"),
        ("举办高峰论坛，组建校友联盟", "demand.cooperation"),
        ("开展人才管理改革试点示范", "demand.pilot"),
        ("发展人力资源服务产业园，鼓励市场化引才", "demand.market"),
        ("政府购买服务", "demand.procurement"),
    ],
)
def test_instrument_code(taxonomy, text, code):
    assert classify_instrument(text, 0, taxonomy) == code


def test_precomputed_hits_give_the_same_scores(taxonomy):
    from pipeline.components.instruments import _cue_hits

    text = "建设人才基地，给予资金补贴"
    hits = list(_cue_hits(text, taxonomy))
    assert instrument_scores(text, 0, taxonomy, hits) == instrument_scores(text, 0, taxonomy)


def test_no_cue_gives_the_default(taxonomy):
    assert classify_instrument("其他事项", 0, taxonomy) == taxonomy.default


def test_a_demonstration_zone_is_a_place_not_a_pilot(taxonomy):
    assert classify_instrument("示范区建设应当纳入发展规划", 0, taxonomy) != "demand.pilot"
    assert classify_instrument("开展人才改革试点", 0, taxonomy) == "demand.pilot"


def test_confidence_is_the_winners_share_and_zero_without_evidence(taxonomy):
    from pipeline.components.instruments import instrument_with_confidence

    assert instrument_with_confidence("其他事项", 0, taxonomy) == (taxonomy.default, 0.0)
    code, conf = instrument_with_confidence("给予一次性奖励", 0, taxonomy)
    assert code == "supply.funding" and conf == 1.0
    _, mixed = instrument_with_confidence("引进人才给予奖励并提供住房", 0, taxonomy)
    assert 0 < mixed < 1


def test_a_measure_governed_by_a_procedural_verb_is_the_rule_for_getting_it(taxonomy):
    assert classify_instrument("用人单位每年三月前报送拟引进人才名单", 0, taxonomy) == "env.regulation"
    assert classify_instrument("对新引进的博士给予安家补贴", 0, taxonomy) == "supply.funding"  # the money itself


@pytest.mark.parametrize("text, code", [("健全人才培养体系", "supply.talent"), ("改革事业单位薪酬分配制度", "env.incentive"),
                                        ("完善人才评价机制", "env.regulation"), ("建立健全工作制度", "env.regulation")])
def test_a_system_takes_the_code_of_what_it_delivers(taxonomy, text, code):
    assert classify_instrument(text, 0, taxonomy) == code
