"""The corpus manifest: which documents, their catalogue facts, and where their texts are."""

from __future__ import annotations

import csv
import hashlib
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .ingest import Meta
from .io import atomic_writer
from .params import DownloadParams
from .safety import doc_id_problem, inside, relative_path_problem

COLUMNS = ("doc_id", "file", "title", "issuer", "region", "level", "date", "doc_number", "source", "sha256")
LEVELS = ("national", "province", "city", "district")
_GIT_SOURCE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{7,40}):(?P<path>\S+)$")


@dataclass(frozen=True)
class Entry:
    doc_id: str
    file: str
    sha256: str
    meta: Meta


def read_manifest(path: Path, warn: Callable[[str], None] | None = None) -> list[Entry]:
    """Rows of ``corpus/manifest.csv``; a malformed row is reported as file:line.

    A row whose doc_id is not a safe file name or whose file leaves the corpus folder is an
    error, or, given ``warn``, reported there and skipped.
    """
    try:
        f = Path(path).open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ConfigError(path, f"cannot open manifest ({exc.strerror})") from None
    entries: list[Entry] = []
    with f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(path, f"manifest lacks columns: {', '.join(missing)}")
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if not row["doc_id"] or not row["file"]:
                raise ConfigError(where, "doc_id and file are required")
            unsafe = doc_id_problem(row["doc_id"]) or relative_path_problem(row["file"])
            if unsafe:
                if warn is None:
                    raise ConfigError(where, unsafe)
                warn(f"{where}: {unsafe}; row skipped")
                continue
            if row["level"] and row["level"] not in LEVELS:
                raise ConfigError(where, f"level must be one of {', '.join(LEVELS)}, got {row['level']!r}")
            if row["sha256"] and not re.fullmatch(r"[0-9a-f]{64}", row["sha256"]):
                raise ConfigError(where, "sha256 must be 64 hex digits")
            issuers = tuple(x.strip() for x in re.split(r"[;；]", row["issuer"]) if x.strip())
            entries.append(
                Entry(
                    doc_id=row["doc_id"],
                    file=row["file"],
                    sha256=row["sha256"],
                    meta=Meta(
                        title=row["title"] or None,
                        issuer=issuers,
                        date=row["date"] or None,
                        doc_number=row["doc_number"] or None,
                        level=row["level"] or None,
                        region=row["region"] or None,
                        source=row["source"] or None,
                        sha256=row["sha256"] or None,
                    ),
                )
            )
    ids = [e.doc_id for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(path, f"duplicate doc_id: {', '.join(dupes)}")
    return entries


def source_url(source: str | None, cfg: DownloadParams) -> str | None:
    """The address a text can be downloaded from, if its source names one."""
    if not source:
        return None
    if source.startswith(("http://", "https://")):
        return source
    m = _GIT_SOURCE.match(source)
    if m:
        return cfg.git_raw_url.format(**m.groupdict())
    return None


def sha256_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class DownloadRefused(ValueError):
    """A download that broke one of the limits (size, time, redirect)."""


def _redirect_guard(origin: str, allowed: tuple[str, ...]) -> type[urllib.request.HTTPRedirectHandler]:
    class Guard(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            target = urllib.parse.urlsplit(newurl)
            if target.scheme != "https" or (target.hostname != origin and target.hostname not in allowed):
                raise DownloadRefused(f"redirect to {newurl} refused (only https on {origin})")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return Guard


def _download(url: str, cfg: DownloadParams) -> bytes:
    """The body at ``url``: at most ``cfg.max_bytes``, within ``cfg.timeout_seconds`` in all,
    redirects only to https on the same host (or ``cfg.redirect_hosts``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DownloadRefused(f"only http(s) addresses are downloaded, not {parts.scheme or 'a bare path'}")
    opener = urllib.request.build_opener(_redirect_guard(parts.hostname or "", cfg.redirect_hosts))
    deadline = time.monotonic() + cfg.timeout_seconds
    chunks: list[bytes] = []
    size = 0
    with opener.open(url, timeout=cfg.timeout_seconds) as resp:  # noqa: S310 (checked above)
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cfg.max_bytes:
            raise DownloadRefused(f"body of {int(declared):,} bytes is over the limit of {cfg.max_bytes:,}")
        while chunk := resp.read1(65536):  # what has arrived: the deadline is checked between reads
            size += len(chunk)
            if size > cfg.max_bytes:
                raise DownloadRefused(f"body is over the limit of {cfg.max_bytes:,} bytes")
            if time.monotonic() > deadline:
                raise DownloadRefused(f"download took longer than {cfg.timeout_seconds:g} s")
            chunks.append(chunk)
    return b"".join(chunks)


def locate(
    entries: list[Entry],
    folders: list[Path],
    cache: Path,
    cfg: DownloadParams,
    warn: Callable[[str], None],
    fetch: Callable[[str, DownloadParams], bytes] = _download,
) -> Iterator[tuple[Entry, Path]]:
    """Each entry with the path of its text: from the first folder holding it, else downloaded.

    A text that cannot be found, leaves its folder or cannot be fetched safely gives one
    warning naming the document and is skipped; a local text that differs from the
    manifest's sha256 gives a warning and is used (its Document says ``verified=False``).
    """
    for entry in entries:
        candidates = [inside(d, entry.file) for d in [*folders, cache]]
        if any(c is None for c in candidates):
            warn(f"{entry.doc_id}: file {entry.file!r} resolves outside its folder; skipped")
            continue
        found = next((c for c in candidates if c is not None and c.is_file()), None)
        if found is not None:
            if entry.sha256 and sha256_file(found) != entry.sha256:
                warn(f"{entry.doc_id}: {found} differs from the manifest's sha256; extracted and flagged "
                     "verified=false (run `policy add` on it again if the edit is meant)")
            yield entry, found
            continue
        where = ", ".join(str(d) for d in folders)
        url = source_url(entry.meta.source, cfg)
        if not cfg.enabled or url is None:
            why = "downloads are disabled" if not cfg.enabled else "its source has no address to download from"
            warn(f"{entry.doc_id}: text {entry.file} not found in {where} and {why}; skipped")
            continue
        if cfg.require_sha256 and not entry.sha256:
            warn(f"{entry.doc_id}: text {entry.file} not found in {where}; not downloaded because the manifest "
                 "gives no sha256 to check it against (--trust-unverified downloads it anyway); skipped")
            continue
        try:
            data = fetch(url, cfg)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            warn(f"{entry.doc_id}: text {entry.file} not found in {where}; download from {url} failed ({exc}); skipped")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if entry.sha256 and digest != entry.sha256:
            warn(f"{entry.doc_id}: text downloaded from {url} has sha256 {digest[:12]}…, "
                 f"not the manifest's {entry.sha256[:12]}…; skipped")
            continue
        target = candidates[-1]
        assert target is not None
        with atomic_writer(target, binary=True) as f:
            f.write(data)
        yield entry, target
