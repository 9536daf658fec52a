"""Label Studio round trip: tasks out, an export with a corrected label in, and evaluate follows it."""

from __future__ import annotations

import json

from pipeline import annotate, cli

from .conftest import ROOT

GOOD = "人才措施\n第一条 鼓励企业引进博士研究生。\n第二条 区人社局应当对引进的高层次人才给予最高10万元奖励。\n"


def _run(*args):
    return cli.main(["--params", str(ROOT / "params.yaml"), *map(str, args)])


def _as_export(tasks):
    """What Label Studio exports after an annotator accepted every prediction."""
    return [{"id": k + 1, "data": t["data"], "predictions": t["predictions"],
             "annotations": [{"id": k + 1, "was_cancelled": False, "result": t["predictions"][0]["result"]}]}
            for k, t in enumerate(tasks)]


def test_round_trip_and_a_corrected_label_reaches_the_gold_file_and_evaluate(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    ex = tmp_path / "ex"
    assert _run("extract", tmp_path / "a.txt", "-o", ex) == 0
    assert _run("annotate", "export", "a", "--extract", ex, "-o", tmp_path / "ls") == 0
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text(encoding="utf-8"))
    config = (tmp_path / "ls" / "label_config.xml").read_text(encoding="utf-8")
    assert '<Choices name="modality"' in config and '<Label value="beneficiary"/>' in config
    scores = [t["predictions"][0]["score"] for t in tasks]
    assert scores == sorted(scores)  # least confident first
    for t in tasks:
        for r in t["predictions"][0]["result"]:
            if r["type"] == "labels":
                v = r["value"]
                assert t["data"]["text"][v["start"]:v["end"]] == v["text"]
    export = _as_export(tasks)
    # the annotator corrects one modality
    target = next(t for t in export if "鼓励" in t["data"]["text"])
    for r in target["annotations"][0]["result"]:
        if r["from_name"] == "modality":
            r["value"]["choices"] = ["permission"]
    (tmp_path / "export.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    gold = tmp_path / "gold"
    assert _run("annotate", "import", tmp_path / "export.json", "-o", gold) == 0
    doc = json.loads((gold / "a.jsonl").read_text(encoding="utf-8"))
    by_text = {s["text"]: s for s in doc["statements"]}
    assert by_text[target["data"]["text"]]["modality"] == "permission"
    other = next(s for t, s in by_text.items() if "区人社局" in t)
    assert {"text": "区人社局", "role": "responsible"} in other["actors"]  # spans and roles come back as they went
    # the next evaluate scores against the corrected label
    metrics = tmp_path / "m" / "metrics.json"
    assert _run("evaluate", "--extract", ex, "--gold", gold, "-o", metrics) == 0
    details = json.loads((tmp_path / "m" / "details.json").read_text(encoding="utf-8"))
    assert details["micro"]["modality_accuracy"] < 1.0  # the pipeline still says encouragement


def test_overlay_replaces_only_the_corrected_statements():
    gold = [{"doc": "a", "statements": [{"text": "甲", "modality": "obligation"}, {"text": "乙", "modality": "commitment"}]}]
    fixes = [{"doc": "a", "statements": [{"text": "乙", "modality": "permission", "instrument": None, "actors": []}]}]
    out = annotate.overlay(gold, fixes)
    assert [s["modality"] for s in out[0]["statements"]] == ["obligation", "permission"]


def test_a_bad_export_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "bad.json").write_text('{"not": "a list"}', encoding="utf-8")
    assert _run("annotate", "import", tmp_path / "bad.json", "-o", tmp_path / "g") == 2
    assert "not a Label Studio JSON export" in capsys.readouterr().err
