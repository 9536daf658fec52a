"""Responsible actors and their roles (GUIDELINES section 5), and implied_issuer.

Mentions are ORG entities, talent categories and collective words; a role comes from
the cues before and after a mention (``models/actors/roles.yaml``). Canonical names and
types come from ``models/actors/canonical.csv`` and ``types.yaml``; deictic references
(我区, 区委区政府) resolve to the document's issuers.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any


from ..errors import ConfigError
from ..resources import read_yaml
from .entities import Entity
from .modality import ModalityTag

IMPLYING = {"obligation", "prohibition", "commitment", "permission", "exploration"}
DOER_ROLES = {"responsible", "lead", "addressee"}
_MASK = "Ⓜ"  # a candidate mention
_OTHER = "Ⓔ"  # another entity (a place, an industry…): cue words inside it do not count
_AMOUNT = "Ⓨ"  # a MONEY entity, hidden like the others but visible to cues (博士研究生每人Ⓨ…)
_HIDDEN = _MASK + _OTHER + _AMOUNT
_CLAUSE_BREAK = re.compile(r"[，,；;：:。]")
_BARE_TALENT = re.compile("人才")
_ALIAS = re.compile(r"[（(]以下(简称|称)[^）)]*[）)]?")


@dataclass(frozen=True)
class ActorMention:
    text: str
    role: str
    start: int
    end: int
    canonical: str
    type: str


@dataclass(frozen=True)
class Candidate:
    """A span considered as an actor: ``start`` takes in coordinated levels (市或者区、县…),
    ``core`` is where the entity or word itself starts."""

    start: int
    end: int
    core: int
    kind: str  # ORG, TALENT, BODY, COLLECTIVE, PLACE, PERSON or BARE
    role: str | None  # the rules' role; None: not an actor for the rules
    reason: str  # the rule that decided


@dataclass(frozen=True)
class RoleRules:
    order: tuple[str, ...]
    before: dict[str, re.Pattern[str] | None]
    after: dict[str, re.Pattern[str] | None]
    after_window: int
    frames: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]
    bridge: re.Pattern[str]
    collective: re.Pattern[str]
    places: re.Pattern[str] | None
    persons: re.Pattern[str] | None
    bodies: re.Pattern[str]
    np_end: re.Pattern[str]
    not_actor_after: re.Pattern[str]
    beneficiary_only: frozenset[str]
    talent_subject_benefits: frozenset[str]
    platform_roles: frozenset[str]
    belongs_join: re.Pattern[str] | None
    served_by: re.Pattern[str]
    relative: re.Pattern[str] | None  # 作出突出贡献的人才: a generic head its relative clause names
    relative_openers: re.Pattern[str]  # prepositions left out of the mention (对…的人才)
    relative_longest: int  # characters of the longest mention it makes
    deictic: tuple[str, ...]
    subject_at_clause_start: bool
    not_actor_before: re.Pattern[str]
    not_actor_in_clause: re.Pattern[str]
    explicit_doer: re.Pattern[str]
    modifier_of: re.Pattern[str]
    lead_in_noise: re.Pattern[str]
    body_level: re.Pattern[str]
    coordination: re.Pattern[str]
    actor_prefix: re.Pattern[str]
    aliases: dict[str, tuple[str, str]]
    types: tuple[tuple[re.Pattern[str], str], ...]
    default_type: str
    noun_tags: frozenset[str] = frozenset()  # jieba tags of a noun that an organisation before it modifies
    listed_as: dict[str, str] = field(default_factory=dict)  # lead-in class -> role of the people its items list
    listed_people: re.Pattern[str] | None = None  # a conjunct of such an item that names people
    defined_term: re.Pattern[str] | None = None  # the term a definition defines (group ``term``)
    lead_in_predicate: re.Pattern[str] | None = None  # a lead cue anywhere in a subject's predicate


def _alt(patterns: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def _places(names: list[str]) -> re.Pattern[str] | None:
    """Place words, coordinated (市、区), that stand for their governments when they act."""
    if not names:
        return None
    alt = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(f"(?:{alt})(?:[、和及](?:{alt}))*")


def _relative(spec: dict[str, Any]) -> re.Pattern[str] | None:
    """A clause-initial relative clause ending in 的 and the generic head it names."""
    if not spec:
        return None
    heads = "|".join(map(re.escape, sorted(spec["heads"], key=len, reverse=True)))
    return re.compile(f"(?<![^，,；;：:。])[^，,；;：:。]{{{spec['min']},{spec['max']}}}?的(?P<head>{heads})(?={spec['follow']})")


def _persons(folder: Path, roles: dict) -> re.Pattern[str] | None:
    """Person categories that are actor candidates standing alone: the TALENT heads of the
    entity patterns (毕业生, 留学人员…) and the words of ``persons`` (配偶, 申请人…); not
    where a name's head follows (学人中心, 青年之家: a body or a carrier named after them)."""
    words = set(roles.get("persons", []))
    names: set[str] = set()
    source = roles.get("person_heads_from")
    if source:
        labels = read_yaml(folder / source)["labels"]
        words |= set(labels["TALENT"]["heads"])
        names = {h for lab in ("ORG", "PLATFORM", "EVENT", "PROGRAM") for h in labels.get(lab, {}).get("heads", [])}
    words -= set(roles.get("beneficiary_only", []))  # a bare 人才: its own rule
    if not words:
        return None
    alt = "|".join(map(re.escape, sorted(words, key=len, reverse=True)))
    heads = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(f"(?:{alt})" + (f"(?![之的]?(?:{heads}))" if heads else ""))


def load_role_rules(folder: Path) -> RoleRules:
    folder = Path(folder)
    try:
        roles = read_yaml(folder / "roles.yaml")
        relative = roles.get("relative_clause") or {}
        types = read_yaml(folder / "types.yaml")
        aliases: dict[str, tuple[str, str]] = {}
        with (folder / "canonical.csv").open(encoding="utf-8", newline="") as f:
            for n, row in enumerate(csv.DictReader(f), 2):
                if not row.get("alias") or not row.get("canonical") or not row.get("type"):
                    raise ConfigError(f"{folder / 'canonical.csv'}:{n}", "alias, canonical and type are required")
                aliases[row["alias"]] = (row["canonical"], row["type"])
        collective = list(roles["collective"])  # regexes, in the file's order
        bodies = sorted(roles["collective_bodies"], key=len, reverse=True)
        bridge_mask = roles["bridge"].replace("\\s]", f"\\s{_HIDDEN}]")
        return RoleRules(
            order=tuple(roles["order"]),
            before={r: _alt([p + "" for p in v.get("before", [])]) for r, v in roles["roles"].items()},
            after={r: _alt(v.get("after", [])) for r, v in roles["roles"].items()},
            after_window=int(roles["after_window"]),
            frames=tuple((f["role"], re.compile(f["before"]), re.compile(f["after"])) for f in roles.get("frames", [])),
            bridge=re.compile(bridge_mask),
            collective=re.compile("|".join(collective)),
            places=_places(roles.get("places_as_government", [])),
            persons=_persons(folder, roles),
            bodies=re.compile("|".join(map(re.escape, bodies))),
            np_end=re.compile(roles["np_end"]),
            not_actor_after=re.compile(roles["not_actor_after"]),
            beneficiary_only=frozenset(roles["beneficiary_only"]),
            talent_subject_benefits=frozenset(roles.get("talent_subject_benefits", ())),
            platform_roles=frozenset(roles.get("platform_roles", ())),
            belongs_join=re.compile(roles["belongs_join"]) if roles.get("belongs_join") else None,
            served_by=re.compile(roles.get("served_by") or "(?!)"),
            relative=_relative(relative),
            relative_openers=re.compile("|".join(map(re.escape, relative.get("openers", ()))) or "(?!)"),
            relative_longest=int(relative.get("longest", 40)),
            deictic=tuple(roles["deictic"]),
            subject_at_clause_start=bool(roles.get("subject_at_clause_start", False)),
            not_actor_before=re.compile(roles["not_actor_before"]),
            not_actor_in_clause=re.compile(roles["not_actor_in_clause"]),
            explicit_doer=re.compile(roles["explicit_doer"]),
            modifier_of=re.compile(roles.get("modifier_of", "(?!)")),
            lead_in_noise=re.compile(roles["lead_in_noise"]),
            body_level=re.compile(roles["body_level"]),
            coordination=re.compile(roles["coordination"]),
            actor_prefix=re.compile(roles["actor_prefix"]),
            aliases=aliases,
            types=tuple((re.compile(t["match"]), t["type"]) for t in types["types"]),
            default_type=types["default"],
            noun_tags=frozenset(roles.get("noun_tags", ())),
            listed_as=dict(roles.get("listed_as") or {}),
            listed_people=re.compile(roles["listed_people"]) if roles.get("listed_people") else None,
            defined_term=re.compile(roles["defined_term"]) if roles.get("defined_term") else None,
            lead_in_predicate=_alt(roles.get("lead_in_predicate") or []),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(folder, f"bad actor rules ({type(exc).__name__}: {exc})") from None


def canonicalise(text: str, rules: RoleRules, issuers: list[str]) -> tuple[str, str]:
    """(canonical name, type) of a mention; a deictic body resolves to the matching issuer."""
    if text in rules.aliases:
        return rules.aliases[text]
    name = text
    if re.fullmatch(r"[区市省县](委|政府|人民政府)", text):
        kind = "委" if text.endswith("委") else "政府"
        match = next((i for i in issuers if i.endswith(kind) and text[0] in i), None)
        name = match or text
    kind = next((t for pattern, t in rules.types if pattern.search(name)), rules.default_type)
    return name, kind


def _role(masked: str, start: int, end: int, rules: RoleRules, clause_start: int) -> str | None:
    """The role the cues around ``masked[start:end]`` give, or None."""
    before = masked[clause_start:start]
    after = masked[end : end + rules.after_window]
    after = _CLAUSE_BREAK.split(after, maxsplit=1)[0]  # an after-cue stays in the mention's clause
    for role, before_cue, after_cue in rules.frames:
        if before_cue.search(before) and after_cue.match(masked[end:]):
            return role
    for role in rules.order:
        pat = rules.after.get(role)
        if pat is not None and pat.match(after):
            return role
        pat = rules.before.get(role)
        if pat is not None:
            for m in pat.finditer(before):
                if rules.bridge.match(before[m.end() :]):
                    return role
    return None


@dataclass(frozen=True)
class _Frame:
    """What the role rules read of one statement, found once for all its candidates."""

    text: str
    masked: str
    tag: ModalityTag
    breaks: list[int]  # where each clause starts
    alias_spans: list[tuple[int, int]]  # aliases being defined (（以下简称市人事局）)
    defined: tuple[tuple[int, int], ...]  # terms definitions define (本办法所称用人单位，是指…)
    benefit: bool  # the statement grants something (``talent_subject_benefits``)
    listed: str | None  # the role of the people an item lists (``_listed_role``)


def _opens_clause(masked: str, s: int) -> bool:
    return s == 0 or masked[s - 1] in "，,；;：:"


def _rule_role(
    frame: _Frame, rules: RoleRules, s: int, e: int, kind: str, previous: tuple[int, str] | None,
    modifies: bool = False,
) -> tuple[str | None, str]:
    """The role the rules give the candidate ``frame.text[s:e]`` (None: not an actor) and why."""
    text, masked, tag, breaks = frame.text, frame.masked, frame.tag, frame.breaks
    if any(a <= s < b for a, b in frame.alias_spans):
        return None, "alias"  # an alias being defined: （以下简称市人事局）
    if text[s:e] in rules.deictic:
        return None, "deictic"  # 区委区政府 as the doer: the issuing authorities themselves (implied_issuer)
    if any(a <= s and e <= b for a, b in frame.defined):
        return None, "defined"  # 本办法所称用人单位，是指…: the term a definition defines acts in nothing
    clause_start = breaks[bisect.bisect_right(breaks, s) - 1]
    lead_in = masked[clause_start:s]
    head_of_np = rules.np_end.match(masked[e:].lstrip(_HIDDEN + "、和及与等"))
    trimmed = lead_in.rstrip(_HIDDEN + "、")
    trimmed = rules.lead_in_noise.sub("", trimmed).rstrip(_HIDDEN + "、")
    if head_of_np and (rules.not_actor_before.search(trimmed) or rules.not_actor_in_clause.search(lead_in)):
        return None, "made"  # 设立人才交流服务机构: the object made, not an actor
    if rules.not_actor_after.match(masked[e:]):
        return None, "possessor"  # 市委关于…的部署要求: the possessor of a nominal act
    role = _role(masked, s, e, rules, clause_start)
    reason = "cue" if role else "none"
    coordinated = previous is not None and rules.coordination.match(masked[previous[0] : s])
    if role is None and coordinated:
        role, reason = previous[1], "coordinated"  # 单位和个人: the second shares the first one's role
    span = text[s:e]
    at_start = _opens_clause(masked, s)
    # a qualified topic closing its clause (在基地就业满1年的港澳青年，…可领取…) stands where a subject does
    topic = s < tag.pivot and "的" in lead_in and masked[e : e + 1] in "，,"
    subject = at_start or topic
    permitted = tag.modality == "permission" and s < tag.pivot  # 毕业生…可申请补贴: the modal decides
    if kind == "BARE" or span in rules.beneficiary_only:
        if role != "beneficiary":
            return None, "bare"
    elif kind in ("TALENT", "PERSON"):
        # talent can hold any role; without a cue only as the subject of its clause, or as one
        # of the people an item lists under a permission lead-in (符合下列条件之一的，可以申请：)
        if role is None and frame.listed and not any(clause_start <= t.start < s for t in tag.triggers):
            # (not the object of a verb of its own: 聘请科研人员)
            role, reason = frame.listed, "listed"
        if role is None and not (rules.subject_at_clause_start and subject):
            return None, "no_cue"
        if role is None and frame.benefit and not permitted:
            role, reason = "beneficiary", "benefit_subject"  # 留学人员来京创业的，给予…: the subject of a benefit
        elif role is None and not permitted and rules.served_by.search(masked, e):
            role, reason = "beneficiary", "served"  # 留学人员…，由市人事局为其办理…: another body acts for them
    elif kind in ("COLLECTIVE", "PLACE"):
        if role is None and not (rules.subject_at_clause_start and at_start):
            return None, "no_cue"
    elif role is None and frame.benefit and s < tag.pivot and "的" in lead_in and masked[e:e + 1] in "，,":
        role, reason = "beneficiary", "qualified"  # 登记注册满一年的企业，给予…: the one a condition qualifies
    if role is None and kind == "ORG" and modifies and s > clause_start \
            and not rules.explicit_doer.search(text, max(0, s - 4), s):
        # 企业开办费, 高校本科毕业生, 单位编制: it names what the noun belongs to; not where a
        # subject stands (clause start, after 由), where jieba tags verbs nouns (依法, 规定)
        return None, "modifier"
    if role is None:
        role, reason = "responsible", "default"
    if role == "responsible" and permitted and (tag.main_start <= s or subject):
        role, reason = "addressee", "permitted"  # 当事人…可以…: the permitted doer
    return role, reason


def _listed_role(tag: ModalityTag, rules: RoleRules) -> str | None:
    """The role of the people an item lists when it completes a lead-in of a ``listed_as``
    class, primary or in its `also` (加大引才力度，下列人员可申请办理：): they hold it unless
    a verb of the item governs them (``_rule_role``); None for other statements."""
    if tag.from_rule != "inherited":
        return None
    return next((rules.listed_as[c] for c in (tag.modality, *tag.leadin_also) if c in rules.listed_as), None)


def _untaken(matches: Iterable[re.Match[str]], taken: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans of ``matches`` that overlap nothing in ``taken``, each added to it in turn."""
    for m in matches:
        a, b = m.start(), m.end()
        if a < b and not any(a < e and s < b for s, e in taken):
            taken.append((a, b))
            yield a, b


def _relative_spans(text: str, cands: list[tuple[int, int, str]], rules: RoleRules) -> list[tuple[int, int, str]]:
    """A candidate that is a generic head (人才, 部门, 单位) qualified by a relative clause
    opening its clause (作出突出贡献的人才, 收到举报的部门) is named by the clause: the mention
    spans both, from after a leading preposition (对…的人才给予…); a clause holding another
    candidate is left alone."""
    assert rules.relative is not None
    out = list(cands)
    for m in rules.relative.finditer(text):
        s, hs, he = m.start(), m.start("head"), m.end("head")
        opener = rules.relative_openers.match(text, s)
        if opener:
            s = opener.end()
        if any(s < e and c < hs for c, e, _ in out) or he - s > rules.relative_longest:
            continue  # another candidate inside the clause
        # only a candidate that is the head itself (not part of a longer name); a bare 人员 is
        # none (as a new candidate it made more false doers than actors on held-out text)
        head = next((c for c in out if c[0] <= hs and he <= c[1]), None)
        if head is None or head[:2] != (hs, he):
            continue
        out = [c for c in out if c != head] + [(s, he, "TALENT" if head[2] == "BARE" else head[2])]
    return out


def _join_belonging(text: str, cands: list[tuple[int, int, str]], join: re.Pattern[str]) -> list[tuple[int, int, str]]:
    """``X及其Y``, Y belonging to X (机关及其工作人员), as one mention of X's kind (GUIDELINES 8)."""
    out: list[tuple[int, int, str]] = []
    for c in cands:
        if out and join.fullmatch(text, out[-1][1], c[0]):
            out[-1] = (out[-1][0], c[1], out[-1][2])
        else:
            out.append(c)
    return out


@dataclass(frozen=True)
class Context:
    """A statement's candidates as the rules see them: its text with every candidate masked
    (``_MASK``) and every other entity hidden (``_OTHER``, an amount ``_AMOUNT``), and its modality."""

    text: str
    masked: str
    tag: ModalityTag
    candidates: tuple[Candidate, ...]
    breaks: tuple[int, ...] = (0,)  # where each clause starts: 0, and after each clause break


def candidates(text: str, entities: list[Entity], tag: ModalityTag, rules: RoleRules,
               nouns: frozenset[int] = frozenset()) -> Context:
    """Every span of one statement considered as an actor, with the rules' role or the
    reason they drop it; ``nouns`` are the offsets where a noun word starts."""
    cands: list[tuple[int, int, str]] = []  # start, end, kind
    taken = [(e.start, e.end) for e in entities if e.label in ("ORG", "TALENT", "PLATFORM")]
    for e in entities:
        if e.label in ("ORG", "TALENT"):
            cands.append((e.start, e.end, e.label))
        elif e.label == "PLATFORM":  # judged as a body; kept in `platform_roles` only
            cands.append((e.start, e.end, "ORG"))
    bodies: list[list[int]] = []
    for m in rules.bodies.finditer(text):
        if any(m.start() < e and s < m.end() for s, e in taken):
            continue
        if bodies and bodies[-1][1] == m.start():
            bodies[-1][1] = m.end()  # 领导班子党员领导干部: one mention
        else:
            level = rules.body_level.search(text, 0, m.start())
            bodies.append([level.start() if level else m.start(), m.end()])
    for s, e in bodies:
        # 人事局工作人员: the staff of a body named just before them are one mention
        owner = next((c for c in cands if c[1] == s and c[2] == "ORG"), None)
        if owner is not None:
            cands.remove(owner)
            s = owner[0]
        cands.append((s, e, "BODY"))
        taken.append((s, e))
    cands.extend((a, b, "COLLECTIVE") for a, b in _untaken(rules.collective.finditer(text), taken))
    cue_starts = {t.start for t in tag.triggers}
    if rules.places is not None:
        # 市、区建立…, 各区要…: a place opening its clause, right before a directive or modal cue
        acting = (m for m in rules.places.finditer(text)
                  if (m.start() == 0 or text[m.start() - 1] in "，,；;：:由") and m.end() in cue_starts)
        cands.extend((a, b, "PLACE") for a, b in _untaken(acting, taken))
    if rules.persons is not None:
        cands.extend((a, b, "PERSON") for a, b in _untaken(rules.persons.finditer(text), taken))
    listed = _listed_role(tag, rules)
    if rules.listed_people is not None and listed:
        # 演员、摄影师，年龄在四十周岁以下: each person noun an item lists is a mention
        cands.extend((a, b, "PERSON") for a, b in _untaken(rules.listed_people.finditer(text), taken))
    cands.extend((a, b, "BARE") for a, b in _untaken(_BARE_TALENT.finditer(text), taken))
    if rules.relative is not None:
        cands = _relative_spans(text, cands, rules)
    cands.sort()
    if rules.belongs_join is not None:
        cands = _join_belonging(text, cands, rules.belongs_join)
    chars = list(text)
    for e in entities:
        if e.label not in ("ORG", "TALENT"):
            chars[e.start : e.end] = (_AMOUNT if e.label == "MONEY" else _OTHER) * (e.end - e.start)
    for s, e, _ in cands:
        chars[s:e] = _MASK * (e - s)
    masked = "".join(chars)
    breaks = [0] + [m.end() for m in _CLAUSE_BREAK.finditer(masked)]
    frame = _Frame(
        text, masked, tag, breaks,
        alias_spans=[(m.start(), m.end()) for m in _ALIAS.finditer(text)],
        defined=tuple((m.start("term"), m.end("term")) for m in rules.defined_term.finditer(text))
        if rules.defined_term is not None else (),
        benefit=tag.modality in rules.talent_subject_benefits or bool(rules.talent_subject_benefits & set(tag.also)),
        listed=listed,
    )
    out: list[Candidate] = []
    previous: tuple[int, str] | None = None  # end and role of the last mention kept
    platforms = {(e.start, e.end) for e in entities if e.label == "PLATFORM"}
    # a noun right after a candidate that starts no other candidate or entity and is no modality
    # cue (由市人事局规定: jieba tags 规定 a noun): the candidate modifies that noun
    modified = nouns - {c[0] for c in cands} - {x.start for x in entities} - cue_starts
    for s, e, kind in cands:
        role, reason = _rule_role(frame, rules, s, e, kind, previous, e in modified)
        if (s, e) in platforms and role is not None and role not in rules.platform_roles:
            role, reason = None, "platform"  # a platform is an actor only in these roles
        if reason == "made":
            previous = None
        m = rules.actor_prefix.search(text[:s])
        out.append(Candidate(m.start() if m else s, e, s, kind, role, reason))
        if role is not None:
            previous = (e, role)
    if rules.lead_in_predicate is not None:
        out = _lead_by_predicate(out, masked, rules)
    return Context(text, masked, tag, tuple(out), tuple(breaks))


def _lead_by_predicate(cands: list[Candidate], masked: str, rules: RoleRules) -> list[Candidate]:
    """A responsible subject (opening its clause) whose predicate, up to the next subject,
    holds a lead cue leads (县级以上人民政府应当统筹…, 甲局应当会同乙局…, 丁局组织有关部门…), and
    so do the subjects coordinated with it (甲局和乙局应当会同…)."""
    assert rules.lead_in_predicate is not None
    out = list(cands)
    opens = [k for k, c in enumerate(out) if c.role in DOER_ROLES and _opens_clause(masked, c.core)]
    for n, k in enumerate(opens):
        if out[k].role != "responsible":
            continue
        group = [k]
        while group[-1] + 1 < len(out) and out[group[-1] + 1].role == "responsible" \
                and rules.coordination.match(masked[out[group[-1]].end:out[group[-1] + 1].core]):
            group.append(group[-1] + 1)
        stop = out[opens[n + 1]].core if n + 1 < len(opens) else len(masked)
        if rules.lead_in_predicate.search(masked, out[group[-1]].end, stop):
            for j in group:
                out[j] = replace(out[j], role="lead", reason="lead_predicate")
    return out


def _in_modifier(text: str, m: ActorMention, pivot: int, rules: RoleRules, breaks: tuple[int, ...]) -> bool:
    """Whether mention ``m``, before the main predicate, sits in a modifier of another noun:
    right before a 的 that a noun follows (甲大学的教师应当…), or inside its clause and
    before such a 的 (被乙局认定的丙企业，给予…); a mention opening its clause is that
    clause's subject (丁单位违反合同约定的，应当…; 当事人对戊的裁决不服的，可以…).
    ``breaks`` are where the statement's clauses start (``Context.breaks``)."""
    if rules.modifier_of.match(text, m.end):
        return True
    k = bisect.bisect_right(breaks, m.start) - 1
    if not rules.lead_in_noise.sub("", text[breaks[k]:m.start]):
        return False  # only determiners before it: it opens its clause
    after = bisect.bisect_right(breaks, m.end)  # the clause break after it ends the search
    end = min(breaks[after] - 1, pivot) if after < len(breaks) else pivot
    return rules.modifier_of.search(text, m.end, end) is not None


def find_actors(
    text: str,
    entities: list[Entity],
    tag: ModalityTag,
    rules: RoleRules,
    issuers: list[str],
    model: Any = None,
    out: list[Context] | None = None,
    nouns: frozenset[int] = frozenset(),
) -> tuple[list[ActorMention], bool]:
    """Actor mentions of one statement (offsets relative to it) and its implied_issuer flag.

    The roles are the rules' or, with a trained ``model`` (``actor_model.ActorModel``), the
    model's, which sees the rules' decisions among its features. The statement's
    candidates are appended to ``out`` when given (the trained model's examples)."""
    ctx = candidates(text, entities, tag, rules, nouns)
    if out is not None:
        out.append(ctx)
    roles = model.roles(ctx) if model is not None else [c.role for c in ctx.candidates]
    mentions: list[ActorMention] = []
    # the mentions an item lists: its lead-in's doer is its doer (GUIDELINES 8)
    listed = {(c.start, c.end) for c in ctx.candidates if c.reason == "listed"}
    for c, role in zip(ctx.candidates, roles):
        if role is None:
            continue
        a, e = c.start, c.end
        if any(m.text == text[a:e] and m.role == role for m in mentions):
            continue  # one mention per name and role in a statement
        canonical, kind_name = canonicalise(text[a:e], rules, issuers)
        mentions.append(ActorMention(text[a:e], role, a, e, canonical, kind_name))
    implied = False
    if tag.modality in IMPLYING:
        pivot = tag.pivot
        implied = not any(
            m.role in DOER_ROLES
            and (m.start, m.end) not in listed
            and (
                (tag.purpose_end <= m.start < pivot and not _in_modifier(text, m, pivot, rules, ctx.breaks))
                or rules.explicit_doer.search(text, max(0, m.start - 4), m.start)
            )
            for m in mentions
        )
    return mentions, implied
