"""The run report's plots are SVG: well-formed, names and levels escaped, one colour per side
and real first in every legend, bars, lines and cells where the figures put them, round ticks,
and labels that do not overlap however many and however long the levels or columns.
"""

import xml.etree.ElementTree as ET

import pytest

from synth.report import svg
from synth.report.style import REAL, SYNTHETIC

NS = {"s": "http://www.w3.org/2000/svg"}
NUMERIC = {"name": "age", "type": "numeric", "datetime": False, "edges": [0, 10, 20, 30],
           "real": [0.2, 0.5, 0.3], "synthetic": [0.25, 0.45, 0.3]}  # fmt: skip
CATEGORICAL = {"name": "sex", "type": "categorical", "levels": ["F", "M", "(other)"],
               "real": [0.3, 0.7, 0.0], "synthetic": [0.35, 0.65, 0.0]}  # fmt: skip
MASSES = {**NUMERIC, "masses": [{"value": 0.0, "real": 0.7, "synthetic": 0.68},
                                {"value": 99999.0, "real": 0.05, "synthetic": 0.04}]}  # fmt: skip


def _parsed(column) -> ET.Element:
    return ET.fromstring(svg.column_svg(column))


def _texts(root: ET.Element, cls: str | None = None) -> list[ET.Element]:
    return [t for t in root.iterfind(".//s:text", NS) if cls is None or t.get("class") == cls]


@pytest.mark.parametrize("column", [NUMERIC, CATEGORICAL, MASSES], ids=["numeric", "levels", "masses"])
def test_each_plot_is_an_svg_named_for_its_column_with_real_first_in_its_legend(column):
    root = _parsed(column)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("aria-label") == f"distribution of {column['name']}"
    assert [t.text for t in _texts(root, "title")] == [column["name"]]
    legend = root.find(".//s:g[@class='legend']", NS)
    assert [t.text for t in legend.iterfind("s:text", NS)] == ["real", "synthetic"]
    assert legend.find("s:rect", NS).get("fill") == REAL
    assert legend.find("s:line", NS).get("stroke") == SYNTHETIC


def test_names_and_levels_are_text_never_markup():
    hostile = {**CATEGORICAL, "name": "<script>alert(1)</script>", "levels": ["<b>F</b>", "M & N", '"q"']}
    drawn = svg.column_svg(hostile)
    assert "<script>" not in drawn and "<b>" not in drawn
    root = ET.fromstring(drawn)
    assert {t.text for t in _texts(root, "tick")} >= {"<b>F</b>", "M & N", '"q"'}


def test_bars_and_the_step_line_sit_where_the_shares_put_them():
    root = _parsed(NUMERIC)
    bars = root.find(".//s:g[@fill='#1f4e79']", NS).findall("s:rect", NS)
    heights = [float(b.get("height")) for b in bars]
    assert len(bars) == 3 and heights[1] > heights[2] > heights[0]
    assert heights[1] / heights[0] == pytest.approx(0.5 / 0.2, rel=0.02)
    points = [tuple(map(float, p.split(","))) for p in root.find(".//s:polyline", NS).get("points").split()]
    assert len(points) == 2 * 3  # a level segment per bin
    lefts = [float(b.get("x")) for b in bars]
    assert points[0][0] == pytest.approx(lefts[0]) and points[2][0] == pytest.approx(lefts[1])


def test_levels_get_a_real_and_a_synthetic_bar_each_in_proportion():
    root = _parsed(CATEGORICAL)
    root.remove(root.find("s:g[@class='legend']", NS))
    real = [float(r.get("width")) for r in root.iterfind(".//s:rect[@fill='#1f4e79']", NS)]
    synthetic = [float(r.get("width")) for r in root.iterfind(".//s:rect[@fill='#e07b39']", NS)]
    assert len(real) == len(synthetic) == 3
    assert real[1] / real[0] == pytest.approx(0.7 / 0.3, rel=0.02) and real[2] == 0


def test_ticks_are_round_and_within_range():
    assert svg._ticks(0, 0.37) == [0, 0.1, 0.2, 0.3]
    assert svg._ticks(17, 90) == [20, 40, 60, 80]
    assert svg._ticks(0, 1_000_000) == [0, 200_000, 400_000, 600_000, 800_000, 1_000_000]
    assert svg._ticks(5, 5) == [5]
    assert [svg._number(t) for t in svg._ticks(0, 0.95)] == ["0", "0.2", "0.4", "0.6", "0.8"]
    assert svg._number(200_000) == "200,000"


def _boxes(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Each tick label's box, from its anchor and the width the layout allows for it."""
    boxes = []
    for t in _texts(root, "tick"):
        x, y, size = float(t.get("x")), float(t.get("y")), float(t.get("font-size"))
        width = svg.text_width(t.text, size)
        start = {"start": x, "middle": x - width / 2, "end": x - width}[t.get("text-anchor")]
        boxes.append((t.text, start, y - size, start + width, y))
    return boxes


def test_no_tick_labels_overlap_or_leave_the_plot_with_many_long_levels():
    levels = [f"a rather long category label number {i}" for i in range(15)] + ["(other)"]
    shares = [1 / 16] * 16
    many = {"name": "c", "type": "categorical", "levels": levels, "real": shares, "synthetic": shares}
    wide = {**MASSES, "edges": [0, 250_000, 500_000, 750_000, 1_000_000], "real": [0.1] * 4,
            "synthetic": [0.1] * 4}  # fmt: skip
    for column in (many, wide, NUMERIC):
        root = _parsed(column)
        width = float(root.get("width"))
        boxes = _boxes(root)
        for i, (a, x0, y0, x1, y1) in enumerate(boxes):
            assert 0 <= x0 and x1 <= width, a
            for b, u0, v0, u1, v1 in boxes[i + 1 :]:
                assert x1 <= u0 or u1 <= x0 or y1 <= v0 or v1 <= y0, (a, b)


def test_association_cells_take_viridis_colours_by_value_and_labels_keep_apart():
    names = [f"column_with_a_long_name_{i}" for i in range(40)]
    values = [[1.0 if i == j else (0.5 if j == 0 else 0.0) for j in range(40)] for i in range(40)]
    root = ET.fromstring(
        svg.association_svg({"names": names, "values": values}, {"names": names, "values": values})
    )
    cells = [r for r in root.iterfind("s:rect", NS) if r.get("fill", "").startswith("#")]
    assert len(cells) == 2 * 40 * 40
    fills = [c.get("fill") for c in cells[: 40 * 40]]
    assert fills[0] == svg.VIRIDIS[-1] and fills[1] == svg.VIRIDIS[0] and fills[40] == svg.VIRIDIS[4]
    headings = {t.text: t.get("fill") for t in _texts(root) if (t.text or "").startswith("association:")}
    assert headings == {"association: real": REAL, "association: synthetic": SYNTHETIC}
    assert float(cells[1].get("x")) - float(cells[0].get("x")) >= svg.TICK + 2  # room for a rotated label
    rotated = {id(t) for g in root.iterfind(".//s:g[@transform]", NS) for t in g.iterfind("s:text", NS)}
    upright = [b for b, t in zip(_boxes(root), _texts(root, "tick"), strict=True) if id(t) not in rotated]
    for i, (a, x0, y0, x1, y1) in enumerate(upright):
        for b, u0, v0, u1, v1 in upright[i + 1 :]:
            assert x1 <= u0 or u1 <= x0 or y1 <= v0 or v1 <= y0, (a, b)


def test_dcr_draws_the_real_holdout_first_in_reals_colour_and_synthetic_after():
    root = ET.fromstring(svg.dcr_svg({"edges": [0, 1, 2], "synthetic": [0.5, 0.5], "holdout": [0.4, 0.6]}))
    legend = root.find(".//s:g[@class='legend']", NS)
    assert [t.text for t in legend.iterfind("s:text", NS)] == ["real holdout (unseen)", "synthetic"]
    assert [line.get("stroke") for line in legend.iterfind("s:line", NS)] == [REAL, SYNTHETIC]
    assert [p.get("stroke") for p in root.iterfind("s:polyline", NS)] == [REAL, SYNTHETIC]


def test_viridis_interpolates_between_its_stops():
    assert svg._viridis(0) == svg.VIRIDIS[0] and svg._viridis(1) == svg.VIRIDIS[-1]
    assert svg._viridis(-3) == svg.VIRIDIS[0] and svg._viridis(7) == svg.VIRIDIS[-1]
    assert svg._viridis(0.5) == svg.VIRIDIS[4]
    between = svg._viridis(1 / 16)  # halfway between the first two stops
    assert between not in svg.VIRIDIS and between.startswith("#") and len(between) == 7
