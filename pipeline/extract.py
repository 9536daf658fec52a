"""Extraction: Document + Statements -> spaCy Doc -> enriched statements and entity records.

Offsets in every output record are into the normalised document text.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spacy.language import Language

from .nlp import ENTITIES, STATEMENTS, build_nlp, make_doc
from .records import Document, EntityRecord, Provision, Statement


@dataclass
class Extractor:
    nlp: Language

    @classmethod
    def load(
        cls,
        models_dir: Path,
        trained_dir: Path | None = None,
        use_trained: tuple[str, ...] = (),
        segmenter: str = "auto",
        hanlp: dict[str, Any] | None = None,
    ) -> Extractor:
        return cls(build_nlp(models_dir, trained_dir, use_trained, segmenter, hanlp))

    @classmethod
    def from_params(cls, params: Any) -> Extractor:
        e = params.extract
        return cls.load(e.models, e.trained, e.use_trained, e.segmenter, e.hanlp)

    def extract(
        self, document: Document, provisions: list[Provision], statements: list[Statement]
    ) -> tuple[list[dict[str, Any]], list[EntityRecord]]:
        parents = {p.provision_id: p.parent for p in provisions}
        doc = self.nlp(make_doc(self.nlp, document, statements, parents))
        by_start = {s.start: s for s in statements}
        ents = sorted((e.start_char, e.end_char, e.label_, e.text) for e in doc.spans[ENTITIES])
        ent_starts = [e[0] for e in ents]
        out_statements = []
        for span in doc.spans[STATEMENTS]:
            st = by_start[span.start_char]
            tag = span._.modality
            base = st.start
            lo, hi = bisect.bisect_left(ent_starts, st.start), bisect.bisect_left(ent_starts, st.end)
            targets = [e for e in ents[lo:hi] if e[1] <= st.end and e[2] == "TALENT"]
            out_statements.append(
                {
                    "doc_id": st.doc_id,
                    "provision_id": st.provision_id,
                    "statement_id": st.statement_id,
                    "text": st.text,
                    "start": st.start,
                    "end": st.end,
                    "modality": tag.modality,
                    "modality_rule": tag.from_rule,
                    "modality_confidence": span._.modality_confidence,
                    "also": tag.also,
                    "triggers": [
                        {"text": t.text, "class": t.cls, "start": base + t.start, "end": base + t.end}
                        for t in tag.triggers
                    ],
                    "actors": [
                        {"text": a.text, "role": a.role, "start": base + a.start, "end": base + a.end,
                         "canonical": a.canonical, "type": a.type}
                        for a in span._.actors
                    ],
                    "implied_issuer": span._.implied_issuer,
                    "instrument": span._.instrument,
                    "instrument_confidence": span._.instrument_confidence,
                    "targets": [{"text": e[3], "start": e[0], "end": e[1]} for e in targets],
                }
            )
        return out_statements, list(self._entities(document, provisions, statements, doc))

    @staticmethod
    def _entities(
        document: Document, provisions: list[Provision], statements: list[Statement], doc: Any
    ) -> Iterator[EntityRecord]:
        starts = [s.start for s in statements]
        for span in doc.spans[ENTITIES]:
            s, e = span.start_char, span.end_char
            k = bisect.bisect_right(starts, s) - 1
            st = statements[k] if k >= 0 and statements[k].start <= s and e <= statements[k].end else None
            if st is not None:
                prov_id: str | None = st.provision_id
            else:  # a heading line: the deepest provision that contains it
                containing = [p for p in provisions if p.start <= s and e <= p.end]
                prov_id = containing[-1].provision_id if containing else None
            info = span._.entity
            yield EntityRecord(
                doc_id=document.doc_id,
                provision_id=prov_id,
                statement_id=st.statement_id if st else None,
                text=span.text,
                label=span.label_,
                start=s,
                end=e,
                value=info.value if info else None,
                bound=info.bound if info else None,
                norm=info.norm if info else None,
            )
