"""Reading and writing records: JSONL, written atomically and deterministically."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import InputError


def dumps(record: Mapping[str, Any]) -> str:
    """One JSON line: UTF-8 characters as themselves, keys in the record's field order."""
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


@contextmanager
def atomic_writer(path: Path, *, binary: bool = False) -> Iterator[Any]:
    """Write ``path`` through a temporary file in the same folder, renamed on success only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if binary:
            with os.fdopen(fd, "wb") as fb:
                yield fb
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
                yield f
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    n = 0
    with atomic_writer(path) as f:
        for r in records:
            f.write(dumps(r) + "\n")
            n += 1
    return n


def write_json(path: Path, obj: Any) -> None:
    with atomic_writer(path) as f:
        f.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_csv(
    path: Path, columns: list[str], rows: Iterable[Mapping[str, Any]], *, bom: bool = False, excel: bool = False
) -> None:
    """CSV with a header; ``bom`` makes Excel read it as UTF-8; ``excel`` makes every text cell
    that a spreadsheet would run as a formula inert (:func:`pipeline.safety.excel_cell`)."""
    import csv

    from .safety import excel_cell

    with atomic_writer(path) as f:
        if bom:
            f.write("\ufeff")
        # for spreadsheets, RFC 4180 line ends: a field holding a CR is then quoted as well
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\r\n" if excel else "\n", extrasaction="ignore")
        writer.writeheader()
        if excel:
            rows = ({k: excel_cell(v) for k, v in r.items()} for r in rows)
        writer.writerows(rows)


def read_json(path: Path) -> Any:
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(path, f"cannot open ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc.msg})") from None


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file; a bad line is reported as file:line."""
    path = Path(path)
    try:
        f = path.open(encoding="utf-8")
    except OSError as exc:
        raise InputError(path, f"cannot open ({exc.strerror})") from None
    with f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}", f"not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{n}", "expected a JSON object")
            yield obj
