"""A trained decision over the actor candidates of a statement: which are actors, in which role.

The rules (``actors.candidates``) propose every span that could be an actor and say what
they would decide and why. The model is a logistic regression over those decisions and
the candidate's surroundings (the characters of its clause before and after it, with
other candidates masked, the statement's modality, where the candidate stands relative
to the modal cue). Its classes are the roles and ``none``. It is fitted on the project's
gold files (``pipeline.train.training_examples``) and saved as plain data: ``actors.json``
(feature names, classes) and ``actors.npz`` (weights). Inference is a few numpy sums, so
extraction does not import scikit-learn.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..io import atomic_writer
from .actors import Context

NONE = "none"  # the class of a candidate that is not an actor
FORMAT = 1
FILES = ("actors.json", "actors.npz")


def features(ctx: Context, i: int, window: int = 6) -> list[str]:
    """The binary features of candidate ``i`` of a statement."""
    c = ctx.candidates[i]
    text, masked, tag = ctx.text, ctx.masked, ctx.tag
    breaks = ctx.breaks
    clause_start = breaks[bisect.bisect_right(breaks, c.core) - 1]
    k = bisect.bisect_right(breaks, c.end)  # the first clause starting after the candidate
    clause_end = breaks[k] - 1 if k < len(breaks) else len(masked)
    left, right = masked[clause_start : c.core], masked[c.end : clause_end]
    where = "before" if c.core < tag.main_start else "main" if c.core < tag.pivot else "after"
    rule = c.role or NONE
    out = [
        f"rule={rule}", f"reason={c.reason}", f"kind={c.kind}", f"kind_rule={c.kind}|{rule}",
        f"modality={tag.modality}", f"modality_rule={tag.modality}|{rule}",
        f"where={where}", f"where_rule={where}|{rule}",
        f"clause_start={not left}", f"first_clause={clause_start == 0}", f"clause_end={not right}",
        f"last={text[c.end - 1]}", f"last2={text[max(c.start, c.end - 2) : c.end]}",
        f"prefixed={c.start < c.core}",
    ]
    for n in (1, 2, 3):
        if len(left) >= n:
            out.append(f"L{n}={left[-n:]}")
        if len(right) >= n:
            out.append(f"R{n}={right[:n]}")
    # the modal and directive cues nearest the candidate, before and after it
    before = [t.cls for t in tag.triggers if t.start < c.core]
    after = [t.cls for t in tag.triggers if t.start >= c.end]
    out.append(f"cue_before={before[-1] if before else None}")
    out.append(f"cue_after={after[0] if after else None}")
    out.append(f"cue_after_rule={after[0] if after else None}|{rule}")
    near_left, near_right = left[-window:], right[:window]
    out.extend(f"Lb={near_left[k : k + 2]}" for k in range(len(near_left) - 1))
    out.extend(f"Rb={near_right[k : k + 2]}" for k in range(len(near_right) - 1))
    return out


@dataclass
class ActorModel:
    """Weights over feature names for each class (a role or ``none``)."""

    classes: list[str]
    index: dict[str, int]
    coef: np.ndarray  # classes x features
    intercept: np.ndarray
    min_confidence: float = 0.0  # the model overrides the rules only when this sure

    def proba(self, ctx: Context) -> np.ndarray:
        rows = []
        for i in range(len(ctx.candidates)):
            idx = [self.index[f] for f in features(ctx, i) if f in self.index]
            rows.append(self.coef[:, idx].sum(axis=1) + self.intercept)
        if not rows:
            return np.zeros((0, len(self.classes)))
        z = np.array(rows)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def roles(self, ctx: Context) -> list[str | None]:
        """The role of each candidate (None: not an actor)."""
        out: list[str | None] = []
        for c, row in zip(ctx.candidates, self.proba(ctx)):
            k = int(row.argmax())
            label = self.classes[k]
            if label != (c.role or NONE) and row[k] < self.min_confidence:
                out.append(c.role)
            else:
                out.append(None if label == NONE else label)
        return out

    @staticmethod
    def available(folder: Path | None) -> bool:
        return folder is not None and all((Path(folder) / f).exists() for f in FILES)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        names = sorted(self.index, key=self.index.__getitem__)
        meta = {"format": FORMAT, "classes": self.classes, "features": names, "min_confidence": self.min_confidence}
        with atomic_writer(folder / FILES[0]) as f:
            json.dump(meta, f, ensure_ascii=False, indent=0)
            f.write("\n")
        with atomic_writer(folder / FILES[1], binary=True) as fb:
            np.savez(fb, coef=self.coef, intercept=self.intercept)

    @classmethod
    def load(cls, folder: Path) -> ActorModel:
        meta_path = Path(folder) / FILES[0]
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            with np.load(Path(folder) / FILES[1], allow_pickle=False) as w:
                coef, intercept = w["coef"], w["intercept"]
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')}")
            classes, names = [str(c) for c in meta["classes"]], [str(n) for n in meta["features"]]
            if coef.shape != (len(classes), len(names)) or intercept.shape != (len(classes),):
                raise ValueError("weights do not fit the feature names")
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise InputError(meta_path, f"not a trained actor model of this version ({exc}); run `policy train`") from None
        return cls(classes, {n: k for k, n in enumerate(names)}, coef, intercept, float(meta.get("min_confidence", 0)))


def fit(examples: Iterable[tuple[Context, list[str]]], c: float = 1.0, min_confidence: float = 0.0) -> ActorModel | None:
    """A model from statements' candidates and each candidate's gold class (a role or
    ``none``); None when the examples have fewer than two classes."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows: list[dict[str, float]] = []
    labels: list[str] = []
    for ctx, gold in examples:
        for i, label in enumerate(gold):
            rows.append(dict.fromkeys(features(ctx, i), 1.0))
            labels.append(label)
    if len(set(labels)) < 2:
        return None
    vec = DictVectorizer(sort=True)
    x = vec.fit_transform(rows)
    clf = LogisticRegression(C=c, max_iter=3000)
    clf.fit(x, np.array(labels))
    coef, intercept = clf.coef_, clf.intercept_
    classes = [str(k) for k in clf.classes_]
    if len(classes) == 2:  # binary: scikit-learn keeps one row, for the second class
        coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
    return ActorModel(classes, dict(vec.vocabulary_), np.asarray(coef), np.asarray(intercept), min_confidence)


def gold_classes(ctx: Context, gold: list[tuple[str, str]], key: Any) -> list[str]:
    """The gold class of each candidate, ``none`` unless it is a gold actor: the role of the
    gold actor with its text (or the text of its core, without a coordinated level before
    it), else of a gold actor it overlaps (a boundary is the entities' business, the role
    the model's). ``gold`` holds (``key(text)``, role) of the statement's gold actors."""
    roles: dict[str, list[str]] = {}
    for k, role in gold:
        roles.setdefault(k, []).append(role)
    keyed = key(ctx.text)
    spans = []  # where the gold actors occur, in the keyed text
    for k, role in gold:
        at = keyed.find(k)
        while k and at >= 0:
            spans.append((at, at + len(k), role))
            at = keyed.find(k, at + 1)
    out = []
    for c in ctx.candidates:
        found = roles.get(key(ctx.text[c.start : c.end])) or roles.get(key(ctx.text[c.core : c.end])) or []
        if not found:
            a, b = len(key(ctx.text[: c.core])), len(key(ctx.text[: c.end]))
            found = [role for s, e, role in spans if s < b and a < e]
        out.append(c.role if c.role in found else found[0] if found else NONE)
    return out
