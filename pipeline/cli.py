"""`policy <command>`: parse arguments, find the project, call one step, write atomically.

Only the standard library is imported here; each command imports what it uses, so that
`policy --help` is instant and Ctrl-C at any time gives one line, not a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import InputError, PolicyError

if TYPE_CHECKING:
    from .ingest import Meta
    from .params import Params

OUTPUT_FILES = ("documents.jsonl", "provisions.jsonl", "statements.jsonl", "entities.jsonl")


def _write(line: str) -> None:
    if "tqdm" in sys.modules:  # keep a progress bar intact
        sys.modules["tqdm"].tqdm.write(line, file=sys.stderr)
    else:
        print(line, file=sys.stderr)


def _warn(message: str) -> None:
    _write(f"warning: {message}")


def _error(message: str) -> None:
    _write(f"error: {message}")


def _progress(items: Any, unit: str, total: int | None = None) -> Any:
    from tqdm import tqdm

    return tqdm(items, total=total, unit=unit, disable=None, file=sys.stderr)


PARAMS_FILE = "params.yaml"


def find_params(args: argparse.Namespace) -> tuple[Path, bool]:
    """The params file to use and whether it belongs to a project.

    ``--params FILE`` or ``--project DIR`` if given; else the nearest params.yaml in the
    working folder or above it; else the package's own defaults (the checkout it was
    installed from), for running on a bare folder.
    """
    if args.params:
        return Path(args.params), True
    if args.project:
        return Path(args.project) / PARAMS_FILE, True
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / PARAMS_FILE).is_file():
            return folder / PARAMS_FILE, True
    own = Path(__file__).resolve().parents[1] / PARAMS_FILE
    if own.is_file():
        return own, False
    raise PolicyError(f"no {PARAMS_FILE} in {here} or above, and none installed with the package; "
                      "give --project DIR or --params FILE")


def _params(args: argparse.Namespace) -> Params:
    from .params import load_params

    return load_params(args.params_path)


def _output(args: argparse.Namespace, default: Path, what: str = "folder") -> Path:
    """The output folder: ``-o`` or the project's default; never an existing file."""
    if args.output:
        out = Path(args.output)
    elif args.in_project:
        out = default
    else:
        raise PolicyError(f"not inside a project (no {PARAMS_FILE} here or above): give -o OUTPUT")
    if what == "folder" and out.exists() and not out.is_dir():
        raise PolicyError(f"{out}: is a file; -o needs a folder")
    return out



def expand_inputs(paths: Sequence[Path]) -> Iterator[Path]:
    """Files named, and the supported files under folders named, each folder sorted."""
    from .ingest import SUPPORTED

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


def _jobs(args: argparse.Namespace, params: Params) -> list[tuple[Path, Meta, str | None, str | None]]:
    """(file, catalogue facts, doc id) for each document to process."""
    from . import corpus, safety
    from .ingest import Meta

    manifest_path = Path(args.manifest) if args.manifest else params.paths.manifest
    entries = corpus.read_manifest(manifest_path, _warn) if manifest_path.exists() else []
    by_id = {e.doc_id: e for e in entries}
    if args.paths:
        jobs = []
        for p in expand_inputs([Path(x) for x in args.paths]):
            entry = by_id.get(p.stem)
            # a file name that cannot name the outputs (parentheses, spaces) gives a cleaned doc id
            jobs.append((p, entry.meta if entry else Meta(), safety.doc_id_from_name(p.stem), None))
        return jobs
    if not entries:
        raise PolicyError(f"{manifest_path}: no manifest, and no input paths given")
    download = params.ingest.download
    if getattr(args, "trust_unverified", False):
        download = dataclasses.replace(download, require_sha256=False)
    located = corpus.locate(
        entries,
        [params.paths.bundled, params.paths.mirror],
        params.paths.download_cache,
        download,
        _warn,
    )
    base = Path(args.params_path).resolve().parent
    # record manifest texts relative to the project, so outputs do not depend on the checkout's place
    return [(path, e.meta, e.doc_id, os.path.relpath(path, base)) for e, path in located]


def cmd_extract(args: argparse.Namespace) -> int:
    from . import io, resources, run

    def extractor() -> Any:  # imported and loaded only when a document is not in the cache
        from .extract import Extractor

        return Extractor.from_params(params)

    params = _params(args)
    e = params.extract
    outdir = _output(args, params.paths.extract)
    jobs = _jobs(args, params)
    if not jobs:
        raise PolicyError("no input documents (the paths given hold no supported file)")
    workers = args.jobs if args.jobs is not None else e.jobs
    engine = args.engine or e.engine
    override = os.environ.get("POLICY_CACHE")  # a folder, or "off"
    cache_dir = None if args.no_cache or override == "off" else Path(override) if override else e.cache
    ctx = run.Context(
        params=params,
        layout=resources.layout_rules(params.ingest.layout),
        headings=resources.heading_rules(params.segment.headings),
        extractor=None,
        make_extractor=extractor,
        fingerprint=run.fingerprint(params),
        cache_dir=cache_dir,
        seconds=e.seconds_per_document,
    )
    address = os.environ.get("POLICY_DASK_SCHEDULER") or e.dask_scheduler
    with io.output_set(outdir, OUTPUT_FILES, _warn) as files:
        results = run.run(jobs, ctx, workers=workers or run.default_workers(), engine=engine, address=address,
                          memory_mb=e.memory_per_worker_mb, params_path=str(args.params_path))
        n, failed, hits = run.write(results, files, OUTPUT_FILES, _error,
                                    progress=lambda r: _progress(r, "doc", total=len(jobs)))
    print(
        f"{n} document(s) written to {outdir}"
        + (f" ({hits} from the cache)" if hits else "")
        + (f"; {failed} input(s) failed" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


def _rule_features(params: Params) -> Any:
    from . import train
    from .components.instruments import load_taxonomy
    from .components.modality import load_triggers

    models = params.extract.models
    return train.RuleFeatures(
        load_triggers(models / "modality" / "triggers.yaml"),
        load_taxonomy(models / "instruments" / "taxonomy.yaml"),
    )


def _train_params(params: Params) -> Any:
    from . import train

    t = params.train
    return train.TrainParams(c=t.c, ngram_max=t.ngram_max, rule_weight=t.rule_weight, min_examples=t.min_examples,
                             min_confidence=t.min_confidence)


def cmd_train(args: argparse.Namespace) -> int:
    from . import evaluate, train

    params = _params(args)
    gold_dir = Path(args.gold) if args.gold else params.paths.gold
    out = _output(args, params.extract.trained)
    from .annotate import overlay

    gold = evaluate.load_gold(gold_dir)
    extra = train.load_annotations([params.train.annotations])
    ids = {g["doc"] for g in gold}
    docs = overlay(gold, extra) + [a for a in extra if a["doc"] not in ids]  # corrections win
    models = train.train_all(docs, _rule_features(params), _train_params(params))
    train.save(models, out)
    for task, model in sorted(models.items()):
        state = f"{len(model.clf.classes_)} classes" if model else "not trained (too few examples)"
        print(f"{task}: {state}", file=sys.stderr)
    sequences, actor_examples = train.training_examples(_rules_nlp(params), docs)
    train.fit_tagger(sequences, params.train.entities, out)
    print(f"entities: tagger on {sum(map(len, sequences.values()))} statements", file=sys.stderr)
    train.fit_actors(actor_examples, params.train.actors, out)
    n = sum(len(c) for xs in actor_examples.values() for _, c in xs)
    print(f"actors: model on {n} candidates", file=sys.stderr)
    return 0


def _rules_nlp(params: Params) -> Any:
    """The pipeline with no trained component (the tagger's features are the rules')."""
    from .nlp import build_nlp

    e = params.extract
    return build_nlp(e.models, segmenter=e.segmenter, hanlp=e.hanlp)


def _lodo_prediction(
    params: Params, gold: list[dict], extra: list[dict], pred: dict[str, dict]
) -> tuple[dict[str, dict], dict[str, dict]]:
    """The extraction of each gold document re-run with the trained components (entity
    tagger, actor model) fitted on the other documents: what the pipeline does with a text
    it was not trained on. The scores of a trained component's own documents would say
    nothing about new ones. The second result is the same with the actor model toggled (on
    if the path leaves it off, off if not), so that its worth is measured either way. Folds
    run in parallel (one per core, forked); the result does not depend on how many."""
    from . import run, train

    wanted = sorted({g["doc"] for g in gold} & set(pred))
    sequences, actors = train.training_examples(_rules_nlp(params), gold + extra)
    state = dict(params=params, records=pred, sequences=sequences, actors=actors)
    folds = run.forked_map(_fold, wanted, min(os.cpu_count() or 1, 4), state,
                           progress=lambda it: _progress(it, "fold", total=len(wanted)))
    out, toggled = dict(pred), dict(pred)
    out.update((d, rec) for d, rec, _ in folds)
    toggled.update((d, alt) for d, _, alt in folds)
    return out, toggled


def _fold(doc_id: str) -> tuple[str, dict, dict]:
    import tempfile

    from . import train
    from .components.actor_model import ActorModel
    from .extract import Extractor
    from .records import Document, Provision, Statement

    from .run import shared

    state = shared()
    params, r = state["params"], state["records"][doc_id]
    e = params.extract
    document = Document(**r["document"])
    provisions = [Provision(**p) for p in r["provisions"]]
    statements = [Statement(**{k: s[k] for k in ("doc_id", "provision_id", "statement_id", "text", "start", "end")})
                  for s in r["statements"]]
    others = any(seqs for d, seqs in state["sequences"].items() if d != doc_id)
    with tempfile.TemporaryDirectory() as tmp:
        used: list[str] = []
        if others and "entities" in e.use_trained:
            train.fit_tagger(state["sequences"], params.train.entities, Path(tmp), leave_out=doc_id)
            used.append("entities")
        if others:
            train.fit_actors(state["actors"], params.train.actors, Path(tmp), leave_out=doc_id)
        with_model = used + ["actors"] if ActorModel.available(Path(tmp)) else used
        # with no other gold document to learn from, the rules alone
        records = []
        for components in (with_model, used) if "actors" in e.use_trained else (used, with_model):
            extractor = Extractor.load(e.models, Path(tmp), tuple(components), e.segmenter, e.hanlp)
            enriched, entities = extractor.extract(document, provisions, statements)
            records.append({**r, "statements": enriched, "entities": [x.to_dict() for x in entities]})
    return doc_id, records[0], records[1]


def _actor_model_metrics(gold: list[dict], pred: dict, toggled: dict, splits: dict, params: Params) -> dict:
    """Actor and implied-issuer scores (leave-one-document-out) with the actor model and
    with the rules alone, over all gold documents and the unseen split."""
    from . import evaluate

    on = "actors" in params.extract.use_trained
    runs = {"model": pred, "rules": toggled} if on else {"model": toggled, "rules": pred}
    keys = ("actor_f1", "actor_text_f1", "implied_issuer_accuracy")
    out: dict[str, Any] = {"on_path": on}
    for name, records in runs.items():
        for group, docs in (("all", gold), ("unseen", [g for g in gold if g["doc"] in splits.get("unseen", ())])):
            if docs:
                micro = evaluate.score(docs, records)["micro"]
                out[f"{name}_{group}"] = {k: round(float(micro[k]), 4) for k in keys}
    return out


def cmd_evaluate(args: argparse.Namespace) -> int:
    from . import evaluate, io, train

    params = _params(args)
    extract_dir = Path(args.extract) if args.extract else params.paths.extract
    gold_dir = Path(args.gold) if args.gold else params.paths.gold
    out = _output(args, params.paths.metrics, what="file")
    io.check_output_set(extract_dir)
    from .annotate import overlay

    extra = train.load_annotations([params.train.annotations])
    gold = overlay(evaluate.load_gold(gold_dir), extra)  # researchers' corrections win
    pred = evaluate.load_prediction(extract_dir)
    in_sample, toggled = None, None
    if {"entities", "actors"} & set(params.extract.use_trained):
        in_sample = evaluate.score(gold, pred)["micro"]  # the models trained on these very documents
        pred, toggled = _lodo_prediction(params, gold, extra, pred)
    result = evaluate.score(gold, pred)
    rules, tp = _rule_features(params), _train_params(params)
    ids = {g["doc"] for g in gold}
    trained = evaluate.trained_metrics(gold, pred, [a for a in extra if a["doc"] not in ids], lambda docs: train.train_all(docs, rules, tp))
    ev = params.evaluate
    by_genre = evaluate.grouped(gold, pred, {
        name: {g["doc"] for g in gold if evaluate.genre(g.get("title"), ev.genres) == name}
        for name in [*ev.genres, "other"]})
    by_split = evaluate.grouped(gold, pred, {name: set(ids) for name, ids in ev.splits.items()})
    details = {"micro": result["micro"], "by_split": by_split, "by_genre": by_genre,
               "per_doc": result["per_doc"], "trained": trained}
    if in_sample is not None:
        details["entity_tagger"] = {"scored": "leave-one-document-out", "in_sample_micro": in_sample}
    if toggled is not None:
        details["actor_model"] = _actor_model_metrics(gold, pred, toggled, ev.splits, params)
    io.write_json(out, evaluate.headline(result["micro"], by_split.get("unseen")))
    io.write_json(out.with_name("details.json"), details)
    io.write_csv(out.with_name("modality_confusion.csv"), ["gold", "predicted"], result["confusion"])
    from . import viz

    counts: dict[tuple[str, str], int] = {}
    for c in result["confusion"]:
        counts[(c["gold"], str(c["predicted"]))] = counts.get((c["gold"], str(c["predicted"])), 0) + 1
    classes = sorted({g for g, _ in counts} | {p for _, p in counts})
    matrix = [[counts.get((g, p), 0) for p in classes] for g in classes]
    viz.save_figure(viz.heatmap(classes, classes, matrix, title="modality: gold (rows) x predicted (columns)",
                                fonts=params.notebooks.fonts, percent=False), out.with_name("modality_confusion.png"))
    summary = result["micro"]
    print(
        " ".join(f"{k}={v:.3f}" for k, v in sorted(summary.items()) if isinstance(v, float)),
        file=sys.stderr,
    )
    for setting, block in trained.items():
        print(f"trained ({setting}): " + " ".join(f"{k}={v:.3f}" for k, v in sorted(block["micro"].items())),
              file=sys.stderr)
    if "actor_model" in details:
        am = details["actor_model"]
        print(f"actor model (lodo): actor_f1={am['model_all']['actor_f1']:.3f} against the rules' "
              f"{am['rules_all']['actor_f1']:.3f}", file=sys.stderr)
    return 0


# what the comparison reads of each record (the rest — offset maps, cue lists — stays on disk)
COMPARE_FIELDS = {
    "documents": ("doc_id", "title", "issuer", "date", "doc_number", "level", "region", "text"),
    "provisions": ("doc_id", "provision_id", "level", "heading", "text"),
    "statements": ("doc_id", "provision_id", "statement_id", "text", "start", "modality", "implied_issuer",
                   "instrument", "instrument_confidence", "actors", "targets"),
    "entities": ("doc_id", "statement_id", "text", "label", "value", "bound", "start"),
}


# fields whose few distinct values repeat over thousands of records: one string object each
# (a comparison of 1,906 policies held its statements in 268 MB instead of 422 MB)
_SHARED_VALUES = frozenset({"doc_id", "provision_id", "statement_id", "level", "modality", "instrument", "label",
                            "bound", "role", "canonical", "type"})
_NAMES = _SHARED_VALUES | {"text"}  # an actor's or a target's text: 企业, 高层次人才…


def _fields(record: dict, keys: tuple[str, ...], shared: frozenset[str] = _SHARED_VALUES) -> dict:
    """The ``keys`` of ``record``, the string values of ``shared`` keys interned."""
    out = {}
    for k in keys:
        if k in record:
            v = record[k]
            out[k] = sys.intern(v) if k in shared and isinstance(v, str) else v
    return out


def _load_extraction(folder: Path, fields: dict[str, tuple[str, ...]] | None = None,
                     where: dict[str, Callable[[dict], bool]] | None = None) -> dict[str, list[dict]]:
    """The records of an extraction folder: only ``fields`` of each (all by default), and
    of a table only those that its ``where`` test keeps."""
    from . import io, safety

    io.check_output_set(folder)
    where = where or {}
    ex = {name: [r if fields is None else _fields(r, fields[name])
                 for r in io.read_jsonl(folder / f"{name}.jsonl") if name not in where or where[name](r)]
          for name in ("documents", "provisions", "statements", "entities")}
    if fields is not None:
        for s in ex["statements"]:
            s["actors"] = [_fields(a, ("text", "role", "canonical", "type"), _NAMES) for a in s.get("actors", [])]
            s["targets"] = [_fields(t, ("text",), _NAMES) for t in s.get("targets", [])]
    for n, d in enumerate(ex["documents"], 1):
        unsafe = safety.doc_id_problem(str(d.get("doc_id", "")))
        if unsafe:  # doc ids name output files (graphs/<doc_id>.graphml)
            raise InputError(f"{folder / 'documents.jsonl'}:{n}", unsafe)
    return ex


def _policy_graphs(indices: range) -> int:
    """Build and write the graphs of the policies at ``indices`` (a ``forked_map`` task)."""
    from . import compare, export
    from .run import shared

    st = shared()
    for k in indices:
        d = st["docs"][k]
        g = compare.policy_graph(d, st["stmts"].get(d["doc_id"], []), st["ents"].get(d["doc_id"], []), st["targets"])
        export.write_graph(g, st["folder"], d["doc_id"], title=d.get("title") or d["doc_id"], seed=st["seed"],
                           formats=st["formats"])
    return len(indices)


def cmd_compare(args: argparse.Namespace) -> int:
    from . import compare, export, io, run
    from .components.tokenizer import JiebaTokenizer

    params = _params(args)
    cfg = params.compare
    levels = set(cfg.align_levels)  # the other provisions (parts, chapters: the longest texts) are not aligned
    ex = _load_extraction(Path(args.extract) if args.extract else params.paths.extract, COMPARE_FIELDS,
                          where={"provisions": lambda p: p["level"] in levels})
    out = _output(args, params.paths.compare)
    targets = compare.load_targets(cfg.targets)
    tok = JiebaTokenizer(params.extract.models / "lexicon" / "jieba_user.txt", engine=params.extract.segmenter)
    docs, ents = ex["documents"], ex["entities"]
    stmts = compare.drop_weak_instruments(ex["statements"], cfg.instrument_min_confidence)
    stmts_by_doc, ents_by_doc = compare.by_doc(stmts), compare.by_doc(ents)
    pages = len(docs) <= cfg.graph_pages_max  # beyond: GraphML only (for Gephi), no layouts
    workers = args.jobs if args.jobs is not None else cfg.jobs
    workers = workers or run.default_workers()
    state = dict(docs=docs, stmts=stmts_by_doc, ents=ents_by_doc, targets=targets, folder=out / "graphs",
                 seed=cfg.layout_seed, formats=None if pages else ("graphml",))
    step = max(1, min(64, len(docs) // (workers * 4) or 1))
    chunks = [range(k, min(k + step, len(docs))) for k in range(0, len(docs), step)]
    run.forked_map(_policy_graphs, chunks, workers, state,
                   progress=lambda it: _progress(it, "graphs", total=len(chunks)))
    current = {d["doc_id"] for d in docs}
    for stale in sorted((out / "graphs").glob("*.*")):  # graphs of documents no longer in the extraction
        if stale.suffix in (".graphml", ".gexf", ".json", ".html") and stale.stem not in current:
            stale.unlink()
    sim = compare.similarity_matrix(docs, tok.cut)
    g = compare.comparison_graph(docs, stmts, targets, sim, edge_min=cfg.similarity_edge_min, top_k=cfg.similar_top_k)
    export.write_graph(g, out, "comparison", title="政策比较 Policy comparison", seed=cfg.layout_seed)
    io.write_matrix(out / "similarity.json", sim[0], sim[1])
    alignments, boilerplate = compare.align_provisions(
        ex["provisions"], tok.cut, levels=cfg.align_levels, threshold=cfg.align_threshold, top_k=cfg.align_top_k,
        boilerplate=compare.load_boilerplate(cfg.boilerplate) if cfg.boilerplate else None,
        max_df=cfg.align_max_df, max_per_provision=cfg.align_max_per_provision, max_df_count=cfg.align_max_df_count)
    tables = {
        "alignments": alignments,
        "boilerplate": boilerplate,
        "instrument_profile": compare.instrument_profile(docs, stmts),
        "target_profile": compare.target_profile(docs, stmts, targets),
        "coverage": compare.coverage(docs, stmts, targets, majority=cfg.coverage_majority),
    }
    for name, rows in tables.items():
        io.write_json(out / f"{name}.json", rows)
    # one row per coded statement / target mention: DVC draws them as policy x category heatmaps
    io.write_csv(out / "instrument_rows.csv", ["doc_id", "instrument"],
                 [s for s in stmts if s.get("instrument")])
    io.write_csv(out / "target_rows.csv", ["doc_id", "category"],
                 [{"doc_id": s["doc_id"], "category": targets.category(t["text"])} for s in stmts for t in s["targets"]])
    if args.metrics:
        io.write_json(Path(args.metrics), compare.summary(docs, sim, tables))
    from . import viz

    titles = {d["doc_id"]: (d.get("title") or d["doc_id"])[:28] for d in docs}
    for name, col, title in (() if not pages else (
            ("instrument_profile", "code", "instrument codes: share of each policy's coded statements"),
            ("target_profile", "category", "target groups: share of each policy's talent mentions"))):
        rows, cols, values = viz.profile_matrix(tables[name], "doc_id", col)
        fig = viz.heatmap([titles.get(r, r) for r in rows], cols, values, title=title, fonts=params.notebooks.fonts)
        viz.save_figure(fig, out / "plots" / f"{name}.png")
    print(f"{len(docs)} policy graphs, comparison graph and tables written to {out}", file=sys.stderr)
    return 0


def _codebook(params: Params) -> list[dict]:
    from . import export

    models = params.extract.models
    return export.codebook(models / "exports" / "labels.yaml", models / "instruments" / "taxonomy.yaml")


def _compared_inputs(args: argparse.Namespace, params: Params, default_out: Path) -> tuple[dict, Path, Path]:
    """The extraction, the comparison folder and the output folder of export and report."""
    ex = _load_extraction(Path(args.extract) if args.extract else params.paths.extract)
    cmp_dir = Path(args.compare) if args.compare else params.paths.compare
    return ex, cmp_dir, _output(args, default_out)


def cmd_export(args: argparse.Namespace) -> int:
    from . import export, io

    params = _params(args)
    ex, cmp_dir, out = _compared_inputs(args, params, params.paths.exports)
    sim = io.read_json(cmp_dir / "similarity.json")
    compared = {name: io.read_json(cmp_dir / f"{name}.json")
                for name in ("alignments", "instrument_profile", "target_profile", "coverage")}
    compared["similarity"] = (sim["doc_ids"], sim["matrix"])
    tables = export.load_dictionary(params.extract.models / "exports" / "dictionary.yaml")
    book = _codebook(params)
    labels = export.label_maps(book)
    sheets = {}
    for name, spec in tables.items():
        rows = export.table_rows(name, ex, compared, labels)
        export.write_table(out, name, spec["columns"], rows)
        sheets[name] = (spec["columns"], rows)
    for name in export.write_workbook(out / "policy.xlsx", sheets, book):
        _warn(f"table {name} has more rows than a spreadsheet holds: left out of policy.xlsx (see {name}.csv)")
    with io.atomic_writer(out / "README.md") as f:
        f.write(export.dictionary_markdown(tables))
    print(f"{len(tables)} tables written to {out} (CSV, Parquet and policy.xlsx)", file=sys.stderr)
    return 0


def _project_root(args: argparse.Namespace) -> Path:
    if not args.in_project:
        raise PolicyError(f"not inside a project (no {PARAMS_FILE} here or above): give --project DIR")
    return Path(args.params_path).resolve().parent


def _sync(params: Params, root: Path) -> None:
    from . import corpus, project

    entries = corpus.read_manifest(params.paths.manifest, _warn)
    paths, missing = project.text_paths(entries, [params.paths.bundled, params.paths.mirror], root)
    for doc_id in missing:
        _warn(f"{doc_id}: text not found in {params.paths.bundled} or {params.paths.mirror}; "
              "not tracked by DVC until it is there")
    changed = project.sync_dvc(root / "dvc.yaml", paths)
    print(f"dvc.yaml tracks {len(paths)} manifest text(s)" + (" (updated)" if changed else ""), file=sys.stderr)


def cmd_sync(args: argparse.Namespace) -> int:
    _sync(_params(args), _project_root(args))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from . import project, resources
    from .ingest import ingest_file

    params = _params(args)
    root = _project_root(args)
    layout = resources.layout_rules(params.ingest.layout)
    headings = resources.heading_rules(params.segment.headings)

    def detect(path: Path) -> Any:
        return ingest_file(path, layout_rules=layout, heading_rules=headings, max_bytes=params.ingest.max_bytes,
                           max_unpacked=params.ingest.max_unpacked_bytes)

    facts = {k: getattr(args, k) for k in ("doc_id", "title", "issuer", "region", "level", "date", "doc_number",
                                           "source")}
    added = project.add_texts([Path(f) for f in args.files], params.paths.manifest, params.paths.bundled,
                              facts, detect)
    for a in added:
        r = a.row
        print(f"added {a.doc_id}: {r['title'] or '(no title found)'} | {r['issuer'] or '(no issuer)'} | "
              f"{r['level'] or '(level?)'} | {r['date'] or '(no date)'} | {r['doc_number'] or '(no 文号)'}",
              file=sys.stderr)
    _sync(params, root)
    return 0


def cmd_vocab(args: argparse.Namespace) -> int:
    from . import io, resources, vocab
    from .components.tokenizer import JiebaTokenizer
    from .ingest import ingest_file

    params = _params(args)
    out = _output(args, params.extract.models / "vocab" / "candidates.json", what="file")
    files = [f for f in expand_inputs([Path(p) for p in args.paths] or [params.paths.bench])
             if not f.name.startswith("_")]  # _index.md: a folder's table of contents, not a text
    if not files:
        raise PolicyError("no input documents for the vocabulary")
    layout = resources.layout_rules(params.ingest.layout)
    headings = resources.heading_rules(params.segment.headings)
    tok = JiebaTokenizer(params.extract.models / "lexicon" / "jieba_user.txt", engine=params.extract.segmenter)

    def texts():
        for path in _progress(files, "doc"):
            try:
                yield ingest_file(path, layout_rules=layout, heading_rules=headings,
                                  max_bytes=params.ingest.max_bytes).text
            except InputError as exc:
                _warn(str(exc))

    cfg = vocab.VocabParams(min_docs=params.vocab_min_docs, top=params.vocab_top)
    models = params.extract.models
    df = vocab.count(texts(), lambda t: [(w, g) for w, _, _, g in tok.tokens(t)], cfg, vocab.probe_terms(models),
                     is_word=lambda w: w in tok.tags)
    result = vocab.candidates(df, vocab.listed_terms(models), len(files), cfg)
    result["rarely_used_lexicon_terms"] = vocab.smells(models, df, cfg)
    io.write_json(out, result)
    new = sum(1 for k, v in result.items() if isinstance(v, list) and k != "rarely_used_lexicon_terms"
              for r in v if not r["listed"])
    print(f"{new} unlisted candidate term(s) from {len(files)} documents written to {out} for review",
          file=sys.stderr)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from . import compare, export, io, report
    from .components.tokenizer import JiebaTokenizer

    params = _params(args)
    ex, cmp_dir, out = _compared_inputs(args, params, params.paths.reports)
    models = params.extract.models
    labels = export.label_maps(_codebook(params))
    targets = compare.load_targets(params.compare.targets)
    tok = JiebaTokenizer(models / "lexicon" / "jieba_user.txt", engine=params.extract.segmenter)

    def shared(a: str, b: str) -> set[str]:
        words = {w for w in tok.cut(a) if len(w) >= 2}
        return words & {w for w in tok.cut(b) if len(w) >= 2}

    focus = args.focus or os.environ.get("POLICY_FOCUS") or params.notebooks.policy
    compared = {"alignments": io.read_json(cmp_dir / "alignments.json")}
    fonts = tuple(params.notebooks.fonts)
    page = report.index_page(ex["documents"], ex["statements"], ex["entities"], compared, targets, labels, focus,
                             majority=params.compare.coverage_majority, shared_terms=shared,
                             provisions=ex["provisions"], fonts=fonts)
    with io.atomic_writer(out / "index.html") as f:
        f.write(page)
    st, pr, en = (compare.by_doc(ex[k]) for k in ("statements", "provisions", "entities"))
    for d in _progress(ex["documents"], "page"):
        html = report.policy_page(d, pr.get(d["doc_id"], []), st.get(d["doc_id"], []), en.get(d["doc_id"], []),
                                  labels, targets)
        with io.atomic_writer(out / f"{d['doc_id']}.html") as f:
            f.write(html)
    print(f"report written to {out / 'index.html'} (focus {focus}) with {len(ex['documents'])} policy pages",
          file=sys.stderr)
    return 0


def cmd_annotate(args: argparse.Namespace) -> int:
    from . import annotate, export, io

    params = _params(args)
    if args.action == "export":
        folder = Path(args.extract) if args.extract else params.paths.extract
        io.check_output_set(folder)
        out = _output(args, Path("annotation"))
        stmts = list(io.read_jsonl(folder / "statements.jsonl"))
        wanted = set(args.docs)
        missing = wanted - {s["doc_id"] for s in stmts}
        if missing:
            raise PolicyError(f"{folder}: no document {', '.join(sorted(missing))} in the extraction")
        tasks = annotate.to_tasks(stmts, list(io.read_jsonl(folder / "entities.jsonl")), wanted or None)
        book = _codebook(params)
        codes = [r["code"] for r in book if r["field"] == "instrument"]
        io.write_json(out / "tasks.json", tasks)
        with io.atomic_writer(out / "label_config.xml") as f:
            f.write(annotate.label_config(codes, export.label_maps(book)))
        print(f"{len(tasks)} task(s), least confident first, and the labelling config written to {out} "
              "(Label Studio: create a project with label_config.xml, import tasks.json)", file=sys.stderr)
        return 0
    out = _output(args, params.train.annotations)
    src = Path(args.file)
    docs = annotate.from_export(io.read_json(src), str(src))
    for doc_id, doc in sorted(docs.items()):
        from .safety import doc_id_problem

        if doc_id_problem(doc_id):
            raise InputError(src, doc_id_problem(doc_id) or "")
        path = out / f"{doc_id}.jsonl"
        old = next(iter(io.read_jsonl(path)), None) if path.exists() else None
        io.write_jsonl(path, [annotate.merge(old, doc)])
    n = sum(len(d["statements"]) for d in docs.values())
    print(f"{n} annotated statement(s) of {len(docs)} document(s) written to {out}", file=sys.stderr)
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from . import io, search

    params = _params(args)
    folder = Path(args.extract) if args.extract else params.paths.extract
    io.check_output_set(folder)
    hits = list(search.kwic(io.read_jsonl(folder / "statements.jsonl"), args.term, width=args.width))
    for h in hits:
        print(f"{h['doc_id']}\t{h['statement_id']}\t{h['modality']}\t{h['left']}【{h['hit']}】{h['right']}")
    docs = len({h["doc_id"] for h in hits})
    print(f"{len(hits)} hit(s) in {len({(h['doc_id'], h['statement_id']) for h in hits})} statement(s) of {docs} "
          f"document(s)", file=sys.stderr)
    return 0 if hits else 1


def _extract_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--extract", help="folder of extraction JSONL (default: params paths.extract)")


def _compare_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compare", help="folder of comparison outputs (default: params paths.compare)")


class _Parser(argparse.ArgumentParser):
    """Usage errors as one ``error:`` line with the usage of the command that was mistyped."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policy", description="Analyse Chinese policy documents.")
    parser.add_argument("--version", action="version", version=f"policy-pipeline {__version__}")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--params", help="params file (default: the nearest params.yaml here or above, "
                                        "else the package's defaults)")
    where.add_argument("--project", help="project folder holding params.yaml")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    ex = sub.add_parser("extract", help="ingest and segment documents into JSONL")
    ex.add_argument("paths", nargs="*", help="files or folders; default: the corpus manifest")
    ex.add_argument("-o", "--output", help="output folder (default: params paths.extract)")
    ex.add_argument("--manifest", help="manifest CSV (default: params paths.manifest)")
    ex.add_argument("--trust-unverified", action="store_true",
                    help="download manifest texts that have no sha256 to check them against")
    ex.add_argument("-j", "--jobs", type=int, help="worker processes (default: params extract.jobs; 0: one per core)")
    ex.add_argument("--engine", choices=["local", "dask"], help="local processes, or a Dask cluster "
                    "(address: POLICY_DASK_SCHEDULER or params extract.dask_scheduler)")
    ex.add_argument("--no-cache", action="store_true",
                    help="recompute every document (ignore the cache: params extract.cache, or POLICY_CACHE=DIR|off)")
    ex.set_defaults(func=cmd_extract)

    tr = sub.add_parser("train", help="train the statement classifiers from the gold files")
    tr.add_argument("--gold", help="folder of gold .jsonl files (default: params paths.gold)")
    tr.add_argument("-o", "--output", help="model folder (default: params extract.trained)")
    tr.set_defaults(func=cmd_train)

    cp = sub.add_parser("compare", help="graphs, similarity, alignment, profiles and coverage across policies")
    _extract_option(cp)
    cp.add_argument("-o", "--output", help="output folder (default: params paths.compare)")
    cp.add_argument("--metrics", help="also write the summary figures here (the DVC stage: params paths.compare_metrics)")
    cp.add_argument("-j", "--jobs", type=int, help="worker processes (default: params compare.jobs; 0: one per core)")
    cp.set_defaults(func=cmd_compare)

    xp = sub.add_parser("export", help="datasets as CSV (Excel) and Parquet, with a data dictionary")
    _extract_option(xp)
    _compare_option(xp)
    xp.add_argument("-o", "--output", help="output folder (default: params paths.exports)")
    xp.set_defaults(func=cmd_export)

    ev = sub.add_parser("evaluate", help="score an extraction against gold files")
    _extract_option(ev)
    ev.add_argument("--gold", help="folder of gold .jsonl files (default: params paths.gold)")
    ev.add_argument("-o", "--output", help="metrics JSON (default: params paths.metrics)")
    ev.set_defaults(func=cmd_evaluate)

    ad = sub.add_parser("add", help="copy texts into the corpus, fill their manifest rows, track them in dvc.yaml")
    ad.add_argument("files", nargs="+", help="policy texts (.txt .md .html .docx .pdf)")
    ad.add_argument("--doc-id", help="doc id (default: the file name without extension; one file only)")
    ad.add_argument("--title", help="title (default: detected)")
    ad.add_argument("--issuer", help="issuers separated by ';' (default: detected)")
    ad.add_argument("--level", choices=["national", "province", "city", "district"],
                    help="administrative level (default: guessed from the issuer)")
    ad.add_argument("--region", help="region the policy applies to")
    ad.add_argument("--date", help="issue date, YYYY-MM-DD (default: detected)")
    ad.add_argument("--doc-number", help="文号 (default: detected)")
    ad.add_argument("--source", help="where the text comes from (default: the file name)")
    ad.set_defaults(func=cmd_add)

    vo = sub.add_parser("vocab", help="propose lexicon terms from a corpus (document frequencies, for review)")
    vo.add_argument("paths", nargs="*", help="files or folders (default: params paths.bench)")
    vo.add_argument("-o", "--output", help="candidates JSON (default: models/vocab/candidates.json)")
    vo.set_defaults(func=cmd_vocab)

    rp = sub.add_parser("report", help="the comparison report and one page per policy (self-contained HTML)")
    _extract_option(rp)
    _compare_option(rp)
    rp.add_argument("--focus", help="doc id of the focus policy (default: POLICY_FOCUS, else params notebooks.policy)")
    rp.add_argument("-o", "--output", help="output folder (default: params paths.reports)")
    rp.set_defaults(func=cmd_report)

    an = sub.add_parser("annotate", help="Label Studio round trip: tasks with predictions out, corrections in")
    an_sub = an.add_subparsers(dest="action", required=True, parser_class=_Parser)
    ae = an_sub.add_parser("export", help="Label Studio tasks (least confident first) and the labelling config")
    ae.add_argument("docs", nargs="*", help="doc ids (default: every document)")
    _extract_option(ae)
    ae.add_argument("-o", "--output", help="output folder (default: ./annotation)")
    ai = an_sub.add_parser("import", help="a Label Studio JSON export into gold-format files")
    ai.add_argument("file", help="the JSON export")
    ai.add_argument("-o", "--output", help="folder of annotation files (default: params train.annotations)")
    an.set_defaults(func=cmd_annotate)

    se = sub.add_parser("search", help="keyword in context across the extracted statements")
    se.add_argument("term", help="the text to find (normalised like the documents)")
    _extract_option(se)
    se.add_argument("--width", type=int, default=18, help="characters of context on each side")
    se.set_defaults(func=cmd_search)

    sy = sub.add_parser("sync", help="list every manifest text as a dependency in dvc.yaml")
    sy.set_defaults(func=cmd_sync)
    parser.commands = sub.choices  # type: ignore[attr-defined]
    return parser


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    _warn(str(message))  # one "warning:" line, not Python's file:line form


def main(argv: Sequence[str] | None = None) -> int:
    import warnings

    warnings.showwarning = _show_warning
    try:
        parser = build_parser()
        args, extra = parser.parse_known_args(argv)
        if extra:  # an unknown option: report it with the subcommand's usage, not the top level's
            parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
        args.params_path, args.in_project = find_params(args)
        return int(args.func(args))
    except PolicyError as exc:
        _error(str(exc))
        return 2
    except OSError as exc:  # disk full, a folder that cannot be written…
        where = exc.filename or "output"
        _error(f"{where}: {exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        _error("interrupted; no output was changed")
        return 130


if __name__ == "__main__":
    sys.exit(main())
