"""Engines and the cache: byte-identical outputs, incremental re-extraction, a time budget."""

from __future__ import annotations

import pytest

from pipeline import cli

from .conftest import ROOT

GOOD = "人才措施\n第一条 鼓励企业引进博士研究生。\n第二条 对入选人才给予最高{n}万元奖励。\n"


def _run(*args):
    return cli.main(["--params", str(ROOT / "params.yaml"), *map(str, args)])


def _texts(folder, n=6):
    folder.mkdir(exist_ok=True)
    for k in range(n):
        (folder / f"p{k}.txt").write_text(GOOD.format(n=10 + k), encoding="utf-8")
    return folder


def _bytes(out):
    return [(out / name).read_bytes() for name in cli.OUTPUT_FILES]


def test_worker_processes_write_the_same_bytes_in_the_same_order(tmp_path):
    src = _texts(tmp_path / "in")
    assert _run("extract", src, "-o", tmp_path / "one", "-j", "1") == 0
    assert _run("extract", src, "-o", tmp_path / "two", "-j", "2") == 0
    assert _bytes(tmp_path / "one") == _bytes(tmp_path / "two")


def test_the_cache_recomputes_only_the_changed_document(tmp_path, monkeypatch, capsys):
    import pipeline.segment

    monkeypatch.setenv("POLICY_CACHE", str(tmp_path / "cache"))
    src = _texts(tmp_path / "in")
    assert _run("extract", src, "-o", tmp_path / "out") == 0
    first = _bytes(tmp_path / "out")
    (src / "p3.txt").write_text(GOOD.format(n=99), encoding="utf-8")
    calls = []
    real = pipeline.segment.segment_document
    monkeypatch.setattr(pipeline.segment, "segment_document", lambda doc, *a, **k: calls.append(doc.doc_id) or real(doc, *a, **k))
    capsys.readouterr()
    assert _run("extract", src, "-o", tmp_path / "out") == 0
    assert calls == ["p3"] and "(5 from the cache)" in capsys.readouterr().err
    second = _bytes(tmp_path / "out")
    assert second != first and "99万元" in second[3].decode() and "13万元" not in second[3].decode()
    monkeypatch.undo()
    monkeypatch.setenv("POLICY_CACHE", "off")
    assert _run("extract", src, "-o", tmp_path / "fresh") == 0
    assert _bytes(tmp_path / "fresh") == second  # cached and recomputed documents: the same bytes


def test_a_damaged_cache_entry_is_recomputed(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICY_CACHE", str(tmp_path / "cache"))
    src = _texts(tmp_path / "in")
    assert _run("extract", src, "-o", tmp_path / "out") == 0
    first = _bytes(tmp_path / "out")
    entries = sorted((tmp_path / "cache").rglob("*.rec"))
    assert entries
    entries[0].write_bytes(entries[0].read_bytes()[:-7])  # cut short: the lengths no longer add up
    entries[-1].write_bytes(b"not json\n")
    assert _run("extract", src, "-o", tmp_path / "again") == 0
    assert _bytes(tmp_path / "again") == first


def test_a_run_the_cache_answers_whole_loads_no_models_and_repeats_the_errors(tmp_path, monkeypatch, capsys):
    import pipeline.extract

    monkeypatch.setenv("POLICY_CACHE", str(tmp_path / "cache"))
    src = _texts(tmp_path / "in", n=3)
    (src / "empty.txt").write_text("关于印发的通知\n", encoding="utf-8")  # a title, no policy text
    for jobs in ("1", "2"):
        monkeypatch.undo()
        monkeypatch.setenv("POLICY_CACHE", str(tmp_path / "cache"))
        assert _run("extract", src, "-o", tmp_path / f"out{jobs}", "-j", jobs) == 1
        first = capsys.readouterr().err
        monkeypatch.setattr(pipeline.extract.Extractor, "from_params", lambda *a: pytest.fail("models loaded"))
        assert _run("extract", src, "-o", tmp_path / f"out{jobs}", "-j", jobs) == 1
        again = capsys.readouterr().err
        assert "(3 from the cache); 1 input(s) failed" in again
        assert [x for x in again.splitlines() if "empty.txt" in x] == [x for x in first.splitlines() if "empty.txt" in x]


def test_a_document_over_its_time_budget_gives_its_error_and_the_batch_goes_on(tmp_path, monkeypatch, capsys):
    import time

    import pipeline.segment

    src = _texts(tmp_path / "in", 3)

    orig = pipeline.segment.segment_document

    def slow(doc, *a, **k):
        if doc.doc_id == "p1":
            time.sleep(5)
        return orig(doc, *a, **k)

    monkeypatch.setattr(pipeline.segment, "segment_document", slow)
    from .conftest import write_project

    params = write_project(tmp_path / "project")
    settings = params.with_name("settings.yaml")
    settings.write_text(settings.read_text(encoding="utf-8").replace("seconds_per_document: 300", "seconds_per_document: 0.5"),
                        encoding="utf-8")
    t0 = time.perf_counter()
    assert cli.main(["--params", str(params), "extract", str(src), "-o", str(tmp_path / "out")]) == 1
    assert time.perf_counter() - t0 < 4.5
    err = capsys.readouterr().err
    assert "p1.txt: took longer than 0.5 s" in err
    docs = (tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8")
    assert '"p0"' in docs and '"p2"' in docs and '"p1"' not in docs


def test_the_fingerprint_follows_models_and_params(tmp_path):
    import dataclasses

    from pipeline import run
    from pipeline.params import load_params

    params = load_params(ROOT / "params.yaml")
    a = run.fingerprint(params)
    changed = dataclasses.replace(params, segment=dataclasses.replace(params.segment, terminators="。"))
    assert run.fingerprint(changed) != a and run.fingerprint(params) == a


def test_the_fingerprint_ignores_what_extraction_never_reads(tmp_path):
    import dataclasses
    import shutil

    from pipeline import run
    from pipeline.params import load_params

    params = load_params(ROOT / "params.yaml")
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    params = dataclasses.replace(params, extract=dataclasses.replace(params.extract, models=models))
    a = run.fingerprint(params)
    with open(models / "evaluation.yaml", "a", encoding="utf-8") as f:
        f.write("# an edit to the evaluation's splits\n")
    assert run.fingerprint(params) == a
    with open(models / "patterns" / "entities.yaml", "a", encoding="utf-8") as f:
        f.write("# an edit to the entity rules\n")
    assert run.fingerprint(params) != a


def test_dask_engine_writes_the_same_bytes(tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    src = _texts(tmp_path / "in", 4)
    assert _run("extract", src, "-o", tmp_path / "local") == 0
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False) as cluster:
        import os

        os.environ["POLICY_DASK_SCHEDULER"] = cluster.scheduler_address
        try:
            assert _run("extract", src, "-o", tmp_path / "dask", "--engine", "dask") == 0
        finally:
            del os.environ["POLICY_DASK_SCHEDULER"]
    assert _bytes(tmp_path / "local") == _bytes(tmp_path / "dask")


def _square_plus(x):
    from pipeline.run import shared

    return x * x + shared()["plus"]


def test_forked_map_keeps_the_order_and_hands_the_state_to_its_workers():
    from pipeline.run import forked_map, shared

    items = list(range(20))
    want = [x * x + 5 for x in items]
    assert forked_map(_square_plus, items, 2, {"plus": 5}) == want
    assert forked_map(_square_plus, items, 1, {"plus": 5}) == want
    assert shared() == {}  # the state does not outlive the call


def test_compare_writes_the_same_graphs_with_one_or_two_workers(tmp_path):
    src = _texts(tmp_path / "in")
    assert _run("extract", src, "-o", tmp_path / "ex") == 0
    assert _run("compare", "--extract", tmp_path / "ex", "-o", tmp_path / "c1", "-j", "1") == 0
    assert _run("compare", "--extract", tmp_path / "ex", "-o", tmp_path / "c2", "-j", "2") == 0
    files = sorted(p.relative_to(tmp_path / "c1") for p in (tmp_path / "c1").rglob("*") if p.is_file())
    assert any(p.parts[0] == "graphs" for p in files)
    for rel in files:
        assert (tmp_path / "c1" / rel).read_bytes() == (tmp_path / "c2" / rel).read_bytes(), rel
