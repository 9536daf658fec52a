"""Statement classifiers the project trains itself (scikit-learn), from gold and own annotations.

Two tasks, modality and instrument. Features are the rule components' outputs (the
rule's class, the cue classes present, each instrument's cue score) plus character
n-grams of the statement. A model is used as a corrector of the rules (``correct``): it
overrides the rules' label only when it is confident of another label it has seen in
training. Models are evaluated leave-one-document-out by ``pipeline.evaluate``.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .components.actor_model import gold_classes
from .components.actors import Context, candidates
from .components.entities import Entity
from .components.instruments import Taxonomy, classify_instrument, instrument_scores
from .components.modality import TriggerTable, classify_modality
from .errors import InputError
from .io import atomic_writer, read_jsonl
from .normalize import match_key

TASKS = ("modality", "instrument")


@dataclass(frozen=True)
class TrainParams:
    c: float = 1.0
    ngram_max: int = 2
    rule_weight: float = 3.0
    min_examples: int = 20
    min_confidence: float = 0.6


@dataclass
class StatementModel:
    """A fitted classifier for one task, with the vectorisers that feed it."""

    task: str
    rules: RuleFeatures
    rule_vec: DictVectorizer
    text_vec: TfidfVectorizer
    clf: LogisticRegression
    params: TrainParams = field(default_factory=TrainParams)

    def predict(self, texts: list[str]) -> list[str]:
        return [str(x) for x in self.clf.predict(_matrix(self, texts))]

    def correct(self, texts: list[str], rule_labels: list[str | None]) -> list[str | None]:
        """The rules' label, unless the model is confident of another label it was trained on.

        A label the model never saw in training (a class absent from the training documents)
        is always left to the rules.
        """
        if not texts:
            return []
        proba = self.clf.predict_proba(_matrix(self, texts))
        classes = [str(c) for c in self.clf.classes_]
        out: list[str | None] = []
        for rule, row in zip(rule_labels, proba):
            k = int(row.argmax())
            confident = row[k] >= self.params.min_confidence
            out.append(classes[k] if rule in classes and classes[k] != rule and confident else rule)
        return out


@dataclass(frozen=True)
class RuleFeatures:
    triggers: TriggerTable
    taxonomy: Taxonomy

    def __call__(self, text: str) -> dict[str, float]:
        tag = classify_modality(text, self.triggers)
        feats: dict[str, float] = {f"rule_modality={tag.modality}": 1.0, f"rule_from={tag.from_rule}": 1.0}
        for t in tag.triggers:
            feats[f"cue_class={t.cls}"] = 1.0
        scores = instrument_scores(text, tag.pivot, self.taxonomy)
        for code, score in scores.items():
            feats[f"instrument_score={code}"] = score
        feats[f"rule_instrument={classify_instrument(text, tag.pivot, self.taxonomy)}"] = 1.0
        return feats


def _matrix(model: StatementModel, texts: list[str]) -> sparse.csr_matrix:
    r = model.rule_vec.transform([model.rules(t) for t in texts]) * model.params.rule_weight
    return sparse.hstack([r, model.text_vec.transform(texts)]).tocsr()


def fit(task: str, texts: list[str], labels: list[str], rules: RuleFeatures, params: TrainParams) -> StatementModel | None:
    """Fit one task's model; None when there are too few examples or a single class."""
    if len(texts) < params.min_examples or len(set(labels)) < 2:
        return None
    rule_vec = DictVectorizer(sort=True)
    rule_vec.fit([rules(t) for t in texts])
    text_vec = TfidfVectorizer(analyzer="char", ngram_range=(1, params.ngram_max), sublinear_tf=True, min_df=1)
    text_vec.fit(texts)
    model = StatementModel(task, rules, rule_vec, text_vec, LogisticRegression(C=params.c, max_iter=2000), params)
    model.clf.fit(_matrix(model, texts), np.array(labels))
    return model


def examples(docs: Iterable[dict[str, Any]], task: str) -> tuple[list[str], list[str]]:
    """(statement texts, labels) of gold-format documents for one task (null labels skipped)."""
    texts, labels = [], []
    for doc in docs:
        for s in doc["statements"]:
            label = s.get(task)
            if label:
                texts.append(s["text"])
                labels.append(label)
    return texts, labels


def load_annotations(folders: Iterable[Path]) -> list[dict[str, Any]]:
    """Gold-format documents (one JSON object per line) from every .jsonl file in the folders."""
    docs: list[dict[str, Any]] = []
    for folder in folders:
        for f in sorted(Path(folder).glob("*.jsonl")):
            for rec in read_jsonl(f):
                if "doc" not in rec or "statements" not in rec:
                    raise InputError(f, "not a gold-format record (needs 'doc' and 'statements')")
                docs.append(rec)
    return docs


def train_all(docs: list[dict[str, Any]], rules: RuleFeatures, params: TrainParams) -> dict[str, StatementModel | None]:
    return {task: fit(task, *examples(docs, task), rules, params) for task in TASKS}


FORMAT = 1  # of the saved model files


def save(models: dict[str, StatementModel | None], folder: Path) -> None:
    """Each model as ``<task>.json`` (settings, vocabularies, classes) and ``<task>.npz``
    (weights): plain data that loading cannot execute, unlike a pickle."""
    folder.mkdir(parents=True, exist_ok=True)
    for task, model in sorted(models.items()):
        stale = [folder / f"{task}.pkl"] + ([folder / f"{task}.json", folder / f"{task}.npz"] if model is None else [])
        for path in stale:  # an older version's pickle, or a model no longer trained
            if path.exists():
                path.unlink()
        if model is None:
            continue
        meta = {
            "format": FORMAT,
            "task": task,
            "params": dataclasses.asdict(model.params),
            "rule_features": list(model.rule_vec.feature_names_),
            "text_vocabulary": sorted(model.text_vec.vocabulary_, key=model.text_vec.vocabulary_.get),
            "classes": [str(c) for c in model.clf.classes_],
        }
        with atomic_writer(folder / f"{task}.json") as f:
            json.dump(meta, f, ensure_ascii=False, indent=1)
            f.write("\n")
        with atomic_writer(folder / f"{task}.npz", binary=True) as fb:
            np.savez(fb, idf=model.text_vec.idf_, coef=model.clf.coef_, intercept=model.clf.intercept_)


def load(folder: Path, task: str, rules: RuleFeatures) -> StatementModel | None:
    """A model saved by :func:`save`, or None if there is none; nothing in the files is executed."""
    meta_path, weights_path = Path(folder) / f"{task}.json", Path(folder) / f"{task}.npz"
    if not meta_path.exists() or not weights_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        with np.load(weights_path, allow_pickle=False) as w:
            idf, coef, intercept = w["idf"], w["coef"], w["intercept"]
        if meta.get("format") != FORMAT or meta.get("task") != task:
            raise ValueError(f"format {meta.get('format')} for task {meta.get('task')}")
        params = TrainParams(**meta["params"])
        rule_vec = DictVectorizer(sort=True)
        rule_vec.feature_names_ = list(meta["rule_features"])
        rule_vec.vocabulary_ = {f: k for k, f in enumerate(rule_vec.feature_names_)}
        vocab = {t: k for k, t in enumerate(meta["text_vocabulary"])}
        text_vec = TfidfVectorizer(analyzer="char", ngram_range=(1, params.ngram_max), sublinear_tf=True,
                                   vocabulary=vocab)
        text_vec.vocabulary_ = vocab
        text_vec.idf_ = idf
        clf = LogisticRegression(C=params.c)
        clf.classes_ = np.array(meta["classes"])
        clf.coef_, clf.intercept_ = coef, intercept
        clf.n_features_in_ = coef.shape[1]
        if coef.shape[1] != len(rule_vec.feature_names_) + len(vocab) or len(idf) != len(vocab):
            raise ValueError("weights do not fit the vocabularies")
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise InputError(meta_path, f"not a trained model of this version ({exc}); run `policy train`") from None
    return StatementModel(task, rules, rule_vec, text_vec, clf, params)


Sequence = tuple[list[list[str]], list[str]]


def _rule_lines(nlp: Any, doc: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, list[Any], list[Entity]]]:
    """Each statement of a gold-format document with its tokens and its entities by the
    rules-only pipeline ``nlp``: what the trained components see as their input."""
    ruler, component = nlp.get_pipe("policy_terms"), nlp.get_pipe("policy_entities")
    texts = [s["text"].replace("\n", " ") for s in doc["statements"]]
    sdoc = ruler(nlp.make_doc("\n".join(texts)))
    for statement, (_, line, terms) in zip(doc["statements"], component.lines(sdoc)):
        tokens, found = component.rule_pass(line, terms)
        yield statement, line, tokens, found


ActorExample = tuple[Context, list[str]]


def training_examples(
    nlp: Any, docs: Iterable[dict[str, Any]]
) -> tuple[dict[str, list[Sequence]], dict[str, list[ActorExample]]]:
    """The training examples of the entity tagger and of the actor model, by document, from
    one rules-only pass (``nlp``) over each gold-format document's statements.

    A tagger sequence is a statement's features (its rule entities among them) and its gold
    entity tags (the document's entities placed by ``tagger.project``); an actor example is
    a statement's candidates (by the rules, on the rules' entities and modality) and their
    gold classes."""
    from .components.tagger import bio, features, project

    statements = nlp.get_pipe("policy_statements")
    triggers, roles = statements.triggers, statements.roles
    sequences: dict[str, list[Sequence]] = {}
    actors: dict[str, list[ActorExample]] = {}
    for d in docs:
        wanted = Counter((e["text"], e["label"]) for e in d.get("entities", []))
        seqs, examples = sequences.setdefault(d["doc"], []), actors.setdefault(d["doc"], [])
        for statement, line, tokens, found in _rule_lines(nlp, d):
            rule = [(e.start, e.end, e.label) for e in found]
            seqs.append((features(line, tokens, rule), bio(len(line), project(line, wanted))))
            # the modality as extraction tags it: a modal counts only where a word starts
            starts = frozenset(t[1] for t in tokens) if triggers.word_starts_only else None
            nouns = frozenset(t[1] for t in tokens if t[3] in roles.noun_tags)
            ctx = candidates(line, found, classify_modality(line, triggers, word_starts=starts), roles, nouns)
            gold = [(match_key(a["text"]), a["role"]) for a in statement.get("actors", [])]
            examples.append((ctx, gold_classes(ctx, gold, match_key)))
    return sequences, actors


def fit_actors(examples: dict[str, list[ActorExample]], params: Any, folder: Path, leave_out: str | None = None) -> None:
    """Fit the actor model on every document's examples but ``leave_out``'s and save it to
    ``folder`` (nothing is written when the examples hold a single class)."""
    from .components.actor_model import fit as fit_model

    chosen = (x for doc, xs in sorted(examples.items()) if doc != leave_out for x in xs)
    model = fit_model(chosen, c=params.c, min_confidence=params.min_confidence)
    if model is not None:
        model.save(Path(folder))


def fit_tagger(sequences: dict[str, list[Sequence]], params: Any, folder: Path, leave_out: str | None = None) -> Path:
    """Fit the entity tagger on every document's sequences but ``leave_out``'s."""
    from .components.tagger import fit as fit_crf

    chosen = (s for doc, seqs in sorted(sequences.items()) if doc != leave_out for s in seqs)
    return fit_crf(chosen, params, folder)
