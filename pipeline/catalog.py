"""Dataset name -> file, for the notebooks and anyone loading the pipeline's outputs.

    from pipeline import catalog
    statements = catalog.load("statements")      # a pandas DataFrame
    g = catalog.graph()                          # the comparison graph (networkx)

Paths come from params.yaml ``paths``; the environment variable POLICY_DATA, when set,
points at another output root holding ``extract/``, ``compare/`` and ``exports/``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import InputError
from .params import load_params

ROOT = Path(__file__).resolve().parents[1]
DATASETS: dict[str, tuple[str, str]] = {
    "documents": ("extract", "documents.jsonl"),
    "provisions": ("extract", "provisions.jsonl"),
    "statements": ("extract", "statements.jsonl"),
    "entities": ("extract", "entities.jsonl"),
    "actors": ("exports", "actors.parquet"),
    "alignments": ("exports", "alignments.parquet"),
    "similarity": ("exports", "similarity.parquet"),
    "instrument_profile": ("exports", "instrument_profile.parquet"),
    "target_profile": ("exports", "target_profile.parquet"),
    "coverage": ("exports", "coverage.parquet"),
}


def folders(params_path: Path | None = None) -> dict[str, Path]:
    root = os.environ.get("POLICY_DATA")
    if root:
        return {k: Path(root) / k for k in ("extract", "compare", "exports")}
    p = load_params(params_path or ROOT / "params.yaml").paths
    return {"extract": p.extract, "compare": p.compare, "exports": p.exports}


def path(name: str) -> Path:
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    folder, file = DATASETS[name]
    return folders()[folder] / file


def load(name: str) -> Any:
    """A dataset as a pandas DataFrame."""
    import pandas as pd

    p = path(name)
    if not p.exists():
        raise InputError(p, "not found; run `dvc repro` first")
    if DATASETS[name][0] == "extract":
        from .io import check_output_set

        check_output_set(p.parent)  # the four extraction files of one run, not a mix
    return pd.read_json(p, lines=True) if p.suffix == ".jsonl" else pd.read_parquet(p)


def graph(doc_id: str | None = None) -> Any:
    """The comparison graph, or one policy's graph, read from its GraphML file."""
    import networkx as nx

    base = folders()["compare"]
    p = base / "comparison.graphml" if doc_id is None else base / "graphs" / f"{doc_id}.graphml"
    if not p.exists():
        raise InputError(p, "not found; run `dvc repro` first")
    return nx.read_graphml(p)
