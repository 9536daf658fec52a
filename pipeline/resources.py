"""Loaders for the reviewed data under models/, turned into typed, compiled objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

CIRCLED = "".join(chr(c) for c in range(0x2460, 0x2474))  # ① … ⑳


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping; a missing file or bad YAML is a ConfigError naming the file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(path, "expected a mapping at the top level")
    return data


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(where, f"bad regular expression {pattern!r}: {exc}") from None


@dataclass(frozen=True)
class Marker:
    name: str
    level: str
    rank: int
    regex: re.Pattern[str]
    may_be_heading: bool = False
    single_line: bool = False
    demote_under: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeadingRules:
    markers: tuple[Marker, ...]
    item_single_line: bool

    def match(self, line: str) -> tuple[Marker, re.Match[str]] | None:
        """The first marker that matches at the start of ``line``."""
        for marker in self.markers:
            m = marker.regex.match(line)
            if m:
                return marker, m
        return None


@lru_cache(maxsize=8)
def heading_rules(path: Path) -> HeadingRules:
    data = read_yaml(path)
    numerals = data.get("numerals", "")
    markers = []
    for k, row in enumerate(data.get("markers") or []):
        where = f"{path}: markers[{k}]"
        try:
            pattern = row["pattern"].replace("{zh}", numerals).replace("{circled}", CIRCLED)
            markers.append(
                Marker(
                    name=row["name"],
                    level=row["level"],
                    rank=int(row["rank"]),
                    regex=_compile(pattern, where),
                    may_be_heading=bool(row.get("may_be_heading", False)),
                    single_line=bool(row.get("single_line", False)),
                    demote_under=tuple(row.get("demote_under", ())),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(where, f"malformed marker ({exc})") from None
        if "num" not in markers[-1].regex.groupindex:
            raise ConfigError(where, "pattern has no (?P<num>…) group")
    if not markers:
        raise ConfigError(path, "no markers defined")
    return HeadingRules(tuple(markers), bool(data.get("item_single_line", True)))


@dataclass(frozen=True)
class LayoutRules:
    cut_from: tuple[str, ...]
    drop_line: tuple[re.Pattern[str], ...]
    head_end: re.Pattern[str]
    attachments: re.Pattern[str]
    attachment_max_chars: int
    annex_from: re.Pattern[str]
    issued_line: re.Pattern[str]
    join_end: re.Pattern[str]
    join_start: re.Pattern[str]
    date_line: re.Pattern[str]
    doc_number: re.Pattern[str]
    history_line: re.Pattern[str]
    notice_title: re.Pattern[str]
    notice_close: re.Pattern[str]
    title_suffix: re.Pattern[str]
    addressee_line: re.Pattern[str]
    glued_title: re.Pattern[str]
    signature_date: re.Pattern[str]
    glued_addressee: re.Pattern[str]
    decoration: str
    doc_number_tail: re.Pattern[str]
    max_title_chars: int
    issuer_suffixes: tuple[str, ...]
    issuer_start: re.Pattern[str]
    issuer_max_chars: int
    issuer_max_names: int
    session_noise: re.Pattern[str]


@lru_cache(maxsize=8)
def layout_rules(path: Path) -> LayoutRules:
    data = read_yaml(path)
    try:
        furn, front = data["furniture"], data["front"]
        return LayoutRules(
            cut_from=tuple(furn["cut_from"]),
            drop_line=tuple(_compile(p, f"{path}: furniture.drop_line") for p in furn["drop_line"]),
            head_end=_compile(furn["head_end"], f"{path}: furniture.head_end"),
            attachments=_compile(furn["attachments"], f"{path}: furniture.attachments"),
            attachment_max_chars=int(furn["attachment_max_chars"]),
            decoration=str(furn.get("decoration", "")),
            annex_from=_compile(furn["annex_from"], f"{path}: furniture.annex_from"),
            issued_line=_compile(furn["issued_line"], f"{path}: furniture.issued_line"),
            join_end=_compile(data["join_lines"]["end"], f"{path}: join_lines.end"),
            join_start=_compile(data["join_lines"]["start"], f"{path}: join_lines.start"),
            **{
                k: _compile(front[k], f"{path}: front.{k}")
                for k in (
                    "date_line", "doc_number", "history_line", "notice_title",
                    "notice_close", "title_suffix", "issuer_start", "session_noise",
                    "addressee_line", "glued_title", "signature_date", "glued_addressee", "doc_number_tail",
                )
            },
            max_title_chars=int(front["max_title_chars"]),
            issuer_max_chars=int(front.get("issuer_max_chars", 40)),
            issuer_max_names=int(front.get("issuer_max_names", 12)),
            issuer_suffixes=tuple(sorted(front["issuer_suffixes"], key=len, reverse=True)),
        )
    except (KeyError, TypeError) as exc:
        raise ConfigError(path, f"missing or malformed key {exc}") from None
