from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import resources
from pipeline.ingest import build_document
from pipeline.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _no_shared_cache(monkeypatch):
    """Tests never read or fill the project's extraction cache (a test sets its own)."""
    monkeypatch.setenv("POLICY_CACHE", "off")


@pytest.fixture(scope="session")
def params():
    return load_params(ROOT / "params.yaml")


@pytest.fixture(scope="session")
def layout_rules(params):
    return resources.layout_rules(params.ingest.layout)


@pytest.fixture(scope="session")
def heading_rules(params):
    return resources.heading_rules(params.segment.headings)


@pytest.fixture(scope="session")
def make_doc(layout_rules, heading_rules):
    """Build a Document from a raw text, as ingestion would."""

    def make(raw: str, fmt: str = "txt", doc_id: str = "doc"):
        return build_document(
            doc_id, raw, fmt, layout_rules=layout_rules, heading_rules=heading_rules, sha256="0" * 64
        )

    return make


@pytest.fixture(scope="session")
def segment(params, heading_rules):
    from pipeline.segment import segment_document

    return lambda doc: segment_document(doc, heading_rules, params.segment)


def write_project(folder: Path, stages: str = "") -> Path:
    """A small project in ``folder``: this checkout's params, settings and models, its own corpus/, data/,
    mirror/ and a dvc.yaml with an extract stage (plus ``stages``). Returns its params.yaml."""
    import sys

    text = (ROOT / "settings.yaml").read_text(encoding="utf-8")
    models = (ROOT / "models").as_posix()
    text = text.replace(" models/", f" {models}/").replace("models: models ", f"models: {models} ")
    text = text.replace("mirror: shared/corpus ", "mirror: mirror ").replace("gold: shared/annotation/gold", "gold: gold")
    (folder / "corpus").mkdir(parents=True, exist_ok=True)
    (folder / "mirror").mkdir(exist_ok=True)
    (folder / "settings.yaml").write_text(text, encoding="utf-8")
    params = folder / "params.yaml"
    params.write_text((ROOT / "params.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "dvc.yaml").write_text(
        "stages:\n  extract:\n"
        f"    cmd: {sys.executable} -m pipeline.cli extract -o data/extract\n"
        "    deps:\n      - corpus/manifest.csv\n"
        "      # manifest texts (written by `policy add` / `policy sync` from the manifest; do not edit)\n"
        "      # end of manifest texts\n"
        "    outs:\n      - data/extract\n" + stages,
        encoding="utf-8",
    )
    return params
