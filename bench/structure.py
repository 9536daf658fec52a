"""Structure over the benchmark regulations: time, failures, and 第X条 agreement.

    python bench/structure.py [FOLDER]

Runs `policy extract` on every regulation (skipping `_index.md`), then checks that
every file yields a statement and that, per file, the number of provisions numbered
第X条 equals the number of lines starting with 第X条.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "bench" / "lawref-local-regulations"
TIAO = re.compile(r"\s*第[〇零一二三四五六七八九十百千两\d]+条")


def main() -> int:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    files = sorted(p for p in folder.rglob("*.md") if p.name != "_index.md")
    with tempfile.TemporaryDirectory() as out:
        # one file list on stdin would be nicer; argv holds 1,900 paths fine on Linux
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "policy"), "extract", *map(str, files), "-o", out],
            capture_output=True, text=True, cwd=ROOT,
        )
        seconds = time.perf_counter() - t0
        errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
        docs = {d["doc_id"]: Path(d["path"]) for d in map(json.loads, open(Path(out, "documents.jsonl"), encoding="utf-8"))}
        tiao, stmts = Counter(), Counter()
        for p in map(json.loads, open(Path(out, "provisions.jsonl"), encoding="utf-8")):
            if p["level"] == "section" and p["text"].startswith("第"):
                tiao[p["doc_id"]] += 1
        for s in map(json.loads, open(Path(out, "statements.jsonl"), encoding="utf-8")):
            stmts[s["doc_id"]] += 1
    chars = sum(len(p.read_text(encoding="utf-8")) for p in files)
    mismatch = []
    for doc_id, path in docs.items():
        lines = sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if TIAO.match(ln))
        if lines != tiao[doc_id]:
            mismatch.append((doc_id, lines, tiao[doc_id]))
    print(f"files: {len(files)}  written: {len(docs)}  failed: {len(errors)}  exit code: {proc.returncode}")
    print(f"time: {seconds:.1f} s  ({chars / seconds:,.0f} chars/s over {chars:,} chars)")
    print(f"files without a statement: {sum(1 for d in docs if stmts[d] == 0)}")
    share = 1 - len(mismatch) / max(len(docs), 1)
    print(f"第X条 provisions == 第X条 lines: {share:.2%} of written files ({len(mismatch)} differ)")
    for line in errors:
        print("  " + line)
    for m in mismatch[:20]:
        print("  differs:", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
