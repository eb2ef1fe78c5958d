"""A small step chart of levels over time, as SVG text (numbers in, SVG out).

Each series is a list of (moment, level) changes; the line holds a level until the next change
and up to the end. Series are told apart by line style and marker, as on the radar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from portfolio.radar import STYLES, fmt_number, marker_svg


@dataclass(frozen=True)
class Steps:
    key: str  # "self" or "referent" (styles of the radar)
    label: str
    changes: Sequence[tuple[datetime, int]]  # oldest first


def step_chart_svg(series: Sequence[Steps], max_level: int, start: datetime, end: datetime, *,
                   title: str, description: str, start_label: str, end_label: str,
                   width: int = 480, height: int = 170, id_prefix: str = "steps") -> str:
    left, right, top, bottom = 28, 12, 10, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max((end - start).total_seconds(), 1.0)

    def x_of(moment: datetime) -> float:
        return left + plot_w * min(max((moment - start).total_seconds() / span, 0.0), 1.0)

    def y_of(level: float) -> float:
        return top + plot_h * (1 - level / max_level if max_level else 1)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="step-chart" role="img" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'aria-labelledby="{id_prefix}-title {id_prefix}-desc">',
           f'<title id="{id_prefix}-title">{escape(title)}</title>',
           f'<desc id="{id_prefix}-desc">{escape(description)}</desc>',
           '<g class="grid" stroke="#d0d0d0" stroke-width="1" font-size="10" fill="#555555">']
    for level in range(max_level + 1):
        y = y_of(level)
        out.append(f'<line x1="{left}" y1="{fmt_number(y)}" x2="{width - right}" '
                   f'y2="{fmt_number(y)}"/>')
        out.append(f'<text x="{left - 6}" y="{fmt_number(y + 3)}" text-anchor="end" '
                   f'stroke="none">{level}</text>')
    out.append(f'<text x="{left}" y="{top + plot_h + 14}" stroke="none">'
               f"{escape(start_label)}</text>")
    out.append(f'<text x="{width - right}" y="{top + plot_h + 14}" text-anchor="end" '
               f'stroke="none">{escape(end_label)}</text>')
    out.append("</g>")
    for i, s in enumerate(series):
        style = STYLES[s.key]
        dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
        out.append(f'<g class="steps steps-{s.key}" data-series="{s.key}">')
        if s.changes:
            points: list[tuple[float, float]] = []
            for _j, (moment, level) in enumerate(s.changes):
                x, y = x_of(moment), y_of(level)
                if points:
                    points.append((x, points[-1][1]))
                points.append((x, y))
            points.append((x_of(end), points[-1][1]))
            path = " ".join(f"{fmt_number(x)},{fmt_number(y)}" for x, y in points)
            out.append(f'<polyline points="{path}" fill="none" stroke="{style.stroke}" '
                       f'stroke-width="{style.width}"{dash}/>')
            for moment, level in s.changes:
                out.append(marker_svg(style.marker, x_of(moment), y_of(level), 3.5, style))
        out.append("</g>")
        lx = left + 150 * i
        out.append(f'<g class="legend" font-size="11" fill="#1a1a1a">'
                   f'<line x1="{lx}" y1="{height - 10}" x2="{lx + 26}" y2="{height - 10}" '
                   f'stroke="{style.stroke}" stroke-width="{style.width}"{dash}/>'
                   f'{marker_svg(style.marker, lx + 13, height - 10, 3.5, style)}'
                   f'<text x="{lx + 32}" y="{height - 6}">{escape(s.label)}</text></g>')
    out.append("</svg>")
    return "".join(out)
