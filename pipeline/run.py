"""Running the extraction over many documents: one pure function per document, a content-
addressed cache, and three engines that give the same bytes (one process, a fork pool, Dask).

``extract_one`` turns a job (file, catalogue facts, doc id) into the four JSONL blocks of
that document, or an error line; it depends on nothing but its job and the loaded
``Context``. The cache key is the sha256 of the file's bytes, the job's facts and a
fingerprint of everything that can change the output (the package's code, ``models/``,
the ``ingest``/``segment``/``extract`` parameters), so a changed document, lexicon or
parameter recomputes exactly what it affects.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import itertools
import json
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .errors import InputError
from .ingest import Meta

Job = tuple[Path, Meta, "str | None", "str | None"]  # file, facts, doc id, recorded path


@dataclass(frozen=True)
class Result:
    """One document's output lines (documents, provisions, statements, entities), or its error."""

    doc_id: str | None
    blocks: tuple[bytes, bytes, bytes, bytes] = (b"", b"", b"", b"")  # UTF-8 JSONL
    error: str | None = None
    cached: bool = False


@dataclass
class Context:
    """What extraction needs, loaded once per process (and inherited by forked workers).

    The extractor (spaCy, jieba, the lexicons) is built on first use: a run whose documents
    all come from the cache never loads it."""

    params: Any
    layout: Any
    headings: Any
    extractor: Any
    fingerprint: str
    cache_dir: Path | None = None
    seconds: float = 0.0  # per-document time budget (0: none)
    make_extractor: Callable[[], Any] | None = None

    def get_extractor(self) -> Any:
        if self.extractor is None:
            assert self.make_extractor is not None
            self.extractor = self.make_extractor()
        return self.extractor


def fingerprint(params: Any, package: Path | None = None) -> str:
    """sha256 over the package's source files, every file under ``models/`` that extraction
    reads, and the ingest, segment and extract parameters."""
    h = hashlib.sha256()
    package = package or Path(__file__).resolve().parent
    roots = [package, Path(params.extract.models)]
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and _counts(p.relative_to(root))):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    for group in (params.ingest, params.segment, params.extract):
        h.update(json.dumps(dataclasses.asdict(group), sort_keys=True, default=str).encode())
    return h.hexdigest()


# what under models/ extraction never reads: the vocabulary candidates (for review only) and
# the data of the evaluation, the comparison and the exports
_NOT_READ_BY_EXTRACTION = ("vocab", "compare", "exports", "evaluation.yaml")


def _counts(rel: Path) -> bool:
    """Whether a file can change the extraction: not byte code, not what extraction never reads."""
    return "__pycache__" not in rel.parts and rel.suffix not in (".pyc", ".pyo") and rel.parts[0] not in _NOT_READ_BY_EXTRACTION


def _key(job: Job, data: bytes, ctx: Context) -> str:
    path, meta, doc_id, label = job
    h = hashlib.sha256()
    h.update(ctx.fingerprint.encode())
    h.update(hashlib.sha256(data).digest())
    h.update(json.dumps([doc_id or path.stem, label or str(path), dataclasses.asdict(meta)],
                        ensure_ascii=False, default=str).encode())
    return h.hexdigest()


class _OverBudget(InputError):
    """A document that took too long: not a property of its bytes, so never cached."""


@contextmanager
def _time_budget(seconds: float, path: Path) -> Iterator[None]:
    """Raise InputError when one document takes longer than ``seconds`` (main thread, Unix)."""
    if seconds <= 0 or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise _OverBudget(path, f"took longer than {seconds:g} s (extract.seconds_per_document); skipped")

    try:
        previous = signal.signal(signal.SIGALRM, expired)
    except ValueError:  # not the main thread (a Dask worker thread): no budget
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _entry(job: Job, ctx: Context) -> Path | None:
    """The job's cache entry (None without a cache or a readable file): the text is read and
    hashed here, once per job and run."""
    if ctx.cache_dir is None:
        return None
    path = Path(job[0])
    data = path.read_bytes() if path.is_file() else b""
    if not data:
        return None
    key = _key(job, data, ctx)
    return ctx.cache_dir / key[:2] / f"{key}.rec"


def cached(entry: Path | None) -> Result | None:
    """What a cache entry holds (a job's records, or the error its bytes always give), or None.

    An entry is one JSON line (the doc id and the byte length of each block, or the error)
    and then the four blocks' bytes as they are written out: a hit is read, not parsed."""
    if entry is None or not entry.is_file():
        return None
    try:
        data = entry.read_bytes()
        head, _, body = data.partition(b"\n")
        rec = orjson.loads(head)
        if "error" in rec:
            return Result(None, error=str(rec["error"]), cached=True)
        ends = list(itertools.accumulate(rec["lengths"]))
        if len(ends) != 4 or ends[-1] != len(body):
            return None
        blocks = tuple(body[a:b] for a, b in zip([0, *ends], ends))
        return Result(rec["doc_id"], blocks, cached=True)  # type: ignore[arg-type]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry: recompute it


def extract_one(job: Job, ctx: Context) -> Result:
    """The pure per-document step: ingest, segment, extract, serialise (or the error)."""
    return _extract(job, ctx, _entry(job, ctx))


def _extract(job: Job, ctx: Context, entry: Path | None) -> Result:
    """``extract_one`` with the job's cache entry already found."""
    from . import io, safety
    from .ingest import ingest_file
    from .segment import segment_document

    path, meta, doc_id, label = job
    try:
        hit = cached(entry)
        if hit is not None:
            return hit
        extractor = ctx.get_extractor()  # loaded outside the document's time budget
        with _time_budget(ctx.seconds, Path(path)):
            doc = ingest_file(
                Path(path), layout_rules=ctx.layout, heading_rules=ctx.headings,
                max_bytes=ctx.params.ingest.max_bytes, max_unpacked=ctx.params.ingest.max_unpacked_bytes,
                meta=meta, doc_id=doc_id, label=label,
            )
            unsafe = safety.doc_id_problem(doc.doc_id)
            if unsafe:
                raise InputError(path, unsafe)
            provisions, statements = segment_document(doc, ctx.headings, ctx.params.segment)
            enriched, entities = extractor.extract(doc, provisions, statements)
    except _OverBudget as exc:
        return Result(None, error=str(exc))
    except InputError as exc:  # the same bytes would fail the same way: remembered
        if entry is not None:
            _store(entry, {"error": str(exc)})
        return Result(None, error=str(exc))
    except MemoryError:
        return Result(None, error=f"{path}: ran out of memory (extract.memory_per_worker_mb); skipped")
    blocks = (
        (io.dumps(doc.to_dict()) + "\n").encode(),
        "".join(io.dumps(p.to_dict()) + "\n" for p in provisions).encode(),
        "".join(io.dumps(s) + "\n" for s in enriched).encode(),
        "".join(io.dumps(e.to_dict()) + "\n" for e in entities).encode(),
    )
    if entry is not None:
        _store(entry, {"doc_id": doc.doc_id, "lengths": [len(b) for b in blocks]}, blocks)
    return Result(doc.doc_id, blocks)


def _store(path: Path, record: dict[str, Any], blocks: tuple[bytes, ...] = ()) -> None:
    from .io import atomic_writer

    try:
        with atomic_writer(path, binary=True) as f:
            f.write(orjson.dumps(record) + b"\n")
            f.writelines(blocks)
    except OSError:
        pass  # a cache that cannot be written only costs time


# ---- engines: each yields the results in job order -------------------------------------------

def _worker_init(memory_mb: int) -> None:
    if memory_mb > 0:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle


def _in_worker(item: tuple[Job, Path | None]) -> Result:
    job, entry = item  # the entry the parent found: the text is not read and hashed again
    return _extract(job, _SHARED["ctx"], entry)


def run_serial(jobs: list[Job], ctx: Context) -> Iterator[Result]:
    gc.freeze()  # the loaded models are permanent: the collector need not walk them again
    for job in jobs:
        yield extract_one(job, ctx)


def run_pool(jobs: list[Job], ctx: Context, n: int, memory_mb: int = 0) -> Iterator[Result]:
    """Forked workers that inherit the loaded models; results in job order."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    # what the cache answers is read here, in order, as it is written out: sent back by the
    # workers it would cost more than reading it
    entries = [_entry(job, ctx) for job in jobs]
    known = [entry is not None and entry.is_file() for entry in entries]
    misses = [(job, entry) for job, entry, k in zip(jobs, entries, known) if not k]
    if not misses:
        yield from (_extract(job, ctx, entry) for job, entry in zip(jobs, entries))
        return
    ctx.get_extractor()  # loaded once here, shared by the forked workers
    _SHARED.clear()
    _SHARED["ctx"] = ctx  # inherited by the forked workers
    gc.freeze()
    try:
        context = mp.get_context("fork")
    except ValueError:  # no fork (Windows): one process
        yield from run_serial(jobs, ctx)
        return
    with ProcessPoolExecutor(max_workers=min(n, len(misses)), mp_context=context, initializer=_worker_init,
                             initargs=(memory_mb,)) as pool:
        computed = pool.map(_in_worker, misses, chunksize=max(1, min(16, len(misses) // (n * 8) or 1)))
        for job, entry, k in zip(jobs, entries, known):
            # (an entry removed since it was seen is computed here)
            yield _extract(job, ctx, entry) if k else next(computed)


_REMOTE: dict[tuple[str, str], Context] = {}  # a Dask worker's contexts, built once per params file


def load_context(params_path: str, cache_dir: str | None) -> Context:
    """A Context from a params file (what a Dask worker builds for itself, once)."""
    from . import resources
    from .extract import Extractor
    from .params import load_params

    params = load_params(Path(params_path))
    return Context(
        params=params,
        layout=resources.layout_rules(params.ingest.layout),
        headings=resources.heading_rules(params.segment.headings),
        extractor=Extractor.from_params(params),
        fingerprint=fingerprint(params),
        cache_dir=Path(cache_dir) if cache_dir else None,
        seconds=params.extract.seconds_per_document,
    )


def extract_remote(job: Job, params_path: str, cache_dir: str | None) -> Result:
    """``extract_one`` on a Dask worker: the worker loads the models from the params file once."""
    key = (params_path, cache_dir or "")
    if key not in _REMOTE:
        _REMOTE[key] = load_context(params_path, cache_dir)
    return extract_one(job, _REMOTE[key])


def run_dask(jobs: list[Job], ctx: Context, address: str | None, params_path: str | None = None) -> Iterator[Result]:
    """The same per-document function on a Dask distributed cluster at ``address``. Workers
    must see the project's files and the texts at the same paths (one machine or a shared
    file system); each loads the models once."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise InputError("--engine dask", "dask is not installed (pip install 'policy-pipeline[dask]')") from None
    if not address:
        raise InputError("--engine dask", "no scheduler address: set POLICY_DASK_SCHEDULER or extract.dask_scheduler")
    if params_path is None:
        raise InputError("--engine dask", "the workers need the params file's path")
    cache = str(ctx.cache_dir) if ctx.cache_dir else None
    with Client(address, timeout=30) as client:
        futures = client.map(extract_remote, jobs, params_path=str(Path(params_path).resolve()), cache_dir=cache,
                             pure=False)
        for f in futures:
            yield f.result()


def run(jobs: list[Job], ctx: Context, *, workers: int = 1, engine: str = "local", address: str | None = None,
        memory_mb: int = 0, params_path: str | None = None) -> Iterator[Result]:
    if engine == "dask":
        return run_dask(jobs, ctx, address, params_path)
    if workers > 1 and len(jobs) > 1:
        return run_pool(jobs, ctx, workers, memory_mb)
    return run_serial(jobs, ctx)


def write(results: Iterable[Result], files: dict[str, Any], names: tuple[str, ...], on_error: Callable[[str], None],
          progress: Callable[[Iterable[Result]], Iterable[Result]] = lambda r: r) -> tuple[int, int, int]:
    """Write results in order; return (documents, failures, cache hits). Duplicate doc ids fail."""
    seen: set[str] = set()
    n = failed = hits = 0
    for r in progress(results):
        if r.error is not None:
            on_error(r.error)
            failed += 1
            continue
        assert r.doc_id is not None
        if r.doc_id in seen:
            on_error(f"doc_id '{r.doc_id}' is used by two inputs; the second is skipped")
            failed += 1
            continue
        seen.add(r.doc_id)
        for name, block in zip(names, r.blocks):
            files[name].write(block)
        n += 1
        hits += r.cached
    return n, failed, hits


_SHARED: dict[str, Any] = {}  # what forked_map's workers inherit


def shared() -> dict[str, Any]:
    """The state a ``forked_map`` call handed to its workers."""
    return _SHARED


def forked_map(fn: Callable[[Any], Any], items: list[Any], workers: int, state: dict[str, Any],
               progress: Callable[[Iterable[Any]], Iterable[Any]] = iter) -> list[Any]:
    """``[fn(x) for x in items]``, in order, in ``workers`` forked processes that inherit
    ``state`` (``fn`` reads it through :func:`shared`); in this process with one worker, one
    item, or no fork (Windows). The result does not depend on the number of workers;
    ``progress`` wraps the results as they come (a progress bar)."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    _SHARED.clear()
    _SHARED.update(state)
    try:
        n = min(workers, len(items))
        if n <= 1 or "fork" not in mp.get_all_start_methods():
            return list(progress(fn(x) for x in items))
        with ProcessPoolExecutor(n, mp_context=mp.get_context("fork"), initializer=_worker_init,
                                 initargs=(0,)) as pool:
            return list(progress(pool.map(fn, items)))
    finally:
        _SHARED.clear()


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)
