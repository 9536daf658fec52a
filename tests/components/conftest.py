from __future__ import annotations

import pytest

from pipeline.components.actors import load_role_rules
from pipeline.components.entities import load_entity_rules
from pipeline.components.instruments import load_taxonomy
from pipeline.components.modality import load_triggers
from pipeline.components.tokenizer import JiebaTokenizer

from ..conftest import ROOT

MODELS = ROOT / "models"


@pytest.fixture(scope="session")
def triggers():
    return load_triggers(MODELS / "modality" / "triggers.yaml")


@pytest.fixture(scope="session")
def taxonomy():
    return load_taxonomy(MODELS / "instruments" / "taxonomy.yaml")


@pytest.fixture(scope="session")
def roles():
    return load_role_rules(MODELS / "actors")


@pytest.fixture(scope="session")
def entity_rules():
    return load_entity_rules(MODELS / "patterns" / "entities.yaml")


@pytest.fixture(scope="session")
def tokenizer():
    return JiebaTokenizer(MODELS / "lexicon" / "jieba_user.txt")


@pytest.fixture(scope="session")
def entities(entity_rules, tokenizer):
    from pipeline.components.entities import find_entities

    return lambda text: find_entities(text, tokenizer.tokens(text), entity_rules, [], tokenizer.tags)
