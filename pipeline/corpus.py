"""The corpus manifest: which documents, their catalogue facts, and where their texts are."""

from __future__ import annotations

import csv
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError
from .ingest import Meta
from .io import atomic_writer
from .params import DownloadParams

COLUMNS = ("doc_id", "file", "title", "issuer", "region", "level", "date", "doc_number", "source", "sha256")
LEVELS = ("national", "province", "city", "district")
_GIT_SOURCE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{7,40}):(?P<path>\S+)$")


@dataclass(frozen=True)
class Entry:
    doc_id: str
    file: str
    sha256: str
    meta: Meta


def read_manifest(path: Path) -> list[Entry]:
    """Rows of ``corpus/manifest.csv``; a malformed row is reported as file:line."""
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


def _download(url: str, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (address from the manifest)
        return resp.read()


def locate(
    entries: list[Entry],
    folders: list[Path],
    cache: Path,
    cfg: DownloadParams,
    warn: Callable[[str], None],
    fetch: Callable[[str, float], bytes] = _download,
) -> Iterator[tuple[Entry, Path]]:
    """Each entry with the path of its text: from the first folder holding it, else downloaded.

    A text that cannot be found or fetched gives one warning naming the document.
    """
    for entry in entries:
        found = next((d / entry.file for d in [*folders, cache] if (d / entry.file).is_file()), None)
        if found is not None:
            if entry.sha256 and sha256_file(found) != entry.sha256:
                warn(f"{entry.doc_id}: {found} differs from the manifest's sha256; using it anyway")
            yield entry, found
            continue
        where = ", ".join(str(d) for d in folders)
        url = source_url(entry.meta.source, cfg)
        if not cfg.enabled or url is None:
            why = "downloads are disabled" if not cfg.enabled else "its source has no address to download from"
            warn(f"{entry.doc_id}: text {entry.file} not found in {where} and {why}; skipped")
            continue
        try:
            data = fetch(url, cfg.timeout_seconds)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            warn(f"{entry.doc_id}: text {entry.file} not found in {where}; download from {url} failed ({exc}); skipped")
            continue
        digest = hashlib.sha256(data).hexdigest()
        if entry.sha256 and digest != entry.sha256:
            warn(f"{entry.doc_id}: text downloaded from {url} has sha256 {digest[:12]}…, "
                 f"not the manifest's {entry.sha256[:12]}…; skipped")
            continue
        target = cache / entry.file
        with atomic_writer(target, binary=True) as f:
            f.write(data)
        yield entry, target
