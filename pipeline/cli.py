"""`policy <command>`: parse arguments, load params, call one step, write atomically."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from tqdm import tqdm

from . import corpus, evaluate, io, resources, train
from .errors import InputError, PolicyError
from .ingest import SUPPORTED, Meta, ingest_file
from .params import Params, load_params
from .extract import Extractor
from .segment import segment_document

OUTPUT_FILES = ("documents.jsonl", "provisions.jsonl", "statements.jsonl", "entities.jsonl")


def _warn(message: str) -> None:
    tqdm.write(f"warning: {message}", file=sys.stderr)


def _error(message: str) -> None:
    tqdm.write(f"error: {message}", file=sys.stderr)


def expand_inputs(paths: Sequence[Path]) -> Iterator[Path]:
    """Files named, and the supported files under folders named, each folder sorted."""
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUPPORTED and not p.name.startswith(".")
            )
            if not found:
                _warn(f"{path}: folder holds no {'/'.join(SUPPORTED)} file")
            yield from found
        else:
            yield path  # a missing path or a bad extension is reported by ingest_file


def _jobs(args: argparse.Namespace, params: Params) -> list[tuple[Path, Meta, str | None]]:
    """(file, catalogue facts, doc id) for each document to process."""
    manifest_path = Path(args.manifest) if args.manifest else params.paths.manifest
    entries = corpus.read_manifest(manifest_path) if manifest_path.exists() else []
    by_id = {e.doc_id: e for e in entries}
    if args.paths:
        jobs = []
        for p in expand_inputs([Path(x) for x in args.paths]):
            entry = by_id.get(p.stem)
            jobs.append((p, entry.meta if entry else Meta(), None))
        return jobs
    if not entries:
        raise PolicyError(f"{manifest_path}: no manifest, and no input paths given")
    located = corpus.locate(
        entries,
        [params.paths.bundled, params.paths.mirror],
        params.paths.download_cache,
        params.ingest.download,
        _warn,
    )
    return [(path, e.meta, e.doc_id) for e, path in located]


def cmd_extract(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    layout = resources.layout_rules(params.ingest.layout)
    headings = resources.heading_rules(params.segment.headings)
    outdir = Path(args.output) if args.output else params.paths.extract
    jobs = _jobs(args, params)
    extractor = Extractor.from_params(params)
    failed = 0
    seen: dict[str, Path] = {}
    with ExitStack() as stack:
        docs_f, provs_f, stmts_f, ents_f = (
            stack.enter_context(io.atomic_writer(outdir / name)) for name in OUTPUT_FILES
        )
        for path, meta, doc_id in tqdm(jobs, unit="doc", disable=None, file=sys.stderr):
            try:
                doc = ingest_file(
                    path,
                    layout_rules=layout,
                    heading_rules=headings,
                    max_bytes=params.ingest.max_bytes,
                    meta=meta,
                    doc_id=doc_id,
                )
                if doc.doc_id in seen:
                    raise InputError(path, f"doc_id '{doc.doc_id}' already used by {seen[doc.doc_id]}")
                seen[doc.doc_id] = path
                provisions, statements = segment_document(doc, headings, params.segment)
                enriched, entities = extractor.extract(doc, provisions, statements)
            except InputError as exc:
                _error(str(exc))
                failed += 1
                continue
            docs_f.write(io.dumps(doc.to_dict()) + "\n")
            provs_f.writelines(io.dumps(p.to_dict()) + "\n" for p in provisions)
            stmts_f.writelines(io.dumps(s) + "\n" for s in enriched)
            ents_f.writelines(io.dumps(e.to_dict()) + "\n" for e in entities)
    print(
        f"{len(seen)} document(s) written to {outdir}"
        + (f"; {failed} input(s) failed" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


def _rule_features(params: Params) -> train.RuleFeatures:
    from .components.instruments import load_taxonomy
    from .components.modality import load_triggers

    models = params.extract.models
    return train.RuleFeatures(
        load_triggers(models / "modality" / "triggers.yaml"),
        load_taxonomy(models / "instruments" / "taxonomy.yaml"),
    )


def _train_params(params: Params) -> train.TrainParams:
    t = params.train
    return train.TrainParams(c=t.c, ngram_max=t.ngram_max, rule_weight=t.rule_weight, min_examples=t.min_examples)


def cmd_train(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    gold_dir = Path(args.gold) if args.gold else params.paths.gold
    out = Path(args.output) if args.output else params.extract.trained
    docs = evaluate.load_gold(gold_dir) + train.load_annotations([params.train.annotations])
    models = train.train_all(docs, _rule_features(params), _train_params(params))
    train.save(models, out)
    for task, model in sorted(models.items()):
        state = f"{len(model.clf.classes_)} classes" if model else "not trained (too few examples)"
        print(f"{task}: {state}", file=sys.stderr)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    params = load_params(args.params)
    extract_dir = Path(args.extract) if args.extract else params.paths.extract
    gold_dir = Path(args.gold) if args.gold else params.paths.gold
    out = Path(args.output) if args.output else params.paths.metrics
    gold = evaluate.load_gold(gold_dir)
    pred = evaluate.load_prediction(extract_dir)
    result = evaluate.score(gold, pred)
    rules, tp = _rule_features(params), _train_params(params)
    extra = train.load_annotations([params.train.annotations])
    trained = evaluate.trained_metrics(gold, pred, extra, lambda docs: train.train_all(docs, rules, tp))
    io.write_json(out, {"micro": result["micro"], "per_doc": result["per_doc"], "trained": trained})
    io.write_csv(out.with_name("modality_confusion.csv"), ["gold", "predicted"], result["confusion"])
    summary = result["micro"]
    print(
        " ".join(f"{k}={v:.3f}" for k, v in sorted(summary.items()) if isinstance(v, float)),
        file=sys.stderr,
    )
    for setting, block in trained.items():
        print(f"trained ({setting}): " + " ".join(f"{k}={v:.3f}" for k, v in sorted(block["micro"].items())),
              file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policy", description="Analyse Chinese policy documents.")
    parser.add_argument("--params", default="params.yaml", help="params file (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="ingest and segment documents into JSONL")
    ex.add_argument("paths", nargs="*", help="files or folders; default: the corpus manifest")
    ex.add_argument("-o", "--output", help="output folder (default: params paths.extract)")
    ex.add_argument("--manifest", help="manifest CSV (default: params paths.manifest)")
    ex.set_defaults(func=cmd_extract)

    tr = sub.add_parser("train", help="train the statement classifiers from the gold files")
    tr.add_argument("--gold", help="folder of gold .jsonl files (default: params paths.gold)")
    tr.add_argument("-o", "--output", help="model folder (default: params extract.trained)")
    tr.set_defaults(func=cmd_train)

    ev = sub.add_parser("evaluate", help="score an extraction against gold files")
    ev.add_argument("--extract", help="folder of extraction JSONL (default: params paths.extract)")
    ev.add_argument("--gold", help="folder of gold .jsonl files (default: params paths.gold)")
    ev.add_argument("-o", "--output", help="metrics JSON (default: params paths.metrics)")
    ev.set_defaults(func=cmd_evaluate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except PolicyError as exc:
        _error(str(exc))
        return 2
    except KeyboardInterrupt:
        _error("interrupted; no output was changed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
