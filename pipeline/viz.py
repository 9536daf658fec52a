"""Helpers the notebooks share: a CJK font for matplotlib, and highlighted provision text."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path

COLORS = {
    "obligation": "#fde2c8", "prohibition": "#f9c0c0", "encouragement": "#d4f0d0", "commitment": "#d0e4f7",
    "permission": "#e8dcf5", "exploration": "#fff2b3", "declaration": "#e6e6e6",
    "actor": "#2f6fb0", "trigger": "#b03a2e", "entity": "#3a9a4a",
}


def use_cjk_font(candidates: Sequence[str]) -> str:
    """Make matplotlib draw Chinese with the first installed font of ``candidates``."""
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for name in candidates:
        if name in installed:
            matplotlib.rcParams["font.sans-serif"] = [name, *matplotlib.rcParams["font.sans-serif"]]
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    raise RuntimeError(
        f"no CJK font installed (looked for {', '.join(candidates)}); "
        "install one, e.g. `apt-get install fonts-wqy-microhei`"
    )


def highlight_html(text: str, offset: int, marks: Iterable[tuple[int, int, str, str]]) -> str:
    """``text`` as HTML, with ``(start, end, kind, title)`` spans (document offsets) marked.

    Overlapping marks are nested when they nest and skipped when they cross.
    """
    events = sorted(
        ((s - offset, e - offset, kind, title) for s, e, kind, title in marks if offset <= s < e <= offset + len(text)),
        key=lambda m: (m[0], -m[1]),
    )
    out: list[str] = []
    stack: list[int] = []
    kept = []
    for s, e, kind, title in events:
        while stack and stack[-1] <= s:
            stack.pop()
        if stack and e > stack[-1]:
            continue  # crosses an open mark
        kept.append((s, e, kind, title))
        stack.append(e)
    opens: dict[int, list[str]] = {}
    closes: dict[int, int] = {}
    for s, e, kind, title in kept:
        style = f"border-bottom:2px solid {COLORS.get(kind, '#555')}"
        if kind in ("actor", "trigger"):
            style += f";color:{COLORS[kind]};font-weight:600"
        opens.setdefault(s, []).append(f'<span style="{style}" title="{html.escape(title)}">')
        closes[e] = closes.get(e, 0) + 1
    for i, ch in enumerate(text + "\0"):
        if i in closes:
            out.append("</span>" * closes[i])
        if i in opens:
            out.extend(opens[i])
        if i < len(text):
            out.append(html.escape(ch))
    return "".join(out)


def heatmap(
    rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float]], *, title: str,
    fonts: Sequence[str] = (), percent: bool = True,
) -> object:
    """A labelled heat map (matplotlib Figure, Agg backend): rows x cols, each cell annotated."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    try:
        use_cjk_font(fonts)
    except RuntimeError:
        pass  # the figure is still written; Chinese labels show as boxes until a font is installed
    width = min(24.0, 2.5 + 0.55 * len(cols))
    height = min(30.0, 1.5 + 0.32 * len(rows))
    fig, ax = plt.subplots(figsize=(width, height), dpi=100)
    data = [[float(v) for v in r] for r in values] or [[0.0]]
    im = ax.imshow(data, cmap="Blues", aspect="auto", vmin=0)
    ax.set_xticks(range(len(cols)), labels=list(cols), rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=list(rows), fontsize=8)
    top = max((max(r) for r in data), default=0) or 1
    for i, r in enumerate(values):
        for j, v in enumerate(r):
            if v:
                ax.text(j, i, f"{v:.0%}" if percent else f"{v:g}", ha="center", va="center", fontsize=6,
                        color="white" if v > top * 0.6 else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.03)
    fig.tight_layout()
    return fig


def save_figure(fig: object, path: Path) -> None:
    """Write a figure as PNG or SVG (by suffix) atomically, with no timestamps: same data, same bytes."""
    import matplotlib
    import matplotlib.pyplot as plt

    from .io import atomic_writer

    fmt = path.suffix.lstrip(".").lower()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "policy-pipeline"}), atomic_writer(path, binary=True) as f:
        fig.savefig(f, format=fmt, metadata=metadata)  # type: ignore[attr-defined]
    plt.close(fig)  # type: ignore[arg-type]


def profile_matrix(rows: Iterable[dict], row_key: str, col_key: str, value_key: str = "share") -> tuple[list[str], list[str], list[list[float]]]:
    """(row labels, column labels, values) of a long table such as instrument_profile."""
    table: dict[str, dict[str, float]] = {}
    cols: set[str] = set()
    for r in rows:
        table.setdefault(str(r[row_key]), {})[str(r[col_key])] = float(r[value_key])
        cols.add(str(r[col_key]))
    rlabels, clabels = sorted(table), sorted(cols)
    return rlabels, clabels, [[table[a].get(b, 0.0) for b in clabels] for a in rlabels]
