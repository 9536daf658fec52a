"""Reports a policy researcher reads: one comparison page and one page per policy.

Self-contained HTML (inline SVG charts, inline CSS and a little script, no CDN): open the
files from disk. Pure functions from the extraction and comparison records to HTML strings;
``cli.py`` writes them.
"""

from __future__ import annotations

import html
import io as _io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from .compare import TargetTaxonomy, by_doc, compare_to_peers, items_used

Record = dict[str, Any]
LEVELS = ("national", "province", "city", "district")
LEVEL_ZH = {"national": "国家", "province": "省级", "city": "市级", "district": "区县级"}
MODALITY_COLORS = {
    "obligation": "#fde2c8", "prohibition": "#f9c0c0", "encouragement": "#d4f0d0", "commitment": "#d0e4f7",
    "permission": "#e8dcf5", "exploration": "#fff2b3", "declaration": "#e6e6e6",
}
CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;
margin:1.5em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.5}
table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px;
vertical-align:top}th{background:#f3f3f3;position:sticky;top:0}h2{border-bottom:2px solid #ddd;margin-top:2em}
.num{text-align:right}.muted{color:#777;font-size:12px}.st{border-radius:3px;padding:0 1px}
.prov{margin:.6em 0}.prov b{color:#444}mark{background:#ffe27a}.kwic td:nth-child(4){text-align:right}
.chart svg{max-width:100%;height:auto}.pair td{width:50%}input,select{font-size:14px;padding:2px 4px}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _page(title: str, body: str, script: str = "") -> str:
    return (f"<!DOCTYPE html>\n<html lang=\"zh\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n"
            + (f"<script>\n{script}\n</script>\n" if script else "") + "</body></html>\n")


def _table(headers: list[str], rows: Iterable[list[str]], cls: str = "") -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>\n" for r in rows)
    return f"<table class=\"{cls}\"><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _svg(fig: Any) -> str:
    """A matplotlib figure as inline SVG, with no timestamps or random ids (same data, same bytes)."""
    import matplotlib
    import matplotlib.pyplot as plt

    buf = _io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "policy-report", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def money_facts(statements: list[Record], entities: list[Record]) -> dict[str, Any]:
    """Money a policy commits: the sum of the amounts in its commitment statements, and the
    largest single amount given as a maximum (最高…)."""
    commit = {(s["doc_id"], s["statement_id"]) for s in statements if s.get("modality") == "commitment"}
    amounts = [e for e in entities if e["label"] == "MONEY" and e.get("value") is not None]
    committed = sum(e["value"] for e in amounts if (e["doc_id"], e.get("statement_id")) in commit)
    maxima = [e["value"] for e in amounts if e.get("bound") == "max"]
    return {"committed": committed, "largest_max": max(maxima) if maxima else None, "amounts": len(amounts)}


def _wan(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value / 1e4:,.0f}万元" if value >= 1e4 else f"{value:,.0f}元"


def _shares(counter: Counter[str], top: int, label: Callable[[str], str] = str) -> str:
    total = sum(counter.values()) or 1
    return "；".join(f"{_e(label(k))} {v / total:.0%}" for k, v in counter.most_common(top))


def summary_rows(docs: list[Record], statements: list[Record], entities: list[Record],
                 targets: TargetTaxonomy) -> list[dict[str, Any]]:
    """One row per policy: the facts of the summary table."""
    st, en = by_doc(statements), by_doc(entities)
    rows = []
    for d in docs:
        s = st.get(d["doc_id"], [])
        money = money_facts(s, en.get(d["doc_id"], []))
        rows.append({
            "doc": d, "statements": len(s),
            "modality": Counter(x["modality"] for x in s),
            "instrument": Counter(x["instrument"] for x in s if x.get("instrument") and x.get("instrument_confidence", 1) > 0),
            "target": Counter(targets.category(t["text"]) for x in s for t in x.get("targets", [])),
            "actor_type": Counter(a["type"] for x in s for a in x.get("actors", [])),
            "money": money,
        })
    return rows


def _heat(rows: list[dict[str, Any]], key: str, title: str, fonts: tuple[str, ...],
          label: Callable[[str], str] = str) -> str:
    from .viz import heatmap

    cols = sorted({c for r in rows for c in r[key]})
    if not cols:
        return "<p class=\"muted\">nothing to show</p>"
    values = []
    for r in rows:
        total = sum(r[key].values()) or 1
        values.append([r[key].get(c, 0) / total for c in cols])
    names = [_short(r["doc"]) for r in rows]
    return f"<div class=\"chart\">{_svg(heatmap(names, [label(c) for c in cols], values, title=title, fonts=fonts))}</div>"


_UNIT = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:自治区|省|市|区|县|旗)")


def _short(d: Record) -> str:
    """A policy's short name: its most specific administrative unit and year (武昌区 2022)."""
    region = re.sub(r"[（(].*?[）)]", "", d.get("region") or "")
    units = _UNIT.findall(region)
    name = units[-1] if units else (d.get("title") or d["doc_id"])[:8]
    return name + (f" {d['date'][:4]}" if d.get("date") else "")


def index_page(
    docs: list[Record], statements: list[Record], entities: list[Record], compare: dict[str, Any],
    targets: TargetTaxonomy, zh: dict[str, dict[str, str]], focus: str, *, majority: float,
    shared_terms: Callable[[str, str], set[str]], provisions: list[Record], fonts: tuple[str, ...] = (),
) -> str:
    """The comparison report: summary table, heat maps, the focus policy against its peers,
    substantive alignments side by side, and a search box."""
    docs = sorted(docs, key=lambda d: (LEVELS.index(d["level"]) if d.get("level") in LEVELS else 9, d["doc_id"]))
    rows = summary_rows(docs, statements, entities, targets)
    inst = lambda c: zh.get("instrument", {}).get(c, c)  # noqa: E731
    mod = lambda c: zh.get("modality", {}).get(c, c)  # noqa: E731
    table = _table(
        ["政策 policy", "层级 level", "地区 region", "日期 date", "发文机关 issuer", "条目 statements", "语气 modality mix",
         "主要工具 top instruments", "目标群体 target groups", "承诺金额 money committed", "最高单项 largest 最高",
         "行动者类型 actors by type"],
        ([f"<a href=\"{_e(r['doc']['doc_id'])}.html\">{_e(r['doc'].get('title') or r['doc']['doc_id'])}</a>",
          _e(LEVEL_ZH.get(r["doc"].get("level"), r["doc"].get("level") or "")), _e(r["doc"].get("region")),
          _e(r["doc"].get("date")), _e("；".join(r["doc"].get("issuer") or [])), f"<span class=num>{r['statements']}</span>",
          _shares(r["modality"], 3, mod), _shares(r["instrument"], 3, inst), _shares(r["target"], 3),
          _e(_wan(r["money"]["committed"]) if r["money"]["committed"] else ""), _e(_wan(r["money"]["largest_max"])),
          "；".join(f"{_e(k)} {v}" for k, v in r["actor_type"].most_common(4))] for r in rows),
        "summary",
    )
    heat = (
        "<h3>政策 × 工具 policy × instrument (share of coded statements; 供给型 supply, 环境型 environment, 需求型 demand)</h3>"
        + _heat(rows, "instrument", "policy x instrument code", fonts, inst)
        + "<h3>政策 × 目标群体 policy × target group</h3>" + _heat(rows, "target", "policy x target group", fonts)
        + "<h3>政策 × 行动者类型 policy × actor type</h3>" + _heat(rows, "actor_type", "policy x actor type", fonts)
    )
    focus_html = _focus(docs, statements, targets, zh, focus, majority)
    align_html = _alignments(compare.get("alignments", []), provisions, focus, shared_terms)
    search_data = [[s["doc_id"], s["statement_id"], s["modality"], s["text"]] for s in statements]
    titles = {d["doc_id"]: d.get("title") or d["doc_id"] for d in docs}
    body = (
        "<h1>政策比较报告 Policy comparison</h1>"
        f"<p class=muted>{len(docs)} policies, {len(statements)} statements. Each policy's own page: the links in the "
        "table. Codes and their Chinese names: data/exports/policy.xlsx (codebook).</p>"
        "<h2>概览 Summary</h2>" + table + "<h2>热力图 Heat maps</h2>" + heat
        + f"<h2>重点政策 Focus: {_e(titles.get(focus, focus))}</h2>"
        + "<h3>Its neighbourhood: actors (blue), instruments (brown) and target groups (red) it uses or that two "
        "or more policies share; policies on the ring, coloured by level (national, province, city, district); "
        "line width: share of the policy's links</h3>"
        + (f"<div class=chart>{focus_svg(focus_layout(docs, statements, targets, zh, focus))}</div>"
           if focus in {d['doc_id'] for d in docs} else "")
        + focus_html
        + "<h2>条款对齐 Aligned provisions (boilerplate left out)</h2>" + align_html
        + "<h2>检索 Search</h2><p><input id=q placeholder=\"人才公寓\" size=30> <span id=n class=muted></span></p>"
        "<table class=kwic><thead><tr><th>doc</th><th>statement</th><th>modality</th><th></th><th>hit</th><th></th>"
        "</tr></thead><tbody id=hits></tbody></table>"
    )
    script = ("const S=" + json.dumps(search_data, ensure_ascii=False).replace("</", "<\\/") + ";\n" + _SEARCH_JS
              + _PEER_JS)
    return _page("政策比较报告", body, script)


_SEARCH_JS = """
const q=document.getElementById('q'),out=document.getElementById('hits'),n=document.getElementById('n');
function esc(t){return t.replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));}
q.addEventListener('input',()=>{const t=q.value.trim();out.innerHTML='';if(!t){n.textContent='';return;}
let rows=[];for(const [d,s,m,x] of S){let i=x.indexOf(t);while(i>=0){rows.push(`<tr><td><a href="${esc(d)}.html#${esc(s)}">${esc(d)}</a></td>`+
`<td>${esc(s)}</td><td>${esc(m)}</td><td>${esc(x.slice(Math.max(0,i-18),i))}</td><td><mark>${esc(t)}</mark></td>`+
`<td>${esc(x.slice(i+t.length,i+t.length+18))}</td></tr>`);i=x.indexOf(t,i+t.length);}}
n.textContent=rows.length+' hit(s)';out.innerHTML=rows.slice(0,500).join('');});
"""
_PEER_JS = """
const sel=document.getElementById('peers');if(sel){const show=()=>{for(const d of document.querySelectorAll('.peer'))
d.style.display=d.dataset.peers===sel.value?'':'none';};sel.addEventListener('change',show);show();}
"""


def _focus(docs: list[Record], statements: list[Record], targets: TargetTaxonomy, zh: dict[str, dict[str, str]],
           focus: str, majority: float) -> str:
    ids = [d["doc_id"] for d in docs]
    if focus not in ids:
        return f"<p class=muted>focus policy {_e(focus)} is not in the extraction (report.focus in params.yaml)</p>"
    used = items_used(docs, statements, targets)
    level = {d["doc_id"]: d.get("level") for d in docs}
    groups = {"all": [i for i in ids if i != focus]}
    for lv in LEVELS:
        peers = [i for i in ids if i != focus and level[i] == lv]
        if peers:
            groups[lv] = peers
    by_item: dict[tuple[str, str, str], list[Record]] = defaultdict(list)
    for s in statements:
        keys = [("instrument", s["instrument"])] if s.get("instrument") else []
        keys += [("target", targets.category(t["text"])) for t in s.get("targets", [])]
        keys += [("actor_type", a["type"]) for a in s.get("actors", [])]
        for dim, item in keys:
            by_item[(s["doc_id"], dim, item)].append(s)
    options = "".join(f"<option value=\"{g}\">{_e('all peers' if g == 'all' else LEVEL_ZH[g] + ' ' + g)} "
                      f"({len(p)})</option>" for g, p in groups.items())
    parts = [f"<p>Peers: <select id=peers>{options}</select></p>"]
    label = lambda dim, item: zh.get("instrument", {}).get(item, item) if dim == "instrument" else item  # noqa: E731
    for g, peers in groups.items():
        rows = compare_to_peers(used, focus, [focus, *peers], majority=majority)
        has = [r for r in rows if r["status"] == "unique"]
        lacks = [r for r in rows if r["status"] == "lacking"]

        def carriers(doc_ids: list[str], r: Record, k: int = 3) -> str:
            found = [s for d in doc_ids for s in by_item.get((d, r["dimension"], r["item"]), [])][:k]
            return "<br>".join(f"<span class=muted>{_e(s['doc_id'])}</span> {_e(s['text'][:80])}" for s in found)

        parts.append(f"<div class=peer data-peers=\"{g}\"><h3>What it has that these peers lack</h3>"
                     + (_table(["dimension", "item", "statements that carry it"],
                               ([_e(r["dimension"]), _e(label(r["dimension"], r["item"])), carriers([focus], r)] for r in has))
                        if has else "<p class=muted>nothing</p>")
                     + "<h3>What most of these peers have that it lacks</h3>"
                     + (_table(["dimension", "item", "peers using it", "statements of peers"],
                               ([_e(r["dimension"]), _e(label(r["dimension"], r["item"])),
                                 f"{r['others_using']} / {r['others']}", carriers(peers, r)] for r in lacks))
                        if lacks else "<p class=muted>nothing</p>") + "</div>")
    return "".join(parts)


def _highlight(text: str, terms: set[str]) -> str:
    if not terms:
        return _e(text)
    marks = [False] * len(text)
    for t in terms:
        start = text.find(t)
        while start >= 0:
            for k in range(start, start + len(t)):
                marks[k] = True
            start = text.find(t, start + 1)
    out, k = [], 0
    while k < len(text):
        j = k
        while j < len(text) and marks[j] == marks[k]:
            j += 1
        out.append(f"<mark>{_e(text[k:j])}</mark>" if marks[k] else _e(text[k:j]))
        k = j
    return "".join(out)


def _alignments(rows: list[Record], provisions: list[Record], focus: str, shared_terms: Callable[[str, str], set[str]],
                top: int = 20) -> str:
    text = {(p["doc_id"], p["provision_id"]): p["text"] for p in provisions}
    best = sorted((r for r in rows if r["doc_id"] == focus), key=lambda r: (-r["score"], r["other_doc_id"], r["provision_id"]))[:top]
    if not best:
        return "<p class=muted>no aligned provisions</p>"
    out = []
    for r in best:
        a, b = text.get((r["doc_id"], r["provision_id"]), ""), text.get((r["other_doc_id"], r["other_provision_id"]), "")
        terms = shared_terms(a, b)
        out.append([f"<b>{_e(r['provision_id'])}</b><br>{_highlight(a, terms)}",
                    f"<b>{_e(r['other_doc_id'])} {_e(r['other_provision_id'])}</b> <span class=muted>score "
                    f"{r['score']:.2f}</span><br>{_highlight(b, terms)}"])
    return ("<p class=muted>score: cosine similarity of the two provisions' TF-IDF vectors over jieba words; shared "
            "words are highlighted.</p>" + _table(["focus policy", "aligned provision of another policy"], out, "pair"))


def policy_page(doc: Record, provisions: list[Record], statements: list[Record], entities: list[Record],
                zh: dict[str, dict[str, str]], targets: TargetTaxonomy) -> str:
    """One policy: its provisions and statements coloured by modality (details on hover),
    who must do what, benefits by target group, and money."""
    inst = lambda c: zh.get("instrument", {}).get(c or "", c or "")  # noqa: E731
    by_prov: dict[str, list[Record]] = defaultdict(list)
    for s in statements:
        by_prov[s["provision_id"]].append(s)
    money_by_st: dict[str, list[Record]] = defaultdict(list)
    for e in entities:
        if e["label"] == "MONEY" and e.get("statement_id"):
            money_by_st[e["statement_id"]].append(e)
    legend = " ".join(f"<span class=st style=\"background:{c}\">{_e(zh.get('modality', {}).get(m, m))} {m}</span>"
                      for m, c in MODALITY_COLORS.items())
    parts = [f"<h1>{_e(doc.get('title') or doc['doc_id'])}</h1><p class=muted>{_e('；'.join(doc.get('issuer') or []))} "
             f"{_e(doc.get('date'))} {_e(doc.get('doc_number'))} · {_e(LEVEL_ZH.get(doc.get('level'), doc.get('level')))} "
             f"{_e(doc.get('region'))} · <a href=\"index.html\">comparison report</a></p><p>{legend}</p><h2>正文 Text</h2>"]
    for p in provisions:
        sts = by_prov.get(p["provision_id"], [])
        spans = []
        for s in sts:
            tip = "\n".join(x for x in (
                f"{s['modality']} ({zh.get('modality', {}).get(s['modality'], '')})",
                f"instrument: {s.get('instrument') or '—'} {inst(s.get('instrument'))}",
                "actors: " + "；".join(f"{a['text']}（{a['role']}）" for a in s.get("actors", [])) if s.get("actors") else "",
                "targets: " + "；".join(t["text"] for t in s.get("targets", [])) if s.get("targets") else "",
                "money: " + "；".join(e["text"] for e in money_by_st.get(s["statement_id"], [])) if money_by_st.get(s["statement_id"]) else "",
            ) if x)
            spans.append(f"<span class=st id=\"{_e(s['statement_id'])}\" style=\"background:"
                         f"{MODALITY_COLORS.get(s['modality'], '#fff')}\" title=\"{_e(tip)}\">{_e(s['text'])}</span>")
        parts.append(f"<div class=prov><b>{_e(p['provision_id'])}</b> {_e(p['heading']) if not sts else ''} "
                     + " ".join(spans) + "</div>")
    duties: dict[str, list[Record]] = defaultdict(list)
    for s in statements:
        for a in s.get("actors", []):
            if a["role"] in ("responsible", "lead", "cooperate", "addressee"):
                duties[a["canonical"]].append({**s, "_role": a["role"]})
    parts.append("<h2>谁做什么 Who must do what</h2>" + _table(
        ["actor", "role", "modality", "statement"],
        ([_e(actor), _e(s["_role"]), _e(s["modality"]), f"<a href=\"#{_e(s['statement_id'])}\">{_e(s['text'][:90])}</a>"]
         for actor in sorted(duties, key=lambda a: (-len(duties[a]), a)) for s in duties[actor])))
    benefits: dict[str, list[Record]] = defaultdict(list)
    for s in statements:
        if s.get("modality") == "commitment" or "commitment" in s.get("also", []):
            for t in s.get("targets", []):
                benefits[targets.category(t["text"])].append(s)
    parts.append("<h2>给谁什么 Benefits by target group</h2>" + _table(
        ["target group", "instrument", "statement"],
        ([_e(cat), _e(inst(s.get("instrument"))), f"<a href=\"#{_e(s['statement_id'])}\">{_e(s['text'][:90])}</a>"]
         for cat in sorted(benefits) for s in benefits[cat])))
    money = [e for e in entities if e["label"] == "MONEY"]
    parts.append("<h2>金额 Money</h2>" + _table(
        ["amount", "value (元)", "bound", "statement"],
        ([_e(e["text"]), f"<span class=num>{e['value']:,.0f}</span>" if e.get("value") is not None else "",
          _e(e.get("bound")), f"<a href=\"#{_e(e.get('statement_id') or '')}\">{_e(e.get('statement_id'))}</a>"]
         for e in money)))
    return _page(doc.get("title") or doc["doc_id"], "".join(parts))


# ---- the focus policy's neighbourhood: a readable graph ----------------------------------------

LEVEL_COLORS = {"national": "#7b3294", "province": "#c2a5cf", "city": "#5aae61", "district": "#1b7837", None: "#999999"}
KIND_COLORS = {"actor": "#2f6fb0", "instrument": "#b35806", "target": "#b2182b"}
FONT = 12  # px; a CJK character is about one em wide


def _box(x: float, y: float, label: str, anchor: str) -> tuple[float, float, float, float]:
    width = sum(FONT if ord(c) > 0x2E80 else FONT * 0.6 for c in label)
    left = x if anchor == "start" else x - width if anchor == "end" else x - width / 2
    return (left, y - FONT, left + width, y + 3)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def focus_layout(docs: list[Record], statements: list[Record], targets: TargetTaxonomy, zh: dict[str, dict[str, str]],
                 focus: str, *, max_labels: int = 60) -> dict[str, Any]:
    """Nodes, edges and label boxes of the focus policy's neighbourhood: every policy on an
    outer ring (coloured by level), and inside it the canonical actors, instrument codes and
    target groups that the focus policy uses or at least two policies share, at most
    ``max_labels`` labelled nodes in all, in three columns; edge widths are shares of each
    policy's links. Labels never overlap: those on the ring are pushed outwards until free."""
    import math

    st = by_doc(statements)
    links: dict[tuple[str, str], int] = Counter()
    kinds: dict[str, str] = {}
    for d in docs:
        for s in st.get(d["doc_id"], []):
            items = [("actor", a["canonical"]) for a in s.get("actors", [])]
            if s.get("instrument") and s.get("instrument_confidence", 1) > 0:
                items.append(("instrument", s["instrument"]))
            items += [("target", targets.category(t["text"])) for t in s.get("targets", [])]
            for kind, item in items:
                key = f"{kind}:{item}"
                kinds[key] = kind
                links[(d["doc_id"], key)] += 1
    users: dict[str, set[str]] = defaultdict(set)
    for (doc_id, key) in links:
        users[key].add(doc_id)
    total = Counter()
    for (doc_id, _), n in links.items():
        total[doc_id] += n
    policies = sorted(docs, key=lambda d: (LEVELS.index(d["level"]) if d.get("level") in LEVELS else 9, d["doc_id"]))
    room = max(0, max_labels - len(policies))
    keep = [k for k in users if focus in users[k] or len(users[k]) >= 2]
    keep.sort(key=lambda k: (focus not in users[k], -len(users[k]), -sum(links.get((d, k), 0) for d in users[k]), k))
    keep = keep[:room]
    cols = {"actor": 0, "instrument": 1, "target": 2}
    by_col: dict[int, list[str]] = defaultdict(list)
    for k in sorted(keep, key=lambda k: (cols[kinds[k]], k)):
        by_col[cols[kinds[k]]].append(k)
    label = {k: (zh.get("instrument", {}).get(k.split(":", 1)[1], k.split(":", 1)[1]) if kinds[k] == "instrument"
                 else k.split(":", 1)[1])[:12] for k in keep}
    col_w = max([len(v) * FONT for v in label.values()] + [6 * FONT]) + 16
    rows = max([len(v) for v in by_col.values()] + [1])
    inner_h = rows * (FONT + 6)
    radius = max(inner_h / 2 + 60, 1.5 * col_w + 40, len(policies) * 9.0)
    nodes, boxes = [], []
    for c, keys in by_col.items():
        x = (c - 1) * col_w
        for r, k in enumerate(keys):
            y = -inner_h / 2 + r * (FONT + 6) + FONT
            nodes.append({"id": k, "kind": kinds[k], "label": label[k], "x": x - col_w / 2 + 8, "y": y - 4,
                          "lx": x - col_w / 2 + 14, "ly": y, "anchor": "start", "policies": len(users[k])})
    for n in nodes:
        boxes.append(_box(n["lx"], n["ly"], n["label"], n["anchor"]))
    for i, d in enumerate(policies):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(policies))
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        name = _short(d) if d["doc_id"] != focus else "★ " + _short(d)
        anchor = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        r_label = radius + 10
        for _ in range(200):  # push outwards until the label is free
            lx, ly = r_label * math.cos(angle), r_label * math.sin(angle) + FONT / 2
            box = _box(lx, ly, name, anchor)
            if not any(_overlap(box, b) for b in boxes):
                break
            r_label += FONT / 2
        boxes.append(box)
        nodes.append({"id": f"policy:{d['doc_id']}", "kind": "policy", "label": name, "x": x, "y": y, "lx": lx, "ly": ly,
                      "anchor": anchor, "level": d.get("level"), "focus": d["doc_id"] == focus})
    kept = set(keep)
    edges = [{"source": f"policy:{doc_id}", "target": key, "share": n / max(1, total[doc_id]), "focus": doc_id == focus}
             for (doc_id, key), n in sorted(links.items()) if key in kept]
    return {"nodes": nodes, "edges": edges, "boxes": boxes}


def focus_svg(view: dict[str, Any]) -> str:
    """The focus layout as an SVG (hover a node for its name and the policies that share it)."""
    pos = {n["id"]: (n["x"], n["y"]) for n in view["nodes"]}
    xs = [b[0] for b in view["boxes"]] + [b[2] for b in view["boxes"]]
    ys = [b[1] for b in view["boxes"]] + [b[3] for b in view["boxes"]]
    x0, y0, x1, y1 = min(xs) - 10, min(ys) - 10, max(xs) + 10, max(ys) + 10
    parts = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{x0:.0f} {y0:.0f} {x1 - x0:.0f} {y1 - y0:.0f}\" "
             f"width=\"{x1 - x0:.0f}\" font-size=\"{FONT}\">"]
    for e in view["edges"]:
        (ax, ay), (bx, by) = pos[e["source"]], pos[e["target"]]
        color = "#d6604d" if e["focus"] else "#999"
        parts.append(f"<line x1=\"{ax:.1f}\" y1=\"{ay:.1f}\" x2=\"{bx:.1f}\" y2=\"{by:.1f}\" stroke=\"{color}\" "
                     f"stroke-opacity=\"{0.8 if e['focus'] else 0.25}\" stroke-width=\"{0.5 + 8 * e['share']:.2f}\"/>")
    for n in view["nodes"]:
        color = LEVEL_COLORS.get(n.get("level"), "#999") if n["kind"] == "policy" else KIND_COLORS[n["kind"]]
        size = 7 if n.get("focus") else 5 if n["kind"] == "policy" else 3.5
        tip = n["label"] + (f" — {n['policies']} policies" if "policies" in n else f" ({n.get('level') or ''})")
        parts.append(f"<g><title>{_e(tip)}</title><circle cx=\"{n['x']:.1f}\" cy=\"{n['y']:.1f}\" r=\"{size}\" "
                     f"fill=\"{color}\"/><text x=\"{n['lx']:.1f}\" y=\"{n['ly']:.1f}\" text-anchor=\"{n['anchor']}\" "
                     f"fill=\"{'#000' if n['kind'] == 'policy' else color}\""
                     + (" font-weight=\"bold\"" if n.get("focus") else "") + f">{_e(n['label'])}</text></g>")
    parts.append("</svg>")
    return "".join(parts)
