"""Plots are PNG images, encoded for an offline page, for every kind of aggregate."""

import base64

from synth.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _decoded(image: str) -> bytes:
    return base64.b64decode(image)


def test_every_plot_is_a_png():
    numeric = {"name": "age", "type": "numeric", "datetime": False, "edges": [0, 1, 2],
               "real": [0.5, 0.5], "synthetic": [0.4, 0.6]}  # fmt: skip
    categorical = {"name": "sex", "type": "categorical", "levels": ["F", "M", "(other)"],
                   "real": [0.3, 0.7, 0.0], "synthetic": [0.35, 0.65, 0.0]}  # fmt: skip
    matrix = {"names": ["a", "b"], "values": [[1.0, 0.2], [0.2, 1.0]]}
    dcr = {"edges": [0, 1, 2], "synthetic": [0.5, 0.5], "holdout": [0.4, 0.6]}
    images = [
        plots.column_plot(numeric),
        plots.column_plot(categorical),
        plots.association_plot(matrix, matrix),
        plots.dcr_plot(dcr),
        plots.loss_plot([1.0, 2.0, 3.0, 10.0], var=3.0, es=10.0),
    ]
    for image in images:
        assert _decoded(image).startswith(PNG) and len(_decoded(image)) > 1000
    assert images[0] != images[1]


def _overlaps(fig) -> list[tuple[str, str]]:
    """Pairs of tick labels whose drawn boxes intersect, on any axis of the figure."""
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    pairs = []
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels if t.get_text()]
            for i, (a, box_a) in enumerate(boxes):
                pairs += [(a, b) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)]
    titles = [t for t in [fig._suptitle, *(ax.title for ax in fig.axes)] if t is not None and t.get_text()]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in titles]
    for i, (a, box_a) in enumerate(boxes):
        pairs += [(a, b) for b, box_b in boxes[i + 1 :] if box_a.overlaps(box_b)]
    plots.plt.close(fig)
    return pairs


def test_no_tick_labels_overlap_with_many_long_levels_and_columns():
    levels = [f"a rather long category label number {i}" for i in range(15)] + ["(other)"]
    shares = [1 / 16] * 16
    categorical = {"name": "c", "type": "categorical", "levels": levels, "real": shares, "synthetic": shares}
    names = [f"column_with_a_long_name_{i}" for i in range(40)]
    matrix = {"names": names, "values": [[1.0] * 40 for _ in range(40)]}
    numeric = {"name": "education-num", "type": "numeric", "datetime": False, "edges": list(range(31)),
               "real": [0.01] * 30, "synthetic": [0.01] * 30,
               "masses": [{"value": 0.0, "real": 0.7, "synthetic": 0.68}, {"value": 99999.0, "real": 0.05,
                                                                           "synthetic": 0.04}]}  # fmt: skip
    for fig in (plots.column_figure(categorical), plots.association_figure(matrix, matrix),
                plots.column_figure(numeric)):  # fmt: skip
        assert _overlaps(fig) == []


def test_one_colour_per_side_and_real_first_in_every_legend():
    from matplotlib.colors import to_hex

    numeric = {"name": "age", "type": "numeric", "datetime": False, "edges": [0, 1, 2],
               "real": [0.5, 0.5], "synthetic": [0.4, 0.6]}  # fmt: skip
    categorical = {"name": "sex", "type": "categorical", "levels": ["F", "M"],
                   "real": [0.3, 0.7], "synthetic": [0.35, 0.65]}  # fmt: skip
    for column in (
        numeric,
        categorical,
        {**numeric, "masses": [{"value": 0.0, "real": 0.2, "synthetic": 0.3}]},
    ):
        fig = plots.column_figure(column)
        legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
        assert len(legends) == 1
        texts = [t.get_text() for t in legends[0].get_texts()]
        assert texts == ["real", "synthetic"]
        colours = [to_hex(h.get_color() if hasattr(h, "get_color") else h.get_facecolor())
                   for h in legends[0].legend_handles]  # fmt: skip
        assert colours[0] == plots.REAL and colours[1] == plots.SYNTHETIC
        plots.plt.close(fig)
