"""Reading and writing records: JSONL, written atomically and deterministically."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError


_LINE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_SORTED_LINE = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # json.dumps's separators


def dumps(record: Mapping[str, Any]) -> str:
    """One JSON line: UTF-8 characters as themselves, keys in the record's field order (one
    encoder for every line: ``json.dumps`` with options builds a new one per call)."""
    return _LINE.encode(record)


def _mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not possible everywhere (Windows): the renames are still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(path: Path, *, binary: bool = False) -> Iterator[Any]:
    """Write ``path`` through a temporary file in the same folder, synced and renamed on
    success only."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


RUN_FILE = "run.json"  # the record of an output set: which bytes belong together


@contextmanager
def folder_lock(folder: Path, note: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (a ``.<name>.lock`` file beside it): a second run
    into the same folder waits until the first is done."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the output set is still checked on read
        yield
        return
    fd = os.open(folder.parent / f".{folder.name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if note:
                note(f"{folder}: another run is writing here; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def remove_stale_temporaries(folder: Path) -> int:
    """Delete ``.*.tmp`` files a killed run left in ``folder`` (call it under the lock)."""
    n = 0
    for tmp in Path(folder).glob(".*.tmp"):
        if tmp.is_file():
            tmp.unlink()
            n += 1
    return n


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _HashingFile:
    """A binary file that keeps the sha256 of what is written to it (no second read)."""

    def __init__(self, f: Any) -> None:
        self._f, self._h = f, hashlib.sha256()

    def write(self, data: bytes) -> int:
        self._h.update(data)
        return self._f.write(data)

    def sync_and_close(self) -> None:
        self._f.flush()
        os.fsync(self._f.fileno())
        self._f.close()

    def close(self) -> None:
        self._f.close()

    def hexdigest(self) -> str:
        return self._h.hexdigest()


@contextmanager
def output_set(folder: Path, names: Iterable[str], note: Callable[[str], None] | None = None) -> Iterator[dict[str, Any]]:
    """Files written as one set: all of them replace the previous ones, or none does. The
    yielded files take bytes (UTF-8 text) and hash what they are given.

    Under the folder lock, each file is written to a temporary file and synced; on success
    ``run.json`` is marked "replacing", the files are renamed into place, and ``run.json``
    is sealed with their sha256. A reader checks it (:func:`check_output_set`), so a run
    that died between two renames is reported, never read as a mixed set.
    """
    folder = Path(folder)
    names = list(names)
    with folder_lock(folder, note):
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(folder)
        tmps: dict[str, str] = {}
        files: dict[str, Any] = {}
        try:
            for name in names:
                fd, tmps[name] = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
                files[name] = _HashingFile(os.fdopen(fd, "wb"))
            yield files
            for f in files.values():
                f.sync_and_close()
            digests = {name: files[name].hexdigest() for name in names}
            run_id = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]
            write_json(folder / RUN_FILE, {"state": "replacing", "run": run_id, "files": digests})
            for name in names:
                os.chmod(tmps[name], _mode())
                os.replace(tmps[name], folder / name)
            _fsync_dir(folder)
            write_json(folder / RUN_FILE, {"state": "complete", "run": run_id, "files": digests})
        finally:
            for f in files.values():
                f.close()
            for tmp in tmps.values():
                if os.path.exists(tmp):
                    os.unlink(tmp)


def check_output_set(folder: Path) -> None:
    """Raise :class:`InputError` if ``folder``'s files are not the set one run wrote.

    A folder without ``run.json`` (written by hand or by an older version) is accepted."""
    folder = Path(folder)
    run = folder / RUN_FILE
    if not run.is_file():
        return
    record = read_json(run)
    if not isinstance(record, dict) or record.get("state") != "complete":
        raise InputError(folder, "a run was interrupted while replacing these outputs; run it again")
    for name, digest in sorted(record.get("files", {}).items()):
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise InputError(path, f"is not the file of run {record.get('run')} that wrote the other outputs "
                                   "(changed, or written by another run); run it again")


def write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    n = 0
    with atomic_writer(path) as f:
        for r in records:
            f.write(dumps(r) + "\n")
            n += 1
    return n


PRETTY_MAX = 2000  # a list longer than this is written one item per line, not indented


def write_json(path: Path, obj: Any) -> None:
    """JSON with sorted keys; indented when small, one list item per line when large (a
    comparison of thousands of policies would spend most of its time indenting)."""
    with atomic_writer(path) as f:
        if isinstance(obj, list) and len(obj) > PRETTY_MAX:
            f.write("[\n")
            for k, x in enumerate(obj):  # streamed: no second copy of a large table in memory
                f.write((",\n" if k else "") + _SORTED_LINE.encode(x))
            f.write("\n]\n")
        else:
            f.write(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def write_matrix(path: Path, ids: list[str], matrix: Any) -> None:
    """``{"doc_ids": ids, "matrix": rows}`` as JSON, one row per line, written row by row (a
    matrix of thousands of policies is never one string or one list of Python numbers)."""
    with atomic_writer(path) as f:
        f.write('{"doc_ids": ' + _LINE.encode(list(ids)) + ',\n"matrix": [')
        for k, row in enumerate(matrix):
            f.write((",\n" if k else "\n") + _LINE.encode([float(x) for x in row]))
        f.write("\n]}\n")


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
        return orjson.loads(path.read_bytes())
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
                obj = orjson.loads(line)  # several times json's speed, the same values
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}:{n}", f"not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise InputError(f"{path}:{n}", "expected a JSON object")
            yield obj
