"""Writing graphs (GraphML, GEXF, node-link JSON, offline HTML) and datasets (CSV, Parquet).

Every file is written atomically and deterministically.
"""

from __future__ import annotations

import json
import re
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import networkx as nx
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ConfigError
from .resources import read_yaml
from .io import atomic_writer, write_csv

Record = dict[str, Any]
_GEXF_DATE = re.compile(r' lastmodifieddate="[^"]*"')


def _plain(g: nx.Graph) -> nx.Graph:
    """A copy whose attributes are all str, int, float or bool (what GraphML and GEXF take)."""
    h = nx.Graph() if not g.is_directed() else nx.DiGraph()
    h.graph.update({k: _scalar(v) for k, v in g.graph.items()})
    for n, attrs in g.nodes(data=True):
        h.add_node(n, **{k: _scalar(v) for k, v in attrs.items()})
    for a, b, attrs in g.edges(data=True):
        h.add_edge(a, b, **{k: _scalar(v) for k, v in attrs.items()})
    return h


def _scalar(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)):
        return v
    if v is None:
        return ""
    if isinstance(v, (list, tuple, set)):
        return "|".join(map(str, v))
    return str(v)


def layout(g: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """A deterministic force-directed layout (rounded, so bytes do not depend on float noise)."""
    if g.number_of_nodes() == 0:
        return {}
    # tie the components together through a hidden hub, or spring_layout flings them apart
    h = nx.Graph(g)
    hub = ("__hub__",)
    for comp in sorted(nx.connected_components(g), key=lambda c: sorted(c)[0]):
        h.add_edge(hub, max(sorted(comp), key=g.degree))
    pos = nx.spring_layout(h, seed=seed, weight=None, k=1.6 / max(1, h.number_of_nodes()) ** 0.5, iterations=200)
    return {n: (round(float(x), 4), round(float(y), 4)) for n, (x, y) in pos.items() if n != hub}


def write_graph(g: nx.Graph, folder: Path, stem: str, *, title: str, seed: int) -> list[Path]:
    """``stem``.graphml, .gexf, .json (node-link) and .html (self-contained) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    plain = _plain(g)
    paths = {ext: folder / f"{stem}.{ext}" for ext in ("graphml", "gexf", "json", "html")}
    with atomic_writer(paths["graphml"]) as f:
        f.write("\n".join(nx.generate_graphml(plain)) + "\n")
    gexf = "\n".join(nx.generate_gexf(plain))
    with atomic_writer(paths["gexf"]) as f:
        f.write(_GEXF_DATE.sub("", gexf) + "\n")  # no "last modified" date: same input, same bytes
    data = nx.node_link_data(plain, edges="links")
    with atomic_writer(paths["json"]) as f:
        f.write(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    pos = layout(plain, seed)
    page = {
        "nodes": [{"id": n, **attrs, "x": pos[n][0], "y": pos[n][1]} for n, attrs in plain.nodes(data=True)],
        "links": [{"source": a, "target": b, **attrs} for a, b, attrs in plain.edges(data=True)],
    }
    template = importlib_resources.files("pipeline").joinpath("templates/graph.html").read_text(encoding="utf-8")
    html = template.replace("__TITLE__", _escape(title)).replace(
        "__DATA__", json.dumps(page, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    )
    with atomic_writer(paths["html"]) as f:
        f.write(html)
    return list(paths.values())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def load_dictionary(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = read_yaml(path)
        tables = data["tables"]
        for name, t in tables.items():
            if not isinstance(t.get("columns"), dict) or not t.get("description"):
                raise ConfigError(path, f"table {name!r} needs a description and columns")
        return tables
    except (OSError, KeyError, TypeError) as exc:
        raise ConfigError(path, f"bad data dictionary ({type(exc).__name__}: {exc})") from None


def table_rows(name: str, extraction: dict[str, list[Record]], compare: dict[str, Any]) -> list[Record]:
    """The rows of one export table, built from the extraction and comparison outputs."""
    if name == "documents":
        return [
            {**{k: d.get(k) for k in ("doc_id", "title", "date", "doc_number", "level", "region", "source", "sha256", "verified")},
             "issuer": "；".join(d.get("issuer") or []), "chars": len(d["text"])}
            for d in extraction["documents"]
        ]
    if name == "provisions":
        return [{**p, "parent": p.get("parent") or ""} for p in extraction["provisions"]]
    if name == "statements":
        return [
            {**{k: s[k] for k in ("doc_id", "provision_id", "statement_id", "start", "end", "text", "modality",
                                  "implied_issuer", "instrument")},
             **{k: s.get(k) for k in ("modality_rule", "modality_confidence", "instrument_confidence")},
             "also": ";".join(s.get("also", [])),
             "instrument_top": (s.get("instrument") or "").split(".")[0],
             "actors": "；".join(f"{a['text']}（{a['role']}）" for a in s.get("actors", [])),
             "targets": ";".join(t["text"] for t in s.get("targets", []))}
            for s in extraction["statements"]
        ]
    if name == "actors":
        return [
            {"doc_id": s["doc_id"], "provision_id": s["provision_id"], "statement_id": s["statement_id"],
             **{k: a[k] for k in ("text", "role", "canonical", "type", "start", "end")}}
            for s in extraction["statements"] for a in s.get("actors", [])
        ]
    if name == "entities":
        return list(extraction["entities"])
    if name == "similarity":
        ids, matrix = compare["similarity"]
        return [{"doc_id": a, "other_doc_id": b, "similarity": float(matrix[i][j])}
                for i, a in enumerate(ids) for j, b in enumerate(ids)]
    return list(compare[name])


def write_table(folder: Path, name: str, columns: dict[str, str], rows: list[Record]) -> None:
    """``name``.csv (UTF-8 with BOM) and ``name``.parquet with exactly the dictionary's columns."""
    cols = list(columns)
    missing = {c for r in rows[:1] for c in cols if c not in r}
    if missing:
        raise ConfigError("models/exports/dictionary.yaml", f"table {name}: rows lack columns {sorted(missing)}")
    write_csv(folder / f"{name}.csv", cols, rows, bom=True, excel=True)
    table = pa.Table.from_pylist([{c: r.get(c) for c in cols} for r in rows], schema=None) if rows else \
        pa.table({c: pa.array([], type=pa.string()) for c in cols})
    table = table.select(cols)
    with atomic_writer(folder / f"{name}.parquet", binary=True) as f:
        pq.write_table(table, f, compression="zstd")


def dictionary_markdown(tables: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Data dictionary",
        "",
        "Datasets written by `policy export` (the DVC `export` stage). Each table is a CSV file",
        "(UTF-8 with BOM, so Excel reads the Chinese text) and a Parquet file with the same columns.",
        "Offsets (`start`, `end`) are character offsets into the document's normalised text",
        "(`data/extract/documents.jsonl`, field `text`).",
        "",
    ]
    for name, t in tables.items():
        lines += [f"## {name}", "", t["description"], "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {d} |" for c, d in t["columns"].items()]
        lines.append("")
    return "\n".join(lines)
