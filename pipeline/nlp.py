"""The spaCy pipeline: a blank Chinese pipeline (character tokens) with the project's components.

    nlp = build_nlp(Path("models"))
    doc = nlp(make_doc(nlp, document, statements))
    doc.spans["entities"], [s._.modality for s in doc.spans["statement"]]

Each component is registered by name with its defaults as config, loads its rules from
``models/`` and is rebuilt from that config in worker processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .components.actors import find_actors, load_role_rules
from .components.entities import Entity, find_entities, load_entity_rules
from .components.instruments import classify_instrument, load_taxonomy
from .components.modality import classify_modality, load_triggers
from .components.tokenizer import JiebaTokenizer
from . import train
from .errors import ConfigError
from .records import Document, Statement

STATEMENTS = "statement"
ENTITIES = "entities"
TERMS = "terms"


def register_extensions() -> None:
    """Span attributes set by the components (opt-in: called by build_nlp, not at import)."""
    for name in ("modality", "actors", "implied_issuer", "instrument", "entity"):
        if not Span.has_extension(name):
            Span.set_extension(name, default=None)


class EntityComponent:
    """Entities from regexes, the term gazetteer (spans of the SpanRuler) and the NP chunker."""

    def __init__(self, rules_path: Path, userdict: Path) -> None:
        self.rules = load_entity_rules(rules_path)
        self.tokenizer = JiebaTokenizer(userdict)

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text
        terms = sorted((s.start_char, s.end_char, s.label_) for s in doc.spans.get(TERMS, []))
        spans: list[Span] = []
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
            if line.strip():
                for ent in find_entities(line, self.tokenizer.tokens(line), self.rules, line_terms, self.tokenizer.tags):
                    span = doc.char_span(ent.start + pos, ent.end + pos, label=ent.label, alignment_mode="expand")
                    if span is not None:
                        span._.entity = ent
                        spans.append(span)
            pos = end + 1
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

    def __init__(self, models_dir: Path, trained_dir: Path | None = None, use_trained: Iterable[str] = ()) -> None:
        self.triggers = load_triggers(models_dir / "modality" / "triggers.yaml")
        self.roles = load_role_rules(models_dir / "actors")
        self.taxonomy = load_taxonomy(models_dir / "instruments" / "taxonomy.yaml")
        self.trained = {}
        for task in use_trained:
            model = train.load(trained_dir, task) if trained_dir else None
            if model is None:
                raise ConfigError(trained_dir or models_dir, f"no trained {task} model; run `policy train`")
            self.trained[task] = model

    def __call__(self, doc: Doc) -> Doc:
        ents = sorted(doc.spans.get(ENTITIES, []), key=lambda s: s.start_char)
        issuers = list(doc.user_data.get("issuer", []))
        parents: dict[str, str | None] = doc.user_data.get("parents", {})
        leadins: dict[str, str] = {}
        text = doc.text
        for span in doc.spans[STATEMENTS]:
            s0, s1 = span.start_char, span.end_char
            stext = text[s0:s1]
            provision = span.label_
            leadin = leadins.get(parents.get(provision) or "")
            tag = classify_modality(stext, self.triggers, leadin=leadin)
            if "modality" in self.trained:
                tag = dataclasses.replace(tag, modality=self.trained["modality"].predict([stext])[0])
            if text[s1 : s1 + 1] in ("：", ":"):
                leadins[provision] = tag.modality
            inside = [
                Entity(e.start_char - s0, e.end_char - s0, e.label_, e.text)
                for e in ents
                if s0 <= e.start_char and e.end_char <= s1
            ]
            actors, implied = find_actors(stext, inside, tag, self.roles, issuers)
            span._.modality = tag
            span._.actors = actors
            span._.implied_issuer = implied
            if "instrument" in self.trained:
                span._.instrument = self.trained["instrument"].predict([stext])[0]
            else:
                span._.instrument = classify_instrument(stext, tag.pivot, self.taxonomy)
        return doc


@Language.factory("policy_entities", default_config={"models_dir": "models"})
def make_entities(nlp: Language, name: str, models_dir: str) -> EntityComponent:
    base = Path(models_dir)
    return EntityComponent(base / "patterns" / "entities.yaml", base / "lexicon" / "jieba_user.txt")


@Language.factory(
    "policy_statements", default_config={"models_dir": "models", "trained_dir": None, "use_trained": []}
)
def make_statements(
    nlp: Language, name: str, models_dir: str, trained_dir: str | None, use_trained: list[str]
) -> StatementComponent:
    return StatementComponent(Path(models_dir), Path(trained_dir) if trained_dir else None, use_trained)


def build_nlp(models_dir: Path, trained_dir: Path | None = None, use_trained: Iterable[str] = ()) -> Language:
    """Blank zh (character segmenter) + term SpanRuler + entity and statement components."""
    register_extensions()
    nlp = spacy.blank("zh")
    ruler = nlp.add_pipe("span_ruler", name="policy_terms", config={"spans_key": TERMS, "phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(term_patterns(Path(models_dir) / "patterns" / "entities.yaml"))
    nlp.add_pipe("policy_entities", config={"models_dir": str(models_dir)})
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
    doc = nlp.make_doc(document.text)
    spans = []
    for s in statements:
        span = doc.char_span(s.start, s.end, label=s.provision_id, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[STATEMENTS] = spans
    doc.user_data["issuer"] = list(document.issuer)
    doc.user_data["parents"] = parents
    return doc
