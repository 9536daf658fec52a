from pipeline import evaluate, train
from pipeline.components.instruments import load_taxonomy
from pipeline.components.modality import load_triggers

from .conftest import ROOT

RULES = train.RuleFeatures(
    load_triggers(ROOT / "models" / "modality" / "triggers.yaml"),
    load_taxonomy(ROOT / "models" / "instruments" / "taxonomy.yaml"),
)
PARAMS = train.TrainParams(min_examples=4)


def _doc(name, rows):
    return {"doc": name, "statements": [{"text": t, "modality": m, "instrument": i} for t, m, i in rows]}


DOCS = [
    _doc("a", [("鼓励企业建设孵化器", "encouragement", "supply.platform"),
               ("对人才给予补贴", "commitment", "supply.funding"),
               ("加快建设人才公寓", "obligation", "supply.service"),
               ("不得截留补贴资金", "prohibition", "supply.funding")]),
    _doc("b", [("鼓励高校建设实验室", "encouragement", "supply.platform"),
               ("对专家给予奖励", "commitment", "supply.funding"),
               ("加快完善人才评价制度", "obligation", "env.regulation"),
               ("不得违规发放奖励", "prohibition", "supply.funding")]),
]


def test_fit_predict_and_round_trip(tmp_path):
    models = train.train_all(DOCS, RULES, PARAMS)
    assert models["modality"].predict(["鼓励企业建设实验室"]) == ["encouragement"]
    train.save(models, tmp_path)
    assert not list(tmp_path.glob("*.pkl"))  # plain data: loading executes nothing
    loaded = train.load(tmp_path, "modality", RULES)
    texts = ["对人才给予奖励", "不得截留资金", "鼓励高校建设孵化器"]
    assert loaded.predict(texts) == models["modality"].predict(texts)
    assert (abs(loaded.clf.predict_proba(train._matrix(loaded, texts))
                - models["modality"].clf.predict_proba(train._matrix(models["modality"], texts))) < 1e-12).all()


def test_a_tampered_model_file_is_a_clear_error(tmp_path):
    import pytest

    from pipeline.errors import InputError

    train.save(train.train_all(DOCS, RULES, PARAMS), tmp_path)
    (tmp_path / "modality.json").write_text('{"format": 1, "task": "modality"}', encoding="utf-8")
    with pytest.raises(InputError, match="modality.json: not a trained model"):
        train.load(tmp_path, "modality", RULES)


def test_too_few_examples_give_no_model():
    assert train.fit("modality", ["鼓励企业"], ["encouragement"], RULES, PARAMS) is None


def test_leave_one_document_out_never_trains_on_the_scored_document():
    seen = []

    def fit_all(docs):
        seen.append(sorted(d["doc"] for d in docs))
        return {}

    pred = {d["doc"]: {"statements": [dict(s) for s in d["statements"]]} for d in DOCS}
    out = evaluate.trained_metrics(DOCS, pred, [], fit_all)
    assert ["a", "b"] in seen and ["b"] in seen and ["a"] in seen  # in-sample, then each left out
    assert out["lodo"]["micro"]["modality_accuracy"] == 1.0  # no model: the pipeline's labels stand


def test_a_corrector_leaves_unseen_labels_to_the_rules():
    model = train.train_all(DOCS, RULES, train.TrainParams(min_examples=4, min_confidence=0.0))["modality"]
    # "permission" never occurs in training: the rule's label stands whatever the model thinks
    assert model.correct(["企业可以申请补贴"], ["permission"]) == ["permission"]
    # with no confidence required, a seen label the model prefers replaces the rule's
    assert model.correct(["鼓励企业建设实验室"], ["obligation"]) == ["encouragement"]
    strict = train.train_all(DOCS, RULES, train.TrainParams(min_examples=4, min_confidence=1.01))["modality"]
    assert strict.correct(["鼓励企业建设实验室"], ["obligation"]) == ["obligation"]
