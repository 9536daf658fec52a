"""A sequence tagger the project trains itself: entity spans from characters, jieba words
and the rule entities (a linear-chain CRF, CRFsuite through ``python-crfsuite``).

The rules (``entities.py``) stay the first pass: their spans are features of the tagger,
which learns from the gold files where the rules' boundaries and labels hold and where a
phrase the rules never listed is an entity. ``features`` is pure; a fitted model is one
CRFsuite file (no pickle). Leave-one-document-out scores are in ``eval/`` (``evaluate``);
the tagger is used only for the labels ``TaggerParams.labels`` names, the others stay the
rules'.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..io import write_json
from .entities import Token

Span = tuple[int, int, str]
MODEL_FILE = "entities.crfsuite"
META_FILE = "entities.json"


@dataclass(frozen=True)
class TaggerParams:
    c1: float = 0.05  # L1 regularisation
    c2: float = 0.01  # L2 regularisation
    max_iterations: int = 150
    labels: tuple[str, ...] = ("ORG", "TALENT", "LOC", "INDUSTRY", "DATE", "MONEY")


def bio(n: int, spans: Iterable[Span]) -> list[str]:
    """B-/I-/O tags of ``n`` characters; a span overlapping one placed before it is skipped
    (spans are placed by start, the longer first)."""
    tags = ["O"] * n
    for s, e, label in sorted(spans, key=lambda x: (x[0], x[0] - x[1])):
        if s < 0 or e > n or s >= e or any(t != "O" for t in tags[s:e]):
            continue
        tags[s] = "B-" + label
        for k in range(s + 1, e):
            tags[k] = "I-" + label
    return tags


def spans_from_tags(tags: Sequence[str]) -> list[Span]:
    """The spans of B-/I- tags (an I- without its B- opens nothing)."""
    out: list[Span] = []
    i, n = 0, len(tags)
    while i < n:
        if tags[i].startswith("B-"):
            label = tags[i][2:]
            j = i + 1
            while j < n and tags[j] == "I-" + label:
                j += 1
            out.append((i, j, label))
            i = j
        else:
            i += 1
    return out


def features(text: str, tokens: Sequence[Token], rule_spans: Iterable[Span]) -> list[list[str]]:
    """The features of each character, as CRFsuite's ``name:value`` strings: the characters
    around it, the jieba word holding it (word, part of speech, position in it) and its
    neighbours, and the rule entities' tag. A word's own features are built once for all
    its characters."""
    n = len(text)
    owner = [-1] * n
    toks = [t for t in tokens if 0 <= t[1] < t[2] <= n]
    for k, tok in enumerate(toks):
        for i in range(tok[1], tok[2]):
            owner[i] = k
    word_feats: list[list[str]] = []
    for k, (w, s, e, pos) in enumerate(toks):
        f = ["w:" + w]
        if s > 0 and owner[s - 1] >= 0:
            left = toks[owner[s - 1]]
            f += ("w-1:" + left[0], "pos-1:" + left[3])
        if e < n and owner[e] >= 0:
            right = toks[owner[e]]
            f += ("w+1:" + right[0], "pos+1:" + right[3])
        word_feats.append(f)
    rule = bio(n, rule_spans)
    pad = "^^" + text + "$$"
    out = []
    for i, c in enumerate(text):
        k = owner[i]
        if k >= 0:
            _, s, e, pos = toks[k]
            place = "S" if e - s == 1 else "B" if i == s else "E" if i == e - 1 else "M"
            f = ["bias", "pos|place:" + pos + place, *word_feats[k]]
        else:  # a character no token covers
            f = ["bias", "pos|place:xS", "w:" + c]
        f += ("c:" + c, "c-1:" + pad[i + 1], "c+1:" + pad[i + 3],
              "c-1c:" + pad[i + 1 : i + 3], "cc+1:" + pad[i + 2 : i + 4], "rule:" + rule[i])
        out.append(f)
    return out


def project(text: str, wanted: Counter[tuple[str, str]]) -> list[Span]:
    """Gold (text, label) mentions placed in ``text``: the longer names first, each at its
    leftmost occurrence that overlaps nothing placed; ``wanted`` is decremented by what was
    placed, so that a document's multiset of gold entities spreads over its statements."""
    spans: list[Span] = []
    for (name, label), count in sorted(wanted.items(), key=lambda kv: (-len(kv[0][0]), kv[0])):
        at = 0
        while count > 0 and name:
            k = text.find(name, at)
            if k < 0:
                break
            at = k + 1
            if any(k < e and s < k + len(name) for s, e, _ in spans):
                continue
            spans.append((k, k + len(name), label))
            count -= 1
        wanted[(name, label)] = count
    return sorted(spans)


def fit(examples: Iterable[tuple[list[list[str]], list[str]]], params: TaggerParams, folder: Path) -> Path:
    """Train on (features, tags) sequences; the model file is written atomically."""
    import pycrfsuite

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    trainer = pycrfsuite.Trainer(verbose=False)
    n = 0
    for xseq, yseq in examples:
        if xseq:
            trainer.append(xseq, yseq)
            n += 1
    if not n:
        raise ConfigError(folder, "no training sequences for the entity tagger")
    trainer.set_params({"c1": params.c1, "c2": params.c2, "max_iterations": params.max_iterations,
                        "feature.possible_transitions": True})
    tmp = folder / (MODEL_FILE + ".tmp")
    trainer.train(str(tmp))
    # the weights for the numpy inference (crf.LinearCRF), which tags a document's lines at
    # once; bench/crf_agreement.py checks that it gives CRFsuite's tags
    from .crf import LinearCRF

    tagger = pycrfsuite.Tagger()
    tagger.open(str(tmp))
    LinearCRF.from_crfsuite(tagger.info()).save(folder)
    tagger.close()
    tmp.replace(folder / MODEL_FILE)
    write_json(folder / META_FILE, {"params": asdict(params), "sequences": n})
    return folder / MODEL_FILE


class EntityTagger:
    """A fitted tagger: ``merge`` gives lines' entity spans from their rule spans.

    Tagging uses the weights exported at training (``crf.LinearCRF``, all the lines of a
    document at once); a model folder without them (written by an earlier version) is
    read by CRFsuite, one line at a time."""

    def __init__(self, folder: Path) -> None:
        from .crf import WEIGHTS_FILE, LinearCRF

        folder = Path(folder)
        path = folder / MODEL_FILE
        self._crf: LinearCRF | None = None
        self._tagger: Any = None
        try:
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            self.labels = frozenset(meta["params"]["labels"])
            if (folder / WEIGHTS_FILE).is_file():
                path = folder / WEIGHTS_FILE
                self._crf = LinearCRF.load(folder)
            else:
                import pycrfsuite

                self._tagger = pycrfsuite.Tagger()
                self._tagger.open(str(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(path, f"cannot load the entity tagger ({exc})") from None

    @staticmethod
    def available(folder: Path | None) -> bool:
        return folder is not None and (Path(folder) / MODEL_FILE).is_file() and (Path(folder) / META_FILE).is_file()

    def tag(self, texts: Sequence[str], tokens: Sequence[Sequence[Token]],
            rule_spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """The tagger's spans of each line."""
        if self._crf is None:
            return [spans_from_tags(self._tagger.tag(features(x, tk, rs))) if x else []
                    for x, tk, rs in zip(texts, tokens, rule_spans)]
        rule_tags = [bio(len(x), rs) for x, rs in zip(texts, rule_spans)]
        return [spans_from_tags(tags) for tags in self._crf.viterbi(self._crf.emissions(texts, tokens, rule_tags))]

    def merge(self, texts: Sequence[str], tokens: Sequence[Sequence[Token]],
              rule_spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
        """Of each line, the rule spans of labels the tagger does not decide, and the
        tagger's spans of the labels it does that overlap none of those."""
        out = []
        for spans, learned in zip(rule_spans, self.tag(texts, tokens, rule_spans)):
            kept = [s for s in spans if s[2] not in self.labels]
            out.append(sorted(kept + [s for s in learned if s[2] in self.labels
                                      and not any(s[0] < k[1] and k[0] < s[1] for k in kept)]))
        return out


def restore_terms(spans: list[Span], rule_spans: Iterable[Span], terms: Iterable[Span],
                  labels: frozenset[str], min_chars: int) -> list[Span]:
    """``spans`` (a line's, after the tagger) with the rule spans of ``labels`` that match a
    lexicon term of at least ``min_chars`` characters (高等学校, 用人单位) where the tagger
    found nothing: a listed name the tagger missed is more often right than not on held-out
    documents; a short generic term (单位, 社区) is left to the tagger."""
    term_set = set(terms)
    back = [k for k in rule_spans if k[2] in labels and k in term_set and k[1] - k[0] >= min_chars
            and not any(k[0] < x[1] and x[0] < k[1] for x in spans)]
    return sorted(spans + back) if back else spans
