from __future__ import annotations

from collections import Counter

import pytest

from pipeline.components.tagger import (
    EntityTagger, TaggerParams, bio, features, fit, project, spans_from_tags,
)
from pipeline.errors import ConfigError


def test_bio_round_trips_and_skips_an_overlapping_span():
    tags = bio(8, [(0, 3, "ORG"), (2, 5, "LOC"), (5, 7, "TALENT")])
    assert tags == ["B-ORG", "I-ORG", "I-ORG", "O", "O", "B-TALENT", "I-TALENT", "O"]
    assert spans_from_tags(tags) == [(0, 3, "ORG"), (5, 7, "TALENT")]


def test_an_inside_tag_without_its_beginning_opens_no_span():
    assert spans_from_tags(["O", "I-ORG", "I-ORG", "B-LOC"]) == [(3, 4, "LOC")]


def test_project_places_longer_names_first_and_spends_the_counts():
    wanted = Counter({("科技局", "ORG"): 1, ("区科技局", "ORG"): 1, ("企业", "ORG"): 5})
    text = "区科技局会同科技局支持企业"
    spans = project(text, wanted)
    assert spans == [(0, 4, "ORG"), (6, 9, "ORG"), (11, 13, "ORG")]
    assert wanted[("企业", "ORG")] == 4  # left for the document's later statements
    assert wanted[("科技局", "ORG")] == 0


def test_features_describe_each_character_with_its_word_and_rule_tag():
    text = "支持青年创业"
    tokens = [("支持", 0, 2, "v"), ("青年", 2, 4, "n"), ("创业", 4, 6, "v")]
    feats = features(text, tokens, [(2, 4, "TALENT")])
    assert len(feats) == len(text)
    assert {"w:青年", "pos|place:nB"} <= set(feats[2]) and "pos|place:nE" in feats[3]
    assert "rule:B-TALENT" in feats[2] and "rule:O" in feats[0]
    assert {"w-1:支持", "w+1:创业"} <= set(feats[2])
    assert "c-1:^" in feats[0] and "c+1:$" in feats[-1]


def _examples():
    """Sentences of our own: 某某站 is a PLATFORM whatever the rules say, 5元 stays MONEY."""
    out = []
    for name in ("甲", "乙", "丙", "丁", "戊", "己", "庚", "辛"):
        text = f"支持{name}某站发放5元"
        tokens = [("支持", 0, 2, "v"), (name, 2, 3, "x"), ("某站", 3, 5, "n"), ("发放", 5, 7, "v"), ("5元", 7, 9, "m")]
        rule = [(7, 9, "MONEY")]
        out.append((text, tokens, rule, [(2, 5, "PLATFORM"), (7, 9, "MONEY")]))
    return out


def test_a_fitted_tagger_learns_a_name_the_rules_miss_and_keeps_the_rules_labels(tmp_path):
    params = TaggerParams(c1=0.0, c2=0.01, max_iterations=50, labels=("PLATFORM",))
    seqs = [(features(t, tok, rule), bio(len(t), gold)) for t, tok, rule, gold in _examples()]
    fit(seqs, params, tmp_path)
    assert EntityTagger.available(tmp_path)
    tagger = EntityTagger(tmp_path)
    text = "支持壬某站发放5元"
    tokens = [("支持", 0, 2, "v"), ("壬", 2, 3, "x"), ("某站", 3, 5, "n"), ("发放", 5, 7, "v"), ("5元", 7, 9, "m")]
    [merged] = tagger.merge([text], [tokens], [[(7, 9, "MONEY")]])
    assert (7, 9, "MONEY") in merged  # a label the tagger does not decide stays the rules'
    assert any(s[2] == "PLATFORM" and text[s[0]:s[1]].endswith("某站") for s in merged)
    assert tagger._crf is not None  # the exported weights tag, not CRFsuite
    (tmp_path / "entities.npz").unlink()  # a model folder of an earlier version: CRFsuite tags
    assert EntityTagger(tmp_path).merge([text], [tokens], [[(7, 9, "MONEY")]]) == [merged]


def test_training_on_nothing_and_a_damaged_model_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="no training sequences"):
        fit([], TaggerParams(), tmp_path)
    (tmp_path / "entities.crfsuite").write_bytes(b"not a model")
    (tmp_path / "entities.json").write_text('{"params": {"labels": ["ORG"]}}', encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot load the entity tagger"):
        EntityTagger(tmp_path)


def test_leave_one_document_out_leaves_the_scored_document_out_of_training(tmp_path):
    import json

    from pipeline.train import fit_tagger

    seqs = [(features(t, tok, rule), bio(len(t), gold)) for t, tok, rule, gold in _examples()]
    by_doc = {"a": seqs[:3], "b": seqs[3:]}
    fit_tagger(by_doc, TaggerParams(max_iterations=5), tmp_path, leave_out="a")
    assert json.loads((tmp_path / "entities.json").read_text(encoding="utf-8"))["sequences"] == len(seqs) - 3


def test_without_a_trained_tagger_the_pipeline_warns_and_uses_the_rules(tmp_path):
    from pathlib import Path

    from pipeline.nlp import build_nlp

    models = Path(__file__).resolve().parents[2] / "models"
    with pytest.warns(UserWarning, match="no trained entity tagger"):
        nlp = build_nlp(models, tmp_path, ("entities",))
    assert nlp.get_pipe("policy_entities").tagger is None


def test_numpy_inference_gives_crfsuites_tags(tmp_path):
    """The exported weights decode, all lines at once, to what CRFsuite decodes line by line:
    lines of different lengths, characters no token covers, neighbours only within a line."""
    import random

    import pycrfsuite

    from pipeline.components.crf import LinearCRF

    rng = random.Random(3)
    alphabet = "支持青年创业某站发放元区人社局会同企业高校的，5"
    labels = ["ORG", "TALENT", "MONEY"]

    def line(n):
        text = "".join(rng.choice(alphabet) for _ in range(n))
        cuts = sorted(rng.sample(range(1, n), min(n - 1, n // 2))) if n > 1 else []
        bounds = [0, *cuts, n]
        tokens = [(text[a:b], a, b, rng.choice("nvmx")) for a, b in zip(bounds, bounds[1:]) if rng.random() < 0.9]
        spans = [(a, b, rng.choice(labels)) for a, b in zip(bounds, bounds[1:]) if rng.random() < 0.3]
        return text, tokens, spans

    train = [line(rng.randint(3, 30)) for _ in range(60)]
    seqs = [(features(t, tok, sp), bio(len(t), [(a, b, rng.choice(labels)) for a, b, _ in sp]))
            for t, tok, sp in train]
    fit(seqs, TaggerParams(c1=0.0, c2=0.1, max_iterations=30, labels=tuple(labels)), tmp_path)
    reference = pycrfsuite.Tagger()
    reference.open(str(tmp_path / "entities.crfsuite"))
    lines = [line(n) for n in (1, 2, 7, 31, 12, 12, 3, 45)]
    crf = LinearCRF.from_crfsuite(reference.info())
    got = crf.viterbi(crf.emissions([t for t, _, _ in lines], [tok for _, tok, _ in lines],
                                    [bio(len(t), sp) for t, _, sp in lines]))
    expected = [reference.tag(features(t, tok, sp)) for t, tok, sp in lines]
    assert got == expected
    assert len({tuple(x) for x in expected}) > 3  # the tags differ between lines: a real check
