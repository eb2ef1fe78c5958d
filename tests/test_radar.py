"""radar.py alone: numbers in, SVG text out, parsed and checked for its structure."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from portfolio.radar import Series, radar_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    return root


def points_of(group: ET.Element) -> list[tuple[float, float]]:
    polygon = group.find("s:polygon", NS)
    return [tuple(map(float, p.split(","))) for p in polygon.get("points").split()]


def draw(n=5, self_values=None, referent=None, coverage=None, highlight=(), max_value=4, **kw):
    series = []
    if self_values is not False:
        series.append(Series("self", "Auto-évaluation", self_values or [2.0] * n))
    if referent is not False:
        series.append(Series("referent", "Tuteur", referent or [1.0] * n))
    if coverage is not False:
        series.append(Series("coverage", "Couverture", coverage or [4.0] * n))
    return radar_svg([f"B{i}" for i in range(n)], series, max_value, title="Radar <C1&C2>",
                     description="Trois séries", highlight=highlight, **kw)


@pytest.mark.parametrize("n", range(3, 13))
def test_one_axis_per_block_and_one_closed_outline_per_series(n):
    root = parse(draw(n))
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"s:title[@id='{title_id}']", NS).text == "Radar <C1&C2>"
    assert root.find(f"s:desc[@id='{desc_id}']", NS).text == "Trois séries"
    assert len(root.findall(".//s:line[@class='axis']", NS)) == n
    assert len(root.findall(".//s:polygon[@class='ring']", NS)) == 4  # one per scale level
    labels = [t.text for t in root.findall(".//s:text[@class='axis-label']", NS)]
    assert labels == [f"B{i}" for i in range(n)]
    for key in ("self", "referent", "coverage"):
        group = root.find(f".//s:g[@data-series='{key}']", NS)
        assert len(points_of(group)) == n
        assert len(group) == 1 + n  # the outline and a marker per value


def test_series_differ_by_line_style_and_marker_not_only_colour():
    root = parse(draw(4))
    styles = {}
    for key in ("self", "referent", "coverage"):
        group = root.find(f".//s:g[@data-series='{key}']", NS)
        dash = group.find("s:polygon", NS).get("stroke-dasharray")
        marker = group[1].tag.split("}")[1]
        styles[key] = (dash, marker)
    assert len({d for d, _m in styles.values()}) == 3
    assert len({m for _d, m in styles.values()}) == 3
    legend = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS)]
    assert legend == ["Auto-évaluation", "Tuteur", "Couverture"]


def test_values_sit_on_the_scale_all_zeros_and_all_max():
    size = 420
    root = parse(draw(6, self_values=[0.0] * 6, referent=[4.0] * 6, coverage=[9.0] * 6,
                      size=size))
    centre = size / 2
    for x, y in points_of(root.find(".//s:g[@data-series='self']", NS)):
        assert (x, y) == (centre, centre)
    rim = [math.dist(p, (centre, centre))
           for p in points_of(root.find(".//s:g[@data-series='referent']", NS))]
    assert max(rim) - min(rim) < 0.2 and rim[0] > 100
    clipped = [math.dist(p, (centre, centre))
               for p in points_of(root.find(".//s:g[@data-series='coverage']", NS))]
    assert clipped == pytest.approx(rim, abs=0.2)  # beyond the scale: drawn at the rim


def test_first_axis_points_up():
    root = parse(draw(5, self_values=[4.0, 0, 0, 0, 0]))
    x, y = points_of(root.find(".//s:g[@data-series='self']", NS))[0]
    assert x == pytest.approx(210) and y < 210


def test_a_missing_series_and_missing_values():
    root = parse(draw(3, referent=False))
    assert root.find(".//s:g[@data-series='referent']", NS) is None
    assert len(root.findall(".//s:g[@class='legend']/s:text", NS)) == 2
    root = parse(radar_svg(["A", "B", "C"], [Series("self", "Moi", [None, 2.0, None])], 4,
                           title="t", description="d"))
    group = root.find(".//s:g[@data-series='self']", NS)
    assert len(group) == 2  # an outline, and a marker only where there is a value
    root = parse(radar_svg(["A", "B", "C"], [], 4, title="t", description="d"))
    assert root.find(".//s:g[@class='legend']", NS) is None


def test_highlighted_axes_are_marked_beyond_colour():
    root = parse(draw(5, highlight={1, 3}))
    marked = root.findall(".//s:text[@class='axis-label gap']", NS)
    assert [t.text for t in marked] == ["B1 !", "B3 !"]
    assert all(t.get("font-weight") == "bold" for t in marked)
    assert len(root.findall(".//s:circle[@class='gap-mark']", NS)) == 2


def test_labels_and_titles_are_escaped():
    svg = radar_svg(["<script>", "a&b", "C"], [Series("self", "<b>x</b>", [1, 2, 3])], 4,
                    title="</title><script>", description="\"'")
    root = parse(svg)
    assert "<script>" not in svg
    assert root.find("s:title", NS).text == "</title><script>"


def test_small_radars_for_dashboards_label_every_axis_and_mark_gaps_briefly():
    root = parse(draw(8, highlight={2}, size=160, legend=False, id_prefix="r-7"))
    assert float(root.get("width")) >= 160
    assert root.find("s:title", NS).get("id") == "r-7-title"
    assert [t.text for t in root.findall(".//s:text[@class='axis-label gap']", NS)] == ["B2 !"]
    assert [t.text for t in root.findall(".//s:text[@class='axis-label']", NS)] == [
        f"B{i}" for i in range(8) if i != 2]
    assert root.find(".//s:g[@class='legend']", NS) is None


def test_an_earlier_date_is_a_second_outline():
    series = [Series("self", "Auto", [3, 3, 3]), Series("self-then", "Auto, avant", [1, 1, 1])]
    root = parse(radar_svg(["A", "B", "C"], series, 4, title="t", description="d"))
    now = root.find(".//s:g[@data-series='self']", NS)
    then = root.find(".//s:g[@data-series='self-then']", NS)
    assert then.find("s:polygon", NS).get("fill") == "none"
    assert then[1].get("fill") == "#ffffff"  # open markers
    assert points_of(now) != points_of(then)


@pytest.mark.parametrize("bad", [
    dict(axes=[], series=[], max_value=4),
    dict(axes=["A"] * 30, series=[], max_value=4),
    dict(axes=["A", "B", "C"], series=[Series("self", "x", [1, 2])], max_value=4),
    dict(axes=["A", "B", "C"], series=[Series("nope", "x", [1, 2, 3])], max_value=4),
    dict(axes=["A", "B", "C"], series=[], max_value=0),
])
def test_refuses_what_cannot_be_drawn(bad):
    with pytest.raises(ValueError):
        radar_svg(bad["axes"], bad["series"], bad["max_value"], title="t", description="d")


def test_the_grid_is_contrasted_enough_and_the_scale_clear_of_the_first_label():
    """WCAG 1.4.11: graphics at 3:1 at least (the grid was 1.98:1); the ring values no longer
    sit on the first axis, where they overlapped its label ("C1" over "4")."""
    import re

    from portfolio.radar import Series, radar_svg

    svg = radar_svg(["C1", "C2", "C3", "C4"], [Series("self", "Auto", [1, 2, 3, 4])], 4,
                    title="t", description="d")
    grid = re.search(r'<g class="grid" fill="none" stroke="#([0-9a-f]{6})"', svg).group(1)

    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    assert (1.05) / (luminance(grid) + 0.05) >= 3
    scale = re.search(r'<g class="scale"[^>]*>(.*?)</g>', svg).group(1)
    xs = [float(x) for x in re.findall(r'<text x="([0-9.]+)"', scale)]
    assert all(x > 210 + 8 for x in xs)  # right of the first (vertical) axis at x = 210


def test_long_labels_widen_the_drawing_instead_of_being_cut():
    axes = ["A", "Bloc de compétences transverses", "C", "D", "E", "Autre bloc, long"]
    root = parse(radar_svg(axes, [Series("self", "Moi", [1] * 6)], 4, title="t",
                           description="d", highlight={4}))
    left, _, width, _ = (float(v) for v in root.get("viewBox").split())
    assert left < -100 and width > 420 - left + 100  # room on both sides
    assert float(root.get("width")) == width


def test_a_gap_is_marked_and_the_legend_says_what_the_mark_means():
    root = parse(draw(5, highlight={1}, gap_label="!", gap_legend="écart d'un niveau ou plus"))
    legend = [t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS)]
    assert legend[-1] == "! écart d'un niveau ou plus"
    assert len(root.findall(".//s:circle[@class='gap-mark']", NS)) == 1
    # no gap, no line for it
    root = parse(draw(5, gap_legend="écart d'un niveau ou plus"))
    assert all("écart" not in t.text for t in root.findall(".//s:g[@class='legend']/s:text", NS))
