"""Keyword in context across policies (`policy search`, and the report's search box)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .normalize import normalise


def kwic(statements: Iterable[dict[str, Any]], term: str, width: int = 18) -> Iterator[dict[str, Any]]:
    """Every statement that contains ``term`` (after the same normalisation as the texts),
    once per occurrence: doc, provision, statement, modality, and the text around the hit."""
    needle = normalise(term.strip())
    if not needle:
        return
    for s in statements:
        text = s["text"]
        pos = text.find(needle)
        while pos >= 0:
            yield {
                "doc_id": s["doc_id"], "provision_id": s["provision_id"], "statement_id": s["statement_id"],
                "modality": s.get("modality"), "start": s["start"] + pos, "end": s["start"] + pos + len(needle),
                "left": text[max(0, pos - width) : pos], "hit": needle, "right": text[pos + len(needle) : pos + len(needle) + width],
            }
            pos = text.find(needle, pos + len(needle))
