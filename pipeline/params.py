"""Typed views of params.yaml, checked once, with errors that name the key."""

from __future__ import annotations

import dataclasses

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


@dataclass(frozen=True)
class Paths:
    manifest: Path
    bundled: Path
    mirror: Path
    download_cache: Path
    extract: Path
    gold: Path
    metrics: Path
    compare: Path
    exports: Path
    compare_metrics: Path | None = None
    bench: Path | None = None
    reports: Path | None = None


@dataclass(frozen=True)
class DownloadParams:
    enabled: bool
    timeout_seconds: float
    git_raw_url: str
    require_sha256: bool = True       # a text without a manifest sha256 is not downloaded
    max_bytes: int = 20_000_000       # a longer body is refused
    redirect_hosts: tuple[str, ...] = ()  # hosts besides the source's own that a redirect may go to


@dataclass(frozen=True)
class IngestParams:
    max_bytes: int
    layout: Path
    download: DownloadParams
    max_unpacked_bytes: int = 100_000_000


@dataclass(frozen=True)
class SegmentParams:
    headings: Path
    terminators: str
    trailing_punct: str


@dataclass(frozen=True)
class ExtractParams:
    models: Path
    trained: Path
    use_trained: tuple[str, ...]
    segmenter: str
    hanlp: dict[str, Any]
    jobs: int = 1
    engine: str = "local"
    dask_scheduler: str | None = None
    cache: Path | None = None
    seconds_per_document: float = 0.0
    memory_per_worker_mb: int = 0


@dataclass(frozen=True)
class TrainSection:
    annotations: Path
    c: float
    ngram_max: int
    rule_weight: float
    min_examples: int
    min_confidence: float
    entities: Any = None  # components.tagger.TaggerParams of the entity tagger
    actors: ActorParams | None = None  # the actor model's


@dataclass(frozen=True)
class ActorParams:
    c: float = 1.0  # inverse regularisation of the logistic regression
    min_confidence: float = 0.0  # the model overrides the rules' decision only when this sure


TRAINED_COMPONENTS = ("entities", "actors", "modality", "instrument")


@dataclass(frozen=True)
class CompareParams:
    targets: Path
    align_threshold: float
    align_top_k: int
    align_levels: tuple[str, ...]
    similarity_edge_min: float
    coverage_majority: float
    layout_seed: int
    instrument_min_confidence: float = 0.0
    boilerplate: Path | None = None
    similar_top_k: int = 5
    align_max_df: float = 1.0
    align_max_per_provision: int = 0
    graph_pages_max: int = 100
    align_max_df_count: int = 0
    jobs: int = 0  # worker processes for the per-policy graphs (0: one per core)


@dataclass(frozen=True)
class EvaluateParams:
    genres: dict[str, str]  # genre -> regular expression over the document title
    splits: dict[str, tuple[str, ...]]  # split name -> gold doc ids


@dataclass(frozen=True)
class NotebookParams:
    policy: str
    fonts: tuple[str, ...]


@dataclass(frozen=True)
class Params:
    paths: Paths
    ingest: IngestParams
    segment: SegmentParams
    extract: ExtractParams
    train: TrainSection
    compare: CompareParams
    notebooks: NotebookParams
    evaluate: EvaluateParams
    vocab_min_docs: int = 5
    vocab_top: int = 80


def _get(group: dict[str, Any], key: str, where: str, kind: type) -> Any:
    if not isinstance(group, dict) or key not in group:
        raise ConfigError(where, f"missing key '{key}'")
    value = group[key]
    if kind is float and isinstance(value, int):
        value = float(value)
    if not isinstance(value, kind):
        raise ConfigError(where, f"'{key}' must be a {kind.__name__}, got {value!r}")
    return value


def _actor_params(raw: dict[str, Any], where: str) -> ActorParams:
    known = {f.name for f in dataclasses.fields(ActorParams)}
    if set(raw) - known:
        raise ConfigError(where, f"unknown keys {sorted(set(raw) - known)}")
    return ActorParams(**{k: _get(raw, k, where, float) for k in raw})


def _tagger_params(raw: dict[str, Any], where: str) -> Any:
    from .components.tagger import TaggerParams

    if not isinstance(raw, dict):
        raise ConfigError(where, "expected a mapping")
    try:
        p = TaggerParams(**raw)
        return TaggerParams(float(p.c1), float(p.c2), int(p.max_iterations), tuple(map(str, p.labels)))
    except (TypeError, ValueError) as exc:
        raise ConfigError(where, f"bad entity tagger settings ({exc})") from None


SETTINGS_FILE = "settings.yaml"


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(path, "expected a mapping of settings groups")
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over``'s keys on top, mapping by mapping."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read params.yaml over the settings.yaml beside it (if any); relative paths in them are
    taken relative to their folder. Errors name the file that holds the group."""
    path = Path(path)
    own = _read_yaml(path)
    settings = path.with_name(SETTINGS_FILE)
    layered = settings.is_file() and settings.resolve() != path.resolve()
    raw = _merge(_read_yaml(settings), own) if layered else own
    base = path.resolve().parent

    def at(group: str) -> str:
        holder = settings if layered and group.split(".")[0] not in own else path
        return f"{holder}:{group}"

    def p(group: dict[str, Any], key: str, where: str) -> Path:
        value = Path(_get(group, key, where, str))
        return value if value.is_absolute() else base / value

    pg = raw.get("paths", {})
    optional = ("compare_metrics", "bench", "reports")
    paths = Paths(**{k: p(pg, k, at("paths")) for k in Paths.__dataclass_fields__ if k in pg or k not in optional})
    ig = raw.get("ingest", {})
    dg = ig.get("download", {}) if isinstance(ig, dict) else {}
    where_d = at("ingest.download")
    ingest = IngestParams(
        max_unpacked_bytes=int(ig.get("max_unpacked_bytes", 100_000_000)),
        max_bytes=_get(ig, "max_bytes", at("ingest"), int),
        layout=p(ig, "layout", at("ingest")),
        download=DownloadParams(
            enabled=_get(dg, "enabled", where_d, bool),
            timeout_seconds=_get(dg, "timeout_seconds", where_d, float),
            git_raw_url=_get(dg, "git_raw_url", where_d, str),
            require_sha256=bool(dg.get("require_sha256", True)),
            max_bytes=_get(ig, "max_bytes", at("ingest"), int),
            redirect_hosts=tuple(str(h) for h in dg.get("redirect_hosts", ()) or ()),
        ),
    )
    sg = raw.get("segment", {})
    segment = SegmentParams(
        headings=p(sg, "headings", at("segment")),
        terminators=_get(sg, "terminators", at("segment"), str),
        trailing_punct=_get(sg, "trailing_punct", at("segment"), str),
    )
    eg = raw.get("extract", {})
    use = _get(eg, "use_trained", at("extract"), list)
    bad = [t for t in use if t not in TRAINED_COMPONENTS]
    if bad:
        raise ConfigError(at("extract"), f"use_trained takes {', '.join(TRAINED_COMPONENTS)}, not {bad}")
    extract = ExtractParams(
        models=p(eg, "models", at("extract")),
        trained=p(eg, "trained", at("extract")),
        use_trained=tuple(use),
        segmenter=_get(eg, "segmenter", at("extract"), str),
        hanlp=_get(eg, "hanlp", at("extract"), dict),
        jobs=int(eg.get("jobs", 1)),
        engine=str(eg.get("engine", "local")),
        dask_scheduler=eg.get("dask_scheduler") or None,
        cache=p(eg, "cache", at("extract")) if eg.get("cache") else None,
        seconds_per_document=float(eg.get("seconds_per_document", 0) or 0),
        memory_per_worker_mb=int(eg.get("memory_per_worker_mb", 0) or 0),
    )
    tg = raw.get("train", {})
    w = at("train")
    train = TrainSection(
        annotations=p(tg, "annotations", w),
        c=_get(tg, "c", w, float),
        ngram_max=_get(tg, "ngram_max", w, int),
        rule_weight=_get(tg, "rule_weight", w, float),
        min_examples=_get(tg, "min_examples", w, int),
        min_confidence=_get(tg, "min_confidence", w, float),
        entities=_tagger_params(tg.get("entities") or {}, f"{w}:entities"),
        actors=_actor_params(tg.get("actors") or {}, f"{w}:actors"),
    )
    cg = raw.get("compare", {})
    w = at("compare")
    compare = CompareParams(
        targets=p(cg, "targets", w),
        align_threshold=_get(cg, "align_threshold", w, float),
        align_top_k=_get(cg, "align_top_k", w, int),
        align_levels=tuple(_get(cg, "align_levels", w, list)),
        similarity_edge_min=_get(cg, "similarity_edge_min", w, float),
        coverage_majority=_get(cg, "coverage_majority", w, float),
        layout_seed=_get(cg, "layout_seed", w, int),
        instrument_min_confidence=float(cg.get("instrument_min_confidence", 0.0)),
        boilerplate=p(cg, "boilerplate", w) if "boilerplate" in cg else None,
        similar_top_k=int(cg.get("similar_top_k", 5)),
        align_max_df=float(cg.get("align_max_df", 1.0)),
        align_max_per_provision=int(cg.get("align_max_per_provision", 0)),
        graph_pages_max=int(cg.get("graph_pages_max", 100)),
        align_max_df_count=int(cg.get("align_max_df_count", 0)),
        jobs=int(cg.get("jobs", 0)),
    )
    ng = raw.get("notebooks", {})
    notebooks = NotebookParams(
        policy=_get(ng, "policy", at("notebooks"), str),
        fonts=tuple(_get(ng, "fonts", at("notebooks"), list)),
    )
    eg = raw.get("evaluate") or {}
    if eg.get("config"):  # the groups live in a file of their own
        cfg_path = Path(eg["config"]) if Path(eg["config"]).is_absolute() else base / eg["config"]
        try:
            eg = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(cfg_path, f"cannot read the evaluation groups ({exc})") from None
    evaluate = EvaluateParams(
        genres={str(k): str(v) for k, v in (eg.get("genres") or {}).items()},
        splits={str(k): tuple(v or ()) for k, v in (eg.get("splits") or {}).items()},
    )
    vg = raw.get("vocab", {}) or {}
    return Params(paths=paths, ingest=ingest, segment=segment, extract=extract, train=train, compare=compare,
                  notebooks=notebooks, evaluate=evaluate, vocab_min_docs=int(vg.get("min_docs", 5)),
                  vocab_top=int(vg.get("top", 80)))
