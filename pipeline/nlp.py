"""The spaCy pipeline: a blank Chinese pipeline (character tokens) with the project's components.

    nlp = build_nlp(Path("models"))
    doc = nlp(make_doc(nlp, document, statements))
    doc.spans["entities"], [s._.modality for s in doc.spans["statement"]]

Each component is registered by name with its defaults as config, loads its rules from
``models/`` and is rebuilt from that config in worker processes.
"""

from __future__ import annotations

import bisect
import dataclasses
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .components.actors import find_actors, load_role_rules
from .components.entities import (
    Entity, Token, entity_at, find_entities, home_abbreviation, home_places, join_conjuncts, join_levels, load_entity_rules, split_span,
)
from .components.instruments import instrument_with_confidence, load_taxonomy, regex_hits
from .components.modality import classify_modality, load_triggers, opens_list
from .components.tagger import restore_terms
from .components.tokenizer import JiebaTokenizer
from .errors import ConfigError
from .records import Document, Statement

STATEMENTS = "statement"
ENTITIES = "entities"
TERMS = "terms"
WORD_STARTS = "word_starts"  # user_data: where each jieba word of the text starts
WORD_TAGS = "word_tags"  # user_data: the part of speech of each of those words


def doc_text(doc: Doc) -> str:
    """The Doc's text, cached: rebuilding it from one token per character is slow."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


def register_extensions() -> None:
    """Span attributes set by the components (opt-in: called by build_nlp, not at import)."""
    for name in ("modality", "actors", "implied_issuer", "instrument", "entity",
                 "modality_confidence", "instrument_confidence"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


class EntityComponent:
    """Entities from regexes, the term gazetteer (spans of the SpanRuler) and the NP chunker."""

    def __init__(
        self, rules_path: Path, userdict: Path, segmenter: str = "auto", hanlp: dict[str, Any] | None = None,
        tagger_dir: Path | None = None,
    ) -> None:
        self.rules = load_entity_rules(rules_path)
        self.tokenizer = JiebaTokenizer(userdict, engine=segmenter)
        self.tagger = None
        if tagger_dir is not None:
            from .components.tagger import EntityTagger

            self.tagger = EntityTagger(tagger_dir)
        self.backend = None
        if hanlp and hanlp.get("enabled"):
            from .backends.hanlp import HanLPBackend, load_mapping

            self.backend = HanLPBackend(
                load_mapping(rules_path.parent.parent / "backends" / "hanlp.yaml"),
                model=hanlp.get("model"),
                url=hanlp.get("url"),
                auth_env=hanlp.get("auth_env", "HANLP_AUTH"),
                tasks=hanlp.get("tasks", ["tok/fine", "ner/msra"]),
            )

    def analyse(self, line: str) -> tuple[list[tuple[str, int, int, str]], list[tuple[int, int, str]]]:
        """Tokens of a line, and entity spans from the backend if one is configured."""
        if self.backend is None:
            return self.tokenizer.tokens(line), []
        tokens, ner = self.backend.analyse(line)
        tags = self.tokenizer.tags
        return [(w, a, b, tags.get(w, "x")) for w, a, b, _ in tokens], ner

    def rule_pass(self, line: str, terms: list[tuple[int, int, str]]) -> tuple[list[Token], list[Entity]]:
        """Tokens of one line and its entities by the rules."""
        tokens, backend_spans = self.analyse(line)
        return tokens, find_entities(line, tokens, self.rules, terms + backend_spans, self.tokenizer.tags)

    def analyse_lines(
        self, lines: list[str], terms: list[list[tuple[int, int, str]]]
    ) -> tuple[list[list[Entity]], list[list[Token]]]:
        """The entities and the tokens of each line: the rules' entities and, with a trained
        tagger, the tagger's (all the lines tagged together)."""
        passes = [self.rule_pass(line, t) for line, t in zip(lines, terms)]
        tokens = [toks for toks, _ in passes]
        if self.tagger is None:
            return [self._grow(line, toks, found) for line, (toks, found) in zip(lines, passes)], tokens
        by_span = [{(e.start, e.end, e.label): e for e in found} for _, found in passes]
        merged = self.tagger.merge(lines, tokens, [list(b) for b in by_span])
        merged = [self._repair(line, spans, b, toks) for line, spans, b, toks in zip(lines, merged, by_span, tokens)]
        merged = [restore_terms(spans, b, t, self.rules.restore_labels, self.rules.restore_min_chars)
                  for spans, b, t in zip(merged, by_span, terms)]
        return [self._grow(line, toks, [b.get(s) or entity_at(line, *s, self.rules) for s in spans])
                for line, b, spans, toks in zip(lines, by_span, merged, tokens)], tokens

    def _grow(self, line: str, tokens: list[Token], entities: list[Entity]) -> list[Entity]:
        """A line's entities grown over what shares their head: a 等-closed list of modifiers,
        then conjoined administrative levels (GUIDELINES 8)."""
        return join_levels(line, join_conjuncts(line, tokens, entities, self.rules), self.rules)

    def _repair(self, line: str, spans: list[tuple[int, int, str]], rule: dict[tuple[int, int, str], Entity],
                tokens: list[Token]) -> list[tuple[int, int, str]]:
        """The tagger's spans of a line cut where a name cannot go on, and its dates without
        a numeral dropped (``split_span``); the rule spans it kept stay as they are. (Bringing
        back the rule spans under a dropped span scored lower on documents held out.)"""
        return sorted(p for s in spans for p in ([s] if s in rule else split_span(line, s, tokens, self.rules)))

    def lines(self, doc: Doc) -> Iterator[tuple[int, str, list[tuple[int, int, str]]]]:
        """Offset, text and gazetteer terms (offsets into the line) of each line of a Doc."""
        text = doc_text(doc)
        terms = sorted((s.start_char, s.end_char, s.label_) for s in doc.spans.get(TERMS, []))
        pos = 0
        k = 0
        for line in text.split("\n"):
            end = pos + len(line)
            while k < len(terms) and terms[k][0] < pos:
                k += 1
            line_terms = []
            j = k
            while j < len(terms) and terms[j][0] < end:
                s, e, label = terms[j]
                if e <= end:
                    line_terms.append((s - pos, e - pos, label))
                j += 1
            yield pos, line, line_terms
            pos = end + 1

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        lines = [(pos, line, terms) for pos, line, terms in self.lines(doc) if line.strip()]
        found, tokens = self.analyse_lines([line for _, line, _ in lines], [terms for _, _, terms in lines])
        home = home_abbreviation(list(doc.user_data.get("issuer", [])), self.rules)
        if home is not None:
            found = [home_places(line, toks, ents, home, self.rules)
                     for (_, line, _), toks, ents in zip(lines, tokens, found)]
        # where each word starts: a modal cue must start a word (认可以及 holds no 可以)
        doc.user_data[WORD_STARTS] = [pos + t[1] for (pos, _, _), toks in zip(lines, tokens) for t in toks]
        doc.user_data[WORD_TAGS] = [t[3] for toks in tokens for t in toks]  # their parts of speech
        for (pos, _, _), entities in zip(lines, found):
            for ent in entities:
                span = doc.char_span(ent.start + pos, ent.end + pos, label=ent.label, alignment_mode="expand")
                if span is not None:
                    span._.entity = ent
                    spans.append(span)
        doc.spans[ENTITIES] = spans
        return doc


def term_patterns(rules_path: Path) -> list[dict[str, Any]]:
    rules = load_entity_rules(rules_path)
    return [
        {"label": label, "pattern": term}
        for label, lr in sorted(rules.labels.items())
        for term in lr.terms
    ]


class StatementComponent:
    """Modality, actors, implied issuer and instrument of every statement span."""

    def __init__(
        self, nlp: Language, models_dir: Path, trained_dir: Path | None = None, use_trained: Iterable[str] = ()
    ) -> None:
        self.triggers = load_triggers(models_dir / "modality" / "triggers.yaml")
        self.roles = load_role_rules(models_dir / "actors")
        self.taxonomy = load_taxonomy(models_dir / "instruments" / "taxonomy.yaml")
        # literal instrument cues are found once per document by a PhraseMatcher
        self.cue_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for cue in sorted(self.taxonomy.literal):
            self.cue_matcher.add(cue, [nlp.make_doc(cue)])
        self.trigger_matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        for cue in sorted(self.triggers.literal):
            self.trigger_matcher.add(cue, [nlp.make_doc(cue)])
        self.trained = {}
        self.actor_model = None
        if "actors" in use_trained:
            from .components.actor_model import ActorModel

            if not ActorModel.available(trained_dir):
                raise ConfigError(trained_dir or models_dir, "no trained actor model; run `policy train`")
            self.actor_model = ActorModel.load(trained_dir)
        statement_tasks = [t for t in use_trained if t not in ("entities", "actors")]  # those are not StatementModels
        if statement_tasks:
            from . import train  # scikit-learn: only when a trained statement model is used
        for task in statement_tasks:
            rules = train.RuleFeatures(self.triggers, self.taxonomy)
            model = train.load(trained_dir, task, rules) if trained_dir else None
            if model is None:
                raise ConfigError(trained_dir or models_dir, f"no trained {task} model; run `policy train`")
            self.trained[task] = model

    def __call__(self, doc: Doc) -> Doc:
        ents = sorted((e.start_char, e.end_char, e.label_) for e in doc.spans.get(ENTITIES, []))
        ent_starts = [e[0] for e in ents]
        issuers = list(doc.user_data.get("issuer", []))
        parents: dict[str, str | None] = doc.user_data.get("parents", {})
        leadins: dict[str, tuple[str, tuple[str, ...]]] = {}  # provision -> its lead-in's class and `also`
        leadin_doers: dict[str, bool] = {}  # provision -> its lead-in's implied_issuer
        leadin_instruments: dict[str, str | None] = {}
        text = doc_text(doc)
        strings = doc.vocab.strings
        # with one token per character (make_doc) a token index is a character offset
        offset = (lambda a: a) if len(doc) == len(text) else (lambda a: doc[a].idx)
        cue_hits = sorted((offset(a), strings[key]) for key, a, _ in self.cue_matcher(doc))
        cue_starts = [h[0] for h in cue_hits]
        trig_hits = sorted((offset(a), strings[key]) for key, a, _ in self.trigger_matcher(doc))
        trig_starts = [h[0] for h in trig_hits]
        word_starts = doc.user_data.get(WORD_STARTS) if self.triggers.word_starts_only else None
        # where a noun starts: an organisation right before one only modifies it (企业开办费)
        all_starts, all_tags = doc.user_data.get(WORD_STARTS, []), doc.user_data.get(WORD_TAGS, [])
        noun_starts = [w for w, t in zip(all_starts, all_tags) if t in self.roles.noun_tags]
        for span in doc.spans[STATEMENTS]:
            s0, s1 = span.start_char, span.end_char
            stext = text[s0:s1]
            provision = span.label_
            leadin, leadin_also = leadins.get(parents.get(provision) or "", (None, ()))
            lo, hi = bisect.bisect_left(trig_starts, s0), bisect.bisect_left(trig_starts, s1)
            hits = [(pos - s0, cue) for pos, cue in trig_hits[lo:hi] if pos + len(cue) <= s1]
            if word_starts is not None:
                lo, hi = bisect.bisect_left(word_starts, s0), bisect.bisect_left(word_starts, s1)
                starts: frozenset[int] | None = frozenset(w - s0 for w in word_starts[lo:hi])
            else:
                starts = None
            is_leadin = opens_list(stext, text[s1 : s1 + 1], self.triggers)
            tag = classify_modality(stext, self.triggers, leadin=leadin, hits=hits, word_starts=starts,
                                    list_lead=is_leadin, leadin_also=leadin_also)
            if "modality" in self.trained:
                fixed = self.trained["modality"].correct([stext], [tag.modality])[0] or tag.modality
                tag = dataclasses.replace(tag, modality=fixed)
            if is_leadin:
                leadins[provision] = (tag.modality, tuple(tag.also))
            lo, hi = bisect.bisect_left(ent_starts, s0), bisect.bisect_left(ent_starts, s1)
            inside = [
                Entity(a - s0, b - s0, label, text[a:b]) for a, b, label in ents[lo:hi] if b <= s1
            ]
            lo, hi = bisect.bisect_left(noun_starts, s0), bisect.bisect_left(noun_starts, s1)
            nouns = frozenset(w - s0 for w in noun_starts[lo:hi])
            actors, implied = find_actors(stext, inside, tag, self.roles, issuers, self.actor_model, nouns=nouns)
            if is_leadin:
                leadin_doers[provision] = implied
            elif tag.from_rule == "inherited" and parents.get(provision) in leadin_doers and implied:
                # an item completing its lead-in has the lead-in's doer, unless it has a subject of
                # its own (GUIDELINES 8); actors it names elsewhere do not change that
                implied = leadin_doers[parents[provision] or ""]
            span._.modality = tag
            span._.actors = actors
            span._.implied_issuer = implied
            lo, hi = bisect.bisect_left(cue_starts, s0), bisect.bisect_left(cue_starts, s1)
            cues = [
                (pos - s0, cue, code, weight)
                for pos, cue in cue_hits[lo:hi]
                if pos + len(cue) <= s1
                for code, weight in self.taxonomy.literal[cue]
            ]
            cues.extend(regex_hits(stext, self.taxonomy))
            span._.instrument, span._.instrument_confidence = instrument_with_confidence(
                stext, tag.pivot, self.taxonomy, cues)
            lead = leadin_instruments.get(parents.get(provision) or "")
            if is_leadin:
                leadin_instruments[provision] = span._.instrument
            elif lead is not None and tag.from_rule == "inherited" and not tag.triggers:
                span._.instrument = lead  # a noun-phrase item takes its lead-in's instrument (GUIDELINES 8)
            span._.modality_confidence = self.triggers.confidence.get(tag.from_rule)
            if "instrument" in self.trained:
                span._.instrument = self.trained["instrument"].correct([stext], [span._.instrument])[0]
        return doc


@Language.factory(
    "policy_entities",
    default_config={"models_dir": "models", "segmenter": "auto", "hanlp": {"enabled": False}, "tagger_dir": None},
)
def make_entities(
    nlp: Language, name: str, models_dir: str, segmenter: str, hanlp: dict[str, Any], tagger_dir: str | None
) -> EntityComponent:
    base = Path(models_dir)
    return EntityComponent(
        base / "patterns" / "entities.yaml", base / "lexicon" / "jieba_user.txt", segmenter, hanlp,
        Path(tagger_dir) if tagger_dir else None,
    )


@Language.factory(
    "policy_statements", default_config={"models_dir": "models", "trained_dir": None, "use_trained": []}
)
def make_statements(
    nlp: Language, name: str, models_dir: str, trained_dir: str | None, use_trained: list[str]
) -> StatementComponent:
    return StatementComponent(nlp, Path(models_dir), Path(trained_dir) if trained_dir else None, use_trained)


def build_nlp(
    models_dir: Path,
    trained_dir: Path | None = None,
    use_trained: Iterable[str] = (),
    segmenter: str = "auto",
    hanlp: dict[str, Any] | None = None,
) -> Language:
    """Blank zh (character segmenter) + term SpanRuler + entity and statement components.

    With ``entities`` in ``use_trained``, the entity tagger of ``trained_dir`` refines the
    rule entities; without a trained one (`policy train` not run) the rules' stand, with a
    warning."""
    register_extensions()
    tagger_dir = None
    if "entities" in use_trained:
        from .components.tagger import EntityTagger

        if EntityTagger.available(trained_dir):
            tagger_dir = str(trained_dir)
        else:
            warnings.warn(f"{trained_dir}: no trained entity tagger (run `policy train`); entities from the rules",
                          stacklevel=2)
    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("span_ruler", name="policy_terms", config={"spans_key": TERMS, "phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(term_patterns(Path(models_dir) / "patterns" / "entities.yaml"))
    nlp.add_pipe(
        "policy_entities",
        config={"models_dir": str(models_dir), "segmenter": segmenter, "hanlp": hanlp or {"enabled": False},
                "tagger_dir": tagger_dir},
    )
    nlp.add_pipe(
        "policy_statements",
        config={
            "models_dir": str(models_dir),
            "trained_dir": str(trained_dir) if trained_dir else None,
            "use_trained": list(use_trained),
        },
    )
    return nlp


def make_doc(nlp: Language, document: Document, statements: Iterable[Statement], parents: dict[str, str | None]) -> Doc:
    """A Doc of the document text with its statements as spans labelled by provision id."""
    # one token per character, whitespace included, so that every offset is a token boundary
    doc = Doc(nlp.vocab, words=list(document.text), spaces=[False] * len(document.text))
    doc.user_data["text"] = document.text
    spans = []
    for s in statements:
        span = doc.char_span(s.start, s.end, label=s.provision_id, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[STATEMENTS] = spans
    doc.user_data["issuer"] = list(document.issuer)
    doc.user_data["parents"] = parents
    return doc
