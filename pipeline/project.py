"""Growing the corpus: `policy add` and the manifest texts that DVC tracks.

``dvc.yaml`` cannot expand a list into a stage's deps, so the extract stage lists every
manifest text between two marker comments; :func:`sync_dvc` rewrites that block from the
manifest (``policy add`` and ``policy sync`` call it). Editing a listed text re-runs the
extraction; editing a file that no manifest row names re-runs nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .corpus import COLUMNS, Entry, read_manifest
from .errors import ConfigError, InputError
from .io import atomic_writer
from .records import Document
from .safety import doc_id_from_name, doc_id_problem, inside

BEGIN = "# manifest texts (written by `policy add` / `policy sync` from the manifest; do not edit)"
END = "# end of manifest texts"
# the issuer's last administrative unit decides the level (GUIDELINES: national, province, city, district)
_LEVELS = (
    ("national", re.compile(r"^(国务院|全国人民代表大会|中共中央|中央|国家|[^省市区县]*部$)")),
    ("district", re.compile(r"(区|县|旗|县级市)(委|人民政府|政府|委员会|人大常委会|.*局|.*办)")),
    ("city", re.compile(r"市(委|人民政府|政府|人民代表大会|人大常委会|.*局|.*办)")),
    ("province", re.compile(r"(省|自治区)(委|人民政府|政府|人民代表大会|人大常委会|.*厅|.*局|.*办)")),
)


def guess_level(issuers: list[str]) -> str | None:
    """national / province / city / district from the issuing bodies' names, or None."""
    for level, pattern in _LEVELS:
        if any(pattern.search(name) for name in issuers):
            return level
    return None


def text_paths(entries: list[Entry], folders: list[Path], base: Path) -> tuple[list[str], list[str]]:
    """The manifest texts that exist, relative to ``base`` (the project), in manifest order,
    and the doc ids of those that do not."""
    found, missing = [], []
    for e in entries:
        folder = next((d for d in folders if (p := inside(d, e.file)) is not None and p.is_file()), None)
        if folder is None:
            missing.append(e.doc_id)
        else:  # by the folder's own path, not the resolved one: a linked folder stays inside the project
            found.append(Path(os.path.relpath(Path(folder).absolute() / e.file, base.absolute())).as_posix())
    return found, missing


def sync_dvc(dvc_yaml: Path, paths: list[str]) -> bool:
    """Rewrite the manifest-texts block of ``dvc_yaml``; return whether it changed."""
    lines = dvc_yaml.read_text(encoding="utf-8").splitlines(keepends=True)
    try:
        a = next(k for k, line in enumerate(lines) if line.strip() == BEGIN)
        b = next(k for k in range(a + 1, len(lines)) if lines[k].strip() == END)
    except StopIteration:
        raise ConfigError(dvc_yaml, f"no block between '{BEGIN}' and '{END}' in the extract stage's deps") from None
    indent = lines[a][: len(lines[a]) - len(lines[a].lstrip())]
    block = [f"{indent}- {json.dumps(p, ensure_ascii=False)}\n" for p in sorted(set(paths))]
    new = lines[: a + 1] + block + lines[b:]
    if new == lines:
        return False
    with atomic_writer(dvc_yaml) as f:
        f.writelines(new)
    return True


@dataclass(frozen=True)
class Added:
    doc_id: str
    file: str
    row: dict[str, str]


def add_texts(
    files: list[Path],
    manifest: Path,
    corpus_dir: Path,
    facts: dict[str, str | None],
    detect: Callable[[Path], Document],
) -> list[Added]:
    """Copy each file into ``corpus_dir`` and append its manifest row (sha256, detected facts,
    level guessed from the issuer). Facts given on the command line win over detected ones."""
    entries = read_manifest(manifest) if manifest.exists() else []
    ids = {e.doc_id for e in entries}
    names = {e.file for e in entries}
    added: list[Added] = []
    for src in files:
        src = Path(src)
        if not src.is_file():
            raise InputError(src, "no such file")
        doc_id = facts.get("doc_id") if len(files) == 1 and facts.get("doc_id") else doc_id_from_name(src.stem)
        assert doc_id is not None
        problem = doc_id_problem(doc_id)
        if problem:
            raise InputError(src, f"{problem}; rename the file or give --doc-id")
        if doc_id in ids:
            raise InputError(src, f"doc_id '{doc_id}' is already in {manifest}")
        name = f"{doc_id}{src.suffix.lower()}"
        if name in names:
            raise InputError(src, f"{name} is already in {manifest}")
        target = inside(corpus_dir, name)
        if target is None:
            raise InputError(src, f"{name} would leave {corpus_dir}")
        doc = detect(src)
        data = src.read_bytes()
        row = {
            "doc_id": doc_id,
            "file": name,
            "title": facts.get("title") or doc.title or "",
            "issuer": facts.get("issuer") or ";".join(doc.issuer),
            "region": facts.get("region") or "",
            "level": facts.get("level") or guess_level(list(doc.issuer)) or "",
            "date": facts.get("date") or doc.date or "",
            "doc_number": facts.get("doc_number") or doc.doc_number or "",
            "source": facts.get("source") or src.name,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        if target.resolve() != src.resolve():
            corpus_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        ids.add(doc_id)
        names.add(name)
        added.append(Added(doc_id, name, row))
    _append_rows(manifest, [a.row for a in added])
    return added


def _append_rows(manifest: Path, rows: list[dict[str, str]]) -> None:
    old = manifest.read_text(encoding="utf-8-sig") if manifest.exists() else ""
    buf = _io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    if not old:
        writer.writeheader()
    elif not old.endswith("\n"):
        buf.write("\n")
    writer.writerows(rows)
    with atomic_writer(manifest) as f:
        f.write(old + buf.getvalue())
