"""Policy instruments (GUIDELINES section 6): cue votes per clause, data in models/instruments/."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ConfigError

_CLAUSE = re.compile(r"[^，,；;：:]+")


@dataclass(frozen=True)
class Taxonomy:
    codes: dict[str, tuple[tuple[re.Pattern[str], float], ...]]
    meanings: dict[str, str]
    main_bonus: float
    default: str | None

    @property
    def top_levels(self) -> list[str]:
        return sorted({c.split(".")[0] for c in self.codes})


def load_taxonomy(path: Path) -> Taxonomy:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        codes = {
            code: tuple((re.compile(cue), float(w)) for cue, w in row["cues"].items())
            for code, row in data["codes"].items()
        }
        default = data.get("default")
        if default is not None and default not in codes:
            raise ConfigError(path, f"default {default!r} is not a code")
        return Taxonomy(codes, {c: r["meaning"] for c, r in data["codes"].items()},
                        float(data["main_bonus"]), default)
    except (OSError, KeyError, TypeError, AttributeError, re.error, yaml.YAMLError) as exc:
        raise ConfigError(path, f"bad instrument taxonomy ({type(exc).__name__}: {exc})") from None


def instrument_scores(text: str, main_pos: int, taxonomy: Taxonomy) -> dict[str, float]:
    """Each code's vote: the cue weights of every clause, the main predicate's clause counted more."""
    scores: dict[str, float] = defaultdict(float)
    for m in _CLAUSE.finditer(text):
        clause = m.group()
        is_main = m.start() <= main_pos < m.end()
        for code, cues in taxonomy.codes.items():
            s = sum(w for pattern, w in cues if pattern.search(clause))
            if s:
                scores[code] += s * (1 + (taxonomy.main_bonus if is_main else 0))
    return dict(scores)


def classify_instrument(text: str, main_pos: int, taxonomy: Taxonomy) -> str | None:
    scores = instrument_scores(text, main_pos, taxonomy)
    if not scores:
        return taxonomy.default
    order = list(taxonomy.codes)
    return max(scores, key=lambda c: (scores[c], -order.index(c)))
