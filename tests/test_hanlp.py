"""The optional HanLP backend: HanLP's own Document structure and a loopback REST server."""

from __future__ import annotations

import http.server
import json
import sys
import threading

import pytest

from pipeline.backends.hanlp import HanLPBackend, document_spans, load_mapping
from pipeline.errors import ConfigError

from .conftest import ROOT

hanlp_common = pytest.importorskip("hanlp_common.document")
MAPPING = load_mapping(ROOT / "models" / "backends" / "hanlp.yaml")
TEXT = "武汉大学位于武昌区。 市人社局负责。"
DOC = {
    "tok/fine": [["武汉大学", "位于", "武昌区", "。"], ["市人社局", "负责", "。"]],
    "ner/msra": [[["武汉大学", "ORGANIZATION", 0, 1], ["武昌区", "LOCATION", 2, 3]],
                 [["市人社局", "ORGANIZATION", 0, 1], ["某人", "PERSON", 1, 2]]],
}


def test_document_spans_from_a_hanlp_document():
    doc = hanlp_common.Document(DOC)
    tokens, ents = document_spans(doc, TEXT, MAPPING)
    assert [TEXT[a:b] for _, a, b, _ in tokens] == ["武汉大学", "位于", "武昌区", "。", "市人社局", "负责", "。"]
    assert [(TEXT[a:b], label) for a, b, label in ents] == [("武汉大学", "ORG"), ("武昌区", "LOC"), ("市人社局", "ORG")]


def test_tokens_that_do_not_align_are_an_error():
    with pytest.raises(ConfigError, match="not found"):
        document_spans({"tok/fine": [["不存在"]]}, TEXT, MAPPING)


class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append({"path": self.path, "auth": self.headers.get("Authorization"), "body": body})
        reply = json.dumps(DOC if body["text"] == TEXT else {"tok/fine": [[body["text"]]]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/api"
    httpd.shutdown()
    httpd.server_close()


def test_rest_backend_posts_the_hanlp_format(server, monkeypatch):
    monkeypatch.setenv("HANLP_AUTH", "secret")
    backend = HanLPBackend(MAPPING, url=server, tasks=["tok/fine", "ner/msra"])
    tokens, ents = backend.analyse(TEXT)
    call = _Handler.seen[-1]
    assert call["path"] == "/api/parse" and call["auth"] == "Basic secret"
    assert call["body"]["text"] == TEXT and call["body"]["tasks"] == ["tok/fine", "ner/msra"]
    assert ("武昌区", "LOC") in [(TEXT[a:b], label) for a, b, label in ents]


def test_rest_backend_in_the_pipeline(server, tmp_path):
    from pipeline.extract import Extractor
    from pipeline.ingest import Meta  # noqa: F401 (import check)
    from pipeline.records import Document

    ex = Extractor.load(ROOT / "models", hanlp={"enabled": True, "url": server, "tasks": ["tok/fine", "ner/msra"]})
    text = TEXT
    doc = Document("d", None, [], None, None, None, None, None, text, "0" * 64)
    _, entities = ex.extract(doc, [], [])
    assert ("武昌区", "LOC") in [(e.text, e.label) for e in entities]


def test_unreachable_endpoint_and_missing_model_are_clear_errors(tmp_path):
    with pytest.raises(ConfigError, match="request failed"):
        HanLPBackend(MAPPING, url="http://127.0.0.1:9", timeout=2).analyse("文本")
    with pytest.raises(ConfigError, match="no such model directory"):
        HanLPBackend(MAPPING, model=str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="set a local model directory or a REST url"):
        HanLPBackend(MAPPING)


def test_default_path_never_imports_hanlp():
    from pipeline.extract import Extractor

    Extractor.load(ROOT / "models")
    assert "hanlp" not in sys.modules
