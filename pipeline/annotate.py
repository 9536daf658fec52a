"""Label Studio round trip: the pipeline's predictions as tasks, corrections back as gold files.

`policy annotate export` writes one Label Studio task per statement (its text, with the
predicted modality and instrument as choices and the actor and entity spans as labels,
pre-filled as a prediction whose score is the statement's lowest confidence), ordered by
that score so that the least certain come first, and the labelling config they need.
`policy annotate import` turns a Label Studio JSON export into gold-format files (GUIDELINES,
"Gold file format") in ``corpus/annotations/``: `train` learns from them and `evaluate`
lays them over the gold files (a corrected statement replaces the gold one of the same text).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .errors import InputError

Record = dict[str, Any]
MODALITIES = ("obligation", "prohibition", "encouragement", "commitment", "permission", "exploration", "declaration")
ROLES = ("responsible", "lead", "cooperate", "addressee", "beneficiary")
ENTITY_LABELS = ("ORG", "TALENT", "PROGRAM", "PLATFORM", "EVENT", "LOC", "INDUSTRY", "MONEY", "DATE", "DOC")
MODEL_VERSION = "policy-pipeline rules"


def label_config(instrument_codes: Iterable[str], zh: dict[str, dict[str, str]] | None = None) -> str:
    """The Label Studio labelling config for the tasks (XML)."""
    zh = zh or {}

    def choices(name: str, values: Iterable[str], field: str, required: bool) -> str:
        opts = "".join(f'<Choice value="{html.escape(v)}" hint="{html.escape(zh.get(field, {}).get(v, ""))}"/>'
                       for v in values)
        return (f'<Choices name="{name}" toName="text" choice="single" showInline="true"'
                + (' required="true"' if required else "") + f">{opts}</Choices>")

    def labels(name: str, values: Iterable[str]) -> str:
        return f'<Labels name="{name}" toName="text">' + "".join(f'<Label value="{v}"/>' for v in values) + "</Labels>"

    return ("<View>\n  <Header value=\"$doc_id $statement_id\"/>\n"
            f"  {labels('actor', ROLES)}\n  {labels('entity', ENTITY_LABELS)}\n"
            "  <Text name=\"text\" value=\"$text\"/>\n"
            f"  <Header value=\"modality\"/>{choices('modality', MODALITIES, 'modality', True)}\n"
            f"  <Header value=\"instrument\"/>{choices('instrument', instrument_codes, 'instrument', False)}\n"
            f"  <Header value=\"implied issuer\"/>{choices('implied_issuer', ('true', 'false'), '', True)}\n"
            "</View>\n")


def _span(name: str, start: int, end: int, text: str, label: str) -> Record:
    return {"from_name": name, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text, "labels": [label]}}


def _choice(name: str, value: str) -> Record:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def to_tasks(statements: list[Record], entities: list[Record], doc_ids: set[str] | None = None) -> list[Record]:
    """One task per statement of the chosen documents, least confident first."""
    ents: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for e in entities:
        if e.get("statement_id"):
            ents[(e["doc_id"], e["statement_id"])].append(e)
    tasks = []
    for s in statements:
        if doc_ids and s["doc_id"] not in doc_ids:
            continue
        base = s["start"]
        result = [_choice("modality", s["modality"]), _choice("implied_issuer", str(bool(s.get("implied_issuer"))).lower())]
        if s.get("instrument"):
            result.append(_choice("instrument", s["instrument"]))
        result += [_span("actor", a["start"] - base, a["end"] - base, a["text"], a["role"]) for a in s.get("actors", [])]
        result += [_span("entity", e["start"] - base, e["end"] - base, e["text"], e["label"])
                   for e in ents.get((s["doc_id"], s["statement_id"]), [])]
        score = min(float(s.get("modality_confidence") or 0), float(s.get("instrument_confidence") or 0))
        tasks.append({
            "data": {"text": s["text"], "doc_id": s["doc_id"], "provision_id": s["provision_id"],
                     "statement_id": s["statement_id"]},
            "predictions": [{"model_version": MODEL_VERSION, "score": round(score, 4), "result": result}],
        })
    tasks.sort(key=lambda t: (t["predictions"][0]["score"], t["data"]["doc_id"], t["data"]["statement_id"]))
    return tasks


def _value(result: list[Record], name: str) -> str | None:
    for r in result:
        if r.get("from_name") == name and r.get("type") == "choices":
            got = r.get("value", {}).get("choices") or []
            return str(got[0]) if got else None
    return None


def from_export(export: Any, source: str = "export") -> dict[str, Record]:
    """Gold-format documents from a Label Studio JSON export: the last submitted annotation
    of each task (cancelled and empty ones skipped)."""
    if not isinstance(export, list):
        raise InputError(source, "not a Label Studio JSON export (a list of tasks)")
    docs: dict[str, Record] = {}
    for n, task in enumerate(export):
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict) or not {"text", "doc_id", "statement_id"} <= set(data):
            raise InputError(source, f"task {n}: data needs text, doc_id and statement_id (export tasks made by "
                                     "`policy annotate export`)")
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled") and a.get("result")]
        if not done:
            continue
        result = done[-1]["result"]
        text = data["text"]
        modality = _value(result, "modality")
        if modality not in MODALITIES:
            raise InputError(source, f"task {n} ({data['doc_id']} {data['statement_id']}): no valid modality")
        spans = [r for r in result if r.get("type") == "labels"]
        for r in spans:
            v = r.get("value", {})
            if not (0 <= v.get("start", -1) < v.get("end", -1) <= len(text)):
                raise InputError(source, f"task {n}: span {v} lies outside the statement text")
        doc = docs.setdefault(data["doc_id"], {"doc": data["doc_id"], "provisions": [], "statements": [], "entities": []})
        doc["statements"].append({
            "provision_id": data.get("provision_id"), "statement_id": data["statement_id"], "text": text,
            "modality": modality, "instrument": _value(result, "instrument"),
            "implied_issuer": _value(result, "implied_issuer") == "true",
            "actors": [{"text": text[r["value"]["start"]:r["value"]["end"]], "role": r["value"]["labels"][0]}
                       for r in spans if r.get("from_name") == "actor"],
        })
        doc["entities"] += [{"text": text[r["value"]["start"]:r["value"]["end"]], "label": r["value"]["labels"][0]}
                            for r in spans if r.get("from_name") == "entity"]
    return docs


def merge(old: Record | None, new: Record) -> Record:
    """``new``'s statements replace ``old``'s of the same text; the others stay."""
    if old is None:
        return new
    replaced = {s["text"] for s in new["statements"]}
    kept = [s for s in old["statements"] if s["text"] not in replaced]
    texts = replaced | {s["text"] for s in kept}
    ents = [e for e in old.get("entities", []) if not any(e["text"] in t for t in replaced)] + new["entities"]
    return {**old, "statements": kept + new["statements"], "entities": [e for e in ents if any(e["text"] in t for t in texts)]}


def overlay(gold: list[Record], annotations: list[Record]) -> list[Record]:
    """Gold documents with the annotations' corrections laid over them (by statement text)."""
    by_doc: dict[str, list[Record]] = defaultdict(list)
    for a in annotations:
        by_doc[a["doc"]].append(a)
    out = []
    for g in gold:
        fixes = {s["text"]: s for a in by_doc.get(g["doc"], []) for s in a["statements"]}
        if not fixes:
            out.append(g)
            continue
        statements = [{**s, **{k: fixes[s["text"]][k] for k in ("modality", "instrument", "implied_issuer", "actors")
                               if k in fixes[s["text"]]}} if s["text"] in fixes else s for s in g["statements"]]
        out.append({**g, "statements": statements})
    return out
