import pickle

import pipeline
from pipeline.components.tokenizer import JiebaTokenizer

from .conftest import ROOT


def test_public_api_analyses_a_text():
    p = pipeline.load()
    out = p.analyse("人才措施\n第一条 鼓励企业引进海外高层次人才。\n第二条 对入选人才给予最高50万元奖励。", doc_id="demo")
    text = out["document"]["text"]
    assert [s["modality"] for s in out["statements"]] == ["encouragement", "commitment"]
    money = [e for e in out["entities"] if e["label"] == "MONEY"]
    assert money and money[0]["value"] == 500_000 and money[0]["bound"] == "max"
    assert all(text[e["start"]:e["end"]] == e["text"] for e in out["entities"])


def test_tokenizer_pickles_by_rebuilding_from_its_dictionary():
    tok = JiebaTokenizer(ROOT / "models" / "lexicon" / "jieba_user.txt")
    copy = pickle.loads(pickle.dumps(tok))
    assert copy.cut("用人单位引进高层次人才") == tok.cut("用人单位引进高层次人才")
    assert copy.engine_name == tok.engine_name
