"""Inline SVG bar charts for the static report (no JavaScript, no external files).

:func:`bar_chart` draws horizontal, optionally stacked bars: one row per label,
one coloured segment per series key, the row total at the end of the bar.
"""

from __future__ import annotations

from html import escape

_NARROW = set("fijlrtI.,:;!'|()[]/ ")
_WIDE = set("mwMW@%")


def _text_w(s: str, size: float = 12) -> float:
    """Rendered width in px, on the generous side so a label fits: CJK/full-width
    characters 1 em, capitals and m/w 0.8 em, narrow letters and punctuation 0.4 em,
    others 0.6 em."""
    w = 0.0
    for ch in s:
        if ord(ch) > 0x2E7F:
            w += size
        elif ch in _WIDE or ch.isupper():
            w += size * 0.8
        elif ch in _NARROW:
            w += size * 0.4
        else:
            w += size * 0.6
    return w


def _fit(s: str, width: float) -> str:
    if _text_w(s) <= width:
        return s
    while s and _text_w(s + "…") > width:
        s = s[:-1]
    return s + "…"


#: Narrowest bar area (px) next to the label column.
MIN_PLOT_W = 180

PALETTE = ["#1565c0", "#c62828", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#757575", "#ef6c00"]


def bar_chart(
    rows: list[tuple[str, list[tuple[str, int]]]],
    colors: dict[str, str] | None = None,
    series_labels: dict[str, str] | None = None,
    title: str = "",
    empty_text: str = "nothing to show",
    width: int = 460,
) -> str:
    """Return an ``<svg>`` element (as text) drawing ``rows``.

    ``rows``: ``[(label, [(series_key, count), ...]), ...]`` in display order;
    ``colors``: series key -> CSS colour (others from :data:`PALETTE`);
    ``series_labels``: series key -> legend text (a legend is drawn when there
    are two or more series).  Sizes in CSS pixels; the SVG scales to its box.
    ``width`` is the least width: the label column is as wide as the longest
    label and the chart widens to keep :data:`MIN_PLOT_W` px for the bars.
    An empty chart is a short SVG saying ``empty_text``.
    """
    colors = dict(colors or {})
    series_labels = series_labels or {}
    keys: list[str] = []
    for _, segs in rows:
        for k, _v in segs:
            if k not in keys:
                keys.append(k)
    for i, k in enumerate(k for k in keys if k not in colors):
        colors[k] = PALETTE[i % len(PALETTE)]
    total = max((sum(v for _, v in segs) for _, segs in rows), default=0)
    bar_h, gap, top = 18, 6, 8
    # the label column fits the longest label; the chart grows rather than clip it
    label_w = int(max([_text_w(lbl) for lbl, _ in rows] + [40]) + 12)
    width = max(width, label_w + MIN_PLOT_W + 50)
    title_attr = f'<title>{escape(title)}</title>' if title else ""
    if not rows or total <= 0:
        return (
            f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} 30" '
            f'width="{width}" height="30" xmlns="http://www.w3.org/2000/svg">{title_attr}'
            f'<text x="4" y="20" fill="#777" font-size="13">{escape(empty_text)}</text></svg>'
        )
    legend = len(keys) > 1
    legend_h = 22 if legend else 0
    height = top + len(rows) * (bar_h + gap) + legend_h + 4
    plot_w = width - label_w - 50
    parts = [
        f'<svg class="chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" font-size="12">{title_attr}'
    ]
    y = top
    for label, segs in rows:
        short = _fit(label, label_w - 10)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 5}" text-anchor="end" fill="#222">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        x = float(label_w)
        row_total = 0
        for key, value in segs:
            if value <= 0:
                continue
            w = plot_w * value / total
            name = series_labels.get(key, key)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{max(w, 1):.1f}" height="{bar_h}" fill="{colors[key]}">'
                f"<title>{escape(label)} · {escape(name)}: {value}</title></rect>"
            )
            x += w
            row_total += value
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar_h - 5}" fill="#222">{row_total}</text>')
        y += bar_h + gap
    if legend:
        lx = 4.0
        for key in keys:
            name = series_labels.get(key, key)
            parts.append(f'<rect x="{lx:.0f}" y="{y + 4}" width="12" height="12" fill="{colors[key]}"/>')
            parts.append(f'<text x="{lx + 16:.0f}" y="{y + 14}" fill="#222">{escape(name)}</text>')
            lx += 28 + _text_w(name)
    parts.append("</svg>")
    return "".join(parts)
