"""The progress radar with its words: one drawing for the dashboards and the exports.

`radar.py` stays numbers in, SVG out; this adds the titles, legend and description in the
reader's language, from per-block numbers that the pages (Progress objects) and the export
model (plain dicts) both provide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup

from portfolio.radar import Series, radar_svg


@dataclass(frozen=True)
class Axis:
    code: str
    self_mean: float | None
    referent_mean: float | None
    coverage: float  # 0..1
    gap: bool
    academic_mean: float | None = None
    company_mean: float | None = None


def progress_radar(title: str, max_level: int, axes: Sequence[Axis], *,
                   then: Sequence[Axis] | None = None, then_label: str = "",
                   size: int = 420, id_prefix: str = "radar", legend: bool = True,
                   split: bool = False) -> Markup:
    """The radar of one référentiel (and of an earlier date), as inline SVG; `split` draws
    the tuteur académique and the maître d'apprentissage as two series."""
    series = [Series("self", _("Auto-évaluation"), [a.self_mean for a in axes])]
    if split:
        series += [Series("referent", _("Tuteur académique"), [a.academic_mean for a in axes]),
                   Series("company", _("Maître d'apprentissage"),
                          [a.company_mean for a in axes])]
    else:
        series.append(Series("referent", _("Évaluation du tuteur"),
                             [a.referent_mean for a in axes]))
    series.append(Series("coverage", _("Couverture par des preuves"),
                         [a.coverage * max_level for a in axes]))
    if then is not None:
        series += [Series("self-then", _("Auto-évaluation au %(date)s", date=then_label),
                          [a.self_mean for a in then]),
                   Series("referent-then", _("Tuteur au %(date)s", date=then_label),
                          [a.referent_mean for a in then])]
    gaps = [a.code for a in axes if a.gap]
    if legend:  # the full radar: a table with the same values follows it on every page
        description = _("Un axe par bloc, de 0 au centre à %(max)d au bord. Le tableau qui "
                        "suit donne les mêmes valeurs.", max=max_level)
    else:  # a small radar has no table beside it: the values are in its description
        from portfolio.i18n import decimal

        description = _("Auto-évaluation et tuteur par bloc, sur %(max)d : %(values)s.",
                        max=max_level, values="; ".join(
                            f"{a.code} {decimal(a.self_mean)} / {decimal(a.referent_mean)}"
                            for a in axes))
    if gaps:
        description += " " + _("Auto-évaluation au-dessus de celle du tuteur d'un niveau ou "
                               "plus : %(blocks)s.", blocks=", ".join(gaps))
    svg = radar_svg([a.code for a in axes], series, max_level,
                    title=_("Radar de progression : %(fw)s", fw=title),
                    description=description, size=size, id_prefix=id_prefix, legend=legend,
                    highlight={i for i, a in enumerate(axes) if a.gap},
                    gap_legend=_("écart d'un niveau ou plus"))
    return Markup(svg)  # noqa: S704 (radar_svg escapes every text it draws)
