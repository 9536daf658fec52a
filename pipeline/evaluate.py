"""Scoring an extraction against gold files (GUIDELINES, "Gold file format").

Statements and entities are matched by text after normalisation and removal of
whitespace; provisions by (level, number, heading) with the heading keyed the same way.
Counts are multisets, micro-averaged over documents (keys never match across documents).
Statement-level labels (modality, instrument, implied issuer) are scored on the matched
statements; actors on all statements (those of unmatched statements count as misses).
"""

from __future__ import annotations

import re

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import read_jsonl
from .normalize import match_key

MODALITIES = ("obligation", "prohibition", "encouragement", "commitment", "permission", "exploration", "declaration")


def prf(gold: Iterable[Hashable], pred: Iterable[Hashable]) -> dict[str, float]:
    """Precision, recall and F1 of two multisets, with the counts behind them."""
    g, p = Counter(gold), Counter(pred)
    tp = sum((g & p).values())
    return _prf_counts(tp, sum(g.values()), sum(p.values()))


def _prf_counts(tp: float, n_gold: float, n_pred: float) -> dict[str, float]:
    precision = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    recall = tp / n_gold if n_gold else (1.0 if not n_pred else 0.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"tp": tp, "gold": n_gold, "pred": n_pred, "precision": precision, "recall": recall, "f1": f1}


def provision_key(level: str, number: int, heading: str) -> tuple[str, int, str]:
    return (level, int(number), match_key(heading))


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
            rec.setdefault("entities", [])
            docs.append(rec)
    return docs


def load_prediction(extract_dir: Path) -> dict[str, dict[str, Any]]:
    """Predicted documents keyed by doc id, with their document record, provisions, statements
    and entities."""
    docs: dict[str, dict[str, Any]] = {}
    for rec in read_jsonl(Path(extract_dir) / "documents.jsonl"):
        docs[rec["doc_id"]] = {"doc": rec["doc_id"], "document": rec, "provisions": [], "statements": [],
                               "entities": []}
    for key in ("provisions", "statements", "entities"):
        path = Path(extract_dir) / f"{key}.jsonl"
        if not path.exists():
            continue
        for rec in read_jsonl(path):
            if rec["doc_id"] in docs:
                docs[rec["doc_id"]][key].append(rec)
    return docs


def align_statements(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs of gold and predicted statements with the same key, in document order."""
    pool: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in pred:
        pool[match_key(p["text"])].append(p)
    pairs = []
    for g in gold:
        bucket = pool.get(match_key(g["text"]))
        if bucket:
            pairs.append((g, bucket.pop(0)))
    return pairs


def _relaxed_tp(gold: list[tuple[str, str]], pred: list[tuple[str, str]]) -> int:
    """Greedy one-to-one matches where labels agree and one text contains the other."""
    used = [False] * len(pred)
    tp = 0
    for gt, gl in gold:
        for k, (pt, pl) in enumerate(pred):
            if not used[k] and gl == pl and (gt in pt or pt in gt):
                used[k] = True
                tp += 1
                break
    return tp


class _Tally:
    """Counts for one document or for the micro average."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[list[Hashable], list[Hashable]]] = defaultdict(lambda: ([], []))
        self.pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.relaxed = [0, 0, 0]

    def add(self, name: str, gold: list[Hashable], pred: list[Hashable]) -> None:
        self.keys[name][0].extend(gold)
        self.keys[name][1].extend(pred)

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("provision", "statement", "actor", "actor_text", "entity"):
            g, p = self.keys[name]
            out[f"{name}_f1"] = prf(g, p)["f1"]
        out["entity_relaxed_f1"] = _prf_counts(*self.relaxed)["f1"]
        labels = sorted({k[-1] for k in self.keys["entity"][0]} | {k[-1] for k in self.keys["entity"][1]})
        out["entity_label_f1"] = {
            lab: prf([k for k in self.keys["entity"][0] if k[-1] == lab],
                     [k for k in self.keys["entity"][1] if k[-1] == lab])["f1"]
            for lab in labels
        }
        n = len(self.pairs)
        if n:
            gm = [g["modality"] for g, _ in self.pairs]
            pm = [p.get("modality") for _, p in self.pairs]
            out["modality_accuracy"] = sum(a == b for a, b in zip(gm, pm)) / n
            out["modality_macro_f1"] = macro_f1(gm, pm)
            gi = [g.get("instrument") for g, _ in self.pairs]
            pi = [p.get("instrument") for _, p in self.pairs]
            out["instrument_accuracy"] = sum(a == b for a, b in zip(gi, pi)) / n
            out["instrument_top_accuracy"] = sum(_top(a) == _top(b) for a, b in zip(gi, pi)) / n
            out["implied_issuer_accuracy"] = sum(
                bool(g.get("implied_issuer")) == bool(p.get("implied_issuer")) for g, p in self.pairs
            ) / n
        out["matched_statements"] = n
        return out


def _top(code: str | None) -> str | None:
    return code.split(".")[0] if code else None


def macro_f1(gold: list[str], pred: list[str]) -> float:
    """Macro-averaged F1 over the classes that occur in the gold labels."""
    classes = sorted(set(gold))
    scores = []
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        n_g = sum(1 for g in gold if g == c)
        n_p = sum(1 for p in pred if p == c)
        scores.append(_prf_counts(tp, n_g, n_p)["f1"])
    return sum(scores) / len(scores) if scores else 0.0


def _doc_keys(doc: dict[str, Any]) -> dict[str, list[Hashable]]:
    actors = [(match_key(s["text"]), match_key(a["text"]), a["role"]) for s in doc["statements"] for a in s.get("actors", [])]
    return {
        "provision": [provision_key(p["level"], p["number"], p["heading"]) for p in doc["provisions"]],
        "statement": [match_key(s["text"]) for s in doc["statements"]],
        "actor": actors,
        "actor_text": [a[:2] for a in actors],
        "entity": [(match_key(e["text"]), e["label"]) for e in doc.get("entities", [])],
    }


def score(gold_docs: list[dict[str, Any]], pred: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Micro-averaged and per-document metrics, and the modality confusion pairs."""
    micro = _Tally()
    per_doc: dict[str, Any] = {}
    for gd in gold_docs:
        doc_id = gd["doc"]
        pd = pred.get(doc_id, {"provisions": [], "statements": [], "entities": []})
        tally = _Tally()
        gk, pk = _doc_keys(gd), _doc_keys(pd)
        for name in gk:
            tally.add(name, gk[name], pk[name])
            micro.add(name, [(doc_id, *_tuple(k)) for k in gk[name]], [(doc_id, *_tuple(k)) for k in pk[name]])
        pairs = align_statements(gd["statements"], pd["statements"])
        tally.pairs = pairs
        micro.pairs.extend(pairs)
        ge = [(match_key(e["text"]), e["label"]) for e in gd.get("entities", [])]
        pe = [(match_key(e["text"]), e["label"]) for e in pd.get("entities", [])]
        counts = [_relaxed_tp(ge, pe), len(ge), len(pe)]
        tally.relaxed = counts
        micro.relaxed = [a + b for a, b in zip(micro.relaxed, counts)]
        per_doc[doc_id] = tally.metrics()
    confusion = [{"gold": g["modality"], "predicted": p.get("modality")} for g, p in micro.pairs]
    return {"micro": micro.metrics(), "per_doc": per_doc, "confusion": confusion}


HEADLINE = {  # short name -> micro metric: what `dvc metrics show` and `dvc exp show` print (one
    # word each, so that `dvc exp show` has room for all five in 200 columns; details.json has the rest)
    "actor": "actor_f1",
    "entity": "entity_f1",
    "instrument": "instrument_accuracy",
    "issuer": "implied_issuer_accuracy",
    "modality": "modality_macro_f1",
}


def headline(micro: dict[str, Any], unseen: dict[str, Any] | None) -> dict[str, Any]:
    """A dozen figures: the micro averages over all gold documents and over the unseen split
    (documents whose errors no rule was written against); the rest goes to details.json."""
    out: dict[str, Any] = {k: round(float(micro[v]), 4) for k, v in HEADLINE.items() if v in micro}
    if unseen:
        out["unseen"] = {k: round(float(unseen[v]), 4) for k, v in HEADLINE.items() if v in unseen}
    return out


def _tuple(k: Hashable) -> tuple[Hashable, ...]:
    return k if isinstance(k, tuple) else (k,)


def evaluate_dir(extract_dir: Path, gold_dir: Path) -> dict[str, Any]:
    return score(load_gold(gold_dir), load_prediction(extract_dir))


def _label_metrics(pairs: list[tuple[str, str | None]], task: str) -> dict[str, float]:
    if not pairs:
        return {}
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    acc = sum(g == p for g, p in pairs) / len(pairs)
    if task == "modality":
        return {"modality_accuracy": acc, "modality_macro_f1": macro_f1(gold, [p or "" for p in pred])}
    return {
        "instrument_accuracy": acc,
        "instrument_top_accuracy": sum(_top(g) == _top(p) for g, p in pairs) / len(pairs),
    }


def trained_metrics(
    gold_docs: list[dict[str, Any]],
    pred: dict[str, dict[str, Any]],
    extra_docs: list[dict[str, Any]],
    fit_all: Any,
) -> dict[str, Any]:
    """Modality and instrument of the trained classifiers, leave-one-document-out and in-sample.

    ``fit_all(docs)`` returns {task: model or None}; a model corrects the pipeline's rule
    labels of the statement texts (``StatementModel.correct``). The statements scored are
    the pipeline's own, matched to gold ones; where a task has no model (too few examples)
    the rule output stands.
    """
    out: dict[str, Any] = {}
    in_sample_models = fit_all(gold_docs + extra_docs)
    for setting in ("lodo", "in_sample"):
        collected: dict[str, list[tuple[str, str | None]]] = {"modality": [], "instrument": []}
        per_doc: dict[str, Any] = {}
        for gd in gold_docs:
            pairs = align_statements(gd["statements"], pred.get(gd["doc"], {}).get("statements", []))
            if setting == "lodo":
                models = fit_all([d for d in gold_docs if d["doc"] != gd["doc"]] + extra_docs)
            else:
                models = in_sample_models
            doc_metrics: dict[str, float] = {}
            for task in ("modality", "instrument"):
                model = models.get(task)
                texts = [p["text"] for _, p in pairs]
                rules = [p.get(task) for _, p in pairs]
                guesses = model.correct(texts, rules) if model is not None else rules
                scored = [(g[task], guess) for (g, _), guess in zip(pairs, guesses)]
                collected[task].extend(scored)
                doc_metrics.update(_label_metrics(scored, task))
            per_doc[gd["doc"]] = doc_metrics
        micro: dict[str, float] = {}
        for task, scored in collected.items():
            micro.update(_label_metrics(scored, task))
        out[setting] = {"micro": micro, "per_doc": per_doc}
    return out


def genre(title: str | None, genres: dict[str, str]) -> str:
    """The genre whose pattern matches ``title`` first, else ``other``."""
    return next((g for g, pattern in genres.items() if re.search(pattern, title or "")), "other")


def grouped(
    gold_docs: list[dict[str, Any]], pred: dict[str, dict[str, Any]], groups: dict[str, set[str]]
) -> dict[str, Any]:
    """Micro-averaged metrics of each group of gold documents (with its size and members)."""
    out: dict[str, Any] = {}
    for name, members in groups.items():
        docs = [g for g in gold_docs if g["doc"] in members]
        if docs:
            out[name] = {"documents": len(docs), **score(docs, pred)["micro"]}
    return out
