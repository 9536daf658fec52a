"""Hostile inputs: manifest paths and doc ids that leave their folder, formula cells,
downloads that are unverified, redirected, oversized or slow."""

from __future__ import annotations

import csv
import hashlib
import http.server
import threading
import time

import pytest

from pipeline import corpus, io, safety
from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.params import DownloadParams

from .conftest import ROOT

HEADER = "doc_id,file,title,issuer,region,level,date,doc_number,source,sha256\n"
BODY = "第一条 单位应当遵守本办法。\n".encode()
SHA = hashlib.sha256(BODY).hexdigest()


def _manifest(tmp_path, rows):
    path = tmp_path / "manifest.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["../../x.txt", "/etc/passwd", "a/../../b.txt", "C:\\x.txt", "\\\\host\\share\\x"])
def test_manifest_paths_that_leave_the_corpus_are_refused(tmp_path, name):
    path = _manifest(tmp_path, [f"a,{name},,,,,,,,"])
    with pytest.raises(ConfigError, match="manifest.csv:2: file"):
        corpus.read_manifest(path)
    warnings: list[str] = []
    assert corpus.read_manifest(path, warnings.append) == [] and "row skipped" in warnings[0]


@pytest.mark.parametrize("doc_id", ["../evil", "/abs", ".hidden", "a/b", "a\\b", ""])
def test_unsafe_doc_ids(doc_id):
    assert safety.doc_id_problem(doc_id) is not None


@pytest.mark.parametrize("doc_id", ["wuhan-wuchang-2022", "武昌区_2022.v1", "A1"])
def test_safe_doc_ids(doc_id):
    assert safety.doc_id_problem(doc_id) is None


@pytest.mark.parametrize("stem, doc_id", [
    ("某市人才条例(2020-05-14)", "某市人才条例-2020-05-14"), ("a b  c", "a-b-c"), ("..hidden", "hidden"),
    ("_x_", "x"), ("（）", "doc"), ("wuhan-wuchang-2022", "wuhan-wuchang-2022"), ("a--b", "a--b")])
def test_a_file_name_gives_a_safe_doc_id(stem, doc_id):
    assert safety.doc_id_from_name(stem) == doc_id and safety.doc_id_problem(doc_id) is None


def test_files_named_with_brackets_and_spaces_are_extracted(tmp_path):
    texts = tmp_path / "in"
    texts.mkdir()
    (texts / "某区人才新政(2023 修订).txt").write_text("人才措施\n第一条 鼓励企业引进人才。\n", encoding="utf-8")
    assert main(["extract", str(texts), "-o", str(tmp_path / "out")]) == 0
    docs = (tmp_path / "out" / "documents.jsonl").read_text(encoding="utf-8")
    assert '"doc_id": "某区人才新政-2023-修订"' in docs


def test_a_symlink_out_of_the_folder_is_not_followed(tmp_path):
    mirror, outside = tmp_path / "mirror", tmp_path / "outside"
    mirror.mkdir(), outside.mkdir()
    (outside / "secret.txt").write_bytes(BODY)
    (mirror / "link.txt").symlink_to(outside / "secret.txt")
    warnings: list[str] = []
    entries = corpus.read_manifest(_manifest(tmp_path, ["a,link.txt,,,,,,,,"]))
    found = list(corpus.locate(entries, [mirror], tmp_path / "cache", DownloadParams(False, 1.0, ""), warnings.append))
    assert found == [] and "outside its folder" in warnings[0]


def test_a_local_text_that_differs_from_its_sha256_is_flagged(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("第一条 单位应当遵守本办法，另有修改。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(BODY)
    manifest = _manifest(tmp_path, [f"a,a.txt,,,,,,,,{SHA}", f"b,b.txt,,,,,,,,{SHA}"])
    from .conftest import write_project

    params = write_project(tmp_path / "project")
    settings = params.with_name("settings.yaml")
    settings.write_text(settings.read_text(encoding="utf-8").replace("bundled: corpus ", f"bundled: {tmp_path} "),
                        encoding="utf-8")
    assert main(["--params", str(params), "extract", "--manifest", str(manifest), "-o", str(tmp_path / "out")]) == 0
    assert "a: " in capsys.readouterr().err
    docs = {d["doc_id"]: d["verified"] for d in io.read_jsonl(tmp_path / "out" / "documents.jsonl")}
    assert docs == {"a": False, "b": True}


def test_compare_refuses_doc_ids_that_would_write_outside(tmp_path, capsys):
    ex = tmp_path / "ex"
    io.write_jsonl(ex / "documents.jsonl", [{"doc_id": "../../escaped", "title": "x"}])
    for name in ("provisions", "statements", "entities"):
        io.write_jsonl(ex / f"{name}.jsonl", [])
    assert main(["compare", "--extract", str(ex), "-o", str(tmp_path / "out")]) == 2
    assert "not a safe file name" in capsys.readouterr().err
    assert not list(tmp_path.glob("escaped*")) and not (tmp_path / "out").exists()


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://x","点击")', "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"])
def test_formula_cells_are_inert_in_csv_for_excel(tmp_path, cell):
    path = tmp_path / "t.csv"
    io.write_csv(path, ["text", "n"], [{"text": cell, "n": -5}], bom=True, excel=True)
    with path.open(encoding="utf-8-sig", newline="") as f:
        row = next(csv.DictReader(f))
    assert row["text"] == "'" + cell and row["n"] == "-5"  # numbers stay numbers


def test_plain_cells_are_unchanged():
    assert safety.excel_cell("人才公寓") == "人才公寓" and safety.excel_cell(3) == 3


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/ok.txt":
            self._send(BODY)
        elif self.path == "/elsewhere":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:9/x.txt")
            self.end_headers()
        elif self.path == "/ftp":
            self.send_response(302)
            self.send_header("Location", "ftp://127.0.0.1/x.txt")
            self.end_headers()
        elif self.path == "/big":
            self.send_response(200)
            self.end_headers()  # no Content-Length: the cap must hold while reading
            self.wfile.write(b"x" * 300_000)
        elif self.path == "/slow":
            self.send_response(200)
            self.end_headers()
            for _ in range(30):
                self.wfile.write(b"x" * 10)
                self.wfile.flush()
                time.sleep(0.1)

    def _send(self, data):
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def base():
    class Quiet(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # a client that hangs up early (the size and time limits) is expected here

    httpd = Quiet(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _fetch(tmp_path, base, path, sha=SHA, **cfg):
    entries = corpus.read_manifest(_manifest(tmp_path, [f"a,a.txt,,,,,,,{base}{path},{sha}"]))
    params = DownloadParams(True, cfg.pop("timeout", 5.0), "", **cfg)
    warnings: list[str] = []
    found = list(corpus.locate(entries, [tmp_path / "mirror"], tmp_path / "cache", params, warnings.append))
    return found, warnings


def test_a_verified_download_is_cached(tmp_path, base):
    found, warnings = _fetch(tmp_path, base, "/ok.txt")
    assert warnings == [] and found[0][1].read_bytes() == BODY


def test_no_download_without_a_sha256_unless_trusted(tmp_path, base):
    found, warnings = _fetch(tmp_path, base, "/ok.txt", sha="")
    assert found == [] and "no sha256" in warnings[0] and not (tmp_path / "cache" / "a.txt").exists()
    found, warnings = _fetch(tmp_path, base, "/ok.txt", sha="", require_sha256=False)
    assert warnings == [] and found[0][1].read_bytes() == BODY


@pytest.mark.parametrize("path, message", [("/elsewhere", "redirect"), ("/ftp", "redirect"),
                                           ("/big", "over the limit")])
def test_unsafe_downloads_are_refused(tmp_path, base, path, message):
    found, warnings = _fetch(tmp_path, base, path, max_bytes=100_000)
    assert found == [] and message in warnings[0] and not (tmp_path / "cache" / "a.txt").exists()


def test_the_timeout_is_for_the_whole_download(tmp_path, base):
    t0 = time.monotonic()
    found, warnings = _fetch(tmp_path, base, "/slow", timeout=0.5)  # each read is fast; the body is not
    assert found == [] and "longer than" in warnings[0] and time.monotonic() - t0 < 2.5


def _docx_bytes(text):
    import io as _io

    import docx

    d = docx.Document()
    for line in text.splitlines() or [text]:
        d.add_paragraph("".join(c for c in line if c.isprintable()))
    buf = _io.BytesIO()
    d.save(buf)
    return buf.getvalue()


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300) | st.sampled_from(
    ["第一条 鼓励企业引进人才。\n第二条 给予最高10万元奖励。", "<html><body><p>第一条 内容</p></body></html>", ""])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXT, min_size=6, max_size=6), noise=st.binary(max_size=200))
def test_the_cli_reports_only_its_own_errors_whatever_the_files(tmp_path_factory, texts, noise):
    import contextlib
    import io as _io

    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "a.txt").write_text(texts[0], encoding="utf-8")
    (folder / "b.md").write_bytes(texts[1].encode("utf-8") + noise)
    (folder / "c.html").write_text(f"<html><body>{texts[2]}</body></html>", encoding="utf-8")
    (folder / "d.htm").write_bytes(noise or b"<p>")
    (folder / "e.docx").write_bytes(_docx_bytes(texts[4]) if texts[4] else noise)
    (folder / "f.pdf").write_bytes(b"%PDF-1.4\n" + noise)
    err = _io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["--params", str(ROOT / "params.yaml"), "extract", str(folder), "-o", str(folder / "out")])
    assert rc in (0, 1), err.getvalue()
    assert "Traceback" not in err.getvalue()
    lines = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
    assert all(": " in line[len("error: "):] for line in lines)  # each names its file and the problem
