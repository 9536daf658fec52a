"""A jieba tokenizer that owns its state (never the global jieba.dt) and can be pickled."""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)


class JiebaTokenizer:
    """jieba segmentation with the project's user dictionary, plus jieba's word -> POS table."""

    def __init__(self, userdict: str | Path | None = None) -> None:
        self.userdict = str(userdict) if userdict else None
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        if self.userdict:
            self._jieba.load_userdict(self.userdict)
        self.tags: dict[str, str] = dict(jieba.posseg.POSTokenizer(self._jieba).word_tag_tab)
        self.tags.update(self._jieba.user_word_tag_tab)

    def __reduce__(self):  # rebuild from the path instead of pickling jieba's lock
        return (type(self), (self.userdict,))

    def tokens(self, text: str, offset: int = 0) -> list[tuple[str, int, int, str]]:
        """(word, start, end, tag) for each jieba token; unknown words get the tag 'x'."""
        out = []
        for word, start, end in self._jieba.tokenize(text, HMM=True):
            out.append((word, start + offset, end + offset, self.tags.get(word, "x")))
        return out

    def cut(self, text: str) -> list[str]:
        return self._jieba.lcut(text, HMM=True)
