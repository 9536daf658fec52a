"""Deontic modality (GUIDELINES section 4): the class of the statement's main predicate.

Cues are data (``models/modality/triggers.yaml``). The main predicate is the first
cue after the leading purpose/basis clauses (为…，围绕…，依托…).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


from ..errors import ConfigError
from ..resources import read_yaml

CLASSES = ("obligation", "prohibition", "encouragement", "commitment", "permission", "exploration", "declaration")
_CLAUSE = re.compile(r"[^，,：:]+[，,：:]?")
_CLAUSE_BREAK = re.compile(r"[，,；;]")
_LITERAL = re.compile(r"[\u3400-\u9fff]+")


@dataclass(frozen=True)
class Trigger:
    text: str
    cls: str
    start: int
    end: int


@dataclass(frozen=True)
class ModalityTag:
    modality: str
    also: list[str]
    triggers: list[Trigger]
    main_start: int  # offset of the main clause (after purpose clauses and conditions)
    main: Trigger | None = None  # the cue that decided the class
    from_rule: str = "cue"  # cue | declaration | inherited | default
    purpose_end: int = 0  # offset after the leading purpose/basis clauses only
    leadin_also: tuple[str, ...] = ()  # an inherited class: the other classes of the lead-in

    @property
    def pivot(self) -> int:
        """Where the main predicate starts: its cue, else the first cue, else the start."""
        if self.main is not None:
            return self.main.start
        return self.triggers[0].start if self.triggers else 0


@dataclass(frozen=True)
class TriggerTable:
    purpose: re.Pattern[str]
    declaration: tuple[re.Pattern[str], ...]
    declaration_also: tuple[re.Pattern[str], ...]
    classes: dict[str, re.Pattern[str]]
    sanction: re.Pattern[str]
    support_commitment: re.Pattern[str]
    inherit: bool
    modals: re.Pattern[str]
    condition_end: re.Pattern[str]
    modal_coordinators: re.Pattern[str]
    order: dict[str, int] = field(default_factory=dict)
    literal: dict[str, str] = field(default_factory=dict)  # cue -> class, for a PhraseMatcher
    confidence: dict[str, float] = field(default_factory=dict)  # rule path -> confidence
    default_class: str = "obligation"
    benefit_noun: re.Pattern[str] = re.compile(r"(?!)")
    word_starts_only: bool = False  # a cue counts only where a word starts (认可以及: no 可以)
    procedure: re.Pattern[str] | None = None  # 申请…补贴: the benefit is what a procedure is about
    procedure_after: re.Pattern[str] | None = None  # 补贴在5个工作日内完成审核
    modal_prefixes: str = ""  # 还应, 均可: an adverb jieba joins to the modal that follows it
    assigned_duty: re.Pattern[str] | None = None  # 由甲局负责解释: a duty beside a declaration
    list_announcement: re.Pattern[str] | None = None  # 符合下列条件之一的，可以申请。: a lead-in though it ends with 。


def load_triggers(path: Path) -> TriggerTable:
    try:
        data = read_yaml(path)
        literal: dict[str, str] = {}
        regex_cues: dict[str, list[str]] = {}
        for cls, cues in data["classes"].items():
            for cue in cues:
                if _LITERAL.fullmatch(cue) and cue not in literal:
                    literal[cue] = cls
                else:
                    regex_cues.setdefault(cls, []).append(cue)
        classes = {cls: re.compile("|".join(f"(?:{c})" for c in cues)) for cls, cues in regex_cues.items()}
        unknown = set(classes) - set(CLASSES)
        if unknown:
            raise ConfigError(path, f"unknown modality classes: {sorted(unknown)}")
        return TriggerTable(
            purpose=re.compile("^(?:" + "|".join(data["purpose_prefixes"]) + ")"),
            declaration=tuple(re.compile(p) for p in data["declaration_patterns"]),
            declaration_also=tuple(re.compile(p) for p in data.get("declaration_also", [])),
            classes=classes,
            literal=literal,
            sanction=re.compile(data["sanction"]),
            support_commitment=re.compile(data["support_commitment"]),
            inherit=bool(data.get("inherit_from_leadin", True)),
            modals=re.compile("|".join(f"(?:{c})" for c in data["modals"])),
            condition_end=re.compile(data["condition_end"]),
            modal_coordinators=re.compile(data["modal_coordinators"]),
            order={c: k for k, c in enumerate(data["classes"])},
            confidence={k: float(v) for k, v in (data.get("confidence") or {}).items()},
            default_class=str(data.get("default_class", "obligation")),
            benefit_noun=re.compile(data.get("benefit_noun", "(?!)")),
            word_starts_only=bool(data.get("word_starts_only", False)),
            procedure=re.compile(data["procedure"]) if data.get("procedure") else None,
            modal_prefixes="".join(data.get("modal_prefixes", ())),
            procedure_after=re.compile(data["procedure_after"]) if data.get("procedure_after") else None,
            assigned_duty=re.compile(data["assigned_duty"]) if data.get("assigned_duty") else None,
            list_announcement=re.compile(data["list_announcement"]) if data.get("list_announcement") else None,
        )
    except (OSError, KeyError, TypeError, re.error) as exc:
        raise ConfigError(path, f"bad modality triggers ({type(exc).__name__}: {exc})") from None


def literal_hits(text: str, table: TriggerTable) -> list[tuple[int, str]]:
    """(position, cue) of every literal cue in ``text``, overlapping ones included."""
    hits = []
    for cue in table.literal:
        pos = text.find(cue)
        while pos >= 0:
            hits.append((pos, cue))
            pos = text.find(cue, pos + 1)
    return hits


def find_triggers(
    text: str, table: TriggerTable, hits: list[tuple[int, str]] | None = None,
    word_starts: frozenset[int] | None = None,
) -> list[Trigger]:
    """All cues in ``text``; where cues overlap, the longer (then the earlier-listed class) wins.

    ``hits`` are the literal cues' (position, cue) found beforehand (by a PhraseMatcher);
    with ``word_starts`` (where the words of ``text`` start), a modal inside a word is none
    (可 in 许可, 即可, 认可以及; 要 in 重要; 应 in 相应).
    """
    found = [
        Trigger(m.group(), cls, m.start(), m.end())
        for cls, pattern in table.classes.items()
        for m in pattern.finditer(text)
        if m.end() > m.start()
    ]
    for pos, cue in literal_hits(text, table) if hits is None else hits:
        found.append(Trigger(cue, table.literal[cue], pos, pos + len(cue)))
    found += [Trigger(m.group(), "obligation", m.start(), m.end()) for m in table.sanction.finditer(text)]
    found += [Trigger(m.group(), "commitment", m.start(), m.end()) for m in table.support_commitment.finditer(text)]
    if table.procedure is not None:  # 申请一次性补贴的时限: a benefit a procedure is about grants nothing
        found = [t for t in found if not (t.cls == "commitment" and table.procedure.search(text, 0, t.start))]
    if table.procedure_after is not None:
        found = [t for t in found if not (t.cls == "commitment" and table.procedure_after.match(text, t.end))]
    if word_starts is not None:  # a modal inside a word is none; a directive verb in one (建立健全) still directs
        found = [t for t in found if t.start in word_starts or not _is_modal(t, table)
                 or (t.start - 1 in word_starts and text[t.start - 1] in table.modal_prefixes)]
    found.sort(key=lambda t: (-(t.end - t.start), table.order.get(t.cls, 99), t.start))
    kept: list[Trigger] = []
    for t in found:
        if not any(t.start < k.end and k.start < t.end for k in kept):
            kept.append(t)
    kept.sort(key=lambda t: t.start)
    return kept


def main_clause_start(text: str, table: TriggerTable) -> tuple[int, int]:
    """Offsets after the leading purpose/basis clauses, and after those and the conditions (…的，).

    Neither goes past the start of the last clause.
    """
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(text)]
    if not clauses:
        return 0, 0
    purpose_end = next(
        (a for k, (a, _) in enumerate(clauses) if k == len(clauses) - 1 or not table.purpose.match(text, a)),
        clauses[-1][0],
    )
    last_condition = max(
        (k for k, (a, b) in enumerate(clauses[:-1]) if table.condition_end.search(text[a:b])), default=-1
    )
    main = next(
        (a for k, (a, _) in enumerate(clauses)
         if k == len(clauses) - 1 or (k > last_condition and a >= purpose_end)),
        clauses[-1][0],
    )
    return purpose_end, main


def opens_list(text: str, end_mark: str, table: TriggerTable) -> bool:
    """Whether a statement ending with ``end_mark`` is the lead-in of the list that follows:
    it ends with ：, or it announces the conditions its items set out (符合下列条件之一的，
    可以申请。; the items under it, if any, complete it)."""
    if end_mark in ("：", ":"):
        return True
    return end_mark == "。" and table.list_announcement is not None and table.list_announcement.search(text) is not None


def _is_modal(trigger: Trigger, table: TriggerTable) -> bool:
    return table.modals.fullmatch(trigger.text) is not None


def classify_modality(
    text: str, table: TriggerTable, leadin: str | None = None, hits: list[tuple[int, str]] | None = None,
    word_starts: frozenset[int] | None = None, list_lead: bool = False, leadin_also: tuple[str, ...] = (),
) -> ModalityTag:
    """The primary modality of a statement, the other classes present, and the cues.

    ``leadin`` is the modality of the list lead-in (…不得有下列行为：) for an item: an item
    with no modal cue of its own takes it, and the lead-in's other classes (``leadin_also``)
    travel with it. ``list_lead``: the statement is itself a list's lead-in (``opens_list``).
    """
    triggers = find_triggers(text, table, hits, word_starts)
    purpose_end, start = main_clause_start(text, table)

    def tag(cls: str, main: Trigger | None, rule: str, also: list[str] | None = None,
            inherited_also: tuple[str, ...] = ()) -> ModalityTag:
        return ModalityTag(cls, also or [], triggers, start, main, rule, purpose_end, inherited_also)

    declared = any(p.search(text) for p in table.declaration)
    if declared and (table.assigned_duty is None or not table.assigned_duty.search(text)):
        return tag("declaration", None, "declaration")
    # a declaration that also assigns a duty to a named body (…自发布之日起施行，由甲局负责解释)
    # has a directive predicate: GUIDELINES 4 keeps `declaration` for statements with none
    in_main = [t for t in triggers if t.start >= start] or triggers
    modal = next((t for t in in_main if _is_modal(t, table)), None)
    # an item takes its lead-in's class unless a modal of its own decides; a definition's items
    # (…是指具备下列条件之一者：) take `declaration` only when they have no trigger at all
    if leadin and table.inherit and modal is None and (leadin != "declaration" or not triggers):
        return tag(leadin, None, "inherited", inherited_also=tuple(leadin_also))
    main = in_main[0] if in_main else None
    if (
        main is not None
        and modal is not None
        and main.cls == "obligation"
        and not _is_modal(main, table)
        and not table.modal_coordinators.search(text, 0, modal.start)
        and not (list_lead and modal.cls == "permission" and _CLAUSE_BREAK.search(text, main.end, modal.start))
    ):
        # 重点建设工程的…人员不得流动: the directive word sits in the subject; not in a list's
        # lead-in where it has a clause of its own before a permission (加大引进力度，下列人员可
        # 申请办理：); a duty after it keeps its class (设立甲机构，应当具备下列条件：)
        main = modal
    if main is not None and main.cls == "obligation" and not _is_modal(main, table) and text[start:start + 1] in "对为向":
        # 对新引进的人才给予…: a directive word inside the prepositional object does not count
        main = next(
            (
                t for t in in_main
                if (t.cls != "obligation" or _is_modal(t, table))
                and not (_is_modal(t, table) and table.modal_coordinators.search(text, 0, t.start))
            ),
            main,
        )
    if main is None:
        # no cue: a noun phrase or a condition is a prescription of the issuer (GUIDELINES 8),
        # a benefit noun a commitment
        cls = "commitment" if table.benefit_noun.search(text) else table.default_class
        return tag(cls, None, "default")
    also = {t.cls for t in triggers} - {main.cls}
    if (declared or any(p.search(text) for p in table.declaration_also)) and main.cls != "declaration":
        also.add("declaration")
    return tag(main.cls, main, "cue", sorted(also, key=CLASSES.index))
