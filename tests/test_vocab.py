"""Lexicon candidates from a corpus: document frequencies, thresholds, what is already listed."""

from __future__ import annotations

from pipeline import vocab

from .conftest import ROOT


def _tag(text):
    table = {"人力资源局": "nt", "某市人力资源局": "nt", "博士后研究人员": "n", "推行": "v", "，": "x", "。": "x"}
    out, i = [], 0
    while i < len(text):  # longest match over a tiny dictionary
        w = next((w for w in sorted(table, key=len, reverse=True) if text.startswith(w, i)), text[i])
        out.append((w, table.get(w, "x")))
        i += len(w)
    return out


def test_candidates_need_several_documents_and_say_whether_they_are_listed():
    texts = ["某市人力资源局，推行新制度。博士后研究人员"] * 3 + ["推行"]
    params = vocab.VocabParams(min_docs=3, top=10)
    df = vocab.count(texts, _tag, params, probe=["人员", "罕见词"])
    assert df["directive_verbs"]["推行"] == 4 and df["probed"]["人员"] == 3 and df["probed"]["罕见词"] == 0
    out = vocab.candidates(df, {"org_heads": {"局"}}, len(texts), params)
    heads = {r["term"]: r for r in out["org_heads"]}
    assert heads["局"]["listed"] and heads["局"]["docs"] == 3 and heads["局"]["share"] == 0.75
    assert [r["term"] for r in out["person_heads"]] == ["博士后研究人员"]
    assert vocab.count(["推行"], _tag, params)["directive_verbs"]["推行"] == 1
    assert all(r["docs"] >= 3 for rows in out.values() if isinstance(rows, list) for r in rows)


def test_rarely_used_lexicon_terms_are_reported():
    params = vocab.VocabParams(min_docs=2)
    df = vocab.count(["用人单位引进人才"] * 2, _tag, params, probe=vocab.probe_terms(ROOT / "models"))
    rare = {r["term"] for r in vocab.smells(ROOT / "models", df, params)}
    assert "用人单位" not in rare and "人事局" in rare
