"""Scoring an extraction against gold files (GUIDELINES, "Gold file format").

Statements and entities are matched by text after normalisation and removal of
whitespace; provisions by (level, number, heading) with the heading keyed the same way.
Counts are multisets, micro-averaged over documents.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import read_jsonl
from .normalize import match_key


def prf(gold: Iterable[Hashable], pred: Iterable[Hashable]) -> dict[str, float | int]:
    """Precision, recall and F1 of two multisets, with the counts behind them."""
    g, p = Counter(gold), Counter(pred)
    tp = sum((g & p).values())
    n_g, n_p = sum(g.values()), sum(p.values())
    precision = tp / n_p if n_p else (1.0 if not n_g else 0.0)
    recall = tp / n_g if n_g else (1.0 if not n_p else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "gold": n_g, "pred": n_p, "precision": precision, "recall": recall, "f1": f1}


def provision_key(level: str, number: int, heading: str) -> tuple[str, int, str]:
    return (level, int(number), match_key(heading))


def structure_keys(doc: dict[str, Any]) -> tuple[list[Hashable], list[Hashable]]:
    """Provision and statement keys of a gold document or a predicted one (same shape)."""
    provs = [provision_key(p["level"], p["number"], p["heading"]) for p in doc["provisions"]]
    stmts = [match_key(s["text"]) for s in doc["statements"]]
    return provs, stmts


def load_gold(gold_dir: Path) -> list[dict[str, Any]]:
    files = sorted(Path(gold_dir).glob("*.jsonl"))
    if not files:
        raise InputError(gold_dir, "no gold .jsonl files")
    docs = []
    for f in files:
        for rec in read_jsonl(f):
            for key in ("doc", "provisions", "statements"):
                if key not in rec:
                    raise InputError(f, f"gold record lacks '{key}'")
            docs.append(rec)
    return docs


def load_prediction(extract_dir: Path) -> dict[str, dict[str, Any]]:
    """Predicted documents keyed by doc id, with their provisions and statements."""
    docs: dict[str, dict[str, Any]] = {}
    for rec in read_jsonl(Path(extract_dir) / "documents.jsonl"):
        docs[rec["doc_id"]] = {"doc": rec["doc_id"], "provisions": [], "statements": []}
    for name, key in (("provisions.jsonl", "provisions"), ("statements.jsonl", "statements")):
        for rec in read_jsonl(Path(extract_dir) / name):
            if rec["doc_id"] in docs:
                docs[rec["doc_id"]][key].append(rec)
    return docs


def score(gold_docs: list[dict[str, Any]], pred: dict[str, dict[str, Any]]) -> dict[str, Any]:
    per_doc: dict[str, Any] = {}
    all_g: dict[str, list[Hashable]] = {"provision": [], "statement": []}
    all_p: dict[str, list[Hashable]] = {"provision": [], "statement": []}
    for gd in gold_docs:
        doc_id = gd["doc"]
        pd = pred.get(doc_id, {"provisions": [], "statements": []})
        g_prov, g_stmt = structure_keys(gd)
        p_prov, p_stmt = structure_keys(pd)
        # tag keys with the document so that micro-averaging never matches across documents
        all_g["provision"] += [(doc_id, k) for k in g_prov]
        all_p["provision"] += [(doc_id, k) for k in p_prov]
        all_g["statement"] += [(doc_id, k) for k in g_stmt]
        all_p["statement"] += [(doc_id, k) for k in p_stmt]
        per_doc[doc_id] = {
            "predicted": doc_id in pred,
            "provision": prf(g_prov, p_prov),
            "statement": prf(g_stmt, p_stmt),
        }
    micro = {f"{k}_f1": prf(all_g[k], all_p[k])["f1"] for k in all_g}
    return {"micro": micro, "per_doc": per_doc}


def evaluate_dir(extract_dir: Path, gold_dir: Path) -> dict[str, Any]:
    return score(load_gold(gold_dir), load_prediction(extract_dir))
