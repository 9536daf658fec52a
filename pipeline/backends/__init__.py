"""Optional tokenisation/NER backends. The default path needs none of them."""
