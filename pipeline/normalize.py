"""Text normalisation of GUIDELINES section 1, with a map back to raw offsets.

Everything the pipeline extracts is anchored in the *normalised* document text.
:class:`OffsetMap` keeps, for every normalised character, the offset of the raw
character it came from, compressed into runs where the two advance together.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

# CJK characters are Han ideographs; CJK marks are the CJK punctuation blocks, full-width
# forms and the quotes, dashes and ellipsis Chinese text uses (GUIDELINES 1, v1.1).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3007"
_MARKS = "\u3000-\u303f\ufe30-\ufe4f\uff00-\uffef\u2018\u2019\u201c\u201d\u2026\u2014\u00b7"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
# , ; : ! ? after a CJK character or mark, or before a CJK character
_PUNCT_RE = re.compile(rf"(?<=[{_HAN}{_MARKS}])[,;:!?]|[,;:!?](?=[{_HAN}])")
_HAN_RE = re.compile(f"[{_HAN}]")
_CJK_OR_MARK_RE = re.compile(f"[{_HAN}{_MARKS}]")
_OPEN, _CLOSE = "(（", ")）"
# Full-width ASCII letters and digits (Ａ-Ｚ ａ-ｚ ０-９) become half-width.
_WIDTH = {
    cp: cp - 0xFEE0
    for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
}
_SPACE_RE = re.compile(r"\s+")
# Line boundaries besides \n and \r (str.splitlines): they end a line and are never kept.
LINE_BREAKS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# Other C0 and C1 control characters (NUL, ESC, DEL…) carry no text: dropped, offsets kept.
CONTROLS = "".join(map(chr, [*range(0x00, 0x09), *range(0x0E, 0x1C), 0x1F, *range(0x7F, 0x85), *range(0x86, 0xA0)]))
_CONTROL_RE = re.compile(f"[{re.escape(CONTROLS)}]")
# what a line or span never starts or ends with
WHITESPACE = " \t\r\n\u3000\u00a0\u2002\u2003\u2009\u200b\ufeff" + LINE_BREAKS + CONTROLS
# A lone surrogate (possible in a Python str, never in valid UTF-8) becomes U+FFFD.
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _brackets(line: str) -> str:
    """Convert half-width brackets as pairs (matched within one line).

    A half-width pair becomes full-width when it encloses Chinese text or follows a
    CJK character or mark; a half-width bracket whose partner is full-width takes
    its partner's width. Unmatched brackets stay as written.
    """
    if "(" not in line and ")" not in line:
        return line
    chars = list(line)
    stack: list[int] = []
    for i, c in enumerate(line):
        if c in _OPEN:
            stack.append(i)
        elif c in _CLOSE and stack:
            j = stack.pop()
            if chars[j] == "（" and c == "）":
                continue
            mixed = chars[j] == "（" or c == "）"
            if (
                mixed
                or _HAN_RE.search(line, j + 1, i)
                or (j > 0 and _CJK_OR_MARK_RE.match(line[j - 1]))
            ):
                chars[j], chars[i] = "（", "）"
    return "".join(chars)


def _punct(text: str) -> str:
    """The punctuation rules of GUIDELINES 1 (v1.1); one character in, one out."""
    text = _PUNCT_RE.sub(lambda m: _HALF_TO_FULL[m.group()], text)
    if "(" in text or ")" in text:
        text = "\n".join(_brackets(line) for line in text.split("\n"))
    return text


def _clean(text: str) -> str:
    """No control characters, no lone surrogates."""
    if _CONTROL_RE.search(text):
        text = _CONTROL_RE.sub("", text)
    if _SURROGATE_RE.search(text):
        text = _SURROGATE_RE.sub("\ufffd", text)
    return text


def normalise(text: str) -> str:
    """Normalise a string (NFC, half-width ASCII letters/digits, full-width CJK punctuation,
    no control characters, U+FFFD for a lone surrogate)."""
    return _punct(unicodedata.normalize("NFC", _clean(text)).translate(_WIDTH))


def match_key(text: str) -> str:
    """The key by which statements and entities are matched: normalised, no whitespace."""
    return normalise(_SPACE_RE.sub("", text))


def _nfc_with_map(text: str) -> tuple[str, list[int]]:
    """NFC-normalise ``text``; return it and, per output char, the input offset it came from."""
    out: list[str] = []
    src: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        out.append(piece)
        # the first output character comes from the base; the marks left over after
        # composition are the last ones of the group
        src.extend([i] + [j - (len(piece) - k) for k in range(1, len(piece))])
        i = j
    return "".join(out), src


@dataclass
class OffsetMap:
    """Runs ``(norm_start, raw_start, length)``: norm offset n in a run maps to raw_start + (n - norm_start)."""

    runs: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, norm_start: int, raw_start: int, length: int) -> None:
        if length <= 0:
            return
        if self.runs:
            n0, r0, l0 = self.runs[-1]
            if n0 + l0 == norm_start and r0 + l0 == raw_start:
                self.runs[-1] = (n0, r0, l0 + length)
                return
        self.runs.append((norm_start, raw_start, length))

    def to_raw(self, offset: int) -> int:
        """Raw offset of normalised ``offset`` (an end offset maps past its last character)."""
        if not self.runs:
            return offset
        starts = [r[0] for r in self.runs]
        k = max(bisect.bisect_right(starts, offset) - 1, 0)
        n0, r0, length = self.runs[k]
        if offset >= n0 + length:  # an end offset, or a gap (joined lines)
            return r0 + length + (offset - n0 - length)
        return r0 + (offset - n0)

    def as_list(self) -> list[list[int]]:
        return [list(r) for r in self.runs]


class TextBuilder:
    """Builds a normalised text from slices of a raw text, recording the offset map."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.parts: list[str] = []
        self.length = 0
        self.map = OffsetMap()

    def append_raw(self, start: int, end: int) -> tuple[int, int]:
        """Append the normalised form of ``raw[start:end]``; return its span in the new text.

        Control characters are left out (the offset map skips them); a lone surrogate
        becomes U+FFFD.
        """
        begin = self.length
        pos = start
        for m in _CONTROL_RE.finditer(self.raw, start, end):
            self._append(pos, m.start())
            pos = m.end()
        self._append(pos, end)
        return begin, self.length

    def _append(self, start: int, end: int) -> None:
        if start >= end:
            return
        piece = self.raw[start:end]
        if _SURROGATE_RE.search(piece):
            piece = _SURROGATE_RE.sub("\ufffd", piece)  # one character for one
        nfc = unicodedata.normalize("NFC", piece)
        begin = self.length
        if len(nfc) == len(piece):
            self.map.add(begin, start, len(piece))
        else:
            nfc, src = _nfc_with_map(piece)
            for k, s in enumerate(src):
                self.map.add(begin + k, start + s, 1)
        text = nfc.translate(_WIDTH)
        self.parts.append(text)
        self.length += len(text)

    def append_literal(self, text: str) -> None:
        """Append text with no raw counterpart (a line break between joined lines)."""
        self.parts.append(text)
        self.length += len(text)

    def text(self) -> str:
        """The normalised text; punctuation is decided on whole lines (pairs, context)."""
        return _punct("".join(self.parts))


def strip_span(text: str, start: int, end: int, chars: str = WHITESPACE) -> tuple[int, int]:
    """Shrink ``[start, end)`` so it neither starts nor ends with one of ``chars``."""
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end
