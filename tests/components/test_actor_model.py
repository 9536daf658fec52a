import numpy as np
import pytest

from pipeline.components.actor_model import NONE, ActorModel, features, fit, gold_classes
from pipeline.components.actors import candidates, find_actors
from pipeline.components.modality import classify_modality
from pipeline.errors import InputError
from pipeline.normalize import match_key


def _ctx(text, triggers, roles, entities):
    return candidates(text, entities(text), classify_modality(text, triggers), roles)


def test_candidates_carry_the_rules_decision_and_reason(triggers, roles, entities):
    ctx = _ctx("设立人才服务机构，鼓励企业参与", triggers, roles, entities)
    by_text = {ctx.text[c.start : c.end]: c for c in ctx.candidates}
    assert by_text["企业"].role == "addressee" and by_text["企业"].reason == "cue"
    made = [c for c in ctx.candidates if c.reason == "made"]
    assert made and made[0].role is None  # the object set up is a candidate the rules drop


def test_features_see_the_clause_around_the_candidate(triggers, roles, entities):
    ctx = _ctx("鼓励企业参与人才培养", triggers, roles, entities)
    i = next(k for k, c in enumerate(ctx.candidates) if ctx.text[c.start : c.end] == "企业")
    f = features(ctx, i)
    assert "L2=鼓励" in f and "R2=参与" in f and "rule=addressee" in f and "clause_start=False" in f


def test_gold_classes_match_by_text_and_fall_back_to_none(triggers, roles, entities):
    ctx = _ctx("鼓励企业和高校参与人才培养", triggers, roles, entities)
    texts = [ctx.text[c.start : c.end] for c in ctx.candidates]
    classes = gold_classes(ctx, [(match_key("高校"), "cooperate")], match_key)
    assert classes[texts.index("高校")] == "cooperate" and classes[texts.index("企业")] == NONE


def _examples(triggers, roles, entities):
    # the rules call 企业 the addressee of 鼓励; say the gold calls every encouraged one beneficiary
    texts = ["鼓励企业参与人才培养", "鼓励高校参与人才培养", "鼓励企业引进人才", "区人社局应当做好服务"]
    out = []
    for t in texts:
        ctx = _ctx(t, triggers, roles, entities)
        out.append((ctx, ["beneficiary" if c.role == "addressee" else c.role or NONE for c in ctx.candidates]))
    return out


def test_a_fitted_model_learns_a_role_the_rules_do_not_give(triggers, roles, entities, tmp_path):
    model = fit(_examples(triggers, roles, entities), c=10.0)
    ctx = _ctx("鼓励科研院所参与人才培养", triggers, roles, entities)
    mentions, _ = find_actors(ctx.text, entities(ctx.text), ctx.tag, roles, [], model)
    assert ("科研院所", "beneficiary") in {(m.text, m.role) for m in mentions}
    # saved as plain data and loaded back, it decides the same
    model.save(tmp_path)
    again = ActorModel.load(tmp_path)
    assert np.allclose(again.proba(ctx), model.proba(ctx)) and again.roles(ctx) == model.roles(ctx)


def test_an_unsure_model_leaves_the_rules_decision(triggers, roles, entities):
    model = fit(_examples(triggers, roles, entities), c=10.0, min_confidence=1.01)
    ctx = _ctx("鼓励科研院所参与人才培养", triggers, roles, entities)
    assert model.roles(ctx) == [c.role for c in ctx.candidates]


def test_one_class_is_no_model(triggers, roles, entities):
    ctx = _ctx("区人社局应当做好服务", triggers, roles, entities)
    assert fit([(ctx, [NONE] * len(ctx.candidates))]) is None


def test_a_damaged_model_file_is_a_clear_error(tmp_path, triggers, roles, entities):
    fit(_examples(triggers, roles, entities)).save(tmp_path)
    (tmp_path / "actors.json").write_text('{"format": 1, "classes": ["a"], "features": []}', encoding="utf-8")
    with pytest.raises(InputError, match="actors.json.*policy train"):
        ActorModel.load(tmp_path)
