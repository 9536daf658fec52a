import pickle

import pipeline
from pipeline.components.tokenizer import JiebaTokenizer

from .conftest import ROOT


def test_public_api_analyses_a_text():
    p = pipeline.load()
    out = p.analyse("人才措施\n第一条 鼓励企业引进海外高层次人才。\n第二条 对入选人才给予最高50万元奖励。", doc_id="demo")
    text = out["document"]["text"]
    assert [s["modality"] for s in out["statements"]] == ["encouragement", "commitment"]
    money = [e for e in out["entities"] if e["label"] == "MONEY"]
    assert money and money[0]["value"] == 500_000 and money[0]["bound"] == "max"
    assert all(text[e["start"]:e["end"]] == e["text"] for e in out["entities"])


def test_tokenizer_pickles_by_rebuilding_from_its_dictionary():
    tok = JiebaTokenizer(ROOT / "models" / "lexicon" / "jieba_user.txt")
    copy = pickle.loads(pickle.dumps(tok))
    assert copy.cut("用人单位引进高层次人才") == tok.cut("用人单位引进高层次人才")
    assert copy.engine_name == tok.engine_name


def test_control_characters_are_dropped_and_offsets_still_map_to_the_raw_text():
    from pipeline.normalize import OffsetMap

    p = pipeline.load()
    raw = "人才措施\n第一条\x00 鼓励\x1b企业\u2028第二条 对\x85人才\x0c给予奖励。\x7f\n"
    out = p.analyse(raw, doc_id="ctl")
    text = out["document"]["text"]
    assert not any(c in text for c in "\x00\x1b\x7f\x85\x0c\u2028")
    assert "鼓励企业" in text and "\n第二条" in text  # U+2028 ends a line like \n
    runs = OffsetMap([tuple(r) for r in out["document"]["offset_map"]])
    for k, c in enumerate(text):
        if c != "\n":
            assert raw[runs.to_raw(k)] == c  # every kept character maps back to itself
    assert [s["text"] for s in out["statements"]][:1] == ["鼓励企业"]


def test_a_lone_surrogate_becomes_the_replacement_character():
    out = pipeline.load().analyse("第一条 鼓励\ud800企业引进人才。", doc_id="sur")
    assert "\ud800" not in out["document"]["text"] and "\ufffd" in out["document"]["text"]
    assert out["statements"][0]["modality"] == "encouragement"


def test_list_items_take_the_doer_of_their_lead_in():
    out = pipeline.load().analyse("第一条 用人单位不得有下列行为：\n（一）拖欠人才补贴；\n（二）泄露商业秘密。\n"
                                  "第二条 区政府应当做好下列工作：\n（一）完善服务体系；", doc_id="items")
    st = {s["text"]: s for s in out["statements"]}
    assert st["拖欠人才补贴"]["modality"] == "prohibition" and st["拖欠人才补贴"]["implied_issuer"] is False
    assert st["泄露商业秘密"]["implied_issuer"] is False


def test_an_item_naming_other_actors_still_has_the_lead_ins_doer():
    out = pipeline.load().analyse("第一条 用人单位应当履行下列义务：\n（一）支持街道开展检查；\n"
                                  "第二条 做好下列工作：\n（一）街道开展检查；\n", doc_id="items2")
    first, second = [s for s in out["statements"] if "街道" in s["text"]]
    assert any(a["text"] == "街道" for a in first["actors"])
    assert first["implied_issuer"] is False  # the lead-in's doer (用人单位), not the issuer
    assert second["implied_issuer"] is False  # an item with a subject of its own stands alone


def test_a_modal_inside_a_word_does_not_decide_the_class():
    out = pipeline.load().analyse("第一条 人才评价注重市场认可以及业绩考核。\n第二条 用人单位可以自主确定薪酬。", doc_id="words")
    assert [s["modality"] for s in out["statements"]] == ["obligation", "permission"]


def test_a_noun_phrase_item_takes_the_instrument_of_its_lead_in():
    out = pipeline.load().analyse("第一条 对新引进的博士给予下列补贴：\n（一）住房；\n（二）鼓励企业建设人才公寓。\n",
                                  doc_id="items3")
    st = {s["text"]: s for s in out["statements"]}
    lead = next(s for t, s in st.items() if t.startswith("对新引进"))
    assert st["住房"]["instrument"] == lead["instrument"] == "supply.funding"
    assert st["鼓励企业建设人才公寓"]["instrument"] != "supply.funding"  # an item with a trigger keeps its own


def test_an_organisation_that_only_modifies_a_noun_is_no_actor():
    p = pipeline.load()
    out = p.analyse("人才措施\n第一条 创业者入驻园区的，政府提供最高10万元企业开办费。\n"
                    "第二条 奖励标准由区财政局规定。\n第三条 企业应当如实申报。", doc_id="demo")
    actors = [{(a["text"], a["role"]) for a in s["actors"]} for s in out["statements"]]
    assert not any(t == "企业" for t, _ in actors[0])  # 企业开办费: whose fee, not who acts
    assert ("区财政局", "responsible") in actors[1]  # after 由 a noun-tagged 规定 is still its predicate
    assert ("企业", "responsible") in actors[2]  # a subject before its modal


def test_a_body_inside_a_modifier_is_not_the_doer_of_the_main_predicate():
    p = pipeline.load()
    raw = ("人才措施\n第一条 被市科技局认定的高新技术企业，给予一次性奖励。\n第二条 在园区企业工作的青年人才，给予每月1000元补贴。\n"
           "第三条 用人单位违反合同约定，给人才造成损失的，应当依法赔偿。\n第四条 申请人对区人社局的处理决定有异议的，可以申请复核。\n")
    implied = {s["text"][:4]: s["implied_issuer"] for s in p.analyse(raw, doc_id="demo")["statements"]}
    # the issuer grants both benefits; the subject of a condition is the doer of what follows it
    assert implied == {"被市科技": True, "在园区企": True, "用人单位": False, "申请人对": False}


def test_people_an_item_lists_under_a_permission_lead_in_are_the_permitted_ones():
    out = pipeline.load().analyse("第一条 符合下列条件之一的，可以申请人才公寓：\n（一）获得省级荣誉的高级技师，年龄在五十周岁以下；\n"
                                  "（二）本区企业聘用高级技师。\n", doc_id="items4")
    listed, own = out["statements"][1], out["statements"][2]
    assert listed["modality"] == "permission"
    # (技师 or 高级技师: the span is the entity rules' or the trained tagger's, where one is trained)
    assert [a["role"] for a in listed["actors"]] == ["addressee"] and listed["actors"][0]["text"].endswith("技师")
    # a person governed by a verb of the item (聘用) is not one it lists: the one hired is none
    assert not any(a["text"].endswith("技师") for a in own["actors"])


def test_person_nouns_an_item_lists_are_mentions_and_leave_the_doer_to_the_lead_in():
    out = pipeline.load().analyse("第一条 下列人员可以申请落户：\n（一）演员、摄影师，年龄在四十周岁以下；\n", doc_id="items5")
    item = out["statements"][1]
    assert [(a["text"], a["role"]) for a in item["actors"]] == [("演员", "addressee"), ("摄影师", "addressee")]
    assert item["implied_issuer"] == out["statements"][0]["implied_issuer"]


def test_a_directive_clause_decides_a_lead_in_before_its_permission():
    out = pipeline.load().analyse("第一条 加大人才引进力度，下列人员可申请办理落户：\n（一）高级工程师、注册建筑师；\n"
                                  "第二条 加大人才引进力度，高级工程师可申请办理落户。\n", doc_id="items6")
    lead, item, plain = out["statements"]
    assert lead["modality"] == "obligation" and "permission" in lead["also"]
    assert item["modality"] == "obligation"  # the item takes its lead-in's class…
    # …and the people it lists are still the ones permitted
    assert {(a["text"], a["role"]) for a in item["actors"]} == {("高级工程师", "addressee"), ("注册建筑师", "addressee")}
    assert plain["modality"] == "permission"  # outside a lead-in the modal decides (GUIDELINES 8)


def test_items_complete_a_statement_that_announces_their_conditions():
    text = ("第一条 符合下列条件之一的，可以申请人才公寓。\n（一）在本区工作满两年；\n（二）年龄在四十周岁以下。\n"
            "第二条 区人社局按照下列情形办理。\n（一）在本区工作满两年；\n")
    st = pipeline.load().analyse(text, doc_id="items7")["statements"]
    assert [s["modality"] for s in st[1:3]] == ["permission", "permission"]
    assert st[4]["modality"] != "permission"  # a 。 without conditions announced ends the lead-in
