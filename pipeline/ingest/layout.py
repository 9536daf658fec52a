"""Raw text -> body lines and document metadata.

Finds the policy body inside a raw text: drops web furniture, the title and
issuing metadata, a 印发/转发 notice's cover letter and signature block, and
collects title, issuers, date and document number on the way. Works on line
spans into the raw text so that every body character keeps its raw offset.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..normalize import WHITESPACE, normalise, strip_span
from ..resources import LayoutRules

Span = tuple[int, int]
_SENTENCE_END = "。！？；!?;"
_ZH_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "Ｏ": 0, "0": 0}
_MD_HEADING = re.compile(r"#{1,6}\s+")
_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


@dataclass
class Layout:
    lines: list[list[Span]]  # body lines; a line may join several raw spans (PDF reflow)
    title: str | None = None
    issuer: list[str] = field(default_factory=list)
    date: str | None = None
    doc_number: str | None = None


def _zh_small(text: str) -> int:
    """一 .. 三十一 -> int (for months and days)."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    return _ZH_DIGITS.get(text, 0)


def parse_date(text: str) -> str | None:
    """An ISO date from ``2022-10-24``, ``2018年2月28日`` or ``二○○九年五月十三日``."""
    m = _DATE_RE.search(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
    else:
        m = re.search(r"([〇○零Ｏ0一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日", text)
        if not m:
            return None
        y = int("".join(str(_ZH_DIGITS[c]) for c in m.group(1)))
        mo, d = _zh_small(m.group(2)), _zh_small(m.group(3))
    if 1 <= mo <= 12 and 1 <= d <= 31:
        return f"{y:04d}-{mo:02d}-{d:02d}"
    return None


def split_issuers(text: str, rules: LayoutRules) -> list[str]:
    """Split run-together issuer names (``中共武昌区委武昌区人民政府``) into names.

    Each name must end with an issuer suffix and start like a name (``issuer_start``,
    matched inside the name). Among the segmentations, the one with most names wins;
    a tie goes to the tightest starts (``舟山市…`` rather than ``组织部舟山市…``).
    Returns [] if none fits.
    """
    text = "".join(text.split())
    n = len(text)
    longest = rules.issuer_max_chars
    if n > longest * rules.issuer_max_names:
        return []  # longer than any line of run-together names: not one (and no quadratic work)
    # best[i]: (names, total length of their name-like starts) for text[i:]
    best: dict[int, tuple[list[str], int] | None] = {n: ([], 0)}
    for i in range(n - 1, -1, -1):
        best[i] = None
        start = rules.issuer_start.match(text[i : i + longest])
        if not start:
            continue
        start_len = start.end()
        for j in range(max(i + 2, i + start_len), min(n, i + longest) + 1):
            rest = best.get(j)
            if rest is None or not any(text[i:j].endswith(s) for s in rules.issuer_suffixes):
                continue
            cand = ([text[i:j], *rest[0]], rest[1] + start_len)
            cur = best[i]
            if cur is None or (len(cand[0]), -cand[1]) > (len(cur[0]), -cur[1]):
                best[i] = cand
    return best[0][0] if best[0] else []


def _issuer_line(text: str, rules: LayoutRules) -> list[str]:
    """Names on a line that holds only issuer names (space-separated or run together)."""
    if any(c in text for c in "，。；：,;:《》“”"):
        return []
    names: list[str] = []
    for chunk in text.split():
        parts = split_issuers(chunk, rules)
        if not parts:
            return []
        names.extend(parts)
    return names


class _Lines:
    """Stripped, non-empty raw line spans with their (normalised) text."""

    def __init__(self, raw: str, fmt: str, decoration: str = "") -> None:
        self.raw = raw
        self.spans: list[Span] = []
        pos = 0
        for line in raw.splitlines(keepends=True):
            start, end = strip_span(raw, pos, pos + len(line), WHITESPACE + decoration)
            pos += len(line)
            if fmt == "md":
                m = _MD_HEADING.match(raw, start, end)
                if m:
                    start = m.end()
            if start < end:
                self.spans.append((start, end))
        self.text = [normalise(raw[a:b]) for a, b in self.spans]


def _is_title(text: str, rules: LayoutRules, is_marker: Callable[[str], bool]) -> bool:
    return (
        len(text) <= rules.max_title_chars
        and not any(c in text for c in _SENTENCE_END)
        and not is_marker(text)
        and not rules.date_line.match(text)
    )


def analyse(
    raw: str, fmt: str, rules: LayoutRules, is_marker: Callable[[str], bool]
) -> Layout:
    """Split ``raw`` into metadata and body lines."""
    lines = _Lines(raw, fmt, rules.decoration)
    texts = lines.text
    keep = [True] * len(texts)
    out = Layout(lines=[])

    # 1. Web furniture: cut the page tail, drop furniture lines (keeping a 来源 line's date).
    end = len(texts)
    for k, t in enumerate(texts):
        if k > 0 and any(t.lstrip("•·▪►> ").startswith(c) for c in rules.cut_from):
            end = k
            break
    head_end = next((k for k, t in enumerate(texts[:end]) if rules.head_end.match(t)), None)
    for k in range(end):
        t = texts[k]
        if any(r.search(t) for r in rules.drop_line):
            keep[k] = False
            if out.date is None and not rules.head_end.match(t):
                out.date = parse_date(t)
    keep[end:] = [False] * (len(texts) - end)
    idx = [k for k in range(end) if keep[k]]

    # 2. Markdown metadata head (title, adoption history) before <!-- INFO END -->.
    first_marker = next((k for k in idx if is_marker(texts[k])), None)
    head = [k for k in idx if first_marker is None or k < first_marker]
    if head_end is not None:
        head = [k for k in range(head_end) if keep[k] or rules.head_end.match(texts[k])]
        body_from = head_end + 1
    else:
        body_from = 0

    # 3. Title: the first head line after any document number that looks like one, or a
    #    title glued to the first sentence (texts rebuilt one sentence per line).
    lead = next((k for k in head if _doc_number(texts[k], rules) is None), None)
    if lead is not None and not is_marker(texts[lead]) and (m := rules.glued_addressee.match(texts[lead])):
        out.title = m.group("title")
        body_from = max(body_from, lead + 1)
    elif lead is not None and _is_title(texts[lead], rules, is_marker):
        out.title = texts[lead]
        body_from = max(body_from, lead + 1)

    # 4. A 印发/转发 notice: its cover letter ends with a date line (or its closing sentence).
    head_text = [(k, texts[k]) for k in head]
    joined = "".join(t for _, t in head_text)
    notice = rules.notice_title.search(joined)
    if notice:
        owner, pos = [], 0
        for k, t in head_text:
            owner.extend([k] * len(t))
            pos += len(t)
        first_k, last_k = owner[notice.start()], owner[notice.end() - 1]
        prefix = texts[first_k][: texts[first_k].find("关于")] if "关于" in texts[first_k] else ""
        cover_end = None
        for k in head:
            if k > last_k and rules.date_line.match(texts[k]):
                cover_end = k
                break
        if cover_end is None:
            closing = [k for k in head if k > last_k and rules.notice_close.search(texts[k])]
            cover_end = closing[0] if closing else last_k
        signers: list[str] = []
        for k in head:
            if k < first_k or (last_k < k < cover_end):
                signers.extend(_issuer_line(texts[k], rules))
        if prefix:
            signers = split_issuers(prefix, rules) + signers
        out.issuer = list(dict.fromkeys(signers))
        if rules.date_line.match(texts[cover_end]):
            out.date = parse_date(texts[cover_end]) or out.date
        body_from = max(body_from, cover_end + 1)
        # the policy's own title often follows the cover letter
        nxt = [k for k in idx if k >= body_from]
        if nxt and _is_title(texts[nxt[0]], rules, is_marker) and (
            rules.title_suffix.search(texts[nxt[0]]) or texts[nxt[0]] == out.title
        ):
            out.title = texts[nxt[0]]
            body_from = nxt[0] + 1

    # 5. Front matter before the body: doc numbers, dates, adoption history, issuer lines.
    for k in idx:
        if k < body_from:
            _collect(texts[k], rules, out)
            continue
        t = texts[k]
        if is_marker(t) or not _collect(t, rules, out):
            body_from = k
            books = re.findall(r"《([^》]+)》", notice.group()) if notice else []
            cut = _glued_front(t, rules, out, is_marker, books, replace_title=bool(notice))
            if cut and len(texts[k]) == lines.spans[k][1] - lines.spans[k][0]:
                lines.spans[k] = (lines.spans[k][0] + cut, lines.spans[k][1])
                texts[k] = t[cut:]
            break
    else:
        body_from = end
    body = [k for k in idx if k >= body_from]

    # 6. An annex, an attachment list, a 印发 line, then a signature block, at the end.
    for n, k in enumerate(body):
        if n >= len(body) // 2 and rules.annex_from.match(texts[k]):
            # the signature may be glued into the annex's first line
            dates = (parse_date(texts[j]) for j in body[n + 1 : n + 2])
            out.date = out.date or next((d for d in dates if d), None)
            del body[n:]
            break
    if body and rules.issued_line.match(texts[body[-1]]):
        out.date = out.date or parse_date(texts[body[-1]])
        body.pop()
    for n, k in enumerate(body):
        if rules.attachments.match(texts[k]) and all(
            len(texts[j]) <= rules.attachment_max_chars and not any(c in texts[j] for c in "。；")
            for j in body[n:]
        ):
            del body[n:]
            break
    sig = _signature(texts[body[-1]], rules) if body else None
    if sig and sig[0].end() == len(texts[body[-1]]) and sig[1]:  # names and a date
        out.date = out.date or parse_date(sig[0].group("date"))
        out.issuer = out.issuer or sig[1]
        body.pop()
    elif body and rules.date_line.match(texts[body[-1]]):
        out.date = out.date or parse_date(texts[body[-1]])
        body.pop()
        while body and _issuer_line(texts[body[-1]], rules):
            names = _issuer_line(texts[body[-1]], rules)
            out.issuer = out.issuer or names
            body.pop()

    if out.title and not out.issuer:
        m = re.match(r"(.+?)关于", out.title)
        if m:
            out.issuer = split_issuers(m.group(1), rules)

    spans = [lines.spans[k] for k in body]
    if fmt == "pdf":
        out.lines = _reflow(raw, spans, [texts[k] for k in body], is_marker)
    else:
        out.lines = [[s] for s in spans]
    text_of = {lines.spans[k]: texts[k] for k in body}  # the normalised texts, already computed
    out.lines = _join_broken(out.lines, text_of.__getitem__, rules)
    return out


def _join_broken(lines: list[list[Span]], text_of: Callable[[Span], str], rules: LayoutRules) -> list[list[Span]]:
    """Join lines broken inside a ratio or after 第 (GUIDELINES 3)."""
    out: list[list[Span]] = []
    for line in lines:
        if out and rules.join_end.search(text_of(out[-1][-1])) and rules.join_start.match(text_of(line[0])):
            out[-1].extend(line)
        else:
            out.append(line)
    return out


def _doc_number(text: str, rules: LayoutRules) -> tuple[str, list[str]] | None:
    """A document-number line: the number and any issuer names written before it."""
    m = rules.doc_number.match(text)
    if m:
        return m.group("num"), []
    m = rules.doc_number_tail.search(text)
    if not m:
        return None
    # the abbreviation before 〔 is as short as lets the rest split into issuer names
    bracket = text.index(next(c for c in text[m.start():] if c in "〔［[（(﹝【"), m.start())
    for start in range(bracket - 1, m.start() - 1, -1):
        names = _issuer_line(text[:start], rules)
        if names:
            return text[start:], names
    return None


def _signature(text: str, rules: LayoutRules) -> tuple[re.Match[str], list[str]] | None:
    """Issuer names (or none) and a date at the start of ``text``."""
    m = rules.signature_date.match(text)
    if not m:
        return None
    names = _issuer_line(m.group("names"), rules) if m.group("names") else []
    if m.group("names") and not names:
        return None
    return m, names


def _glued_front(
    text: str,
    rules: LayoutRules,
    out: Layout,
    is_marker: Callable[[str], bool],
    titles: list[str],
    replace_title: bool,
) -> int:
    """Length of a signature, date or title glued before the first sentence of the body.

    What is cut is recorded in ``out``; ``titles`` are titles known from a cover letter
    (its 《》 names), and ``replace_title`` lets the policy's own title replace the notice's.
    """
    if is_marker(text):
        return 0
    cut = 0
    sig = _signature(text, rules)
    if sig and sig[0].end() < len(text):
        out.date = out.date or parse_date(sig[0].group("date"))
        out.issuer = out.issuer or sig[1]
        cut = sig[0].end()
    title = next((t for t in titles if text.startswith(t, cut) and len(text) > cut + len(t)), None)
    if title is None and (m := rules.glued_title.match(text, cut)):
        title = m.group("title")
    if title:
        out.title = title if replace_title or not out.title else out.title
        cut += len(title)
    return cut


def _collect(text: str, rules: LayoutRules, out: Layout) -> bool:
    """Record a front-matter line's metadata; False if the line is not front matter."""
    found = _doc_number(text, rules)
    if found:
        num, names = found
        number = re.sub(r"[［\[（(﹝【](\d{4})[］\]）)﹞】]", r"〔\1〕", "".join(num.split()))
        if out.doc_number is None:
            out.doc_number = number
        elif number not in out.doc_number.split("；"):  # jointly issued: one number per issuer
            out.doc_number += "；" + number
        out.issuer = out.issuer or names
        return True
    if rules.addressee_line.match(text):
        return True
    if rules.date_line.match(text):
        out.date = out.date or parse_date(text)
        return True
    m = rules.history_line.match(text)
    if m:
        out.date = out.date or parse_date(m.group("date"))
        if not out.issuer:
            out.issuer = split_issuers(rules.session_noise.sub("", m.group("body")), rules)[:1]
        return True
    names = _issuer_line(text, rules)
    if names:
        out.issuer = out.issuer or names
        return True
    return False


def _reflow(raw: str, spans: list[Span], texts: list[str], is_marker: Callable[[str], bool]) -> list[list[Span]]:
    """Join PDF lines that were wrapped by the page width back into paragraphs."""
    if not spans:
        return []
    widths = sorted(len(t) for t in texts)
    full = widths[int(len(widths) * 0.9)] if widths else 0
    out: list[list[Span]] = []
    for span, text in zip(spans, texts):
        if out and not is_marker(text):
            prev = raw[out[-1][-1][0] : out[-1][-1][1]]
            if prev and prev[-1] not in _SENTENCE_END + "：:" and len(prev) >= 0.85 * full:
                out[-1].append(span)
                continue
        out.append([span])
    return out


