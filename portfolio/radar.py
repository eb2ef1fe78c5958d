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
    points = [(x, y - r * 1.2), (x + r * 1.1, y + r * 0.8), (x - r * 1.1, y + r * 0.8)]
    coordinates = " ".join(f"{fmt_number(a)},{fmt_number(b)}" for a, b in points)
    return f'<polygon points="{coordinates}" {common}/>'


def radar_svg(axes: Sequence[str], series: Sequence[Series], max_value: float, *,
              title: str, description: str, highlight: Collection[int] = (),
              size: int = 420, id_prefix: str = "radar", legend: bool = True,
              gap_label: str = "!") -> str:
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
    pad = 14 if small else 56
    radius = size / 2 - pad
    cx = cy = size / 2
    legend_height = 0 if not legend or not series else 22 * len(series) + 10
    height = size + legend_height

    def point(axis: float, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / n
        r = radius * max(0.0, min(value, max_value)) / max_value
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    title_id, desc_id = f"{id_prefix}-title", f"{id_prefix}-desc"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="radar" role="img" '
           f'viewBox="0 0 {size} {height}" width="{size}" height="{height}" '
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
        out.append('<g class="scale" font-size="11" fill="#4a4a4a">')
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
    out.append(f'<g class="labels" font-size="{10 if small else 13}" fill="#1a1a1a">')
    for a, label in enumerate(axes):
        gap = a in highlight
        x, y = point(a, max_value)
        if gap:
            out.append(f'<circle class="gap-mark" cx="{fmt_number(x)}" cy="{fmt_number(y)}" '
                       f'r="{4 if small else 7}" fill="none" stroke="#b00020" stroke-width="2"/>')
        if small and not gap:
            continue
        lx, ly = point(a, max_value * (1.12 if small else 1.16))
        anchor = "middle" if abs(lx - cx) < 1 else ("start" if lx > cx else "end")
        weight = ' font-weight="bold"' if gap else ""
        text = f"{label} {gap_label}" if gap else label
        out.append(f'<text class="axis-label{" gap" if gap else ""}" x="{fmt_number(lx)}" '
                   f'y="{fmt_number(ly + 4)}" text-anchor="{anchor}"{weight}>{escape(text)}</text>')
    out.append("</g>")
    if legend and series:
        out.append(f'<g class="legend" font-size="14" fill="#1a1a1a" '
                   f'transform="translate(8 {size + 6})">')
        for i, s in enumerate(series):
            style = STYLES[s.key]
            y = 11 + 22 * i
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            out.append(f'<line x1="0" y1="{y}" x2="34" y2="{y}" stroke="{style.stroke}" '
                       f'stroke-width="{style.width}"{dash}/>')
            out.append(marker_svg(style.marker, 17, y, 4, style))
            out.append(f'<text x="42" y="{y + 4}" data-series={quoteattr(s.key)}>'
                       f"{escape(s.label)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)
