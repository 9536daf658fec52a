"""policy-pipeline: segment and analyse Chinese government policy documents.

    import pipeline
    p = pipeline.load()                       # params.yaml, settings.yaml and models/ of this checkout
    result = p.analyse("第一条 鼓励企业引进海外高层次人才。", doc_id="demo")
    result["statements"][0]["modality"]       # 'encouragement'

The command line (``policy``) and the DVC stages use the same steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__version__ = "0.1.0"
__all__ = ["Pipeline", "load"]


@dataclass
class Pipeline:
    """Ingestion rules, segmentation rules and the extraction pipeline, loaded once."""

    params: Any
    layout: Any
    headings: Any
    extractor: Any

    def analyse(self, text: str, doc_id: str = "doc", fmt: str = "txt") -> dict[str, Any]:
        """Document, provisions, statements and entities of a raw text (records as dicts)."""
        from .ingest import build_document
        from .segment import segment_document

        doc = build_document(doc_id, text, fmt, layout_rules=self.layout, heading_rules=self.headings,
                             sha256="")
        provisions, statements = segment_document(doc, self.headings, self.params.segment)
        enriched, entities = self.extractor.extract(doc, provisions, statements)
        return {
            "document": doc.to_dict(),
            "provisions": [p.to_dict() for p in provisions],
            "statements": enriched,
            "entities": [e.to_dict() for e in entities],
        }


def load(params_path: str | Path | None = None) -> Pipeline:
    """The pipeline configured by a params.yaml (default: this checkout's)."""
    from . import resources
    from .extract import Extractor
    from .params import load_params

    params = load_params(params_path or Path(__file__).resolve().parents[1] / "params.yaml")
    return Pipeline(
        params=params,
        layout=resources.layout_rules(params.ingest.layout),
        headings=resources.heading_rules(params.segment.headings),
        extractor=Extractor.from_params(params),
    )
