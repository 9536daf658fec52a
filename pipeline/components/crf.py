"""Inference of the entity tagger's CRF in numpy, for many lines at once.

CRFsuite trains the tagger (``tagger.fit``); its weights are exported to plain arrays
(``entities.npz``: one row per attribute, one column per label, and the label-to-label
transitions). Tagging then needs no per-character feature strings: the character and
character-pair attributes are looked up once per distinct character (pair) of a batch of
lines, the word attributes once per token, and Viterbi runs over all the lines of a
document together, one numpy step per character position. The features are those of
``tagger.features`` (a test checks that both give CRFsuite's tags).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_writer
from .entities import Token

WEIGHTS_FILE = "entities.npz"
# the attribute families of tagger.features, by what they are looked up from
CHAR_FAMILIES = ("c", "c-1", "c+1")  # one character
PAIR_FAMILIES = ("c-1c", "cc+1")  # two characters
WORD_FAMILIES = ("w", "w-1", "w+1", "pos-1", "pos+1")
OTHER_FAMILIES = ("bias", "pos|place", "rule")
_PLACES = "SBME"


@dataclass
class LinearCRF:
    """A first-order linear-chain CRF: ``weights[attribute row, label]`` and ``transitions``."""

    labels: list[str]
    tables: dict[str, dict[Any, int]]  # family -> value -> row of ``weights``
    weights: np.ndarray  # rows: attributes, plus a last row of zeros for unknown ones
    transitions: np.ndarray  # [previous label, label]

    @classmethod
    def from_crfsuite(cls, info: Any) -> LinearCRF:
        """From ``pycrfsuite.Tagger().info()`` of a trained model."""
        labels = sorted(info.labels, key=lambda lab: int(info.labels[lab]))
        col = {lab: k for k, lab in enumerate(labels)}
        tables: dict[str, dict[Any, int]] = {f: {} for f in CHAR_FAMILIES + PAIR_FAMILIES + WORD_FAMILIES + OTHER_FAMILIES}
        rows: list[np.ndarray] = []
        for (attr, label), w in sorted(info.state_features.items()):
            family, _, value = attr.partition(":")
            if family not in tables:
                continue
            key: Any = value
            if family in CHAR_FAMILIES:
                key = ord(value)
            elif family in PAIR_FAMILIES:
                key = _pair(ord(value[0]), ord(value[1]))
            row = tables[family].setdefault(key, len(rows))
            if row == len(rows):
                rows.append(np.zeros(len(labels)))
            rows[row][col[label]] = w
        rows.append(np.zeros(len(labels)))
        trans = np.zeros((len(labels), len(labels)))
        for (a, b), w in info.transitions.items():
            trans[col[a], col[b]] = w
        return cls(labels, tables, np.vstack(rows), trans)

    def save(self, folder: Path) -> None:
        keys = {f: [[k, v] for k, v in sorted(t.items(), key=lambda kv: kv[1])] for f, t in self.tables.items()}
        with atomic_writer(Path(folder) / WEIGHTS_FILE, binary=True) as fb:
            np.savez(fb, weights=self.weights, transitions=self.transitions,
                     labels=np.array(self.labels), tables=np.array(json.dumps(keys, ensure_ascii=False, sort_keys=True)))

    @classmethod
    def load(cls, folder: Path) -> LinearCRF:
        with np.load(Path(folder) / WEIGHTS_FILE, allow_pickle=False) as z:
            weights, trans, labels, raw = z["weights"], z["transitions"], [str(x) for x in z["labels"]], str(z["tables"])
        tables = {f: {(k if isinstance(k, str) else int(k)): int(v) for k, v in pairs}
                  for f, pairs in json.loads(raw).items()}
        if weights.shape[1] != len(labels) or trans.shape != (len(labels), len(labels)):
            raise ValueError("weights do not fit the labels")
        return cls(labels, tables, weights, trans)

    def emissions(
        self, texts: Sequence[str], tokens: Sequence[Sequence[Token]], rule_tags: Sequence[Sequence[str]]
    ) -> list[np.ndarray]:
        """The state score of every character and label of each line, from the attributes of
        ``tagger.features``; all the lines are looked up together."""
        t, w = self.tables, self.weights
        unknown = len(w) - 1
        padded = "".join("^^" + text + "$$" for text in texts)  # the edges as tagger.features pads them
        cp = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        starts = np.cumsum([0] + [len(text) + 4 for text in texts])[:-1] + 2
        at = np.concatenate([np.arange(s, s + len(text)) for s, text in zip(starts, texts)] or [np.zeros(0, np.int64)])
        cur, prev, nxt = cp[at], cp[at - 1], cp[at + 1]
        n = len(at)
        rows = np.empty((n, 8), dtype=np.int64)
        rows[:, 0] = _lookup(t["c"], cur, unknown)
        rows[:, 1] = _lookup(t["c-1"], prev, unknown)
        rows[:, 2] = _lookup(t["c+1"], nxt, unknown)
        rows[:, 3] = _lookup(t["c-1c"], _pair(prev, cur), unknown)
        rows[:, 4] = _lookup(t["cc+1"], _pair(cur, nxt), unknown)
        rule = t["rule"]
        rows[:, 5] = [rule.get(tag, unknown) for tags in rule_tags for tag in tags]
        # a character no token covers is a word of its own, of part of speech x
        rows[:, 6] = t["pos|place"].get("xS", unknown)
        rows[:, 7] = _lookup(t["w"], cur, unknown, chars=True)
        words: list[str] = []
        tags: list[str] = []
        spans: list[tuple[int, int, int]] = []  # start, end (into all the lines), line
        base = 0
        for line, (text, line_tokens) in enumerate(zip(texts, tokens)):
            for word, s, e, pos in line_tokens:
                if 0 <= s < e <= len(text):
                    words.append(word)
                    tags.append(pos)
                    spans.append((base + s, base + e, line))
            base += len(text)
        score = w[rows[:, :6]].sum(axis=1) + w[t["bias"].get("", unknown)]
        if not words:
            return np.split(score + w[rows[:, 6]] + w[rows[:, 7]], np.cumsum([len(x) for x in texts])[:-1])
        sp = np.array(spans, dtype=np.int64)
        ts, te, tl = sp[:, 0], sp[:, 1], sp[:, 2]
        owner = np.full(n, -1, dtype=np.int64)
        owner[np.concatenate([np.arange(a, b) for a, b in zip(ts.tolist(), te.tolist())])] = np.repeat(
            np.arange(len(words)), te - ts)
        # the neighbours: the word ending where this one starts on the same line, and so on
        left = np.zeros(len(words), dtype=bool)
        left[1:] = (te[:-1] == ts[1:]) & (tl[:-1] == tl[1:]) & (owner[np.maximum(ts[1:] - 1, 0)] == np.arange(len(words) - 1))
        right = np.zeros(len(words), dtype=bool)
        right[:-1] = left[1:]

        def ids(family: str, values: list[str]) -> np.ndarray:
            table = t[family]
            return np.array([table.get(v, unknown) for v in values], dtype=np.int64)

        word_rows = np.full((len(words), 5), unknown, dtype=np.int64)
        word_rows[:, 0] = ids("w", words)
        word_rows[1:, 1] = np.where(left[1:], ids("w-1", words[:-1]), unknown)
        word_rows[1:, 2] = np.where(left[1:], ids("pos-1", tags[:-1]), unknown)
        word_rows[:-1, 3] = np.where(right[:-1], ids("w+1", words[1:]), unknown)
        word_rows[:-1, 4] = np.where(right[:-1], ids("pos+1", tags[1:]), unknown)
        # part of speech and place in the word (S, B, M, E) of each character a word covers
        covered = owner >= 0
        k = owner[covered]
        i = np.flatnonzero(covered)
        place = np.where(te[k] - ts[k] == 1, 0, np.where(i == ts[k], 1, np.where(i == te[k] - 1, 3, 2)))
        pos_names = sorted(set(tags))
        pos_index = {p: j for j, p in enumerate(pos_names)}
        pp = t["pos|place"]
        table = np.array([[pp.get(p + q, unknown) for q in _PLACES] for p in pos_names], dtype=np.int64)
        tag_ids = np.array([pos_index[p] for p in tags], dtype=np.int64)
        pos_place = rows[:, 6]
        pos_place[covered] = table[tag_ids[k], place]
        word_score = w[rows[:, 7]]
        word_score[covered] = w[word_rows].sum(axis=1)[k]
        score += w[pos_place] + word_score
        return np.split(score, np.cumsum([len(x) for x in texts])[:-1])

    def viterbi(self, emissions: Sequence[np.ndarray]) -> list[list[str]]:
        """The best label sequence of each line, all lines decoded together: the lines, by
        length, are packed position by position, so that each step is one numpy operation
        over the lines still running."""
        out: list[list[str]] = [[] for _ in emissions]
        order = sorted((k for k in range(len(emissions)) if len(emissions[k])), key=lambda k: -len(emissions[k]))
        if not order:
            return out
        lengths = np.array([len(emissions[k]) for k in order])
        top, n_lines = int(lengths[0]), len(order)
        active = np.searchsorted(-lengths, -np.arange(top), side="left")  # lines longer than t
        off = np.concatenate([[0], np.cumsum(active)])  # (line j, position t) is row off[t] + j
        flat = [off[: lengths[j]] + j for j in range(n_lines)]
        em = np.empty((int(off[-1]), len(self.labels)))
        em[np.concatenate(flat)] = np.concatenate([emissions[k] for k in order])
        back = np.zeros(em.shape, dtype=np.int16)
        final = np.empty((n_lines, len(self.labels)))
        score = em[: active[0]]
        for t in range(1, top):
            k = int(active[t])
            final[k : active[t - 1]] = score[k:]  # the lines of length t ended at t - 1
            cand = score[:k, :, None] + self.transitions[None]
            best_prev = cand.argmax(axis=1)
            back[off[t] : off[t] + k] = best_prev
            score = np.take_along_axis(cand, best_prev[:, None, :], axis=1)[:, 0] + em[off[t] : off[t] + k]
        final[: active[top - 1]] = score
        best = np.zeros(len(em), dtype=np.int64)
        best[off[lengths - 1] + np.arange(n_lines)] = final.argmax(axis=1)
        for t in range(top - 1, 0, -1):
            k = int(active[t])
            best[off[t - 1] : off[t - 1] + k] = back[off[t] + np.arange(k), best[off[t] : off[t] + k]]
        labels = self.labels
        for j, k in enumerate(order):
            out[k] = [labels[x] for x in best[flat[j]].tolist()]
        return out


def _pair(a: Any, b: Any) -> Any:
    return (a << 21) | b


def _lookup(table: dict[Any, int], keys: np.ndarray, unknown: int, chars: bool = False) -> np.ndarray:
    """Rows of ``keys`` (code points or pairs; with ``chars``, one-character words) in one
    pass over their distinct values."""
    values, inverse = np.unique(keys, return_inverse=True)
    if chars:
        rows = np.array([table.get(chr(v), unknown) for v in values.tolist()], dtype=np.int64)
    else:
        rows = np.array([table.get(v, unknown) for v in values.tolist()], dtype=np.int64)
    return rows[inverse.reshape(-1)] if len(values) else np.zeros(0, dtype=np.int64)

