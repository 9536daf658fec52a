"""Entities (GUIDELINES section 7): regexes, a gazetteer and a head-driven noun-phrase chunker.

All rules are data in ``models/patterns/entities.yaml``. ``find_entities`` is pure:
it takes a line of normalised text and its jieba tokens and returns spans.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any


from ..errors import ConfigError
from ..resources import read_yaml

Token = tuple[str, int, int, str]
ADMIN_LEVELS = frozenset("省市区县乡镇")
PREPOSITIONS = frozenset("由对向为在从将把被给与和及经以")
_DOC_TITLE = re.compile(r"《([^《》\n]{2,60})》")
_BRACKET = re.compile(r"[（(][\u4e00-\u9fff]{1,6}[）)]")
_QUOTE_CHAIN = re.compile(r"(“[^“”\n]{1,20}”)*等?(\S{0,2})")
CHUNK_LABELS = ("ORG", "PLATFORM", "EVENT", "PROGRAM", "TALENT")
LABEL_PRIORITY = ("DOC", "MONEY", "DATE", "ORG", "PLATFORM", "EVENT", "PROGRAM", "TALENT", "INDUSTRY", "LOC")
_CLAUSE_PUNCT = set("，。；：！？,;:!?")  # a name holds quotes and brackets, never these
_PUNCT = set("，。、；：！？“”‘’《》（）()【】—…·,.;:!?\"' \t\n")
_ZH_NUM = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
_UNIT = {"万亿": 1e12, "亿": 1e8, "万": 1e4, "千": 1e3, "百": 1e2, None: 1}
_BOUND = {"最高": "max", "最多": "max", "不超过": "max", "不高于": "max", "以下": "max", "以内": "max",
          "及以下": "max", "最低": "min", "不低于": "min", "至少": "min", "以上": "min", "及以上": "min"}


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    label: str
    text: str
    value: float | None = None
    bound: str | None = None
    norm: str | None = None  # normalised DATE


@dataclass(frozen=True)
class LabelRules:
    terms: tuple[str, ...]
    heads: tuple[str, ...]
    generic_heads: frozenset[str]
    needs_modifier: bool
    class_terms: frozenset[str] = frozenset()
    not_heads: frozenset[str] = frozenset()
    compound_suffixes: tuple[str, ...] = ()
    head_set: frozenset[str] = field(init=False)
    head_max: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "head_set", frozenset(self.heads))
        object.__setattr__(self, "head_max", max((len(h) for h in self.heads), default=0))


@dataclass(frozen=True, eq=False)
class EntityRules:
    labels: dict[str, LabelRules]
    program_heads: tuple[str, ...]
    program_context: tuple[str, ...]
    quoted_max: int
    strip_prefixes: tuple[str, ...]
    strip_prefixes_org: tuple[str, ...]
    strip_prefixes_talent: tuple[str, ...]
    bracket_not: re.Pattern[str]
    term_not_after: dict[str, re.Pattern[str]]
    np_verbs: frozenset[str]
    np_tags: frozenset[str]
    np_inner_tags: frozenset[str]
    np_stop: frozenset[str]
    named_tags: frozenset[str]
    named_chars: frozenset[str]
    loc_stop: frozenset[str]
    loc_motion_prefixes: frozenset[str]
    modifier_suffixes: frozenset[str]
    not_entities: frozenset[str]
    named_unknown_min: int
    name_numeral_min: int
    quantity_openers: str
    glue_tags: frozenset[str]
    coordinators: frozenset[str]
    range_words: tuple[str, ...]
    name_conjunctions: frozenset[str]
    quoted_platform_heads: tuple[str, ...]
    bureau_heads: tuple[str, ...]
    money: re.Pattern[str]
    dates: tuple[re.Pattern[str], ...]
    inner_determiners: frozenset[str] = frozenset()
    break_tags: frozenset[str] = frozenset()
    date_evidence: re.Pattern[str] | None = None
    level_conjuncts: re.Pattern[str] | None = None
    list_closers: frozenset[str] = frozenset()
    restore_labels: frozenset[str] = frozenset()
    restore_min_chars: int = 0
    conjunct_tokens: int = 0
    home_name: re.Pattern[str] | None = None

    def head_labels(self, word: str) -> list[str]:
        """Labels one of whose heads ends ``word`` or (TALENT) opens a compound, in chunking order."""
        cached = self._label_memo.get(word)
        if cached is None:
            cached = self._label_memo[word] = self._head_labels(word)
        return cached

    @cached_property
    def _label_memo(self) -> dict[str, list[str]]:
        return {}

    def _head_labels(self, word: str) -> list[str]:
        index, longest = self.head_index
        found: set[str] = set()
        for k in range(1, min(len(word), longest) + 1):
            found.update(index.get(word[-k:], ()))
            if word[k:] in self.compounds and word[:k] in index:
                found.add("TALENT")
        return [label for label in CHUNK_LABELS if label in found]

    @cached_property
    def head_index(self) -> tuple[dict[str, tuple[str, ...]], int]:
        index: dict[str, list[str]] = {}
        for label in CHUNK_LABELS:
            for h in self.labels[label].heads if label in self.labels else ():
                index.setdefault(h, []).append(label)
        return {h: tuple(v) for h, v in index.items()}, max(map(len, index), default=0)

    @cached_property
    def compounds(self) -> frozenset[str]:
        return frozenset(self.labels["TALENT"].compound_suffixes) if "TALENT" in self.labels else frozenset()

    @cached_property
    def org_terms(self) -> frozenset[str]:
        return frozenset(self.labels["ORG"].terms)

    @cached_property
    def org_classes(self) -> frozenset[str]:
        return self.labels["ORG"].class_terms


@lru_cache(maxsize=8)
def load_entity_rules(path: Path) -> EntityRules:
    try:
        data: dict[str, Any] = read_yaml(path)
        labels = {
            name: LabelRules(
                terms=tuple(row.get("terms", ())),
                heads=tuple(sorted(row.get("heads", ()), key=len, reverse=True)),
                generic_heads=frozenset(row.get("generic_heads", ())),
                needs_modifier=bool(row.get("needs_modifier", False)),
                class_terms=frozenset(row.get("class_terms", ())),
                not_heads=frozenset(row.get("not_heads", ())),
                compound_suffixes=tuple(row.get("compound_suffixes", ())),
            )
            for name, row in data["labels"].items()
        }
        return EntityRules(
            labels=labels,
            program_heads=tuple(data["quoted"]["program_heads"]),
            program_context=tuple(data["quoted"]["program_context"]),
            quoted_max=int(data["quoted"]["max_chars"]),
            strip_prefixes=tuple(sorted(data["strip_prefixes"], key=len, reverse=True)),
            strip_prefixes_org=tuple(data["strip_prefixes_org_only"]),
            strip_prefixes_talent=tuple(data["strip_prefixes_talent_only"]),
            bracket_not=re.compile(data["bracket_not"]),
            term_not_after={t: re.compile(p) for t, p in data["term_not_after"].items()},
            np_verbs=frozenset(data["np_verbs"]),
            np_tags=frozenset(data["np_tags"]),
            np_inner_tags=frozenset(data.get("np_inner_tags", [])),
            np_stop=frozenset(data["np_stop"]),
            named_tags=frozenset(data["named_tags"]),
            named_chars=frozenset(data["named_chars"]),
            loc_stop=frozenset(data["loc_stop"]),
            loc_motion_prefixes=frozenset(data.get("loc_motion_prefixes", ())),
            modifier_suffixes=frozenset(data["modifier_suffixes"]),
            not_entities=frozenset(data["not_entities"]),
            named_unknown_min=int(data["named_unknown_min"]),
            name_numeral_min=int(data["name_numeral_min"]),
            quantity_openers=str(data["quantity_openers"]),
            glue_tags=frozenset(data.get("glue_tags", ())),
            coordinators=frozenset(data.get("coordinators", ())),
            range_words=tuple(data.get("range_words", ())),
            name_conjunctions=frozenset(data.get("name_conjunctions", ())),
            inner_determiners=frozenset(data.get("inner_determiners", ())),
            break_tags=frozenset(data.get("break_tags", ())),
            date_evidence=re.compile(data["date_evidence"]) if data.get("date_evidence") else None,
            level_conjuncts=_level_pattern(data.get("level_conjuncts") or {}),
            restore_labels=frozenset(data.get("tagger_restores", {}).get("labels", ())),
            restore_min_chars=int(data.get("tagger_restores", {}).get("min_chars", 0)),
            list_closers=frozenset(data.get("shared_head", {}).get("list_closers", ())),
            conjunct_tokens=int(data.get("shared_head", {}).get("conjunct_tokens", 0)),
            home_name=re.compile(data["home_name"]) if data.get("home_name") else None,
            quoted_platform_heads=tuple(data["quoted"].get("platform_heads", ())),
            bureau_heads=tuple(data.get("bureau_heads", ())),
            money=re.compile(data["money"]),
            dates=tuple(re.compile(p) for p in data["date"]),
        )
    except (OSError, KeyError, TypeError, AttributeError, re.error) as exc:
        raise ConfigError(path, f"bad entity rules ({type(exc).__name__}: {exc})") from None


def zh_to_number(text: str) -> float | None:
    """'500' -> 500, '五千' -> 5000, '十' -> 10, '1.5' -> 1.5."""
    try:
        return float(text)
    except ValueError:
        pass
    total, section, digit = 0, 0, 0
    for c in text:
        if c in _ZH_NUM:
            digit = _ZH_NUM[c]
        elif c in _ZH_UNIT:
            unit = _ZH_UNIT[c]
            if unit == 10_000:
                total += (section + digit) * unit
                section = 0
            else:
                section += (digit or 1) * unit
            digit = 0
        else:
            return None
    return float(total + section + digit)


def _money(m: re.Match[str]) -> tuple[float | None, str]:
    base = zh_to_number(m.group("num"))
    value = base * _UNIT[m.group("unit")] if base is not None else None
    bound = _BOUND.get(m.group("bound") or "") or _BOUND.get(m.group("tail") or "") or "exact"
    return value, bound


def _date_norm(text: str) -> str | None:
    m = re.fullmatch(r"(\d{4})年(?:(\d{1,2})月(?:(\d{1,2})日)?)?", text)
    if not m:
        return None
    y, mo, d = m.groups()
    return "-".join(p for p in (y, mo and f"{int(mo):02d}", d and f"{int(d):02d}") if p)


class _Chunker:
    def __init__(self, tokens: list[Token], rules: EntityRules, tags: dict[str, str]) -> None:
        self.tokens = tokens
        self.rules = rules
        self.tags = tags

    def np_ok(self, tok: Token) -> bool:
        word, _, _, tag = tok
        if word in self.rules.np_stop:
            return False
        if set(word) <= self.rules.named_chars:  # V+, 中科·武大, digits
            return True
        if any(c in _PUNCT for c in word):
            return False
        if tag == "m":  # 九万里 is a name, 一批 a quantity
            return len(word) >= self.rules.name_numeral_min and word[0] not in self.rules.quantity_openers
        return tag in self.rules.np_tags or tag in self.rules.np_inner_tags or word in self.rules.np_verbs

    def inner_only(self, tok: Token) -> bool:
        """A word that may sit inside a noun phrase but not open it (``np_inner_tags``)."""
        rules = self.rules
        return tok[3] in rules.np_inner_tags and tok[3] not in rules.np_tags and tok[0] not in rules.np_verbs

    def shared_head(self, conjunct: Token, right: Token) -> bool:
        """``conjunct`` and ``right`` are modifiers of one head written once: parallel words
        (硕士、博士研究生, 国家级和省级孵化器) or a range (硕士及以上研究生); not complete names
        (武汉大学、湖北大学, 劳动模范和工匠人才)."""
        word, other = conjunct[0], right[0]
        if other.startswith(self.rules.range_words):
            return word not in _PUNCT
        return (
            word[-1:] == other[-1:] and word not in ADMIN_LEVELS and self.np_ok(conjunct)
            and not self.rules.head_labels(word) and word not in self.rules.org_terms
        )

    def named(self, toks: list[Token]) -> bool:
        """Proper-name evidence: a name's tag, a Latin letter or digit, or a long unknown word."""
        rules = self.rules
        return any(
            t[3] in rules.named_tags and t[0] not in ADMIN_LEVELS
            or set(t[0]) & rules.named_chars
            or (t[3] == "x" and len(t[0]) >= rules.named_unknown_min)
            for t in toks
        )

    def grow(self, i: int, label: str) -> int:
        """Start offset of the noun phrase that ends with token i."""
        tokens, rules = self.tokens, self.rules
        j = i
        generic_term = tokens[i][0] in rules.org_terms
        while j > 0:
            left = tokens[j - 1]
            if left[0] in ADMIN_LEVELS:
                j -= 1
                continue
            if j >= 3 and left[0] in "）)" and tokens[j - 2][0] in ADMIN_LEVELS and tokens[j - 3][0] in "（(":
                j -= 3  # 区（市）人民政府
                continue
            if left[3] == "x" and len(left[0]) > 1:
                # 由市人事局, 可向市科委: jieba's HMM glued a preposition on
                word = left[0]
                level = len(word) - len(word.rstrip("".join(ADMIN_LEVELS)))
                glued = word[: len(word) - level]
                if level and glued and (glued[-1] in PREPOSITIONS or self.tags.get(glued[-1]) in rules.glue_tags):
                    return left[2] - level
                if word[0] in PREPOSITIONS:
                    return left[1] + 1
            if (label == "ORG" and left[0] in rules.name_conjunctions and j >= 2 and tokens[i][0].endswith(rules.bureau_heads)
                    and self.np_ok(tokens[j - 2]) and not rules.head_labels(tokens[j - 2][0])
                    and tokens[j - 2][0] not in ADMIN_LEVELS and tokens[j - 2][0] not in rules.org_terms):
                j -= 2  # 人力资源和社会保障局, 工业和信息化部: a department named for two fields
                continue
            if (label == "ORG" and left[0] in rules.inner_determiners and j >= 2 and j == i
                    and tokens[j - 2][0] in ADMIN_LEVELS):
                j -= 2  # 市有关部门: a determiner after an administrative level stays in the name
                continue
            if left[0] in rules.coordinators and j - 2 >= 0 and j < i and self.shared_head(tokens[j - 2], tokens[j]):
                j -= 2  # 硕士、博士研究生, 国家、省级人才: conjuncts that share the head written once
                continue
            if not self.np_ok(left):
                break
            if left[0] in rules.org_classes and (label == "ORG" or j == i):
                break  # 高校科研院所: two organisations; 用人单位人才: an organisation's talent
            if label == "TALENT" and left[0] in rules.org_terms and left[0] not in rules.org_classes:
                break  # 党委联系服务专家: a body, then what it does
            if generic_term and left[3] == "ns":
                break  # 武昌高校: a place, then a class of organisations
            j -= 1
        while j < i and self.inner_only(tokens[j]) and not (j > 0 and tokens[j - 1][0] == "的"):
            j += 1  # 建设研发机构: a verbal noun does not open a noun phrase
        # 区、县人事局 / 市或者区、县人事局: coordinated administrative levels share the name
        start = tokens[j][1]
        while j >= 2 and tokens[j - 1][0] in rules.coordinators and tokens[j][0][:1] in ADMIN_LEVELS:
            word = tokens[j - 2][0]
            if word in ADMIN_LEVELS:
                j -= 2
                start = tokens[j][1]
            elif len(word) == 2 and word[0] in PREPOSITIONS and word[1] in ADMIN_LEVELS:
                start = tokens[j - 2][2] - 1  # 由区、县…: jieba glued the preposition on
                break
            else:
                break
        return start


def _suffix_in(word: str, heads: frozenset[str], longest: int) -> str | None:
    """The longest suffix of ``word`` that is in ``heads``."""
    for k in range(min(len(word), longest), 0, -1):
        if word[-k:] in heads:
            return word[-k:]
    return None


def _strip(text: str, start: int, end: int, label: str, rules: EntityRules) -> tuple[int, int]:
    changed = True
    prefixes = rules.strip_prefixes + (rules.strip_prefixes_org if label == "ORG" else ()) + (
        rules.strip_prefixes_talent if label == "TALENT" else ()
    )
    while changed:
        changed = False
        for p in prefixes:
            if text.startswith(p, start) and end - start > len(p):
                start += len(p)
                changed = True
    return start, end


def breaks_name(tok: Token, rules: EntityRules) -> bool:
    """Whether a token cannot sit inside an ORG or TALENT name: clause punctuation, or a part
    of speech of ``break_tags`` (prepositions, adverbs, particles) unless names are built
    from the word (``np_verbs``)."""
    word, _, _, tag = tok
    if word in rules.np_verbs:
        return False
    return tag in rules.break_tags or any(c in _CLAUSE_PUNCT for c in word)


_PAIRS = {"“": "”", "‘": "’", "《": "》", "（": "）", "(": ")", "【": "】"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _unmatched(line: str, start: int, end: int) -> set[int]:
    """Offsets of the quotes and brackets in ``line[start:end]`` that it does not pair."""
    stack: list[int] = []
    lone: set[int] = set()
    for i in range(start, end):
        c = line[i]
        if c in _PAIRS:
            stack.append(i)
        elif c in _CLOSERS:
            if stack and line[stack[-1]] == _CLOSERS[c]:
                stack.pop()
            else:
                lone.add(i)
    return lone | set(stack)


def split_span(line: str, span: tuple[int, int, str], tokens: list[Token], rules: EntityRules) -> list[tuple[int, int, str]]:
    """An ORG or TALENT span of the tagger cut at the tokens that break a name
    (``breaks_name``) and at a coordinator between complete names (a 、 anywhere, a word
    such as 及 after a piece ending in a head; never between the modifiers of one head,
    ``_Chunker.shared_head``): the pieces that still end in a head of the label, or the
    span unchanged when nothing breaks it (区人社局按照区政府要求 → 区人社局). A DATE
    span without a numeral (``date_evidence``) or a date pattern is dropped (青年 is no date,
    though jieba tags it a time word)."""
    start, end, label = span
    if label == "DATE" and rules.date_evidence is not None:
        piece = line[start:end]
        dated = rules.date_evidence.search(piece) or any(d.search(piece) for d in rules.dates)
        return [span] if dated else []
    if label not in ("ORG", "TALENT"):
        return [span]
    inside = [t for t in tokens if t[1] < end and start < t[2]]
    chunker = _Chunker(inside, rules, {})
    lone = _unmatched(line, start, end)  # “高校毕业生, 本科生”最高: a quote the span does not pair
    cuts = [t for k, t in enumerate(inside) if breaks_name(t, rules) or t[1] in lone or (
        t[0] in rules.coordinators and 0 < k < len(inside) - 1
        and (t[0] in _PUNCT or label in rules.head_labels(line[start:t[1]]))
        and not chunker.shared_head(inside[k - 1], inside[k + 1]))]
    if not cuts:
        return [span]
    pieces, s = [], start
    for t in cuts:
        if t[1] > s:
            pieces.append((s, min(t[1], end)))
        s = max(s, t[2])
    if s < end:
        pieces.append((s, end))
    return [(a, b, label) for a, b in pieces if b - a >= 2 and label in rules.head_labels(line[a:b])]


def _level_pattern(spec: dict[str, Any]) -> re.Pattern[str] | None:
    """The conjoined levels that may stand before an ORG name sharing its head, as a pattern
    anchored at the name's start (``省和设区的`` before ``市人民政府``)."""
    if not spec:
        return None
    levels = "|".join(map(re.escape, sorted(spec["levels"], key=len, reverse=True)))
    joins = "|".join(map(re.escape, spec["joins"]))
    glue = "|".join(map(re.escape, spec.get("glue", ())))
    return re.compile(f"(?:(?:{levels})(?:{joins}))+(?:{glue})?$" if glue else f"(?:(?:{levels})(?:{joins}))+$")


def join_levels(line: str, entities: list[Entity], rules: EntityRules) -> list[Entity]:
    """An ORG name whose head conjoined levels share (区、县财政局, 省和设区的市人民政府) grown
    over them: one mention from the first conjunct to the head (GUIDELINES 8); an entity
    the growth covers gives way."""
    if rules.level_conjuncts is None:
        return entities
    out = list(entities)
    for k, e in enumerate(out):
        if e.label != "ORG":
            continue
        m = rules.level_conjuncts.search(line, max(0, e.start - 24), e.start)
        if m is None or any(o is not e and m.start() < o.end and o.start < e.start for o in out):
            continue
        out[k] = Entity(m.start(), e.end, e.label, line[m.start():e.end])
    return out


def _conjuncts_start(tokens: list[Token], k: int, rules: EntityRules, modifier: Callable[[Token], bool]) -> int | None:
    """Index of the first token of the modifiers coordinated before token ``k`` (each
    conjunct a run of at most ``conjunct_tokens`` modifier tokens, joined by coordinators),
    or None when no conjunct is there."""
    first = None
    pos = k
    while True:
        c = pos
        while c > 0 and pos - c < rules.conjunct_tokens and modifier(tokens[c - 1]):
            c -= 1
        if c == pos:
            return first
        first = c
        if c > 0 and tokens[c - 1][0] in rules.coordinators:
            pos = c - 1
            continue
        return first


def join_conjuncts(line: str, tokens: list[Token], entities: list[Entity], rules: EntityRules) -> list[Entity]:
    """A one-word ORG or TALENT name grown over the list of modifiers closed by 等 right
    before it, which share its head (GUIDELINES 8: 甲、乙、丙等单位 is one mention). A
    conjunct is no name of its own (no head, no organisation term, no level, inside no other
    ORG or TALENT): 高校、科研院所等单位 stays three. A name of more than one word is left
    alone: 甲、乙等现代服务业人才 lists instances of its modifier. (Conjuncts joined to a name
    without 等, 甲、乙类人员, were tried: most growths were wrong on the studied documents.)"""
    if not rules.conjunct_tokens or not any(t[0] in rules.list_closers for t in tokens):
        return entities
    chunker = _Chunker(tokens, rules, {})
    names = [(e.start, e.end) for e in entities if e.label in ("ORG", "TALENT")]

    def modifier(tok: Token) -> bool:
        word = tok[0]
        return ((chunker.np_ok(tok) or tok[3] == "vn") and word not in rules.coordinators
                and word not in rules.list_closers and not rules.head_labels(word)
                and word not in rules.org_terms and word not in ADMIN_LEVELS
                and not any(s < tok[2] and tok[1] < e for s, e in names))

    at = {t[1]: k for k, t in enumerate(tokens)}
    out = list(entities)
    grown: list[Entity] = []
    for n, e in enumerate(out):
        k = at.get(e.start)
        if e.label not in ("ORG", "TALENT") or not k or tokens[k][2] != e.end or tokens[k - 1][0] not in rules.list_closers:
            continue
        first = _conjuncts_start(tokens, k - 1, rules, modifier)
        if first is None or not any(t[0] in rules.coordinators for t in tokens[first : k - 1]):
            continue  # 甲等单位 alone is no list
        out[n] = Entity(tokens[first][1], e.end, e.label, line[tokens[first][1] : e.end])
        grown.append(out[n])
    return [x for x in out if x in grown or not any(g.start <= x.start and x.end <= g.end for g in grown)]


def home_abbreviation(issuers: list[str], rules: EntityRules) -> tuple[str, str] | None:
    """The issuing district's or county's one-character abbreviation and its full name, from
    the last issuer naming one (杭州市富阳区财政局 → 富, 富阳): policies say 来富工作, 在富缴纳."""
    if rules.home_name is None:
        return None
    for issuer in reversed(issuers):
        names = [m.group("name") for m in rules.home_name.finditer(issuer)]
        if names:
            return names[-1][0], names[-1]
    return None


def home_places(line: str, tokens: list[Token], entities: list[Entity], home: tuple[str, str],
                rules: EntityRules) -> list[Entity]:
    """LOC entities for the home abbreviation standing alone after a motion verb (来富就业):
    a word of its own, or glued by jieba to the verb, and not the start of another name."""
    abbr, name = home
    out = list(entities)
    for word, s, e, _ in tokens:
        if word == abbr:
            at = s
        elif len(word) == 2 and word[1] == abbr and word[0] in rules.loc_motion_prefixes:
            at = s + 1
        else:
            continue
        if at == 0 or line[at - 1] not in rules.loc_motion_prefixes or line.startswith(name, at):
            continue
        if not any(x.start < at + 1 and at < x.end for x in out):
            out.append(Entity(at, at + 1, "LOC", abbr))
    return sorted(out, key=lambda x: (x.start, x.end))


def entity_at(text: str, start: int, end: int, label: str, rules: EntityRules) -> Entity:
    """An entity of ``text[start:end]`` found by other means (the tagger), with the value a
    MONEY span's amount gives (the money pattern searched inside it) and a DATE's norm."""
    span = text[start:end]
    if label == "MONEY":
        m = rules.money.search(span)
        if m:
            value, bound = _money(m)
            return Entity(start, end, label, span, value=value, bound=bound)
    if label == "DATE":
        return Entity(start, end, label, span, norm=_date_norm(span))
    return Entity(start, end, label, span)


def find_entities(
    text: str,
    tokens: list[Token],
    rules: EntityRules,
    term_spans: list[tuple[int, int, str]],
    tags: dict[str, str] | None = None,
) -> list[Entity]:
    """Entities in ``text``; ``tokens`` are its jieba tokens, ``term_spans`` the gazetteer hits
    and ``tags`` jieba's word -> part-of-speech table."""
    cands: list[tuple[int, int, str, dict[str, Any]]] = []
    for m in _DOC_TITLE.finditer(text):
        cands.append((m.start(1), m.end(1), "DOC", {}))
    for m in rules.money.finditer(text):
        value, bound = _money(m)
        cands.append((m.start(), m.end(), "MONEY", {"value": value, "bound": bound}))
    for pattern in rules.dates:
        for m in pattern.finditer(text):
            cands.append((m.start(), m.end(), "DATE", {"norm": _date_norm(m.group())}))

    bounds_start = {t[1] for t in tokens}
    bounds_end = {t[2] for t in tokens}
    for start, end, label in term_spans:
        if start not in bounds_start or end not in bounds_end or text[end : end + 1] in rules.modifier_suffixes:
            continue
        cands.append((start, end, label, {}))

    chunker = _Chunker(tokens, rules, tags or {})
    for i, tok in enumerate(tokens):
        word = tok[0]
        if word in _PUNCT:
            continue
        for label in rules.head_labels(word):
            lr = rules.labels[label]
            head = _suffix_in(word, lr.head_set, lr.head_max)
            end = tok[2]
            if head is None and label == "TALENT":
                # 技能型人才队伍: a talent noun that opens a compound
                head = next((h for h in lr.heads if word.startswith(h) and word[len(h):] in lr.compound_suffixes), None)
                end = tok[1] + len(head) if head else end
            if head is None or any(word.endswith(x) for x in lr.not_heads):
                continue
            start = chunker.grow(i, label)
            prefix = word[: len(word) - len(head)] if word.endswith(head) else ""
            if prefix and chunker.tags.get(prefix) == "v" and word not in chunker.tags:
                # 尊重人才 (no dictionary word): a verb glued to its object; 保障局 is a word
                start = tok[1] + len(prefix)
            toks = [t for t in tokens[: i + 1] if t[2] > start]
            nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
            if nxt[:1] in rules.modifier_suffixes:
                continue  # 高校链: the name only modifies a noun
            # a bracketed qualifier right after the name: 服务中心（武昌）
            m = _BRACKET.match(text, end, end + 8)
            if m and label in ("PLATFORM", "ORG") and not rules.bracket_not.match(m.group()):
                end = m.end()
            if start >= end:
                continue
            if tok[1] == start and tok[3] == "ns" and label != "ORG":
                continue  # 香港 ends like 港 but is one place name: a LOC, not a carrier
            start, end = _strip(text, start, end, label, rules)
            span = text[start:end]
            if span == head and head not in lr.terms:
                continue
            if label == "TALENT" and span in ("人才",):
                continue
            if head not in lr.generic_heads and span not in lr.terms and not chunker.named(toks):
                continue
            if len(span) < 2 or span in rules.not_entities:
                continue
            cands.append((start, end, label, {}))

    # quoted programme names: “武昌英才计划”, “一事一议”方式
    if "“" not in text:
        quoted = iter(())
    else:
        quoted = re.finditer(r"“([^“”\n]{2,%d})”" % rules.quoted_max, text)
    for m in quoted:
        inner = m.group(1)
        after = text[m.end() : m.end() + 3]
        chain = _QUOTE_CHAIN.match(text, m.end())
        tail = text[(chain.end(1) if chain and chain.group(1) else m.end()) :][:3]
        if any(c in inner for c in "，。；、") and not inner.endswith(rules.program_heads):
            continue
        if inner.endswith(rules.quoted_platform_heads):
            cands.append((m.start(1), m.end(1), "PLATFORM", {}))  # “人才信息管理系统”: a named system
            continue
        if inner.endswith(rules.program_heads) or any(
            a.startswith(ctx) or a.lstrip("等").startswith(ctx)
            for a in (after, tail) for ctx in rules.program_context
        ):
            cands.append((m.start(1), m.end(1), "PROGRAM", {}))

    # places: jieba place names outside every other entity; adjacent ones are one place, with
    # an administrative level right after them (粤港澳 + 大湾 + 区: 粤港澳大湾区)
    k = 0
    while k < len(tokens):
        word, start, end, tag = tokens[k]
        if tag == "ns" and len(word) >= 2 and word not in rules.loc_stop:
            if len(word) == 2 and word[0] in rules.loc_motion_prefixes:
                start, word = start + 1, word[1:]  # 来京: 京
                if word in rules.loc_stop:
                    k += 1
                    continue
            j = k + 1
            while j < len(tokens) and tokens[j][3] == "ns" and tokens[j][0] not in rules.loc_stop:
                j += 1
            if j > k + 1 and j < len(tokens) and tokens[j][0] in ADMIN_LEVELS:
                j += 1
            cands.append((start, tokens[j - 1][2] if j > k + 1 else end, "LOC", {}))
            k = j
            continue
        k += 1

    # longest first, then label priority; an entity inside another is dropped
    prio = {lab: k for k, lab in enumerate(LABEL_PRIORITY)}
    cands.sort(key=lambda c: (-(c[1] - c[0]), prio[c[2]], c[0]))
    used = bytearray(len(text) + 1)
    out: list[Entity] = []
    for start, end, label, extra in cands:
        if start >= end or any(used[start:end]):
            continue
        not_after = rules.term_not_after.get(text[start:end])
        if not_after is not None and not_after.search(text, 0, start):
            continue  # 行业、部门: sectors
        used[start:end] = b"\x01" * (end - start)
        out.append(Entity(start, end, label, text[start:end], **extra))
    out.sort(key=lambda e: (e.start, e.end))
    return out
