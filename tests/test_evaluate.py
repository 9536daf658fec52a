from pipeline import evaluate


def _gold():
    return [{
        "doc": "d",
        "provisions": [{"level": "part", "number": 1, "heading": "总体要求"}],
        "statements": [
            {"text": "鼓励企业参与", "modality": "encouragement", "instrument": "demand.cooperation",
             "implied_issuer": False, "actors": [{"text": "企业", "role": "addressee"}]},
            {"text": "加快建设基地", "modality": "obligation", "instrument": "supply.platform",
             "implied_issuer": True, "actors": []},
        ],
        "entities": [{"text": "企业", "label": "ORG"}, {"text": "顶尖人才", "label": "TALENT"}],
    }]


def test_score_matches_by_text_and_counts_labels():
    pred = {"d": {
        "provisions": [{"level": "part", "number": 1, "heading": "总体 要求"}],
        "statements": [
            {"text": "鼓励企业参与", "modality": "encouragement", "instrument": "demand.cooperation",
             "implied_issuer": False, "actors": [{"text": "企业", "role": "responsible"}]},
            {"text": "加快建设基地", "modality": "commitment", "instrument": "supply.funding",
             "implied_issuer": True, "actors": []},
        ],
        "entities": [{"text": "企业", "label": "ORG"}, {"text": "海外顶尖人才", "label": "TALENT"}],
    }}
    m = evaluate.score(_gold(), pred)["micro"]
    assert m["provision_f1"] == 1.0 and m["statement_f1"] == 1.0
    assert m["modality_accuracy"] == 0.5 and m["instrument_accuracy"] == 0.5
    assert m["implied_issuer_accuracy"] == 1.0
    assert m["actor_f1"] == 0.0 and m["actor_text_f1"] == 1.0
    assert m["entity_f1"] == 0.5 and m["entity_relaxed_f1"] == 1.0
    assert m["entity_label_f1"] == {"ORG": 1.0, "TALENT": 0.0}


def test_macro_f1_averages_gold_classes():
    assert evaluate.macro_f1(["a", "a", "b"], ["a", "b", "b"]) == (2 / 3 + 2 / 3) / 2


def test_genre_from_title_and_grouped_scores():
    from pipeline import evaluate

    genres = {"regulation": "(条例|办法)$", "opinion": "意见$"}
    assert evaluate.genre("某市人才条例", genres) == "regulation"
    assert evaluate.genre("关于人才的意见", genres) == "opinion"
    assert evaluate.genre(None, genres) == "other"
    gold = [{"doc": d, "provisions": [], "entities": [],
             "statements": [{"text": "甲", "modality": "obligation", "instrument": None, "actors": []}]}
            for d in ("a", "b")]
    pred = {"a": {"provisions": [], "entities": [], "statements": [{"text": "甲", "modality": "obligation"}]}}
    out = evaluate.grouped(gold, pred, {"ab": {"a", "b"}, "a": {"a"}, "none": set()})
    assert out["a"]["statement_f1"] == 1.0 and out["ab"]["statement_f1"] < 1.0
    assert out["ab"]["documents"] == 2 and "none" not in out
