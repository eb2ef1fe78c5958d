"""The progress radar as SVG text: numbers in, SVG out, nothing else (no database, no Flask).

One axis per block; each series a closed outline on the scale's range (0 at the centre,
`max_value` at the rim). Series are told apart without colour: by line style (solid, dashed,
dotted) and by marker shape (circle, square, triangle; open shapes for an earlier date), and a
legend inside the drawing says which is which, so it reads in black and white and in print.
Highlighted axes (self above referent by a level or more) get a bold label, a "!" mark and a
ring at their tip. The caller always puts the equivalent data table after it.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr


@dataclass(frozen=True)
class Series:
    key: str  # one of STYLES
    label: str
    values: Sequence[float | None]  # one per axis, on 0..max_value; None: no value


@dataclass(frozen=True)
class Style:
    dash: str
    marker: str
    width: float
    stroke: str
    fill: str
    fill_opacity: float


STYLES = {
    "self": Style("", "circle", 2.5, "#1f4e9c", "#1f4e9c", 0.12),
    "referent": Style("7 4", "square", 2.5, "#9a4a00", "none", 0.0),
    "coverage": Style("2 3", "triangle", 1.75, "#444444", "none", 0.0),
    # the referent series split in two: the tuteur académique ("referent") and the company
    "company": Style("10 3 2 3", "diamond", 2.5, "#2e6b30", "none", 0.0),
    "self-then": Style("", "circle-open", 1.25, "#6b7fa8", "none", 0.0),
    "referent-then": Style("7 4", "square-open", 1.25, "#a57a55", "none", 0.0),
}
MAX_AXES = 24


def fmt_number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def marker_svg(kind: str, x: float, y: float, r: float, style: Style) -> str:
    open_shape = kind.endswith("-open")
    fill = "#ffffff" if open_shape else style.stroke
    common = f'fill="{fill}" stroke="{style.stroke}" stroke-width="1.25"'
    if kind.startswith("circle"):
        return f'<circle cx="{fmt_number(x)}" cy="{fmt_number(y)}" r="{fmt_number(r)}" {common}/>'
    if kind.startswith("square"):
        return (f'<rect x="{fmt_number(x - r)}" y="{fmt_number(y - r)}" '
                f'width="{fmt_number(2 * r)}" height="{fmt_number(2 * r)}" {common}/>')
    if kind.startswith("diamond"):
        points = [(x, y - r * 1.3), (x + r * 1.3, y), (x, y + r * 1.3), (x - r * 1.3, y)]
    else:
        points = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
    coordinates = " ".join(f"{fmt_number(a)},{fmt_number(b)}" for a, b in points)
    return f'<polygon points="{coordinates}" {common}/>'


def radar_svg(axes: Sequence[str], series: Sequence[Series], max_value: float, *,
              title: str, description: str, highlight: Collection[int] = (),
              size: int = 420, id_prefix: str = "radar", legend: bool = True,
              gap_label: str = "!", gap_legend: str = "") -> str:
    """Draw the radar; `axes` are short labels (block codes), `highlight` axis indexes."""
    n = len(axes)
    if not 1 <= n <= MAX_AXES:
        raise ValueError(f"a radar needs 1 to {MAX_AXES} axes, not {n}")
    if max_value <= 0:
        raise ValueError("max_value must be positive")
    for s in series:
        if s.key not in STYLES:
            raise ValueError(f"unknown series {s.key!r}")
        if len(s.values) != n:
            raise ValueError(f"series {s.key!r} has {len(s.values)} values for {n} axes")
    small = size < 240
    pad = 24 if small else 60
    radius = size / 2 - pad
    cx = cy = size / 2
    # Sizes in the drawing's units: at 375 px wide a phone shows them at about three quarters.
    label_size = 11 if small else 18
    legend_size, legend_step = 17, 28
    legend_rows = [(s.label, s.key) for s in series] if legend else []
    if legend_rows and highlight and gap_legend:
        legend_rows.append((f"{gap_label} {gap_legend}", "gap"))
    legend_height = legend_step * len(legend_rows) + 10 if legend_rows else 0

    def point(axis: float, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / n
        r = radius * max(0.0, min(value, max_value)) / max_value
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    labels = _axis_labels(axes, highlight, point, max_value, cx, small=small,
                          font_size=label_size, gap_label=gap_label)
    # Widen the drawing so that no label is cut at the edge, however long ("S1 (écart)").
    left = max([0.0] + [-x for x, _ in _label_extents(labels, label_size)])
    right = max([0.0] + [x - size for _, x in _label_extents(labels, label_size)])
    legend_width = max([0.0] + [50 + _text_width(text, legend_size) - size
                                for text, _ in legend_rows])
    right = max(right, legend_width)
    width = size + left + right
    height = size + legend_height

    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" role="img" '
           f'viewBox="{fmt_number(-left)} 0 {fmt_number(width)} {height}" '
           f'width="{fmt_number(width)}" height="{height}" '
           f'aria-labelledby="{title_id} {desc_id}">',
           f'<title id="{title_id}">{escape(title)}</title>',
           f'<desc id="{desc_id}">{escape(description)}</desc>',
           # #8a8a8a on white: 3.4:1, above the 3:1 graphics need (it was 1.98:1).
           '<g class="grid" fill="none" stroke="#8a8a8a" stroke-width="1">']
    rings = int(max_value) if float(max_value).is_integer() and max_value <= 10 else 4
    for ring in range(1, rings + 1):
        value = max_value * ring / rings
        pts = " ".join(f"{fmt_number(x)},{fmt_number(y)}"
                       for x, y in (point(a, value) for a in range(n)))
        out.append(f'<polygon class="ring" points="{pts}"/>')
    for a in range(n):
        x, y = point(a, max_value)
        out.append(f'<line class="axis" x1="{fmt_number(cx)}" y1="{fmt_number(cy)}" '
                   f'x2="{fmt_number(x)}" y2="{fmt_number(y)}"/>')
    out.append("</g>")
    if not small:
        # The ring values sit between the first two axes, clear of the first axis's label.
        out.append('<g class="scale" font-size="15" fill="#4a4a4a">')
        for ring in range(1, rings + 1):
            value = max_value * ring / rings
            x, y = point(0.5, value)
            out.append(f'<text x="{fmt_number(x + 3)}" y="{fmt_number(y - 3)}">'
                       f"{fmt_number(value)}</text>")
        out.append("</g>")
    for s in series:
        style = STYLES[s.key]
        pts = [point(a, v or 0.0) for a, v in enumerate(s.values)]
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        out.append(f'<g class="series series-{s.key}" data-series="{s.key}">')
        coordinates = " ".join(f"{fmt_number(x)},{fmt_number(y)}" for x, y in pts)
        out.append(f'<polygon points="{coordinates}" '
                   f'fill="{style.fill}" fill-opacity="{style.fill_opacity}" '
                   f'stroke="{style.stroke}" stroke-width="{style.width}"{dash} '
                   f'stroke-linejoin="round"/>')
        marker_r = 2.5 if small else 4
        for (x, y), v in zip(pts, s.values, strict=False):
            if v is not None:
                out.append(marker_svg(style.marker, x, y, marker_r, style))
        out.append("</g>")
    out.append(f'<g class="labels" font-size="{label_size}" fill="#1a1a1a">')
    for a in highlight:
        if 0 <= a < n:
            x, y = point(a, max_value)
            out.append(f'<circle class="gap-mark" cx="{fmt_number(x)}" cy="{fmt_number(y)}" '
                       f'r="{4 if small else 7}" fill="none" stroke="#b00020" '
                       f'stroke-width="2"/>')
    for label in labels:
        weight = ' font-weight="bold"' if label.gap else ""
        out.append(f'<text class="axis-label{" gap" if label.gap else ""}" '
                   f'x="{fmt_number(label.x)}" y="{fmt_number(label.y)}" '
                   f'text-anchor="{label.anchor}"{weight}>{escape(label.text)}</text>')
    out.append("</g>")
    if legend_rows:
        out.append(f'<g class="legend" font-size="{legend_size}" fill="#1a1a1a" '
                   f'transform="translate(8 {size + 6})">')
        for i, (text, key) in enumerate(legend_rows):
            y = 12 + legend_step * i
            if key == "gap":  # the ring that marks a gap, then what it means
                out.append(f'<circle cx="17" cy="{y}" r="7" fill="none" stroke="#b00020" '
                           f'stroke-width="2"/>')
            else:
                style = STYLES[key]
                dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
                out.append(f'<line x1="0" y1="{y}" x2="34" y2="{y}" stroke="{style.stroke}" '
                           f'stroke-width="{style.width}"{dash}/>')
                out.append(marker_svg(style.marker, 17, y, 4, style))
            out.append(f'<text x="42" y="{y + 6}" data-series={quoteattr(key)}>'
                       f"{escape(text)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Label:
    text: str
    x: float
    y: float
    anchor: str  # start, middle, end
    gap: bool


def _axis_labels(axes: Sequence[str], highlight: Collection[int], point, max_value: float,
                 cx: float, *, small: bool, font_size: int, gap_label: str) -> list[Label]:
    """Each axis's label just past its tip, anchored away from the centre; a gap axis's label
    carries the gap mark (the legend says what it means). Every axis is labelled, on small
    radars too."""
    labels = []
    for a, code in enumerate(axes):
        gap = a in highlight
        lx, ly = point(a, max_value * (1.14 if small else 1.16))
        anchor = "middle" if abs(lx - cx) < 1 else ("start" if lx > cx else "end")
        labels.append(Label(f"{code} {gap_label}" if gap else code, lx, ly + font_size * 0.3,
                            anchor, gap))
    return labels


def _text_width(text: str, font_size: float) -> float:
    """A generous estimate of a text's width in a sans-serif face (DejaVu Sans is wide)."""
    return len(text) * font_size * 0.66


def _label_extents(labels: Sequence[Label], font_size: float) -> list[tuple[float, float]]:
    """Where each label starts and ends on x, with a few units of margin."""
    extents = []
    for label in labels:
        width = _text_width(label.text, font_size) * (1.08 if label.gap else 1.0)
        start = {"start": label.x, "middle": label.x - width / 2, "end": label.x - width}
        extents.append((start[label.anchor] - 4, start[label.anchor] + width + 4))
    return extents
