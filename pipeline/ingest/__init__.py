"""Ingestion: a file (txt, md, html, docx, pdf) -> a normalised :class:`Document`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..normalize import TextBuilder
from ..records import Document
from ..resources import HeadingRules, LayoutRules
from .formats import READERS, decode, read_bytes
from .layout import Layout, analyse, parse_date, split_issuers

SUPPORTED = tuple(sorted(READERS))


@dataclass(frozen=True)
class Meta:
    """Catalogue facts about a document (from the corpus manifest); they win over the text's."""

    title: str | None = None
    issuer: tuple[str, ...] = ()
    date: str | None = None
    doc_number: str | None = None
    level: str | None = None
    region: str | None = None
    source: str | None = None
    sha256: str | None = None  # what the manifest records for the text


def build_document(
    doc_id: str,
    raw: str,
    fmt: str,
    *,
    layout_rules: LayoutRules,
    heading_rules: HeadingRules,
    sha256: str,
    meta: Meta = Meta(),
    path: str | None = None,
    encoding: str | None = None,
) -> Document:
    """Find the body and metadata of a raw text and normalise the body (pure)."""
    layout: Layout = analyse(raw, fmt, layout_rules, lambda t: heading_rules.match(t) is not None)
    builder = TextBuilder(raw)
    for n, line in enumerate(layout.lines):
        if n:
            builder.append_literal("\n")
        for start, end in line:
            builder.append_raw(start, end)
    return Document(
        doc_id=doc_id,
        title=meta.title or layout.title,
        issuer=list(meta.issuer) or layout.issuer,
        date=meta.date or layout.date,
        doc_number=meta.doc_number or layout.doc_number,
        level=meta.level,
        region=meta.region,
        source=meta.source or path,
        text=builder.text(),
        sha256=sha256,
        verified=(sha256 == meta.sha256) if meta.sha256 else None,
        path=path,
        format=fmt,
        encoding=encoding,
        offset_map=builder.map.as_list(),
    )


def ingest_file(
    path: Path,
    *,
    layout_rules: LayoutRules,
    heading_rules: HeadingRules,
    max_bytes: int,
    max_unpacked: int = 100_000_000,
    meta: Meta = Meta(),
    doc_id: str | None = None,
    label: str | None = None,
) -> Document:
    """Read one file into a Document; raise :class:`InputError` naming the file on bad input.

    ``label`` is the path recorded in the Document (default: ``path`` as given), so that
    outputs do not depend on where the project is checked out.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file")
    if not path.is_file():
        raise InputError(path, "not a regular file")
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(path, f"file is {size:,} bytes, over the limit of {max_bytes:,} (ingest.max_bytes)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    raw, fmt, enc = read_bytes(data, path, max_unpacked)
    doc = build_document(
        doc_id or path.stem,
        raw,
        fmt,
        layout_rules=layout_rules,
        heading_rules=heading_rules,
        sha256=hashlib.sha256(data).hexdigest(),
        meta=meta,
        path=label or str(path),
        encoding=enc,
    )
    if not doc.text.strip():
        raise InputError(path, "no policy text found (only a title, metadata or web furniture)")
    return doc


__all__ = [
    "Meta", "SUPPORTED", "build_document", "decode", "ingest_file", "parse_date", "split_issuers",
]
