"""The manifest: reading it, finding texts in folders, downloading missing ones."""

from __future__ import annotations

import hashlib
import http.server
import threading

import pytest

from pipeline import corpus
from pipeline.errors import ConfigError
from pipeline.params import DownloadParams

HEADER = "doc_id,file,title,issuer,region,level,date,doc_number,source,sha256\n"


def _manifest(tmp_path, rows):
    path = tmp_path / "manifest.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_manifest_splits_issuers(tmp_path):
    entries = corpus.read_manifest(_manifest(tmp_path, ["a,a.txt,T,甲局;乙局,R,city,2020-01-01,,src,"]))
    assert entries[0].meta.issuer == ("甲局", "乙局") and entries[0].meta.level == "city"


@pytest.mark.parametrize(
    "row, message",
    [("a,a.txt,T,,R,galaxy,,,,", "level must be one of"), (",a.txt,T,,R,city,,,,", "doc_id and file"),
     ("a,a.txt,T,,R,city,,,,abc", "sha256 must be 64 hex")],
)
def test_bad_manifest_rows_name_the_line(tmp_path, row, message):
    with pytest.raises(ConfigError, match=f"manifest.csv:2: {message}"):
        corpus.read_manifest(_manifest(tmp_path, [row]))


def test_source_url():
    cfg = DownloadParams(True, 1.0, "http://mirror/{repo}/{commit}/{path}")
    assert corpus.source_url("o/r@abc1234:dir/x.md", cfg) == "http://mirror/o/r/abc1234/dir/x.md"
    assert corpus.source_url("https://example.org/x.html", cfg) == "https://example.org/x.html"
    assert corpus.source_url("web release", cfg) is None


@pytest.fixture
def server(tmp_path):
    """A loopback HTTP server serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(root), **kw)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_locate_reads_folders_then_downloads_and_checks_sha256(tmp_path, server):
    www, base = server
    body = "第一条 内容。\n".encode()
    (www / "b.txt").write_bytes(body)
    (www / "c.txt").write_bytes(b"tampered")
    sha = hashlib.sha256(body).hexdigest()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "a.txt").write_bytes(body)
    path = _manifest(tmp_path, [
        f"a,a.txt,,,,,,,,{sha}",
        f"b,b.txt,,,,,,,{base}/b.txt,{sha}",
        f"c,c.txt,,,,,,,{base}/c.txt,{sha}",
        f"d,d.txt,,,,,,,{base}/missing.txt,{sha}",
        "e,e.txt,,,,,,,a web page,",
    ])
    warnings: list[str] = []
    cache = tmp_path / "cache"
    found = list(corpus.locate(corpus.read_manifest(path), [mirror], cache,
                               DownloadParams(True, 5.0, "{repo}"), warnings.append))
    assert [(e.doc_id, p) for e, p in found] == [("a", mirror / "a.txt"), ("b", cache / "b.txt")]
    assert (cache / "b.txt").read_bytes() == body
    assert not (cache / "c.txt").exists()
    assert [w.split(":")[0] for w in warnings] == ["c", "d", "e"]
    assert "sha256" in warnings[0] and "download" in warnings[1] and "no address" in warnings[2]


def test_locate_without_downloads(tmp_path):
    path = _manifest(tmp_path, ["x,x.txt,,,,,,,https://example.invalid/x.txt,"])
    warnings: list[str] = []
    fetched = []
    found = list(corpus.locate(corpus.read_manifest(path), [tmp_path], tmp_path / "c",
                               DownloadParams(False, 1.0, "{repo}"), warnings.append,
                               fetch=lambda url, t: fetched.append(url) or b""))
    assert found == [] and fetched == [] and "downloads are disabled" in warnings[0]
