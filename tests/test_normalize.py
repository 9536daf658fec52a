import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from pipeline.normalize import OffsetMap, TextBuilder, match_key, normalise


def test_fullwidth_letters_and_digits_become_halfwidth():
    assert normalise("ＡＢ１２３ｘ") == "AB123x"


def test_chinese_punctuation_stays_fullwidth():
    assert normalise("人才，政策。“武昌”") == "人才，政策。“武昌”"


def test_halfwidth_punctuation_between_cjk_becomes_fullwidth():
    assert normalise("人才,政策;工作:要求!是否?站(流动站)等") == "人才，政策；工作：要求！是否？站（流动站）等"


def test_halfwidth_punctuation_between_cjk_and_digit():
    assert normalise("共3,项") == "共3，项"
    assert normalise("款,3") == "款，3"
    assert normalise("第1,2款") == "第1,2款"  # between two digits: not CJK context


def test_punctuation_after_a_cjk_mark_or_before_cjk_becomes_fullwidth():
    # v1.1: one CJK neighbour is enough on the left, and a CJK mark counts
    assert normalise("给予补贴;") == "给予补贴；"
    assert normalise("”,以及") == "”，以及"
    assert normalise("2020:年度") == "2020：年度"
    assert normalise("ratio 1:2") == "ratio 1:2"


def test_brackets_convert_as_pairs():
    assert normalise("办法(试行)") == "办法（试行）"
    assert normalise("(一)总体要求") == "（一）总体要求"  # encloses Chinese text
    assert normalise("增长(10%)") == "增长（10%）"  # follows a CJK character
    assert normalise("见(1)") == "见（1）"
    assert normalise("(1) item") == "(1) item"  # neither: kept
    assert normalise("单位（含开发区)等") == "单位（含开发区）等"  # mixed pair: partner's width
    assert normalise("(含(试行)在内)") == "（含（试行）在内）"  # nested pairs
    assert normalise("止)。") == "止)。"  # unmatched: kept


def test_bracket_pairs_do_not_cross_lines():
    assert normalise("甲(乙\n丙)丁") == "甲(乙\n丙)丁"


def test_halfwidth_punctuation_elsewhere_is_kept():
    assert normalise("a,b (see 1,2)") == "a,b (see 1,2)"


def test_nfc():
    assert normalise("e\u0301") == "\u00e9"


def test_match_key_drops_whitespace():
    assert match_key(" 人才 ,\u3000政策\n") == match_key("人才，政策")


def test_offset_map_runs_merge_and_map_back():
    m = OffsetMap()
    m.add(0, 10, 5)
    m.add(5, 15, 3)  # contiguous: merged
    m.add(8, 30, 2)
    assert m.as_list() == [[0, 10, 8], [8, 30, 2]]
    assert m.to_raw(0) == 10 and m.to_raw(7) == 17 and m.to_raw(8) == 30 and m.to_raw(10) == 32


_alphabet = st.sampled_from(list("人才政策，,;:()（）ＡＢ１２ab12 \u3000e\u0301\u0301。"))


def _same_char(raw: str, r: int, ch: str) -> bool:
    """``ch`` is what normalisation makes of the raw character(s) at ``r``."""
    c = raw[r]
    return (
        c == ch
        or ord(c) - 0xFEE0 == ord(ch)  # full-width letter or digit
        or normalise("人" + c + "人")[1] == ch  # half-width punctuation between CJK
        or {c, ch} in ({"(", "（"}, {")", "）"})  # brackets convert as pairs
        or unicodedata.normalize("NFC", raw[r : r + 3]).startswith(ch)  # composed
    )


@given(st.lists(st.text(_alphabet, min_size=1, max_size=20), min_size=1, max_size=6))
def test_builder_maps_every_character_back_to_its_raw_source(pieces):
    raw = "|".join(pieces)
    builder = TextBuilder(raw)
    pos = 0
    for n, piece in enumerate(pieces):
        if n:
            builder.append_literal("\n")
        start, _ = builder.append_raw(pos, pos + len(piece))
        assert builder.map.to_raw(start) == pos
        pos += len(piece) + 1
    text = builder.text()
    assert text.count("\n") == len(pieces) - 1
    for i, ch in enumerate(text):
        if ch != "\n":
            assert _same_char(raw, builder.map.to_raw(i), ch), (raw, i, ch)


def test_leftover_combining_marks_map_to_themselves():
    raw = "e\u0301\u0301"  # é plus one more acute: NFC keeps the second mark
    builder = TextBuilder(raw)
    builder.append_raw(0, len(raw))
    assert builder.text() == "\u00e9\u0301"
    assert [builder.map.to_raw(i) for i in range(2)] == [0, 2]
