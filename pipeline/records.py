"""Typed records passed between pipeline steps. Each carries its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any, Literal


@cache
def _names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def _as_dict(record: Any) -> dict[str, Any]:
    """The record's fields in order, shallow (no deepcopy: the values are written at once)."""
    return {name: getattr(record, name) for name in _names(type(record))}

Level = Literal["preamble", "chapter", "part", "section", "article", "item"]


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str | None
    issuer: list[str]
    date: str | None
    doc_number: str | None
    level: str | None
    region: str | None
    source: str | None
    text: str  # the normalised policy body; every offset points into it
    sha256: str  # of the input file's bytes
    verified: bool | None = None  # sha256 equals the manifest's (None: the manifest gives none)
    path: str | None = None
    format: str | None = None
    encoding: str | None = None
    offset_map: list[list[int]] = field(default_factory=list)  # runs [norm_start, raw_start, length]

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True)
class Provision:
    doc_id: str
    provision_id: str  # path of "level number" steps, e.g. "part 2/article 1"
    level: str
    number: int
    heading: str
    text: str
    start: int
    end: int
    parent: str | None

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True)
class Statement:
    doc_id: str
    provision_id: str
    statement_id: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True)
class EntityRecord:
    doc_id: str
    provision_id: str | None
    statement_id: str | None
    text: str
    label: str
    start: int
    end: int
    value: float | None = None  # MONEY: yuan
    bound: str | None = None  # MONEY: exact | max | min
    norm: str | None = None  # DATE: ISO form where one exists

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)
