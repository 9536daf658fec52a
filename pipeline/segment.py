"""Structure: a Document's text -> provisions (GUIDELINES 2) and statements (GUIDELINES 3).

Pure functions: rules come from ``models/structure/headings.yaml`` and
thresholds from ``params.yaml``; offsets point into ``Document.text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .params import SegmentParams
from .records import Document, Provision, Statement
from .resources import CIRCLED, HeadingRules

_ZH_DIGIT = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000}
_WORD = re.compile(r"\w")
_PREAMBLE_RANK = 1_000  # closed by any marker


def parse_number(text: str) -> int:
    """一 -> 1, 十二 -> 12, 二百零三 -> 203, 一〇五 -> 105, 12 -> 12, ③ -> 3."""
    if text.isdecimal():
        return int(text)
    if len(text) == 1 and text in CIRCLED:
        return CIRCLED.index(text) + 1
    if not any(c in _ZH_UNIT for c in text):  # digit by digit: 一〇五
        return int("".join(str(_ZH_DIGIT.get(c, 0)) for c in text) or 0)
    total, digit = 0, 0
    for c in text:
        if c in _ZH_UNIT:
            total += (digit or 1) * _ZH_UNIT[c]
            digit = 0
        else:
            digit = _ZH_DIGIT.get(c, 0)
    return total + digit


@dataclass
class _Node:
    id: str
    level: str
    rank: int
    number: int
    heading: str
    start: int
    head_end: int
    marker: str
    parent: _Node | None
    single_line: bool = False
    lead_in: bool = False  # its line ends with ：, so a list follows
    statements: list[Statement] = field(default_factory=list)
    end: int = -1


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            yield pos, pos + len(line)
        pos += len(line) + 1


def split_statements(
    text: str, start: int, end: int, cfg: SegmentParams
) -> Iterator[tuple[int, int]]:
    """Statement spans in ``text[start:end]`` (one line): split at terminators, trimmed."""
    pos = start
    strip_end = cfg.trailing_punct + " \t\u3000"
    while pos < end:
        cut = pos
        while cut < end and text[cut] not in cfg.terminators:
            cut += 1
        a, b = pos, cut
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1] in strip_end:
            b -= 1
        if _WORD.search(text, a, b):
            yield a, b
        pos = cut + 1


def _heading(content: str) -> str:
    head = content.split("。", 1)[0]
    return head.strip().rstrip("。！？；：，、… \t\u3000").strip()


def segment_document(
    doc: Document, rules: HeadingRules, cfg: SegmentParams
) -> tuple[list[Provision], list[Statement]]:
    """Provisions and statements of one document, in document order."""
    text = doc.text
    nodes: list[_Node] = []
    stack: list[_Node] = []
    ids: set[str] = set()
    tried: dict[str, int] = {}  # base id -> the last suffix number tried (linear in repeats)

    def new_id(parent: _Node | None, step: str) -> str:
        base = f"{parent.id}/{step}" if parent else step
        nid, k = base, tried.get(base, 1)
        while nid in ids:
            k += 1
            nid = f"{base}#{k}"
        tried[base] = k
        ids.add(nid)
        return nid

    def add_statements(node: _Node, a: int, b: int) -> None:
        for s, e in split_statements(text, a, b, cfg):
            n = len(node.statements) + 1
            node.statements.append(
                Statement(doc.doc_id, node.id, f"{node.id}/s{n}", text[s:e], s, e)
            )

    for a, b in _line_spans(text):
        found = rules.match(text[a:b])
        if found is None:
            while stack and stack[-1].single_line:
                stack.pop()
            if not stack:
                if nodes:  # text after the last provision closed: the enclosing one is gone
                    stack.append(nodes[-1])
                else:
                    pre = _Node(new_id(None, "preamble"), "preamble", _PREAMBLE_RANK, 0, "",
                                a, a, "preamble", None)
                    nodes.append(pre)
                    stack.append(pre)
            add_statements(stack[-1], a, b)
            continue
        marker, m = found
        level, rank, single = marker.level, marker.rank, marker.single_line
        sibling = next((n for n in reversed(stack) if n.marker == marker.name), None)
        if sibling is not None:
            # the next of an open list, however its markers were nested: （一）…： 1. 2. （二）
            level, rank, single = sibling.level, sibling.rank, sibling.single_line
            del stack[stack.index(sibling):]
        else:
            if marker.demote_under and any(n.marker in marker.demote_under for n in stack):
                deepest = max(n.rank for n in stack if n.marker in marker.demote_under)
                level, rank, single = "item", deepest + 1, rules.item_single_line
            if stack and stack[-1].lead_in and stack[-1].rank >= rank:
                rank = stack[-1].rank + 1  # a list completing a lead-in nests under it in any marker order
            while stack and stack[-1].rank >= rank:
                stack.pop()
        parent = stack[-1] if stack else None
        number = parse_number(m.group("num"))
        content_start = a + m.end()
        content = text[content_start:b]
        node = _Node(
            id=new_id(parent, f"{level} {number}"),
            level=level,
            rank=rank,
            number=number,
            heading=_heading(content),
            start=a,
            head_end=b,
            marker=marker.name,
            parent=parent,
            single_line=single,
            lead_in=content.rstrip().endswith(("：", ":")),
        )
        nodes.append(node)
        stack.append(node)
        heading_only = (
            marker.may_be_heading
            and level != "item"
            and not any(c in cfg.terminators for c in content)
            and not node.lead_in
        )
        if not heading_only:
            add_statements(node, content_start, b)

    # A provision ends where the last statement of its subtree ends.
    for node in nodes:
        if node.statements:
            node.end = max(node.end, node.statements[-1].end)
        else:
            stripped = text[node.start : node.head_end].rstrip("。！？；：，、… \t\u3000")
            node.end = max(node.end, node.start + len(stripped))
        up = node.parent
        while up is not None:
            up.end = max(up.end, node.end)
            up = up.parent

    provisions = [
        Provision(
            doc_id=doc.doc_id,
            provision_id=n.id,
            level=n.level,
            number=n.number,
            heading=n.heading,
            text=text[n.start : n.end],
            start=n.start,
            end=n.end,
            parent=n.parent.id if n.parent else None,
        )
        for n in nodes
    ]
    statements = [s for n in nodes for s in n.statements]
    statements.sort(key=lambda s: s.start)
    return provisions, statements
