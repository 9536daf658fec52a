"""Throughput of full extraction against jieba segmentation alone, in one process.

    python bench/throughput.py [FOLDER] [--limit N]

Both run over the same regulations (``_index.md`` skipped): jieba (precise mode, HMM on,
the project's user dictionary) cuts each raw text; full extraction ingests, segments and
extracts each file as ``policy extract`` does. Prints characters per second and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import resources  # noqa: E402
from pipeline.components.tokenizer import JiebaTokenizer  # noqa: E402
from pipeline.errors import InputError  # noqa: E402
from pipeline.extract import Extractor  # noqa: E402
from pipeline.ingest import ingest_file  # noqa: E402
from pipeline.params import load_params  # noqa: E402
from pipeline.segment import segment_document  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "bench" / "lawref-local-regulations"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default=str(DEFAULT))
    ap.add_argument("--limit", type=int, default=0, help="only the first N files")
    args = ap.parse_args()
    files = sorted(p for p in Path(args.folder).rglob("*.md") if p.name != "_index.md")
    if args.limit:
        files = files[: args.limit]
    params = load_params(ROOT / "params.yaml")
    layout = resources.layout_rules(params.ingest.layout)
    headings = resources.heading_rules(params.segment.headings)
    texts = [p.read_text(encoding="utf-8") for p in files]
    chars = sum(len(t) for t in texts)

    userdict = params.extract.models / "lexicon" / "jieba_user.txt"
    tok = JiebaTokenizer(userdict, engine="jieba")
    extractor = Extractor.from_params(params)
    seg = extractor.nlp.get_pipe("policy_entities").tokenizer

    t0 = time.perf_counter()
    n_tokens = sum(len(tok.cut(t)) for t in texts)
    jieba_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for t in texts:
        seg.cut(t)
    seg_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_statements = n_entities = failed = 0
    for path in files:
        try:
            doc = ingest_file(path, layout_rules=layout, heading_rules=headings, max_bytes=params.ingest.max_bytes)
        except InputError:
            failed += 1
            continue
        provisions, statements = segment_document(doc, headings, params.segment)
        enriched, entities = extractor.extract(doc, provisions, statements)
        n_statements += len(enriched)
        n_entities += len(entities)
    full_s = time.perf_counter() - t0

    jieba_rate, full_rate = chars / jieba_s, chars / full_s
    print(f"files: {len(files)} ({failed} without policy text)  characters: {chars:,}")
    print(f"jieba segmentation: {jieba_s:7.1f} s  {jieba_rate:12,.0f} chars/s  ({n_tokens:,} tokens)")
    print(f"extraction's segmenter ({seg.engine_name}): {seg_s:5.1f} s  {chars / seg_s:12,.0f} chars/s")
    print(f"full extraction:    {full_s:7.1f} s  {full_rate:12,.0f} chars/s  "
          f"({n_statements:,} statements, {n_entities:,} entities)")
    print(f"ratio (extraction / jieba): {full_rate / jieba_rate:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
