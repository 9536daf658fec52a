"""Structure against the gold files: provision and statement F1 (GUIDELINES key rule)."""

from __future__ import annotations

import pytest

from pipeline import corpus, evaluate
from pipeline.ingest import ingest_file

def test_prf_counts_multisets():
    r = evaluate.prf(["a", "a", "b"], ["a", "b", "c", "c"])
    assert (r["tp"], r["precision"], r["recall"]) == (2, 0.5, 2 / 3)
    assert evaluate.prf([], [])["f1"] == 1.0 and evaluate.prf(["a"], [])["f1"] == 0.0

def test_structure_f1_on_gold_files(params, layout_rules, heading_rules, segment):
    if not params.paths.gold.is_dir():
        pytest.skip(f"no gold folder at {params.paths.gold}")
    gold = evaluate.load_gold(params.paths.gold)
    entries = {e.doc_id: e for e in corpus.read_manifest(params.paths.manifest)}
    folders = [params.paths.bundled, params.paths.mirror]
    pred = {}
    for g in gold:
        entry = entries[g["doc"]]
        path = next(d / entry.file for d in folders if (d / entry.file).is_file())
        doc = ingest_file(path, layout_rules=layout_rules, heading_rules=heading_rules,
                          max_bytes=params.ingest.max_bytes, meta=entry.meta, doc_id=entry.doc_id)
        provisions, statements = segment(doc)
        pred[doc.doc_id] = {"provisions": [p.to_dict() for p in provisions],
                            "statements": [s.to_dict() for s in statements]}
    metrics = evaluate.score(gold, pred)
    assert len(gold) >= 2
    assert metrics["micro"]["provision_f1"] >= 0.98
    assert metrics["micro"]["statement_f1"] >= 0.98
    for doc_id, m in metrics["per_doc"].items():
        assert m["statement_f1"] >= 0.95, doc_id
