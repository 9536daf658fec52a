"""Vocabulary candidates derived from corpora, for review (`policy vocab`, the DVC `vocab` stage).

The lexicons in ``models/`` are reviewed data; this step proposes what they may be missing,
reproducibly, from many regulations rather than from the few documents with gold files:

- ``org_heads`` / ``person_heads`` / ``programme_heads``: the endings (one or two characters,
  or a whole word) of jieba's organisation names (tag ``nt``), of person words (nouns ending
  in a person suffix) and of quoted names followed by a programme word;
- ``directive_verbs``: verbs (tag ``v``) that open clauses of statements with no modal;

each with its document frequency and whether a lexicon already lists it. A term found in
fewer than ``min_docs`` documents is not proposed: a word that only one text uses is a smell.
Only counts are written, never text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_QUOTED = re.compile(r"“([^“”\n]{2,20})”")
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


@dataclass(frozen=True)
class VocabParams:
    min_docs: int = 5  # a candidate must occur in at least this many documents
    top: int = 80  # at most this many candidates per list
    person_suffixes: tuple[str, ...] = ("人员", "人才", "学生", "毕业生", "研究生", "者", "师", "职工", "员工",
                                        "青年", "团队", "专家")
    programme_words: tuple[str, ...] = ("计划", "工程", "行动", "奖", "称号", "项目", "战略")
    modals: tuple[str, ...] = ("应当", "必须", "不得", "可以", "应", "须", "可")


def count(
    texts: Iterable[str], tag: Any, params: VocabParams, probe: Iterable[str] = (),
    is_word: Any = lambda w: True,
) -> dict[str, Counter[str]]:
    """Document frequencies of the candidates of each list, and (``probed``) of the ``probe``
    terms as substrings. ``tag(text)`` gives jieba's (word, part of speech) pairs; an
    organisation head must be a dictionary word (``is_word``) or a single character."""
    df: dict[str, Counter[str]] = {k: Counter() for k in ("org_heads", "person_heads", "programme_heads",
                                                          "directive_verbs", "probed")}
    probe = sorted(set(probe))
    for text in texts:
        df["probed"].update(t for t in probe if t in text)
        seen: dict[str, set[str]] = {k: set() for k in df}
        pairs = list(tag(text))
        for k, (word, pos) in enumerate(pairs):
            if not _HAN.match(word):
                continue
            if pos == "nt" and len(word) >= 3:
                seen["org_heads"].update(h for h in (word[-1:], word[-2:]) if len(h) == 1 or is_word(h))
            if pos in ("n", "nz", "nr", "j") and len(word) >= 2 and word.endswith(params.person_suffixes):
                seen["person_heads"].add(word)
            if pos == "v" and len(word) == 2 and (k == 0 or pairs[k - 1][0] in "，。；：\n"):
                seen["directive_verbs"].add(word)
        for m in _QUOTED.finditer(text):
            after = text[m.end() : m.end() + 2]
            inner = m.group(1)
            if any(after.startswith(w) or inner.endswith(w) for w in params.programme_words):
                seen["programme_heads"].add(inner[-2:])
        for key, words in seen.items():
            df[key].update(words)
    return df


def candidates(df: dict[str, Counter[str]], listed: dict[str, set[str]], n_docs: int, params: VocabParams) -> dict[str, Any]:
    """The reviewable lists: term, documents, share of documents, listed in a lexicon."""
    out: dict[str, Any] = {"documents": n_docs, "min_docs": params.min_docs}
    for key, counts in df.items():
        if key == "probed":
            continue
        rows = [
            {"term": t, "docs": n, "share": round(n / max(n_docs, 1), 4), "listed": t in listed.get(key, set())}
            for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= params.min_docs
        ][: params.top]
        out[key] = rows
    return out


def listed_terms(models: Path) -> dict[str, set[str]]:
    """What the project's lexicons already hold, per candidate list."""
    from .resources import read_yaml

    ent = read_yaml(models / "patterns" / "entities.yaml")["labels"]
    trig = read_yaml(models / "modality" / "triggers.yaml")
    words = set(re.findall(r"[\u4e00-\u9fff]+", str(trig)))
    return {
        "org_heads": set(ent["ORG"]["heads"]) | set(ent["ORG"].get("terms", [])),
        "person_heads": set(ent["TALENT"]["heads"]) | set(ent["TALENT"].get("terms", [])),
        "programme_heads": set(ent["PROGRAM"]["heads"]),
        "directive_verbs": words,
    }


def smells(models: Path, df: dict[str, Counter[str]], params: VocabParams) -> list[dict[str, Any]]:
    """Lexicon terms that the corpus hardly uses (in fewer than ``min_docs`` documents)."""
    listed = listed_terms(models)
    return [
        {"list": key, "term": term, "docs": df["probed"].get(term, 0)}
        for key in ("org_heads", "person_heads", "programme_heads")
        for term in sorted(listed[key])
        if df["probed"].get(term, 0) < params.min_docs
    ]


def probe_terms(models: Path) -> set[str]:
    listed = listed_terms(models)
    return listed["org_heads"] | listed["person_heads"] | listed["programme_heads"]
