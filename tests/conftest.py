from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import resources
from pipeline.ingest import build_document
from pipeline.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


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
