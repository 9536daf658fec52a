"""Statement classifiers the project trains itself (scikit-learn), from gold and own annotations.

Two tasks, modality and instrument. Features are the rule components' outputs (the
rule's class, the cue classes present, each instrument's cue score) plus character
n-grams of the statement. A model is used as a corrector of the rules (``correct``): it
overrides the rules' label only when it is confident of another label it has seen in
training. Models are evaluated leave-one-document-out by ``pipeline.evaluate``.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .components.instruments import Taxonomy, classify_instrument, instrument_scores
from .components.modality import TriggerTable, classify_modality
from .errors import InputError
from .io import atomic_writer, read_jsonl

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


def save(models: dict[str, StatementModel | None], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for task, model in sorted(models.items()):
        with atomic_writer(folder / f"{task}.pkl", binary=True) as f:
            pickle.dump(model, f, protocol=5)


def load(folder: Path, task: str) -> StatementModel | None:
    path = Path(folder) / f"{task}.pkl"
    if not path.exists():
        return None
    with path.open("rb") as f:
        model = pickle.load(f)  # noqa: S301 (the project's own artefact)
    return model if isinstance(model, StatementModel) else None
