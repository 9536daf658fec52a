"""Policy instruments (GUIDELINES section 6): cue votes per clause, data in models/instruments/."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


from ..errors import ConfigError
from ..resources import read_yaml

_CLAUSE = re.compile(r"[^，,；;：:]+")
_LITERAL = re.compile(r"[\u3400-\u9fff\w、]+")


@dataclass(frozen=True)
class Taxonomy:
    codes: dict[str, tuple[tuple[re.Pattern[str], float], ...]]
    meanings: dict[str, str]
    main_bonus: float
    default: str | None
    labels_zh: dict[str, str] = field(default_factory=dict)  # 供给型-人才培养引进 …
    procedure: re.Pattern[str] | None = None
    procedure_code: str = "env.regulation"
    procedure_window: int = 0
    system_heads: frozenset[str] = frozenset()
    system_window: int = 0
    # literal cues, looked up by substring: cue -> [(code, weight)]; regex cues apart
    literal: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    regex: list[tuple[str, re.Pattern[str], float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for code, cues in self.codes.items():
            for pattern, weight in cues:
                if _LITERAL.fullmatch(pattern.pattern):
                    self.literal.setdefault(pattern.pattern, []).append((code, weight))
                else:
                    self.regex.append((code, pattern, weight))

    @property
    def longest(self) -> int:
        return max(map(len, self.literal), default=0)

    @property
    def top_levels(self) -> list[str]:
        return sorted({c.split(".")[0] for c in self.codes})


def load_taxonomy(path: Path) -> Taxonomy:
    try:
        data = read_yaml(path)
        codes = {
            code: tuple((re.compile(cue), float(w)) for cue, w in row["cues"].items())
            for code, row in data["codes"].items()
        }
        default = data.get("default")
        if default is not None and default not in codes:
            raise ConfigError(path, f"default {default!r} is not a code")
        return Taxonomy(codes, {c: r["meaning"] for c, r in data["codes"].items()},
                        float(data["main_bonus"]), default,
                        labels_zh={c: str(r.get("label_zh", c)) for c, r in data["codes"].items()},
                        procedure=re.compile(data["procedure"]["before"]) if data.get("procedure") else None,
                        procedure_code=str((data.get("procedure") or {}).get("code", "env.regulation")),
                        procedure_window=int((data.get("procedure") or {}).get("window", 0)),
                        system_heads=frozenset((data.get("systems") or {}).get("heads", ())),
                        system_window=int((data.get("systems") or {}).get("window", 0)))
    except (OSError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(path, f"bad instrument taxonomy ({type(exc).__name__}: {exc})") from None


def _cue_hits(text: str, taxonomy: Taxonomy) -> Iterator[tuple[int, str, str, float]]:
    """(position, cue, code, weight) of every cue occurrence in ``text``."""
    literal, longest = taxonomy.literal, taxonomy.longest
    for i in range(len(text)):
        for k in range(1, min(longest, len(text) - i) + 1):
            hit = literal.get(text[i : i + k])
            if hit:
                for code, weight in hit:
                    yield i, text[i : i + k], code, weight
    yield from regex_hits(text, taxonomy)


def regex_hits(text: str, taxonomy: Taxonomy) -> Iterator[tuple[int, str, str, float]]:
    """Hits of the regex cues only (the literal ones can come from a PhraseMatcher)."""
    for code, pattern, weight in taxonomy.regex:
        for m in pattern.finditer(text):
            yield m.start(), pattern.pattern, code, weight


def instrument_scores(
    text: str,
    main_pos: int,
    taxonomy: Taxonomy,
    hits: Iterable[tuple[int, str, str, float]] | None = None,
) -> dict[str, float]:
    """Each code's vote: the cue weights of every clause (a cue counts once per clause),
    the main predicate's clause counted ``1 + main_bonus`` times.

    ``hits`` are (position, cue, code, weight) found beforehand; by default they are found here.
    """
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    starts = [a for a, _ in clauses]
    scores: dict[str, float] = defaultdict(float)
    seen: set[tuple[int, str, str]] = set()
    found = sorted(_cue_hits(text, taxonomy) if hits is None else hits)
    if taxonomy.system_heads:
        # 人才培养体系, 薪酬分配制度: a system takes the code of what it delivers, named just before it
        delivered = [(p, c) for p, cue, c, _ in found if cue not in taxonomy.system_heads]
        found = [
            h for h in found
            if h[1] not in taxonomy.system_heads
            or not any(h[0] - taxonomy.system_window <= p < h[0] and c != h[2] for p, c in delivered)
        ]
    for pos, cue, code, weight in found:
        k = bisect.bisect_right(starts, pos) - 1
        if k < 0 or pos >= clauses[k][1] or (k, cue, code) in seen:
            continue
        seen.add((k, cue, code))
        a, b = clauses[k]
        if taxonomy.procedure is not None and code != taxonomy.procedure_code and \
                taxonomy.procedure.search(text, max(a, pos - taxonomy.procedure_window), pos):
            code = taxonomy.procedure_code  # 申请一次性生活补贴的时限: the rule for getting it, not the money
        scores[code] += weight * (1 + (taxonomy.main_bonus if a <= main_pos < b else 0.0))
    return dict(scores)


def classify_instrument(
    text: str,
    main_pos: int,
    taxonomy: Taxonomy,
    hits: Iterable[tuple[int, str, str, float]] | None = None,
) -> str | None:
    return instrument_with_confidence(text, main_pos, taxonomy, hits)[0]


def instrument_with_confidence(
    text: str,
    main_pos: int,
    taxonomy: Taxonomy,
    hits: Iterable[tuple[int, str, str, float]] | None = None,
) -> tuple[str | None, float]:
    """The code and its confidence: the winner's share of all cue votes; 0.0 when no cue
    matched and the code is the taxonomy's default (filter those out of profiles)."""
    scores = instrument_scores(text, main_pos, taxonomy, hits)
    if not scores:
        return taxonomy.default, 0.0
    order = list(taxonomy.codes)
    best = max(scores, key=lambda c: (scores[c], -order.index(c)))
    return best, round(scores[best] / sum(scores.values()), 3)
