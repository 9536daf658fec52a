"""Extraction components: pure functions over statement text, with spaCy wrappers in nlp.py."""
