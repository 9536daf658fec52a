"""A jieba tokenizer that owns its state (never the global jieba.dt) and can be pickled.

The engine is jieba itself or jieba-fast-dat, a C++ build of the same algorithm and
dictionary that gives the same tokens several times faster; ``engine="auto"`` takes the
fast one when it is installed. Part-of-speech tags come from jieba's dictionary.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

import jieba
import jieba.posseg

from ..errors import ConfigError

jieba.setLogLevel(logging.WARNING)
ENGINES = ("auto", "jieba", "jieba_fast_dat")


def _engine_module(engine: str) -> Any:
    if engine not in ENGINES:
        raise ConfigError("settings.yaml:extract.segmenter", f"segmenter must be one of {ENGINES}, not {engine!r}")
    if engine in ("auto", "jieba_fast_dat"):
        try:
            module = importlib.import_module("jieba_fast_dat")
            module.setLogLevel(logging.WARNING)
            return module
        except ImportError:
            if engine == "jieba_fast_dat":
                raise ConfigError("settings.yaml:extract.segmenter", "jieba_fast_dat is not installed") from None
    return jieba


def _user_tags(path: Path) -> dict[str, str]:
    """word -> tag of a jieba user dictionary (lines ``word [freq] [tag]``)."""
    tags = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 3 and not parts[-1].isdigit():
            tags[parts[0]] = parts[-1]
        elif len(parts) == 2 and not parts[1].isdigit():
            tags[parts[0]] = parts[1]
    return tags


class JiebaTokenizer:
    """jieba segmentation with the project's user dictionary, plus jieba's word -> POS table."""

    def __init__(self, userdict: str | Path | None = None, hmm: bool = True, engine: str = "auto") -> None:
        self.userdict = str(userdict) if userdict else None
        self.hmm = hmm
        self.engine = engine
        module = _engine_module(engine)
        self.engine_name = module.__name__
        self._jieba = module.Tokenizer()
        self._jieba.initialize()
        if self.userdict:
            self._jieba.load_userdict(self.userdict)
        # the part-of-speech table of jieba's dictionary, as jieba.posseg read it when imported
        # (its default tagger's; reading the dictionary again would cost half a second)
        self.tags: dict[str, str] = dict(jieba.posseg.dt.word_tag_tab)
        if self.userdict:
            self.tags.update(_user_tags(Path(self.userdict)))

    def __reduce__(self):  # rebuild from the path instead of pickling jieba's lock
        return (type(self), (self.userdict, self.hmm, self.engine))

    def tokens(self, text: str, offset: int = 0) -> list[tuple[str, int, int, str]]:
        """(word, start, end, tag) for each jieba token; unknown words get the tag 'x'."""
        tags = self.tags
        out = []
        pos = offset
        for word in self._jieba.lcut(text, HMM=self.hmm):
            end = pos + len(word)
            out.append((word, pos, end, tags.get(word, "x")))
            pos = end
        return out

    def cut(self, text: str) -> list[str]:
        return list(self._jieba.lcut(text, HMM=self.hmm))
