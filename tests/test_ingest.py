"""Ingestion: formats, encodings, bad input, metadata, and the property that it only raises InputError."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import InputError
from pipeline.ingest import ingest_file

POLICY = (
    "关于促进人才发展的若干措施\n"
    "第一条 为了促进人才发展,制定本措施。\n"
    "第二条 区人社局负责本措施的实施。\n"
)


@pytest.fixture
def ingest(layout_rules, heading_rules):
    def run(path, max_bytes=1_000_000):
        return ingest_file(path, layout_rules=layout_rules, heading_rules=heading_rules, max_bytes=max_bytes)

    return run


@pytest.mark.parametrize(
    "encoding, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"),
     ("utf-16", "utf-16"), ("utf-16-le", "utf_16_le"), ("utf-16-be", "utf_16_be")],
)
def test_encodings_are_detected_not_guessed(tmp_path, ingest, encoding, expected):
    path = tmp_path / "policy.txt"
    path.write_bytes(POLICY.encode(encoding))
    doc = ingest(path)
    assert doc.encoding == expected
    assert doc.title == "关于促进人才发展的若干措施"
    assert doc.text.startswith("第一条 为了促进人才发展，制定本措施。")  # "," between CJK -> "，"


def test_html_page_furniture_is_stripped(tmp_path, ingest):
    html = """<html><head><title>t</title><script>var x = "第九条 脚本";</script></head><body>
    <nav>首页 &gt; 政策文件</nav>
    <h1>武昌区人才工作实施意见</h1>
    <p>2022-10-24 20:25:00 来源: 武昌区人民政府</p>
    <p>为加快人才发展，现提出如下意见。</p>
    <p>一、总体要求</p><p>坚持<b>党管人才</b>原则。</p>
    <ul><li>为你推荐</li><li>公益播报</li></ul>
    <footer>版权所有</footer></body></html>"""
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("gb18030").replace(b"<head>", b'<head><meta charset="gbk">'))
    doc = ingest(path)
    assert doc.title == "武昌区人才工作实施意见"
    assert doc.date == "2022-10-24"
    assert doc.text == "为加快人才发展，现提出如下意见。\n一、总体要求\n坚持党管人才原则。"


def test_docx(tmp_path, ingest):
    import docx

    d = docx.Document()
    for line in POLICY.splitlines():
        d.add_paragraph(line)
    path = tmp_path / "policy.docx"
    d.save(path)
    doc = ingest(path)
    assert doc.format == "docx"
    assert doc.text.splitlines()[1] == "第二条 区人社局负责本措施的实施。"


def _pdf(path, lines):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 12)
    for k, line in enumerate(lines):
        c.drawString(40, 800 - 18 * k, line)
    c.save()


def test_pdf_with_text_layer_rejoins_wrapped_lines(tmp_path, ingest):
    path = tmp_path / "policy.pdf"
    _pdf(path, ["人才发展措施", "第一条 为了促进人才发展，加快建设人才高地，完善人才政策体系，",
                "制定本措施。", "第二条 本措施自印发之日起施行。"])
    doc = ingest(path)
    assert doc.text.splitlines() == [
        "第一条 为了促进人才发展，加快建设人才高地，完善人才政策体系，制定本措施。",
        "第二条 本措施自印发之日起施行。",
    ]


def test_markdown_head_is_metadata(tmp_path, ingest):
    md = ("# 某市人才条例\n\n2020年3月26日 某市第十三届人民代表大会常务委员会第十八次会议通过\n\n"
          "<!-- INFO END -->\n\n## 第一章  总则\n\n第一条 为了促进人才发展，制定本条例。\n")
    path = tmp_path / "reg.md"
    path.write_text(md, encoding="utf-8")
    doc = ingest(path)
    assert (doc.title, doc.date, doc.issuer) == ("某市人才条例", "2020-03-26", ["某市人民代表大会常务委员会"])
    assert doc.text == "第一章  总则\n第一条 为了促进人才发展，制定本条例。"


def test_cover_letter_and_signature_are_not_body(tmp_path, ingest):
    raw = (
        "某市人才引进办法\n某市人力资源和社会保障局\n关于印发《某市人才引进办法》的通知\n"
        "某人社发〔2021〕7号\n各区人力资源和社会保障局：\n现将《某市人才引进办法》印发给你们，请认真组织实施。\n"
        "某市人力资源和社会保障局\n二〇二一年三月五日\n某市人才引进办法\n第一条 为引进人才，制定本办法。\n"
        "第二条 本办法自印发之日起施行。\n附件：1.申请表\n2.流程图\n"
    )
    path = tmp_path / "notice.txt"
    path.write_text(raw, encoding="utf-8")
    doc = ingest(path)
    assert doc.text == "第一条 为引进人才，制定本办法。\n第二条 本办法自印发之日起施行。"
    assert doc.issuer == ["某市人力资源和社会保障局"]
    assert doc.date == "2021-03-05"
    assert doc.doc_number == "某人社发〔2021〕7号"


def test_offset_map_points_into_the_raw_text(tmp_path, ingest):
    raw = "标题\n\n   第一条　为了促进人才发展,制定本措施。  \n"
    path = tmp_path / "p.txt"
    path.write_text(raw, encoding="utf-8")
    doc = ingest(path)
    n0, r0, _ = doc.offset_map[0]
    assert doc.text.startswith("第一条") and raw[r0 : r0 + 3] == "第一条"


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b" \n\n ", "empty file"),
        ("binary.txt", os.urandom(256) + b"\x00\x01\x02" * 50, "binary or undecodable"),
        ("table.xlsx", b"PK\x03\x04", "unsupported file type '.xlsx'"),
        ("noext", "第一条 内容。".encode(), "unsupported file type '(none)'"),
        ("bad.docx", b"not a zip at all", "not a readable .docx"),
        ("bad.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
        ("empty.html", b"<html><body><script>x</script></body></html>", "HTML page has no body text"),
        ("only-title.txt", "只有一个标题\n".encode(), "no policy text found"),
    ],
)
def test_bad_input_gets_one_clear_error(tmp_path, ingest, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        ingest(path)
    assert str(path) in str(err.value) and reason in str(err.value)


def test_pdf_without_text_layer(tmp_path, ingest):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    c.rect(10, 10, 100, 100)
    c.save()
    with pytest.raises(InputError, match="no text layer"):
        ingest(path)


def test_missing_path_and_size_limit(tmp_path, ingest):
    with pytest.raises(InputError, match="no such file"):
        ingest(tmp_path / "nope.txt")
    path = tmp_path / "big.txt"
    path.write_text(POLICY, encoding="utf-8")
    with pytest.raises(InputError, match="over the limit"):
        ingest(path, max_bytes=10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=400), ext=st.sampled_from([".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".doc"]))
def test_ingestion_raises_only_its_own_errors(tmp_path, ingest, data, ext):
    path = tmp_path / f"x{ext}"
    path.write_bytes(data)
    try:
        doc = ingest(path)
    except InputError as exc:
        assert str(path) in str(exc)
    else:
        assert doc.text.strip()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300), enc=st.sampled_from(["utf-8", "utf-16", "gb18030"]))
def test_ingestion_of_any_text_raises_only_its_own_errors(tmp_path, ingest, text, enc):
    path = tmp_path / "t.txt"
    try:
        path.write_bytes(text.encode(enc))
    except UnicodeEncodeError:
        return
    try:
        ingest(path)
    except InputError:
        pass


# Texts rebuilt from a sentence database: one sentence per line, front matter glued together.
SENTENCE_DB = (
    "某县人力资源和社会保障局某县财政局某人社〔2019〕3号\n"
    "某财发〔2019〕12号\n"
    "某县青年人才安居补贴实施细则（试行）为吸引青年人才来县就业，制定本细则。\n"
    "一、补贴标准\n"
    "（一）安居补贴\n"
    "对新引进的博士给予每月2000元补贴；\n"
    "对入选省级计划的，按上级资助给予1:\n"
    "1配套。\n"
    "附件\n"
    "青年人才分类目录某县人力资源和社会保障局2019年3月8日第一类人才包括院士。\n"
    "某县人力资源和社会保障局办公室2019年3月9日印发\n"
)


def test_sentence_database_front_matter_is_metadata(make_doc, segment):
    doc = make_doc(SENTENCE_DB)
    assert doc.title == "某县青年人才安居补贴实施细则（试行）"
    assert doc.issuer == ["某县人力资源和社会保障局", "某县财政局"]
    assert doc.doc_number == "某人社〔2019〕3号；某财发〔2019〕12号"
    assert doc.date == "2019-03-08"  # the signature glued into the annex, not the 印发 date
    assert doc.text.startswith("为吸引青年人才来县就业")
    assert "附件" not in doc.text and "印发" not in doc.text and "第一类" not in doc.text
    _, statements = segment(doc)
    texts = [s.text for s in statements]
    assert "按上级资助给予1:1配套" in "".join(texts)  # a ratio broken over two lines is one line
    assert "安居补贴" in texts and "对新引进的博士给予每月2000元补贴" in texts


def test_title_glued_to_the_salutation_and_a_signature_before_the_body(make_doc):
    raw = (
        "某委发〔2018〕5号\n"
        "★中共某县委某县人民政府关于加快人才发展的若干意见各乡镇党委、政府，县级各单位：\n"
        "为加快人才发展，提出如下意见。\n"
        "一、总体要求\n"
        "坚持党管人才原则。\n"
    )
    doc = make_doc(raw)
    assert doc.title == "中共某县委某县人民政府关于加快人才发展的若干意见"
    assert doc.issuer == ["中共某县委", "某县人民政府"]
    assert doc.text.startswith("为加快人才发展")
    notice = (
        "中共某市委某市人民政府关于印发《某市人才新政二十条》的通知各县（市、区）党委和政府，市级各单位：\n"
        "《某市人才新政二十条》已经市委同意，现印发给你们，请认真贯彻执行。\n"
        "中共某市委某市人民政府2017年5月9日某市人才新政二十条为加快人才集聚，制定如下政策。\n"
        "一、引才\n对院士给予奖励。\n"
    )
    doc = make_doc(notice)
    assert (doc.title, doc.date) == ("某市人才新政二十条", "2017-05-09")
    assert doc.issuer == ["中共某市委", "某市人民政府"]
    assert doc.text.startswith("为加快人才集聚")


def test_a_signature_line_at_the_end_is_metadata(make_doc):
    doc = make_doc("某县人民政府关于促进就业的意见\n一、就业\n鼓励创业。\n某县人民政府2017年1月25日\n")
    assert doc.date == "2017-01-25" and doc.text.endswith("鼓励创业。")


def test_split_issuers_prefers_tight_name_starts(layout_rules):
    from pipeline.ingest import split_issuers

    assert split_issuers("中共某市委组织部某市人力资源和社会保障局某市财政局", layout_rules) == [
        "中共某市委组织部", "某市人力资源和社会保障局", "某市财政局"]
    assert split_issuers("中共某区委某区人民政府", layout_rules) == ["中共某区委", "某区人民政府"]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, layout_rules, heading_rules):
    import zipfile

    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\0" * 30_000_000)  # 30 MB of zeros: about 30 kB packed
    assert path.stat().st_size < 100_000
    with pytest.raises(InputError, match="zip bomb"):
        ingest_file(path, layout_rules=layout_rules, heading_rules=heading_rules, max_bytes=1_000_000)
    with pytest.raises(InputError, match="max_unpacked_bytes"):
        ingest_file(path, layout_rules=layout_rules, heading_rules=heading_rules, max_bytes=1_000_000,
                    max_unpacked=10_000_000)


@pytest.mark.parametrize(
    "name, content",
    [("long-line.txt", "人" * 200_000),  # no punctuation: issuer splitting was quadratic
     ("repeats.txt", "第一条 内容。\n" * 20_000),  # one provision id repeated: ids were quadratic
     ("breaks.html", "<html><body>" + "甲乙丙<br>" * 20_000 + "</body></html>"),
     ("nested.html", "<html><body>" + "<div>" * 100_000 + "甲" + "</div>" * 100_000 + "<p>第一条 内容。</p></body></html>")],
)
def test_inputs_that_used_to_hang_finish_in_linear_time(tmp_path, ingest, heading_rules, name, content):
    import time

    from pipeline.params import load_params
    from pipeline.segment import segment_document

    from .conftest import ROOT

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    t0 = time.perf_counter()
    try:
        segment_document(ingest(path, max_bytes=5_000_000), heading_rules, load_params(ROOT / "params.yaml").segment)
    except InputError:
        pass  # a clear refusal is fine; a hang is not
    assert time.perf_counter() - t0 < 10  # each took 30 s to forever before
