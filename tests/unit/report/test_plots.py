"""Matplotlib's plots are PNG images, encoded for an offline page; their labels never overlap,
and every legend lists real first, in real's colour. (The column plots are SVG: test_svg.py.)"""

import base64

from synth.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _decoded(image: str) -> bytes:
    return base64.b64decode(image)


def test_every_plot_is_a_png():
    matrix = {"names": ["a", "b"], "values": [[1.0, 0.2], [0.2, 1.0]]}
    dcr = {"edges": [0, 1, 2], "synthetic": [0.5, 0.5], "holdout": [0.4, 0.6]}
    images = [
        plots.association_plot(matrix, matrix),
        plots.dcr_plot(dcr),
        plots.loss_plot([1.0, 2.0, 3.0, 10.0], var=3.0, es=10.0),
    ]
    for image in images:
        assert _decoded(image).startswith(PNG) and len(_decoded(image)) > 1000
    assert len(set(images)) == len(images)


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


def test_no_tick_labels_overlap_with_many_long_column_names():
    names = [f"column_with_a_long_name_{i}" for i in range(40)]
    matrix = {"names": names, "values": [[1.0] * 40 for _ in range(40)]}
    assert _overlaps(plots.association_figure(matrix, matrix)) == []


def test_the_dcr_legend_lists_the_real_holdout_first_in_reals_colour(monkeypatch):
    from matplotlib.colors import to_hex

    figures = []
    monkeypatch.setattr(plots, "png", lambda fig: figures.append(fig) or "")
    plots.dcr_plot({"edges": [0, 1, 2], "synthetic": [0.5, 0.5], "holdout": [0.4, 0.6]})
    legend = figures[0].axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["real holdout (unseen)", "synthetic"]
    assert [to_hex(h.get_color()) for h in legend.legend_handles] == [plots.REAL, plots.SYNTHETIC]
    plots.plt.close(figures[0])
