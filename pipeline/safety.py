"""Untrusted names and cells: doc ids, manifest paths, spreadsheet cells.

Manifests, file names and texts come from strangers. A doc id becomes a file name
(graphs/<doc_id>.graphml), a manifest ``file`` a path under the corpus folders, and a
text cell a spreadsheet cell: each is checked or neutralised here, in one place.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

# letters (any script), digits, '.', '_' and '-'; no separator, no leading dot, at most 200
_DOC_ID = re.compile(r"[^\W_][\w.\-]{0,199}")
# OWASP "CSV injection": a cell opening with one of these is read as a formula by Excel,
# LibreOffice and Google Sheets
FORMULA_OPENERS = ("=", "+", "-", "@", "\t", "\r")


def doc_id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot name a file of its own, or None when it can."""
    if not _DOC_ID.fullmatch(doc_id):
        return (f"doc_id {doc_id!r} is not a safe file name (letters, digits, '.', '_' and '-', "
                "not opening with '.', '_' or '-', at most 200)")
    return None


def doc_id_from_name(stem: str) -> str:
    """A safe doc id made from a file name: every run of other characters becomes one '-'
    (上海口岸服务条例(2020-05-14) → 上海口岸服务条例-2020-05-14), trimmed to 200 characters;
    ``doc`` when nothing is left. A safe name is kept as it is."""
    if _DOC_ID.fullmatch(stem):
        return stem
    cleaned = re.sub(r"[^\w.\-]+", "-", stem)
    cleaned = re.sub(r"-{2,}", "-", cleaned).strip("-._")[:200].rstrip("-._")
    return cleaned if _DOC_ID.fullmatch(cleaned) else "doc"


def relative_path_problem(name: str) -> str | None:
    """Why manifest path ``name`` may leave the folder it is looked up in, or None."""
    if not name or "\x00" in name:
        return "file name is empty or holds a NUL character"
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or name.startswith(("/", "\\")):
        return f"file {name!r} is an absolute path; give it relative to the corpus folder"
    if ".." in posix.parts or ".." in windows.parts:
        return f"file {name!r} climbs out of the corpus folder ('..')"
    return None


def inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` when it stays inside ``folder`` after resolving links, else None."""
    if relative_path_problem(name):
        return None
    base = Path(folder).resolve()
    target = (base / name).resolve()
    return target if target.is_relative_to(base) and target != base else None


def excel_cell(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula, made inert with a leading apostrophe
    (OWASP's advice); any other value unchanged. JSONL and Parquet keep the exact text."""
    if isinstance(value, str) and value.startswith(FORMULA_OPENERS):
        return "'" + value
    return value
