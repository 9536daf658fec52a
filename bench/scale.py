"""Scale benchmark: throughput against jieba, worker processes, the cache, and `policy compare`.

    python bench/scale.py [FOLDER] [--limit N] [--out bench/scale.json]

On the regulations of FOLDER (default: the 1,910 of ../shared/bench; `_index.md` skipped),
copied to a temporary folder so that one can be edited:

- characters per second of `jieba.lcut` alone (the project's dictionary, HMM on) and of full
  extraction (`policy extract -j 1 --no-cache`, start-up included), and their ratio;
- the same with `-j 2`, and its speed-up over one process;
- an incremental run: the cache filled, one document edited, `policy extract` again: its
  time as a share of the full run;
- the peak RSS of each run, and the time and peak RSS of `policy compare` on 200 documents
  and on all of them.

Prints the figures and writes them as JSON (DVC metrics format).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "bench" / "lawref-local-regulations"
POLICY = [sys.executable, "-m", "pipeline.cli", "--params", str(ROOT / "params.yaml")]


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command, by /usr/bin/time."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        t0 = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name, *cmd], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        rss = float(Path(t.name).read_text().strip().splitlines()[-1]) / 1024
    return wall, rss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", default=str(ROOT / "bench" / "scale.json"))
    args = ap.parse_args()
    files = sorted(p for p in Path(args.folder).rglob("*.md") if p.name != "_index.md")
    if args.limit:
        files = files[: args.limit]
    env = {**os.environ, "POLICY_CACHE": "off", "PYTHONPATH": str(ROOT)}
    out: dict[str, float] = {"documents": len(files)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "in"
        src.mkdir()
        for k, f in enumerate(files):  # flat names: doc ids stay unique and safe
            shutil.copyfile(f, src / f"d{k:05d}.md")

        wall, rss = timed([*POLICY, "extract", str(src), "-o", str(work / "one"), "-j", "1", "--no-cache"], env)
        docs = [json.loads(line) for line in (work / "one" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
        chars = sum(len(d["text"]) for d in docs)
        out.update(chars=chars, extract_seconds=round(wall, 2), extract_chars_per_s=round(chars / wall),
                   extract_peak_rss_mb=round(rss))

        sys.path.insert(0, str(ROOT))
        from pipeline.components.tokenizer import JiebaTokenizer

        tok = JiebaTokenizer(ROOT / "models" / "lexicon" / "jieba_user.txt", engine="jieba")
        t0 = time.perf_counter()
        for d in docs:
            tok.cut(d["text"])
        jieba_s = time.perf_counter() - t0
        out.update(jieba_chars_per_s=round(chars / jieba_s), ratio_extract_to_jieba=round(jieba_s / wall, 3))

        wall2, rss2 = timed([*POLICY, "extract", str(src), "-o", str(work / "two"), "-j", "2", "--no-cache"], env)
        same = all((work / "one" / n).read_bytes() == (work / "two" / n).read_bytes()
                   for n in ("documents.jsonl", "provisions.jsonl", "statements.jsonl", "entities.jsonl"))
        out.update(jobs2_seconds=round(wall2, 2), jobs2_chars_per_s=round(chars / wall2),
                   jobs2_speedup=round(wall / wall2, 2), jobs2_identical=float(same), jobs2_peak_rss_mb=round(rss2))

        cached = {**env, "POLICY_CACHE": str(work / "cache")}
        timed([*POLICY, "extract", str(src), "-o", str(work / "inc"), "-j", "2"], cached)
        victim = sorted(src.iterdir())[len(docs) // 2]
        victim.write_text(victim.read_text(encoding="utf-8") + "\n第九十九条 本条为基准测试新增。\n", encoding="utf-8")
        wall3, _ = timed([*POLICY, "extract", str(src), "-o", str(work / "inc"), "-j", "2"], cached)
        out.update(incremental_seconds=round(wall3, 2), incremental_share_of_full=round(wall3 / wall2, 3))

        for n in sorted({min(200, len(files)), len(files)}):
            sub = work / f"sub{n}"
            if n < len(files):
                (sub / "in").mkdir(parents=True)
                for f in sorted(src.iterdir())[:n]:
                    shutil.copyfile(f, sub / "in" / f.name)
                timed([*POLICY, "extract", str(sub / "in"), "-o", str(sub / "ex"), "-j", "2"], cached)
                ex = sub / "ex"
            else:
                ex = work / "inc"
            wall4, rss4 = timed([*POLICY, "compare", "--extract", str(ex), "-o", str(work / f"cmp{n}")], env)
            out[f"compare_{n}_seconds"] = round(wall4, 2)
            out[f"compare_{n}_peak_rss_mb"] = round(rss4)
    for k, v in out.items():
        print(f"{k:32s} {v:,}")
    Path(args.out).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
