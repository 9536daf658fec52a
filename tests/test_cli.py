"""`policy extract` end to end: outputs, errors, determinism and atomicity."""

from __future__ import annotations

import json

import pytest

from pipeline import cli

from .conftest import ROOT

GOOD = "人才措施\n第一条 为了促进人才发展，制定本措施。\n第二条 区人社局应当对引进的高层次人才给予最高10万元奖励。\n"


def _run(*args):
    return cli.main(["--params", str(ROOT / "params.yaml"), *map(str, args)])


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_writes_three_jsonl_files_with_provenance(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "in", "-o", out, "--manifest", tmp_path / "none.csv") == 0
    docs, provs, stmts, ents = (_read(out / n) for n in cli.OUTPUT_FILES)
    assert [d["doc_id"] for d in docs] == ["a"]
    assert set(docs[0]) >= {"doc_id", "title", "issuer", "date", "doc_number", "level", "region",
                            "source", "text", "sha256"}
    assert set(provs[0]) == {"doc_id", "provision_id", "level", "number", "heading", "text", "start",
                             "end", "parent"}
    assert set(stmts[0]) == {"doc_id", "provision_id", "statement_id", "text", "start", "end", "modality",
                             "modality_rule", "modality_confidence", "also", "triggers", "actors",
                             "implied_issuer", "instrument", "instrument_confidence", "targets"}
    assert 0 < stmts[0]["modality_confidence"] <= 1 and 0 <= stmts[0]["instrument_confidence"] <= 1
    assert set(ents[0]) >= {"doc_id", "provision_id", "statement_id", "text", "label", "start", "end"}
    text = docs[0]["text"]
    for rec in provs + stmts + ents:
        assert text[rec["start"] : rec["end"]] == rec["text"]
    for s in stmts:
        for item in s["triggers"] + s["actors"] + s["targets"]:
            assert text[item["start"] : item["end"]] == item["text"]


def test_bad_inputs_are_reported_and_the_rest_written(tmp_path, capsys):
    (tmp_path / "good.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "table.xlsx").write_bytes(b"PK")
    rc = _run("extract", tmp_path / "good.txt", tmp_path / "empty.txt", tmp_path / "table.xlsx",
              tmp_path / "missing.txt", "-o", tmp_path / "out", "--manifest", tmp_path / "none.csv")
    assert rc == 1
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert any("empty.txt: empty file" in e for e in errors)
    assert any("table.xlsx: unsupported file type" in e for e in errors)
    assert any("missing.txt: no such file" in e for e in errors)
    assert "Traceback" not in err
    assert [d["doc_id"] for d in _read(tmp_path / "out" / "documents.jsonl")] == ["good"]


def test_output_is_byte_identical_across_runs(tmp_path):
    outs = []
    for k in range(2):
        out = tmp_path / f"out{k}"
        assert _run("extract", ROOT / "corpus", "-o", out) == 0
        outs.append([(out / n).read_bytes() for n in cli.OUTPUT_FILES])
    assert outs[0] == outs[1]


def test_a_crash_leaves_previous_outputs_untouched(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "a.txt", "-o", out) == 0
    before = {n: (out / n).read_bytes() for n in cli.OUTPUT_FILES}

    import pipeline.segment

    calls = {"n": 0}
    real = pipeline.segment.segment_document

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.segment, "segment_document", crash_on_second)
    assert _run("extract", tmp_path / "a.txt", tmp_path / "b.txt", "-o", out) == 130
    assert {n: (out / n).read_bytes() for n in cli.OUTPUT_FILES} == before
    assert sorted(p.name for p in out.iterdir()) == sorted([*cli.OUTPUT_FILES, "run.json"])  # no temp files left


def test_manifest_facts_fill_document_metadata(tmp_path):
    (tmp_path / "x.txt").write_text(GOOD, encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "doc_id,file,title,issuer,region,level,date,doc_number,source,sha256\n"
        "x,x.txt,某区人才措施,中共某区委;某区人民政府,某省某市某区,district,2022-01-02,,web,\n",
        encoding="utf-8",
    )
    assert _run("extract", tmp_path / "x.txt", "-o", tmp_path / "out", "--manifest", manifest) == 0
    doc = _read(tmp_path / "out" / "documents.jsonl")[0]
    assert (doc["title"], doc["issuer"], doc["level"], doc["date"]) == (
        "某区人才措施", ["中共某区委", "某区人民政府"], "district", "2022-01-02")


def test_bad_params_file_is_one_clear_error(tmp_path, capsys):
    bad = tmp_path / "params.yaml"
    bad.write_text("paths: [oops", encoding="utf-8")
    assert cli.main(["--params", str(bad), "extract"]) == 2
    err = capsys.readouterr().err
    assert "params.yaml: not valid YAML" in err and "Traceback" not in err


def test_params_yaml_is_read_over_the_settings_beside_it(tmp_path):
    from pipeline.params import load_params

    from .conftest import write_project

    write_project(tmp_path)
    knobs = (ROOT / "params.yaml").read_text(encoding="utf-8").replace("  c: 1.0 ", "  c: 0.25 ").replace("c1: 0.05", "c1: 0.5")
    (tmp_path / "params.yaml").write_text(knobs, encoding="utf-8")
    p = load_params(tmp_path / "params.yaml")
    assert p.train.c == 0.25 and p.train.entities.c1 == 0.5  # params.yaml wins, key by key
    assert p.train.ngram_max == 2 and p.train.entities.labels  # the rest of the group from settings.yaml
    assert p.paths.extract == tmp_path / "data" / "extract"


def test_a_bad_setting_names_the_file_that_holds_it(tmp_path, capsys):
    (tmp_path / "settings.yaml").write_text(
        (ROOT / "settings.yaml").read_text(encoding="utf-8").replace("max_bytes: 20000000", "max_bytes: lots"),
        encoding="utf-8")
    (tmp_path / "params.yaml").write_text((ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert cli.main(["--params", str(tmp_path / "params.yaml"), "extract"]) == 2
    err = capsys.readouterr().err
    assert "settings.yaml:ingest" in err and "max_bytes" in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["extract", "--help"], ["evaluate", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0


def test_manifest_texts_are_recorded_relative_to_the_project(tmp_path):
    assert _run("extract", "-o", tmp_path) in (0, 1)
    docs = _read(tmp_path / "documents.jsonl")
    assert docs and all(not d["path"].startswith("/") for d in docs)
    assert any(d["path"] == "corpus/wuhan-wuchang-2022-talent-core-zone-opinions.txt" for d in docs)


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.startswith("policy-pipeline ")


def test_runs_from_a_folder_outside_the_project_with_the_package_defaults(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # no params.yaml here or above
    assert cli.main(["extract", "a.txt", "-o", "out"]) == 0
    assert [d["doc_id"] for d in _read(tmp_path / "out" / "documents.jsonl")] == ["a"]


def test_finds_the_project_from_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "pipeline")
    args = cli.build_parser().parse_args(["extract"])
    assert cli.find_params(args) == (ROOT / "params.yaml", True)


@pytest.mark.parametrize(
    "argv, message",
    [(["extract", "{tmp}/a.txt", "-o", "{tmp}/a.txt"], "is a file; -o needs a folder"),
     (["extract", "{tmp}/empty", "-o", "{tmp}/out"], "no input documents"),
     (["extract", "--outdir", "x"], "unrecognized arguments: --outdir"),
     (["--project", "{tmp}/nowhere", "extract"], "params.yaml: file not found")],
)
def test_every_mistake_is_one_error_line(tmp_path, capsys, argv, message):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "empty").mkdir()
    argv = [a.format(tmp=tmp_path) for a in argv]
    try:
        rc = cli.main(argv if argv[0].startswith("--") else ["--params", str(ROOT / "params.yaml"), *argv])
    except SystemExit as exc:  # argparse's own exit for usage errors
        rc = exc.code
    err = capsys.readouterr().err
    assert rc != 0 and message in err and "Traceback" not in err
    assert sum(line.startswith("error:") for line in err.splitlines()) == 1
    if "unrecognized" in message:
        assert "policy extract" in err  # the subcommand's usage, not the top level's


def test_a_failed_rename_is_caught_when_the_set_is_read(tmp_path, monkeypatch, capsys):
    import os

    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "a.txt", "-o", out) == 0
    (tmp_path / "b.txt").write_text(GOOD.replace("10万元", "20万元"), encoding="utf-8")
    real, calls = os.replace, {"n": 0}

    def fail_on_third(src, dst):
        calls["n"] += 1
        if calls["n"] == 4:  # run.json "replacing", documents, provisions: then the disk fails
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_third)
    assert _run("extract", tmp_path / "b.txt", "-o", out) == 2
    monkeypatch.setattr(os, "replace", real)
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert not list(out.glob(".*.tmp"))
    assert _run("compare", "--extract", out, "-o", tmp_path / "cmp") == 2
    assert "interrupted while replacing" in capsys.readouterr().err


def test_a_file_changed_after_the_run_is_reported(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "a.txt", "-o", out) == 0
    (out / "entities.jsonl").write_text("", encoding="utf-8")
    assert _run("evaluate", "--extract", out, "--gold", tmp_path, "-o", tmp_path / "m.json") == 2
    assert "not the file of run" in capsys.readouterr().err


def test_temporaries_of_a_killed_run_are_removed_and_concurrent_runs_take_turns(tmp_path):
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".statements.jsonl.abc.tmp").write_text("left by kill -9", encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline.cli", "--params", str(ROOT / "params.yaml"), "extract",
           str(tmp_path / "a.txt"), "-o", str(out)]
    runs = [subprocess.Popen(cmd, stderr=subprocess.PIPE) for _ in range(2)]
    assert [r.wait(timeout=120) for r in runs] == [0, 0]
    assert not list(out.glob(".*.tmp"))
    from pipeline import io

    io.check_output_set(out)  # one run's complete set


def test_evaluate_writes_a_short_headline_and_the_details(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "a.txt", "-o", out) == 0
    stmts = _read(out / "statements.jsonl")
    gold = {"doc": "a", "provisions": [], "entities": [],
            "statements": [{"text": s["text"], "modality": "obligation", "instrument": None, "actors": []} for s in stmts]}
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "a.jsonl").write_text(json.dumps(gold, ensure_ascii=False) + "\n", encoding="utf-8")
    metrics = tmp_path / "eval" / "metrics.json"
    assert _run("evaluate", "--extract", out, "--gold", tmp_path / "gold", "-o", metrics) == 0
    head = json.loads(metrics.read_text(encoding="utf-8"))

    def flat(d):
        return sum(flat(v) if isinstance(v, dict) else 1 for v in d.values())

    details = json.loads((tmp_path / "eval" / "details.json").read_text(encoding="utf-8"))
    assert 5 <= flat(head) <= 12 and head["modality"] == round(details["micro"]["modality_macro_f1"], 4)
    assert details["micro"]["statement_f1"] == 1.0
    assert {"micro", "per_doc", "by_split", "by_genre", "trained"} <= set(details)
    assert (tmp_path / "eval" / "modality_confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_search_prints_every_statement_with_the_term(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("人才措施\n第一条 建设人才公寓。\n第二条 人才公寓租金减半，另设人才公寓专区。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert _run("extract", tmp_path / "a.txt", tmp_path / "b.txt", "-o", out) == 0
    capsys.readouterr()
    assert _run("search", "人才公寓", "--extract", out) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(line.startswith("a\t") and "【人才公寓】" in line for line in lines)
    stmts = {s["statement_id"] for s in _read(out / "statements.jsonl") if "人才公寓" in s["text"]}
    assert {line.split("\t")[1] for line in lines} == stmts
    assert _run("search", "不存在的词", "--extract", out) == 1
