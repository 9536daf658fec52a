"""Comparison across policies: graphs, similarity, provision alignment, profiles, coverage.

Pure functions over the extraction records (dicts as in the JSONL outputs); ``cli.py``
reads and writes the files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .errors import ConfigError
from .resources import read_yaml

Record = dict[str, Any]
Tokenize = Callable[[str], list[str]]
_WORDISH = re.compile(r"\w")


@dataclass(frozen=True)
class TargetTaxonomy:
    categories: tuple[tuple[str, re.Pattern[str]], ...]
    other: str

    def category(self, text: str) -> str:
        return next((name for name, pattern in self.categories if pattern.search(text)), self.other)


def load_targets(path: Path) -> TargetTaxonomy:
    try:
        data = read_yaml(path)
        cats = tuple((row["category"], re.compile(row["pattern"])) for row in data["categories"])
        return TargetTaxonomy(cats, data["other"])
    except (OSError, KeyError, TypeError, re.error) as exc:
        raise ConfigError(path, f"bad target taxonomy ({type(exc).__name__}: {exc})") from None


def by_doc(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Records grouped by document id, in their order."""
    return _by_key(records, "doc_id")


def _node(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def _statement_items(st: Record, ents: list[Record], targets: TargetTaxonomy) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """The graph items one statement mentions: actors, its instrument, targets, programmes, platforms."""
    items: dict[str, list[tuple[str, dict[str, Any]]]] = {
        "actor": [(a["canonical"], {"type": a["type"], "role": a["role"]}) for a in st.get("actors", [])],
        "instrument": [(st["instrument"], {})] if st.get("instrument") else [],
        "target": [(targets.category(t["text"]), {}) for t in st.get("targets", [])],
        "programme": [(e["text"], {}) for e in ents if e["label"] == "PROGRAM"],
        "platform": [(e["text"], {}) for e in ents if e["label"] == "PLATFORM"],
    }
    return items


def policy_graph(
    doc: Record, statements: list[Record], entities: list[Record], targets: TargetTaxonomy
) -> nx.Graph:
    """Actors, instruments, target groups, programmes and platforms of one policy, linked
    through the statements that mention them together."""
    ents_by_stmt = _by_key(entities, "statement_id")
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str], dict[str, Any]] = {}
    for st in statements:
        items = _statement_items(st, ents_by_stmt.get(st["statement_id"], []), targets)
        present: list[tuple[str, str, dict[str, Any]]] = []
        for kind, values in items.items():
            for name, attrs in values:
                nid = _node(kind, name)
                node = nodes.setdefault(nid, {"kind": kind, "label": name, "count": 0})
                node["count"] += 1
                if "type" in attrs:
                    node["actor_type"] = attrs["type"]
                present.append((nid, kind, attrs))
        for i, (a, _, attrs_a) in enumerate(present):
            for b, _, attrs_b in present[i + 1 :]:
                if a == b:
                    continue
                key = (a, b) if a < b else (b, a)
                e = edges.setdefault(key, {"count": 0, "modality": Counter(), "role": Counter(), "provisions": set()})
                e["count"] += 1
                e["modality"][st["modality"]] += 1
                for attrs in (attrs_a, attrs_b):
                    if "role" in attrs:
                        e["role"][attrs["role"]] += 1
                e["provisions"].add(st["provision_id"])
    g = nx.Graph(doc_id=doc["doc_id"], title=doc.get("title") or "")
    for nid in sorted(nodes):
        g.add_node(nid, **nodes[nid])
    for (a, b) in sorted(edges):
        e = edges[(a, b)]
        g.add_edge(
            a, b,
            count=e["count"],
            weight=e["count"],
            modality=_top(e["modality"]),
            modalities="|".join(sorted(e["modality"])),
            role=_top(e["role"]),
            roles="|".join(sorted(e["role"])),
            provisions="|".join(sorted(e["provisions"])),
        )
    return g


def _top(counter: Counter[str]) -> str:
    return min(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0] if counter else ""


def _by_key(records: Iterable[Record], key: str) -> dict[Any, list[Record]]:
    out: dict[Any, list[Record]] = defaultdict(list)
    for r in records:
        out[r.get(key)].append(r)
    return out


def similarity_matrix(documents: list[Record], tokenize: Tokenize) -> tuple[list[str], np.ndarray]:
    """Cosine similarity of the policies' TF-IDF vectors over jieba tokens."""
    ids = [d["doc_id"] for d in documents]
    if not documents:
        return ids, np.zeros((0, 0))
    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True)
    matrix = vec.fit_transform([d["text"] for d in documents])
    return ids, np.round(cosine_similarity(matrix), 6)


@dataclass(frozen=True)
class Boilerplate:
    """What every policy says in some form (effective date, interpretation, definitions):
    such provisions are marked and left out of the alignment ranking."""

    patterns: tuple[re.Pattern[str], ...]
    headings: tuple[re.Pattern[str], ...]
    df_share: float  # ... or a provision that aligns with provisions of more than this share of the others
    df_score: float  # at this score or more
    df_min_docs: int  # in a corpus of at least this many policies


def load_boilerplate(path: Path) -> Boilerplate:
    try:
        data = read_yaml(path)
        return Boilerplate(tuple(re.compile(p) for p in data["patterns"]),
                           tuple(re.compile(p) for p in data["headings"]),
                           float(data["df_share"]), float(data["df_score"]), int(data["df_min_docs"]))
    except (OSError, KeyError, TypeError, re.error) as exc:
        raise ConfigError(path, f"bad boilerplate rules ({type(exc).__name__}: {exc})") from None


def _by_pattern(provisions: list[Record], rules: Boilerplate) -> set[tuple[str, str]]:
    """(doc_id, provision_id) of provisions that a pattern marks, or that sit under a 附则 heading."""
    marked: set[tuple[str, str]] = set()
    under: dict[str, list[str]] = defaultdict(list)  # doc -> provision ids whose heading marks its children
    for p in provisions:
        key = (p["doc_id"], p["provision_id"])
        if any(r.search(p["heading"] or "") for r in rules.headings):
            under[p["doc_id"]].append(p["provision_id"] + "/")
            marked.add(key)
        elif any(r.search(p["text"]) for r in rules.patterns):
            marked.add(key)
        elif any(p["provision_id"].startswith(prefix) for prefix in under[p["doc_id"]]):
            marked.add(key)
    return marked


_SCORE_SCALE = 10**6  # scores are rounded to 6 decimals: as integers they order the same
_SCORE_MAX = 2 * _SCORE_SCALE  # above any cosine (at most 1)


def _order(keys: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """The permutation sorting by ``keys`` (most significant first; non-negative integers,
    each below its ``sizes`` entry, the last key unique within equal others): one argsort of
    the keys packed into one integer when they fit in 63 bits, else ``np.lexsort``."""
    bits = [max(1, int(n - 1).bit_length()) for n in sizes]
    if sum(bits) > 63:
        return np.lexsort(keys[::-1])
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    for key, b in zip(keys, bits):
        packed = (packed << b) | key.astype(np.int64)
    return np.argsort(packed, kind="stable")


def _top_matches(
    x: Any, docs: np.ndarray, threshold: float, top_k: int, chunk: int, cap: int = 0
) -> Iterable[tuple[int, int, float]]:
    """(i, j, score) for each unit i and its top_k most similar units j of every other document
    with score >= threshold, ordered by i, then j's document, score (desc) and j; with ``cap``,
    only each unit's best ``cap`` of those (by score, then j), in the same order.

    The similarities come from sparse products one block of rows at a time, and each block is
    ranked with array operations, so memory grows with the matches, not with the square of
    the units."""
    xt = x.T.tocsc()
    docs_n, n_cols = int(docs.max()) + 1 if len(docs) else 1, x.shape[0]
    for lo in range(0, x.shape[0], chunk):
        block = (x[lo : lo + chunk] @ xt).tocsr()
        # most products are far below the threshold: drop them before anything else is built
        near = np.flatnonzero(block.data >= threshold - 1e-6)
        rows = np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))[near] + lo
        cols, vals = block.indices[near].astype(np.int64), np.round(block.data[near], 6)
        keep = (vals >= threshold) & (docs[cols] != docs[rows])
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        if not len(rows):
            continue
        d = docs[cols]
        desc = _SCORE_MAX - np.rint(vals * _SCORE_SCALE).astype(np.int64)  # higher score first
        order = _order([rows - lo, d, desc, cols], [chunk, docs_n, _SCORE_MAX + 1, n_cols])
        rows, cols, vals, d, desc = rows[order], cols[order], vals[order], d[order], desc[order]
        first = np.r_[True, (rows[1:] != rows[:-1]) | (d[1:] != d[:-1])]
        pos = np.arange(len(rows))
        rank = pos - np.maximum.accumulate(np.where(first, pos, 0))
        sel = rank < top_k
        rows, cols, vals, desc = rows[sel], cols[sel], vals[sel], desc[sel]
        if cap:
            by_score = _order([rows - lo, desc, cols], [chunk, _SCORE_MAX + 1, n_cols])
            r2 = rows[by_score]
            first2 = np.r_[True, r2[1:] != r2[:-1]]
            pos2 = np.arange(len(r2))
            best = np.zeros(len(rows), dtype=bool)
            best[by_score[(pos2 - np.maximum.accumulate(np.where(first2, pos2, 0))) < cap]] = True
            rows, cols, vals = rows[best], cols[best], vals[best]
        yield from zip(rows.tolist(), cols.tolist(), vals.tolist())


def align_provisions(
    provisions: list[Record],
    tokenize: Tokenize,
    *,
    levels: tuple[str, ...],
    threshold: float,
    top_k: int,
    boilerplate: Boilerplate | None = None,
    chunk: int = 512,
    max_df: float = 1.0,
    max_per_provision: int = 0,
    max_df_count: int = 0,
) -> tuple[list[Record], list[Record]]:
    """For each provision, the most similar provisions of every other policy (score >= threshold),
    and the boilerplate provisions left out of that ranking (with the reason).

    The score is the cosine similarity of the two provisions' TF-IDF vectors over jieba tokens
    (sublinear term frequency, IDF over the aligned provisions of the whole corpus). Words in
    more than ``max_df`` of the provisions, or in more than ``max_df_count`` of them (0: no
    count), are left out, which keeps the products sparse in a large corpus; ``max_per_provision`` (0: no cap) keeps each provision's best
    matches over all policies."""
    units = [p for p in provisions if p["level"] in levels and _WORDISH.search(p["text"])]
    if len(units) < 2:
        return [], []
    limit: float | int = max_df if max_df < 1.0 else 1.0
    if max_df_count and max_df_count < limit * len(units):
        limit = max_df_count  # in a large corpus, common words would make the products dense
    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True, max_df=limit)
    try:
        x = vec.fit_transform([p["text"] for p in units]).tocsr()
    except ValueError:  # every word too frequent: nothing to align on
        return [], []
    doc_ids = sorted({p["doc_id"] for p in units})
    code = {d: k for k, d in enumerate(doc_ids)}
    docs = np.array([code[p["doc_id"]] for p in units])
    matches = list(_top_matches(x, docs, threshold, top_k, chunk, max_per_provision))
    reasons: dict[int, str] = {}
    if boilerplate is not None:
        marked = _by_pattern(units, boilerplate)
        for i, p in enumerate(units):
            if (p["doc_id"], p["provision_id"]) in marked:
                reasons[i] = "pattern"
        if len(doc_ids) >= boilerplate.df_min_docs:
            reach: dict[int, set[int]] = defaultdict(set)
            for i, j, score in matches:
                if score >= boilerplate.df_score:
                    reach[i].add(int(docs[j]))
            limit = boilerplate.df_share * (len(doc_ids) - 1)
            for i, others in reach.items():
                if len(others) > limit:
                    reasons.setdefault(i, "frequent")  # said alike by most policies
    rows: list[Record] = []
    for i, j, score in matches:
        if i in reasons or j in reasons:
            continue
        p, q = units[i], units[j]
        rows.append({
            "doc_id": p["doc_id"], "provision_id": p["provision_id"], "heading": p["heading"],
            "other_doc_id": q["doc_id"], "other_provision_id": q["provision_id"],
            "other_heading": q["heading"], "score": score,
        })
    left_out = [{"doc_id": units[i]["doc_id"], "provision_id": units[i]["provision_id"],
                 "heading": units[i]["heading"], "reason": why} for i, why in sorted(reasons.items())]
    return rows, left_out


def instrument_profile(documents: list[Record], statements: list[Record]) -> list[Record]:
    """Per policy and instrument code: statement count and share of the policy's coded statements."""
    grouped = by_doc(statements)
    rows = []
    for d in documents:
        counts = Counter(s["instrument"] for s in grouped.get(d["doc_id"], []) if s.get("instrument"))
        total = sum(counts.values())
        for code in sorted(counts):
            rows.append({"doc_id": d["doc_id"], "code": code, "top": code.split(".")[0],
                         "count": counts[code], "share": round(counts[code] / total, 6)})
    return rows


def target_profile(documents: list[Record], statements: list[Record], targets: TargetTaxonomy) -> list[Record]:
    """Per policy and target category: mentions and share."""
    grouped = by_doc(statements)
    rows = []
    for d in documents:
        counts = Counter(targets.category(t["text"]) for s in grouped.get(d["doc_id"], []) for t in s.get("targets", []))
        total = sum(counts.values())
        for cat in sorted(counts):
            rows.append({"doc_id": d["doc_id"], "category": cat, "count": counts[cat],
                         "share": round(counts[cat] / total, 6)})
    return rows


def items_used(documents: list[Record], statements: list[Record], targets: TargetTaxonomy) -> dict[str, dict[str, set[str]]]:
    """Per policy: the instrument codes, target categories and actor types its statements use."""
    grouped = by_doc(statements)
    used: dict[str, dict[str, set[str]]] = {}
    for d in documents:
        sts = grouped.get(d["doc_id"], [])
        used[d["doc_id"]] = {
            "instrument": {s["instrument"] for s in sts if s.get("instrument")},
            "target": {targets.category(t["text"]) for s in sts for t in s.get("targets", [])},
            "actor_type": {a["type"] for s in sts for a in s.get("actors", [])},
        }
    return used


_DIMENSIONS = ("instrument", "target", "actor_type")


def _usage(used: dict[str, dict[str, set[str]]], peers: Iterable[str]) -> dict[str, Counter[str]]:
    """Per dimension, how many of ``peers`` use each item."""
    counts: dict[str, Counter[str]] = {dim: Counter() for dim in _DIMENSIONS}
    for o in peers:
        for dim in _DIMENSIONS:
            counts[dim].update(used[o][dim])
    return counts


def compare_to_peers(used: dict[str, dict[str, set[str]]], doc_id: str, peers: list[str], *, majority: float,
                     usage: dict[str, Counter[str]] | None = None) -> list[Record]:
    """What ``doc_id`` uses that none of ``peers`` does (unique), and what more than
    ``majority`` of them use that it lacks (lacking). ``usage`` is ``_usage(used, peers)``
    when the caller has it (one count for a whole corpus, not one per policy)."""
    others = [o for o in peers if o != doc_id]
    if usage is None:
        usage = _usage(used, set(peers))
    counted = doc_id in peers  # usage counts the policy itself
    rows = []
    for dim in _DIMENSIONS:
        mine_set = used[doc_id][dim]
        for item in sorted(set(usage[dim]) | mine_set):
            mine = item in mine_set
            n_others = usage[dim][item] - (mine and counted)
            if mine and n_others == 0 and others:
                status = "unique"
            elif not mine and others and n_others / len(others) > majority:
                status = "lacking"
            else:
                continue
            rows.append({"doc_id": doc_id, "dimension": dim, "item": item, "status": status,
                         "others_using": n_others, "others": len(others)})
    return rows


def coverage(
    documents: list[Record], statements: list[Record], targets: TargetTaxonomy, *, majority: float
) -> list[Record]:
    """What each policy uses that no other does, and what most others use that it lacks."""
    used = items_used(documents, statements, targets)
    ids = sorted(used)
    usage = _usage(used, ids)
    return [row for doc_id in ids for row in compare_to_peers(used, doc_id, ids, majority=majority, usage=usage)]


def comparison_graph(
    documents: list[Record],
    statements: list[Record],
    targets: TargetTaxonomy,
    similarity: tuple[list[str], np.ndarray],
    *,
    edge_min: float,
    top_k: int = 5,
) -> nx.Graph:
    """Policies linked to the canonical actors, instrument codes and target categories they use
    (weighted by counts), and to each other (weighted by similarity): each policy to its
    ``top_k`` most similar others at ``edge_min`` or more, so that the edges grow with the
    policies, not with their square."""
    g = nx.Graph()
    grouped = by_doc(statements)
    for d in sorted(documents, key=lambda d: d["doc_id"]):
        g.add_node(
            _node("policy", d["doc_id"]), kind="policy", label=d.get("title") or d["doc_id"],
            level=d.get("level") or "", region=d.get("region") or "", date=d.get("date") or "",
            issuer="；".join(d.get("issuer") or []),
        )
    links: dict[tuple[str, str], int] = Counter()
    attrs: dict[str, dict[str, Any]] = {}
    for d in documents:
        pid = _node("policy", d["doc_id"])
        for s in grouped.get(d["doc_id"], []):
            for a in s.get("actors", []):
                nid = _node("actor", a["canonical"])
                attrs[nid] = {"kind": "actor", "label": a["canonical"], "actor_type": a["type"]}
                links[(pid, nid)] += 1
            if s.get("instrument"):
                nid = _node("instrument", s["instrument"])
                attrs[nid] = {"kind": "instrument", "label": s["instrument"]}
                links[(pid, nid)] += 1
            for t in s.get("targets", []):
                cat = targets.category(t["text"])
                nid = _node("target", cat)
                attrs[nid] = {"kind": "target", "label": cat}
                links[(pid, nid)] += 1
    totals: Counter[str] = Counter()
    for (_, nid), n in links.items():
        totals[nid] += n
    for nid in sorted(attrs):
        g.add_node(nid, **attrs[nid], count=totals[nid])
    for (a, b) in sorted(links):
        g.add_edge(a, b, kind="uses", weight=links[(a, b)], count=links[(a, b)])
    ids, sim = similarity
    pairs: set[tuple[int, int]] = set()
    for i in range(len(ids)):
        row = np.asarray(sim[i], dtype=float).copy()
        row[i] = -1.0
        for j in np.lexsort((np.arange(len(ids)), -row))[:top_k]:
            if row[j] >= edge_min:
                pairs.add((min(i, int(j)), max(i, int(j))))
    for i, j in sorted(pairs):
        g.add_edge(_node("policy", ids[i]), _node("policy", ids[j]), kind="similar",
                   weight=float(sim[i][j]), count=0)
    return g


def summary(documents: list[Record], similarity: tuple[list[str], np.ndarray], tables: dict[str, list[Record]]) -> dict[str, Any]:
    """The comparison's headline figures (DVC metrics of the compare stage): mean similarity of
    two policies, provisions aligned with another policy's, boilerplate provisions left out,
    and coverage items (what a policy alone has, or lacks that most others have)."""
    ids, sim = similarity
    n = len(ids)
    sim = np.asarray(sim, dtype=float)
    off = float(sim.sum() - np.trace(sim)) if n > 1 else 0.0  # the pairs of two different policies
    coverage = Counter(r["status"] for r in tables.get("coverage", []))
    return {
        "mean_similarity": round(off / (n * (n - 1)), 4) if n > 1 else 0.0,
        "aligned": len({(r["doc_id"], r["provision_id"]) for r in tables.get("alignments", [])}),
        "boilerplate": len(tables.get("boilerplate", [])),
        "gaps": coverage.get("lacking", 0) + coverage.get("unique", 0),
    }


def drop_weak_instruments(statements: list[Record], min_confidence: float) -> list[Record]:
    """Statements whose instrument is less sure than ``min_confidence`` count as uncoded
    (0.0 keeps all; any value above 0 drops the codes given without evidence)."""
    if min_confidence <= 0:
        return statements
    return [
        {**s, "instrument": None} if (s.get("instrument_confidence") or 0.0) < min_confidence else s
        for s in statements
    ]
