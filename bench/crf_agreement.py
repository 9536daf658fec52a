"""The numpy tagger (``crf.LinearCRF``) against CRFsuite: the same tags on every line?

    python bench/crf_agreement.py [--every N] [--model DIR]

Runs the rule pass of the entity component over every line of the corpus (``../shared/corpus``)
and of every N-th bench regulation, tags each line with CRFsuite (one line at a time) and
with the exported weights (a document's lines at once), and prints how many lines differ,
the first differences, and both taggers' characters per second. Exit status 1 when any
line differs. Extraction uses the numpy weights whenever ``entities.npz`` is in the model
folder, so this is the check that output does not change with the engine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.components.crf import LinearCRF  # noqa: E402
from pipeline.components.tagger import MODEL_FILE, bio, features  # noqa: E402
from pipeline.extract import Extractor  # noqa: E402
from pipeline.params import load_params  # noqa: E402

SHARED = ROOT.parent / "shared"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=5, help="every N-th bench file (0: none)")
    ap.add_argument("--model", default=None, help="trained folder (default: params extract.trained)")
    args = ap.parse_args()
    import pycrfsuite

    params = load_params(ROOT / "params.yaml")
    folder = Path(args.model) if args.model else params.extract.trained
    component = Extractor.from_params(params).nlp.get_pipe("policy_entities")
    reference = pycrfsuite.Tagger()
    reference.open(str(folder / MODEL_FILE))
    crf = LinearCRF.from_crfsuite(reference.info())
    files = sorted((SHARED / "corpus").glob("*.txt")) + sorted((SHARED / "corpus").glob("*.md"))
    if args.every:
        bench = sorted(p for p in (SHARED / "bench").rglob("*.md") if p.name != "_index.md")
        files += bench[:: args.every]
    lines_seen = differ = chars = 0
    t_ref = t_np = 0.0
    for path in files:
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").split("\n") if line.strip()]
        passes = [component.rule_pass(line, []) for line in lines]
        spans = [[(e.start, e.end, e.label) for e in found] for _, found in passes]
        t0 = time.perf_counter()
        ref = [reference.tag(features(line, toks, sp)) for line, (toks, _), sp in zip(lines, passes, spans)]
        t1 = time.perf_counter()
        got = crf.viterbi(crf.emissions(lines, [t for t, _ in passes], [bio(len(x), s) for x, s in zip(lines, spans)]))
        t2 = time.perf_counter()
        t_ref, t_np = t_ref + t1 - t0, t_np + t2 - t1
        for a, b, line in zip(ref, got, lines):
            lines_seen += 1
            chars += len(line)
            if list(a) != list(b):
                differ += 1
                if differ <= 5:
                    where = [(i, x, y) for i, (x, y) in enumerate(zip(a, b)) if x != y][:4]
                    print(f"{path.name}: {line[:60]!r} {where}")
    print(f"files {len(files)}, lines {lines_seen}, differ {differ}; characters per second: "
          f"CRFsuite {chars / max(t_ref, 1e-9):,.0f}, numpy {chars / max(t_np, 1e-9):,.0f} (features included)")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
