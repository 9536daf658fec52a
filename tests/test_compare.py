"""Comparison outputs: graphs, exports, notebooks, on a fresh run of the pipeline's commands."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter

import networkx as nx
import pyarrow.parquet as pq
import pytest

from pipeline import cli, compare, export

from .conftest import ROOT

WUCHANG = "wuhan-wuchang-2022-talent-core-zone-opinions"


def _run(*args):
    assert cli.main(["--params", str(ROOT / "params.yaml"), *map(str, args)]) == 0


@pytest.fixture(scope="session")
def outputs(tmp_path_factory):
    """extract -> compare -> export into a temporary root, as the DVC stages do."""
    root = tmp_path_factory.mktemp("data")
    _run("extract", "-o", root / "extract")
    _run("compare", "--extract", root / "extract", "-o", root / "compare")
    _run("export", "--extract", root / "extract", "--compare", root / "compare", "-o", root / "exports")
    return root


def _gold(doc_id):
    path = ROOT.parent / "shared" / "annotation" / "gold" / f"{doc_id}.jsonl"
    if not path.exists():
        pytest.skip(f"no gold file {path}")
    return json.loads(path.read_text(encoding="utf-8").splitlines()[0])


def test_wuchang_policy_node_links_to_its_lead_actors_and_gold_instruments(outputs):
    g = nx.read_graphml(outputs / "compare" / "comparison.graphml")
    policy = f"policy:{WUCHANG}"
    assert g.nodes[policy]["level"] == "district" and "武昌区人民政府" in g.nodes[policy]["issuer"]
    neighbours = set(g.neighbors(policy))
    statements = [json.loads(line) for line in (outputs / "extract" / "statements.jsonl").read_text(encoding="utf-8").splitlines()]
    leads = {a["canonical"] for s in statements if s["doc_id"] == WUCHANG for a in s["actors"] if a["role"] == "lead"}
    assert leads and {f"actor:{c}" for c in leads} <= neighbours
    gold_codes = {s["instrument"] for s in _gold(WUCHANG)["statements"] if s["instrument"]}
    assert {f"instrument:{c}" for c in gold_codes} <= neighbours
    assert any(g.edges[policy, n]["kind"] == "similar" for n in neighbours if n.startswith("policy:"))


def test_policy_graph_links_actors_to_instruments_through_statements(outputs):
    g = nx.read_graphml(outputs / "compare" / "graphs" / f"{WUCHANG}.graphml")
    kinds = {d["kind"] for _, d in g.nodes(data=True)}
    assert {"actor", "instrument", "target", "programme", "platform"} <= kinds
    edge = next(d for a, b, d in g.edges(data=True) if {a.split(":")[0], b.split(":")[0]} == {"actor", "instrument"})
    assert edge["count"] >= 1 and edge["modality"] and edge["provisions"]


@pytest.mark.parametrize("stem", ["comparison", f"graphs/{WUCHANG}"])
def test_graphml_and_gexf_read_back_alike(outputs, stem):
    base = outputs / "compare" / stem
    gml, gexf = nx.read_graphml(f"{base}.graphml"), nx.read_gexf(f"{base}.gexf")
    data = json.loads(open(f"{base}.json", encoding="utf-8").read())
    assert gml.number_of_nodes() == gexf.number_of_nodes() == len(data["nodes"]) > 0
    assert gml.number_of_edges() == gexf.number_of_edges() == len(data["links"]) > 0


def test_html_page_is_self_contained(outputs):
    page = (outputs / "compare" / "comparison.html").read_text(encoding="utf-8")
    assert "<svg" in page and "const DATA" in page and "武昌" in page
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)  # nothing loaded from elsewhere


def test_exports_match_the_data_dictionary(outputs):
    tables = export.load_dictionary(ROOT / "models" / "exports" / "dictionary.yaml")
    readme = (outputs / "exports" / "README.md").read_text(encoding="utf-8")
    for name, spec in tables.items():
        columns = list(spec["columns"])
        raw = (outputs / "exports" / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name  # UTF-8 BOM: Excel reads it as UTF-8
        assert raw[3:].decode("utf-8").splitlines()[0].split(",") == columns, name
        assert pq.read_schema(outputs / "exports" / f"{name}.parquet").names == columns, name
        assert f"## {name}" in readme and all(f"`{c}`" in readme for c in columns)
    statements = pq.read_table(outputs / "exports" / "statements.parquet").to_pylist()
    assert {s["modality"] for s in statements} <= {"obligation", "prohibition", "encouragement", "commitment",
                                                   "permission", "exploration", "declaration"}


def test_comparison_outputs_are_deterministic(outputs, tmp_path):
    _run("compare", "--extract", outputs / "extract", "-o", tmp_path)
    for rel in ["comparison.graphml", "comparison.gexf", "comparison.html", "alignments.json", f"graphs/{WUCHANG}.gexf"]:
        assert (tmp_path / rel).read_bytes() == (outputs / "compare" / rel).read_bytes(), rel


@pytest.mark.parametrize("notebook", ["01_explore_policy.ipynb", "02_compare_policies.ipynb"])
def test_notebooks_run_headless(outputs, notebook, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("POLICY_DATA", str(outputs))
    nb = nbformat.read(ROOT / "notebooks" / notebook, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(ROOT / "notebooks")}})
    client.execute(env=dict(os.environ))
    images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert images, "the notebook drew nothing"


def test_coverage_finds_unique_and_lacking_items():
    targets = compare.TargetTaxonomy((), "其他人才")
    docs = [{"doc_id": d} for d in "abc"]
    st = lambda d, code: {"doc_id": d, "instrument": code, "targets": [], "actors": []}  # noqa: E731
    rows = compare.coverage(docs, [st("a", "env.tax"), st("b", "supply.talent"), st("c", "supply.talent")],
                            targets, majority=0.5)
    got = {(r["doc_id"], r["item"], r["status"]) for r in rows}
    assert ("a", "env.tax", "unique") in got and ("a", "supply.talent", "lacking") in got
    assert not any(r["doc_id"] == "b" and r["status"] == "unique" for r in rows)


def test_peer_comparison_counts_the_same_with_or_without_a_corpus_wide_count():
    targets = compare.TargetTaxonomy((), "其他人才")
    docs = [{"doc_id": d} for d in "abcd"]
    st = lambda d, code: {"doc_id": d, "instrument": code, "targets": [], "actors": []}  # noqa: E731
    sts = [st("a", "env.tax"), st("b", "env.tax"), st("b", "supply.talent"), st("c", "supply.talent"),
           st("d", "supply.talent"), st("d", "demand.procurement")]
    used = compare.items_used(docs, sts, targets)
    rows = compare.coverage(docs, sts, targets, majority=0.5)
    for d in "abcd":  # coverage counts once for the corpus; a single policy against its peers counts them itself
        assert [r for r in rows if r["doc_id"] == d] == compare.compare_to_peers(used, d, list("abcd"), majority=0.5)
    lacking = compare.compare_to_peers(used, "a", ["b", "c", "d"], majority=0.5)  # peers without the policy itself
    assert [(r["item"], r["status"], r["others_using"]) for r in lacking] == [("supply.talent", "lacking", 3)]


def test_alignment_respects_threshold_and_other_policies_only():
    provs = [
        {"doc_id": "a", "provision_id": "s1", "level": "section", "heading": "", "text": "鼓励 企业 引进 人才"},
        {"doc_id": "b", "provision_id": "s1", "level": "section", "heading": "", "text": "鼓励 企业 引进 人才"},
        {"doc_id": "b", "provision_id": "s2", "level": "section", "heading": "", "text": "完全 无关 内容"},
    ]
    rows, left_out = compare.align_provisions(provs, str.split, levels=("section",), threshold=0.5, top_k=3)
    assert {(r["doc_id"], r["other_doc_id"], r["other_provision_id"]) for r in rows} == {("a", "b", "s1"), ("b", "a", "s1")}
    assert all(r["score"] >= 0.5 for r in rows) and left_out == []


def _exact_alignment(units, tokenize, threshold, top_k):
    """The dense method the chunked one replaced: every pair scored."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    import numpy as np

    vec = TfidfVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None, sublinear_tf=True)
    sims = cosine_similarity(vec.fit_transform([p["text"] for p in units]))
    docs = np.array([p["doc_id"] for p in units])
    out = []
    for i, p in enumerate(units):
        for other in sorted(set(docs) - {p["doc_id"]}):
            idx = np.flatnonzero(docs == other)
            scores = sims[i, idx]
            for j in np.lexsort((idx, -scores))[:top_k]:
                if round(scores[j], 6) < threshold:
                    break
                out.append((p["doc_id"], p["provision_id"], other, units[idx[j]]["provision_id"], round(float(scores[j]), 6)))
    return out


def test_chunked_alignment_equals_the_exact_method():
    import random

    rng = random.Random(3)
    words = "人才 企业 引进 补贴 高校 平台 服务 住房 创业 培养 奖励 评价 机制 资金 项目 专家 团队 科研".split()
    units = [{"doc_id": f"d{k % 7}", "provision_id": f"s{k}", "level": "section", "heading": "",
              "text": " ".join(rng.choice(words) for _ in range(rng.randint(3, 12)))} for k in range(120)]
    rows, _ = compare.align_provisions(units, str.split, levels=("section",), threshold=0.2, top_k=3, chunk=17)
    got = [(r["doc_id"], r["provision_id"], r["other_doc_id"], r["other_provision_id"], r["score"]) for r in rows]
    assert got == _exact_alignment(units, str.split, 0.2, 3)


def test_packed_sort_keys_order_as_lexsort_does():
    import numpy as np

    rng = np.random.default_rng(7)
    n = 5000
    rows, docs, score = rng.integers(0, 50, n), rng.integers(0, 9, n), rng.integers(0, 1000, n)
    cols = rng.permutation(n)  # unique: the keys together are unique, as a block's are
    keys = [rows, docs, score, cols]
    want = np.lexsort(keys[::-1])
    assert (compare._order(keys, [50, 9, 1000, n]) == want).all()  # packed into one integer
    assert (compare._order(keys, [2**20, 2**20, 2**20, 2**20]) == want).all()  # too wide: lexsort


def test_boilerplate_is_left_out_of_the_alignment():
    rules = compare.load_boilerplate(ROOT / "models" / "compare" / "boilerplate.yaml")
    provs = []
    topics = {"a": "人才 住房 补贴", "b": "人才 住房 补贴", "c": "高校 科研 平台", "d": "高校 科研 平台",
              "e": "企业 创业 贷款", "f": "企业 创业 贷款"}  # each measure shared by two policies only
    for d in "abcdef":
        provs += [
            {"doc_id": d, "provision_id": "article 1", "level": "article", "heading": "", "text": topics[d]},
            {"doc_id": d, "provision_id": "article 9", "level": "article", "heading": "", "text": "本办法自印发之日起施行"},
            {"doc_id": d, "provision_id": "article 8", "level": "article", "heading": "",
             "text": "各单位 应当 按季度 报送 工作 情况"},  # said alike everywhere: frequent
        ]
    rows, left_out = compare.align_provisions(provs, str.split, levels=("article",), threshold=0.2, top_k=3,
                                              boilerplate=rules)
    assert {r["provision_id"] for r in rows} == {"article 1"}
    reasons = {(r["provision_id"], r["reason"]) for r in left_out}
    assert ("article 9", "pattern") in reasons and ("article 8", "frequent") in reasons


def test_each_policy_links_to_its_few_most_similar_others():
    import numpy as np

    docs = [{"doc_id": f"p{k}", "title": f"p{k}"} for k in range(6)]
    sim = np.full((6, 6), 0.3)
    np.fill_diagonal(sim, 1.0)
    g = compare.comparison_graph(docs, [], None, ([d["doc_id"] for d in docs], sim), edge_min=0.05, top_k=2)
    similar = [(a, b) for a, b, d in g.edges(data=True) if d["kind"] == "similar"]
    assert len(similar) <= 6 * 2 and len(similar) < 15  # at most top_k per policy, not every pair


def test_weak_instruments_count_as_uncoded():
    from pipeline.compare import drop_weak_instruments

    sts = [{"instrument": "env.regulation", "instrument_confidence": 0.0},
           {"instrument": "supply.funding", "instrument_confidence": 0.9}]
    assert drop_weak_instruments(sts, 0.0) == sts
    assert [s["instrument"] for s in drop_weak_instruments(sts, 0.01)] == [None, "supply.funding"]


def test_workbook_has_every_table_a_codebook_and_inert_formulas(tmp_path):
    from openpyxl import load_workbook

    from pipeline import export

    book = export.codebook(ROOT / "models" / "exports" / "labels.yaml", ROOT / "models" / "instruments" / "taxonomy.yaml")
    rows = [{"doc_id": "a", "text": '=HYPERLINK("http://x","点击")', "n": 3}, {"doc_id": "b", "text": "人才公寓", "n": -1}]
    path = tmp_path / "t.xlsx"
    export.write_workbook(path, {"statements": ({"doc_id": "", "text": "", "n": ""}, rows)}, book)
    wb = load_workbook(path)
    assert wb.sheetnames == ["statements", "codebook"]
    ws = wb["statements"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C3"
    assert ws["B2"].value == '=HYPERLINK("http://x","点击")' and ws["B2"].data_type == "s"  # text, not a formula
    assert ws["B3"].value == "人才公寓" and ws["C3"].value == -1
    codes = {(r[0].value, r[1].value): r[2].value for r in wb["codebook"].iter_rows(min_row=2)}
    assert codes[("instrument", "supply.funding")] == "供给型-资金投入" and codes[("modality", "commitment")] == "承诺"
    first = path.read_bytes()
    export.write_workbook(path, {"statements": ({"doc_id": "", "text": "", "n": ""}, rows)}, book)
    assert path.read_bytes() == first  # deterministic


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_reads_the_workbook_with_chinese_intact(tmp_path):
    import subprocess

    from pipeline import export

    path = tmp_path / "t.xlsx"
    export.write_workbook(path, {"statements": ({"text": ""}, [{"text": "鼓励企业引进博士研究生"}])}, [])
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76",  # 76: UTF-8
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=120)
    assert "鼓励企业引进博士研究生" in (tmp_path / "t.csv").read_text(encoding="utf-8")


def test_another_reader_than_networkx_reads_every_graphml(outputs):
    igraph = pytest.importorskip("igraph")
    files = [outputs / "compare" / "comparison.graphml", *sorted((outputs / "compare" / "graphs").glob("*.graphml"))]
    for path in files:
        g = igraph.Graph.Read_GraphML(str(path))  # refuses a key declared twice with two types
        assert g.vcount() > 0, path
    assert "weight" in igraph.Graph.Read_GraphML(str(files[0])).es.attributes()


def test_graph_attributes_get_one_type_each():
    g = nx.Graph()
    g.add_edge("a", "b", weight=1)
    g.add_edge("b", "c", weight=0.5)
    g.add_node("a", note=3)
    g.add_node("b", note="x")
    h = export._plain(g)
    assert {type(d["weight"]) for *_, d in h.edges(data=True)} == {float}
    assert {type(d["note"]) for _, d in h.nodes(data=True) if "note" in d} == {str}


def test_top_alignments_of_the_focus_policy_are_substance_not_boilerplate(outputs):
    rows = json.loads((outputs / "compare" / "alignments.json").read_text(encoding="utf-8"))
    provs = {(p["doc_id"], p["provision_id"]): p["text"] for p in
             map(json.loads, (outputs / "extract" / "provisions.jsonl").read_text(encoding="utf-8").splitlines())}
    top = sorted((r for r in rows if r["doc_id"] == WUCHANG), key=lambda r: -r["score"])[:20]
    assert len(top) == 20
    for r in top:
        for text in (provs[(r["doc_id"], r["provision_id"])], provs[(r["other_doc_id"], r["other_provision_id"])]):
            assert not re.search(r"起施行|起实施|负责解释|解释权|所称", text), text[:60]
    left_out = json.loads((outputs / "compare" / "boilerplate.json").read_text(encoding="utf-8"))
    assert any(b["reason"] == "pattern" for b in left_out)


def test_reports_are_self_contained_and_cover_every_policy(outputs, tmp_path):
    _run("report", "--extract", outputs / "extract", "--compare", outputs / "compare", "-o", tmp_path)
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    docs = [json.loads(line) for line in (outputs / "extract" / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(f'href="{d["doc_id"]}.html"' in index for d in docs)
    assert not re.search(r'(src|href)="(https?:)?//', index)  # nothing fetched from the network
    assert index.count("<svg") >= 3 and "供给型" in index and 'id=peers' in index and "const S=" in index
    page = (tmp_path / f"{WUCHANG}.html").read_text(encoding="utf-8")
    stmts = [json.loads(line) for line in (outputs / "extract" / "statements.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["doc_id"] == WUCHANG]
    assert page.count('class=st id="') == len(stmts)  # every statement, coloured and with its details on hover
    assert "Who must do what" in page and "Benefits by target group" in page
    ents = [json.loads(line) for line in (outputs / "extract" / "entities.jsonl").read_text(encoding="utf-8").splitlines()]
    money = next(e for e in ents if e["label"] == "MONEY")
    assert f"<td>{money['text']}</td>" in (tmp_path / f"{money['doc_id']}.html").read_text(encoding="utf-8")
    first = (tmp_path / "index.html").read_bytes()
    _run("report", "--extract", outputs / "extract", "--compare", outputs / "compare", "-o", tmp_path)
    assert (tmp_path / "index.html").read_bytes() == first  # deterministic


def test_focus_graph_has_few_labels_and_none_overlap(outputs):
    from pipeline import report
    from pipeline.compare import load_targets

    ex = {k: [json.loads(line) for line in (outputs / "extract" / f"{k}.jsonl").read_text(encoding="utf-8").splitlines()]
          for k in ("documents", "statements")}
    targets = load_targets(ROOT / "models" / "compare" / "targets.yaml")
    view = report.focus_layout(ex["documents"], ex["statements"], targets, {}, WUCHANG)
    boxes = view["boxes"]
    assert len(view["nodes"]) == len(boxes) <= 60
    assert any(n["kind"] == "actor" for n in view["nodes"]) and any(n.get("focus") for n in view["nodes"])
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not report._overlap(a, b), (a, b)
    assert report.focus_svg(view).count("<text") == len(boxes)


def test_sparse_alignment_settings_keep_the_top_pair_of_the_exact_method():
    import random

    rng = random.Random(11)
    common = "的 和 应当 按照 有关 规定".split()
    topics = ["人才 住房 补贴 安居", "高校 科研 平台 实验室", "企业 创业 贷款 担保", "专家 评审 职称 评价"]
    units = []
    for k in range(200):
        topic = topics[k % 4].split()
        words = [rng.choice(topic) for _ in range(rng.randint(3, 8))] + rng.sample(common, 3)
        units.append({"doc_id": f"d{k % 25}", "provision_id": f"s{k}", "level": "section", "heading": "",
                      "text": " ".join(words)})
    exact = _exact_alignment(units, str.split, 0.2, 3)
    rows, _ = compare.align_provisions(units, str.split, levels=("section",), threshold=0.2, top_k=3,
                                       max_df=0.3, max_per_provision=20)
    top_exact = max(exact, key=lambda r: (r[4], r[:4]))
    got = {(r["doc_id"], r["provision_id"], r["other_doc_id"], r["other_provision_id"]) for r in rows}
    assert top_exact[:4] in got
    assert max(Counter(r["provision_id"] for r in rows).values()) <= 20


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browse(page, tmp_path, shot=None):
    """The DOM of ``page`` after headless Chromium loaded it (scripts run), and the requests
    the page made that would leave the machine (from Chromium's network log: the browser's
    own background requests have no page origin)."""
    import subprocess

    log = tmp_path / f"{page.stem}.netlog.json"
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
           "--disable-background-networking", "--disable-component-update", f"--user-data-dir={tmp_path / 'profile'}",
           f"--log-net-log={log}", "--virtual-time-budget=3000", "--window-size=1400,1000"]
    url = page.resolve().as_uri()
    dom = subprocess.run([*cmd, "--dump-dom", url], capture_output=True, text=True, timeout=120).stdout
    if shot is not None:
        subprocess.run([*cmd, f"--screenshot={shot}", url], capture_output=True, timeout=120)
    types = {}
    events = []
    if log.exists():
        net = json.loads(log.read_text(encoding="utf-8"))
        types = {v: k for k, v in net["constants"]["logEventTypes"].items()}
        events = net["events"]
    left = [e["params"]["url"] for e in events
            if types.get(e["type"]) == "URL_REQUEST_START_JOB" and e.get("params", {}).get("initiator") != "not an origin"
            and not re.match(r"(file|data|blob|about|chrome):", e["params"].get("url", "file:"))]
    return dom, left


@pytest.mark.skipif(not _chromium(), reason="Chromium is not installed (Debian: apt-get install chromium)")
def test_reports_render_offline_in_headless_chromium(outputs, tmp_path):
    import csv

    from PIL import Image

    _run("report", "--extract", outputs / "extract", "--compare", outputs / "compare", "-o", tmp_path / "r")
    dom, left = _browse(tmp_path / "r" / "index.html", tmp_path, shot=tmp_path / "index.png")
    if "<html" not in dom:  # no page at all: the browser, not the report, failed here
        pytest.skip("Chromium did not start")
    assert left == []  # nothing fetched from the network
    with (ROOT / "corpus" / "manifest.csv").open(encoding="utf-8", newline="") as f:
        manifest = list(csv.DictReader(f))
    summary = re.search(r'<table class="summary">.*?<tbody>(.*?)</tbody>', dom, re.S)
    assert summary and summary.group(1).count("<tr") == len(manifest)
    charts = re.findall(r"<svg\b.*?</svg>", dom, re.S)  # three heat maps (their cells an inline PNG) and the focus graph
    assert sum(1 for svg in charts if re.search(r'<image\b[^>]*href="data:image/png;base64,', svg)) >= 3
    colours = Image.open(tmp_path / "index.png").convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50  # a rendered page, not a blank one
    page, left = _browse(tmp_path / "r" / f"{WUCHANG}.html", tmp_path)
    assert left == [] and page.count('class="st"') > 50


def test_summary_and_similarity_file_hold_the_matrix(tmp_path):
    import numpy as np

    from pipeline import io

    ids = ["a", "b", "c"]
    sim = np.array([[1.0, 0.2, 0.4], [0.2, 1.0, 0.6], [0.4, 0.6, 1.0]])
    got = compare.summary([{"doc_id": d} for d in ids], (ids, sim), {})
    assert got["mean_similarity"] == 0.4  # the six ordered pairs of two different policies
    assert compare.summary([{"doc_id": "a"}], (["a"], np.ones((1, 1))), {})["mean_similarity"] == 0.0
    io.write_matrix(tmp_path / "s.json", ids, sim)  # written row by row
    back = io.read_json(tmp_path / "s.json")
    assert back == {"doc_ids": ids, "matrix": sim.tolist()}
