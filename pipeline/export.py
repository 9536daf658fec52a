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
    """A copy whose attributes are all str, int, float or bool (what GraphML and GEXF take),
    each attribute of one type across all nodes (edges): GraphML declares a key once, so a
    ``weight`` that is an int on one edge and a float on another is declared twice, which
    readers other than networkx (igraph, Gephi) reject."""
    h = nx.Graph() if not g.is_directed() else nx.DiGraph()
    h.graph.update({k: _scalar(v) for k, v in g.graph.items()})
    nodes = _unify([(n, {k: _scalar(v) for k, v in attrs.items()}) for n, attrs in g.nodes(data=True)])
    h.add_nodes_from(nodes)
    edges = _unify([((a, b), {k: _scalar(v) for k, v in attrs.items()}) for a, b, attrs in g.edges(data=True)])
    h.add_edges_from((a, b, attrs) for (a, b), attrs in edges)
    return h


def _unify(items: list[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
    """Cast each attribute to one type: float where ints and floats mix, str where text mixes in."""
    kinds: dict[str, set[type]] = {}
    for _, attrs in items:
        for k, v in attrs.items():
            kinds.setdefault(k, set()).add(type(v))
    cast: dict[str, Any] = {}
    for k, ts in kinds.items():
        if len(ts) > 1:
            cast[k] = float if ts <= {int, float, bool} and float in ts else str
    if not cast:
        return items
    return [(key, {k: cast[k](v) if k in cast else v for k, v in attrs.items()}) for key, attrs in items]


def _scalar(v: Any) -> Any:
    if isinstance(v, (str, int, float, bool)):
        return v
    if v is None:
        return ""
    if isinstance(v, (list, tuple, set)):
        return "|".join(map(str, v))
    return str(v)


LAYOUT_MAX_NODES = 600  # a larger graph is laid out on circles: force layouts grow with the square


def layout(g: nx.Graph, seed: int, max_nodes: int = LAYOUT_MAX_NODES) -> dict[str, tuple[float, float]]:
    """A deterministic force-directed layout (rounded, so bytes do not depend on float noise);
    for more than ``max_nodes`` nodes, concentric circles by node kind (linear time; open
    such graphs in Gephi)."""
    if g.number_of_nodes() == 0:
        return {}
    if g.number_of_nodes() > max_nodes:
        shells: dict[str, list[Any]] = {}
        for n, d in sorted(g.nodes(data=True), key=lambda nd: str(nd[0])):
            shells.setdefault(str(d.get("kind", "")), []).append(n)
        pos = nx.shell_layout(g, nlist=[shells[k] for k in sorted(shells)])
        return {n: (round(float(x), 4), round(float(y), 4)) for n, (x, y) in pos.items()}
    # tie the components together through a hidden hub, or spring_layout flings them apart
    h = nx.Graph(g)
    hub = ("__hub__",)
    for comp in sorted(nx.connected_components(g), key=lambda c: sorted(c)[0]):
        h.add_edge(hub, max(sorted(comp), key=g.degree))
    pos = nx.spring_layout(h, seed=seed, weight=None, k=1.6 / max(1, h.number_of_nodes()) ** 0.5, iterations=200)
    return {n: (round(float(x), 4), round(float(y), 4)) for n, (x, y) in pos.items() if n != hub}


def write_graph(g: nx.Graph, folder: Path, stem: str, *, title: str, seed: int,
                formats: tuple[str, ...] | None = None) -> list[Path]:
    """``stem``.graphml, .gexf, .json (node-link) and .html (self-contained) in ``folder``
    (or GraphML only, with ``formats=("graphml",)``)."""
    folder.mkdir(parents=True, exist_ok=True)
    plain = _plain(g)
    paths = {ext: folder / f"{stem}.{ext}" for ext in (formats or ("graphml", "gexf", "json", "html"))}
    with atomic_writer(paths["graphml"]) as f:
        f.write("\n".join(nx.generate_graphml(plain)) + "\n")
    if "gexf" not in paths:  # GraphML only: drop what a run in all formats left
        for ext in ("gexf", "json", "html"):
            (folder / f"{stem}.{ext}").unlink(missing_ok=True)
        return list(paths.values())
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


def label_maps(book: list[Record]) -> dict[str, dict[str, str]]:
    """field -> code -> Chinese label, from the codebook rows."""
    maps: dict[str, dict[str, str]] = {}
    for r in book:
        maps.setdefault(r["field"], {})[r["code"]] = r["label_zh"]
    return maps


def table_rows(
    name: str, extraction: dict[str, list[Record]], compare: dict[str, Any], labels: dict[str, dict[str, str]] | None = None
) -> list[Record]:
    """The rows of one export table, built from the extraction and comparison outputs."""
    zh = labels or {}
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
             "modality_zh": zh.get("modality", {}).get(s["modality"], ""),
             "instrument_zh": zh.get("instrument", {}).get(s.get("instrument") or "", ""),
             "actors": "；".join(f"{a['text']}（{a['role']}）" for a in s.get("actors", [])),
             "targets": ";".join(t["text"] for t in s.get("targets", []))}
            for s in extraction["statements"]
        ]
    if name == "actors":
        return [
            {"doc_id": s["doc_id"], "provision_id": s["provision_id"], "statement_id": s["statement_id"],
             **{k: a[k] for k in ("text", "role", "canonical", "type", "start", "end")},
             "role_zh": zh.get("role", {}).get(a["role"], "")}
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


def codebook(labels_path: Path, taxonomy_path: Path) -> list[Record]:
    """Every code of the output vocabulary with its Chinese label and its meaning."""
    try:
        labels = read_yaml(labels_path)
        codes = read_yaml(taxonomy_path)["codes"]
        groups = {"modality": labels["modality"], "role": labels["role"], "instrument_top": labels["instrument_group"],
                  "instrument": {c: {"zh": r["label_zh"], "meaning": r["meaning"]} for c, r in codes.items()},
                  "label": labels["entity"]}
        return [{"field": field, "code": code, "label_zh": v["zh"], "meaning": v["meaning"]}
                for field, entries in groups.items() for code, v in entries.items()]
    except (OSError, KeyError, TypeError) as exc:
        raise ConfigError(labels_path, f"bad labels ({type(exc).__name__}: {exc})") from None


CODEBOOK_COLUMNS = {"field": "The column the code appears in.", "code": "The code as written in the data.",
                    "label_zh": "Its Chinese name.", "meaning": "What it means (GUIDELINES sections 4-7)."}
XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip member times: same input, same bytes
_CORE_TIMES = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def write_workbook(path: Path, tables: dict[str, tuple[dict[str, str], list[Record]]], book: list[Record]) -> list[str]:
    """``path`` (.xlsx): one sheet per table and a codebook sheet; frozen header, filters,
    column widths. Text cells are stored as text, so none becomes a formula, whatever it
    starts with. Returns the names of tables too long for a sheet (left out)."""
    import io as _io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    skipped = []
    for name, (columns, rows) in [*tables.items(), ("codebook", (CODEBOOK_COLUMNS, book))]:
        if len(rows) > XLSX_MAX_ROWS:
            skipped.append(name)
            continue
        ws = wb.create_sheet(title=name[:31])
        cols = list(columns)
        ws.freeze_panes = "A2"
        for k, c in enumerate(cols, 1):
            longest = max([len(str(c))] + [len(str(r.get(c) or "")) for r in rows[:200]])
            ws.column_dimensions[get_column_letter(k)].width = min(60, max(8, longest * 1.6 + 2))
        ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{len(rows) + 1}"
        bold = Font(bold=True)
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=c)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for r in rows:
            out = []
            for c in cols:
                v = r.get(c)
                if isinstance(v, (list, dict)):
                    v = json.dumps(v, ensure_ascii=False)
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula
                out.append(cell)
            ws.append(out)
    buf = _io.BytesIO()
    wb.save(buf)
    # fixed member times and document dates: the same tables give the same bytes
    src = zipfile.ZipFile(_io.BytesIO(buf.getvalue()))
    with atomic_writer(path, binary=True) as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(r"\g<1>2000-01-01T00:00:00Z\g<2>", data.decode("utf-8")).encode("utf-8")
            out.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return skipped


def dictionary_markdown(tables: dict[str, dict[str, Any]]) -> str:
    lines = [
        "# Data dictionary",
        "",
        "Datasets written by `policy export` (the DVC `export` stage). Each table is a CSV file",
        "(UTF-8 with BOM, so Excel reads the Chinese text) and a Parquet file with the same columns;",
        "`policy.xlsx` holds every table as a sheet, and a `codebook` sheet with the Chinese label and",
        "meaning of every code. In the CSV files, a text cell that a spreadsheet would run as a formula",
        "(one opening with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`",
        "(OWASP's advice); the XLSX stores every text cell as text; JSONL and Parquet keep the exact text.",
        "Offsets (`start`, `end`) are character offsets into the document's normalised text",
        "(`data/extract/documents.jsonl`, field `text`).",
        "",
    ]
    for name, t in tables.items():
        lines += [f"## {name}", "", t["description"], "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {d} |" for c, d in t["columns"].items()]
        lines.append("")
    return "\n".join(lines)
