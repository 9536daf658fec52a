"""Helpers the notebooks share: a CJK font for matplotlib, and highlighted provision text."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

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
