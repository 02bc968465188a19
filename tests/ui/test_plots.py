"""Live plots: buffers, curves per layer, log axis, range following, hover, export."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor

from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerInfo,
    LayerProbe,
    ProbeReport,
    RunFinished,
    RunStarted,
)
from ffnn_studio.ui.live.plots import GrowingBuffer, LivePlots
from ffnn_studio.ui.widgets.colors import LAYER_PALETTE, layer_color, layer_colors
from tests.ui.fake_controller import FakeRunController

LAYERS = (
    LayerInfo(0, "dense_1", 16, "relu"),
    LayerInfo(2, "dense_3", 8, "tanh"),
    LayerInfo(None, "output", 1, "sigmoid"),
)


def started(epochs: int = 20, start_epoch: int = 0, metric: str = "accuracy", layers=LAYERS):
    return RunStarted("s", 200, layers, epochs, 10, 800, 200, "binary", metric, start_epoch)


def epoch(e: int, val: bool = True) -> EpochEnd:
    return EpochEnd(
        e,
        1.0 / e,
        1.2 / e if val else None,
        1 - 0.5 / e,
        1 - 0.6 / e if val else None,
        0.01,
        0.1 * e,
    )


def probe(step: int, at: float, n: int = 3) -> ProbeReport:
    return ProbeReport(
        step, at, tuple(LayerProbe(1.0 + at + i, 0.1 * (i + 1) / (1 + at), 0.01) for i in range(n))
    )


@pytest.fixture
def plots(qtbot):
    widget = LivePlots()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return widget


def feed(plots: LivePlots, epochs: int = 10, probes_per_epoch: int = 4) -> None:
    plots.on_run_started(started())
    step = 0
    for e in range(1, epochs + 1):
        for k in range(probes_per_epoch):
            step += 1
            plots.on_probes(probe(step, e - 1 + (k + 1) / probes_per_epoch))
        plots.on_epoch_end(epoch(e))


def test_growing_buffer_doubles_and_keeps_bounds():
    buf = GrowingBuffer(2, capacity=4)
    for i in range(10):
        buf.append(float(i), (i * 2.0, None if i == 3 else -i))
    assert buf.n == 10
    assert buf.capacity == 16
    np.testing.assert_array_equal(buf.x(), np.arange(10.0))
    np.testing.assert_array_equal(buf.y(0), np.arange(10.0) * 2)
    assert math.isnan(buf.y(1)[3])
    assert buf.y_bounds(log=False) == (-9.0, 18.0)
    # Log bounds skip zeros and negatives: the smallest positive value is 2.
    assert buf.y_bounds(log=True) == (math.log10(2.0), math.log10(18.0))
    assert buf.nearest(4.4) == 4
    assert buf.nearest(4.6) == 5
    assert buf.nearest(100) == 9
    assert buf.nearest(-5) == 0
    assert GrowingBuffer(1).nearest(1.0) is None


def test_growing_buffer_is_bounded_and_keeps_peaks_and_bounds():
    buf = GrowingBuffer(2, budget=64)
    n = 10_000
    for i in range(n):
        buf.append(float(i + 1), (1.0 / (i + 1), 7.0 if i == 4321 else 0.5))
    assert buf.n <= 64 + 2 * buf.stride
    assert buf.x()[0] == 1.0 and buf.x()[-1] == float(n)
    assert buf.y(1).max() == 7.0
    assert buf.y_bounds(log=False) == (1.0 / n, 7.0)
    assert buf.nearest(4322.0) is not None


def test_feeding_reports_fills_the_curves(plots, qtbot):
    feed(plots, epochs=10)
    # Nothing is drawn until the redraw timer fires.
    train = plots.loss_plot.curves[0].item
    assert all(p.dirty for p in plots.plots.values())
    qtbot.waitUntil(lambda: not any(p.dirty for p in plots.plots.values()))
    x, y = train.getData()
    np.testing.assert_allclose(x, np.arange(1, 11))
    np.testing.assert_allclose(y, 1.0 / np.arange(1, 11))
    _val_x, val_y = plots.loss_plot.curves[1].item.getData()
    np.testing.assert_allclose(val_y, 1.2 / np.arange(1, 11))
    _acc_x, acc_y = plots.metric_plot.curves[0].item.getData()
    np.testing.assert_allclose(acc_y, 1 - 0.5 / np.arange(1, 11))
    assert plots.loss_plot.curve_names() == ["training", "validation"]

    assert len(plots.weights_plot.curves) == 3
    assert len(plots.gradients_plot.curves) == 3
    wx, wy = plots.weights_plot.curves[2].item.getData()
    assert len(wx) == 40
    np.testing.assert_allclose(wx[:4], [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(wy, 3.0 + wx)
    # A log axis: getData() is the displayed log10; the original data stays raw.
    gx, gy = plots.gradients_plot.curves[1].item.getOriginalDataset()
    np.testing.assert_allclose(gy, 0.2 / (1 + gx))
    np.testing.assert_allclose(plots.gradients_plot.curves[1].item.getData()[1], np.log10(gy))


def test_a_tick_redraws_one_plot_round_robin(plots, monkeypatch):
    feed(plots, epochs=2)
    plots._next_plot = 0  # the run's first epoch was drawn as it came: start the round here

    def dirty() -> list[bool]:
        return [p.dirty for p in plots.plots.values()]

    assert dirty() == [True, True, True, True]
    plots._on_tick()
    assert dirty() == [False, True, True, True]
    plots._on_tick()
    assert dirty() == [False, False, True, True]
    plots.on_epoch_end(epoch(3))  # loss and metric again: the plots still waiting go first
    plots._on_tick()
    plots._on_tick()
    assert dirty() == [True, True, False, False]
    plots._on_tick()
    plots._on_tick()
    assert not any(dirty())
    plots._on_tick()  # nothing left: the timer stops
    assert not plots._timer.isActive()

    monkeypatch.setattr("ffnn_studio.ui.live.plots.PLOTS_PER_TICK", 2)
    feed(plots, epochs=2)
    plots._on_tick()
    assert dirty().count(True) == 2


def test_long_epoch_curves_thin_out(plots, monkeypatch):
    monkeypatch.setattr("ffnn_studio.ui.live.plots.THICK_LINE_LIMIT", 5)
    plots.on_run_started(started())
    curve = plots.loss_plot.curves[1].item
    assert curve.opts["pen"].widthF() == 2
    assert plots.gradients_plot.curves[0].item.opts["pen"].widthF() == 1
    for e in range(1, 8):
        plots.on_epoch_end(epoch(e))
    plots.redraw()
    assert curve.opts["pen"].widthF() == 1
    assert curve.opts["pen"].style() == Qt.PenStyle.DashLine
    plots.on_run_started(started())
    assert plots.loss_plot.curves[1].item.opts["pen"].widthF() == 2


def test_missing_validation_is_a_gap_not_a_crash(plots):
    plots.on_run_started(started())
    for e in range(1, 4):
        plots.on_epoch_end(epoch(e, val=False))
    plots.redraw()
    _, val = plots.loss_plot.curves[1].item.getData()
    assert np.isnan(val).all()


def test_one_curve_per_layer_in_the_layer_colour(plots):
    feed(plots, epochs=2)
    plots.redraw()
    for plot in (plots.weights_plot, plots.gradients_plot):
        assert plot.curve_names() == [
            "dense_1 (16 relu)",
            "dense_3 (8 tanh)",
            "output (1 sigmoid)",
        ]
        for i, curve in enumerate(plot.curves):
            assert curve.item.opts["pen"].color() == layer_color(i)
        legend_labels = [label.text for _, label in plot.legend.items]
        assert legend_labels == plot.curve_names()

    custom = [QColor("#111111"), QColor("#222222"), QColor("#333333")]
    plots.set_layer_colors(custom)
    for i, curve in enumerate(plots.gradients_plot.curves):
        assert curve.item.opts["pen"].color() == custom[i]


def test_gradient_norms_use_a_log_axis(plots):
    assert plots.gradients_plot.log_y()
    assert not plots.weights_plot.log_y()


def test_log_toggle_for_the_loss(plots, qtbot):
    feed(plots, epochs=10)
    plots.redraw()
    curve = plots.loss_plot.curves[0].item
    assert not plots.loss_plot.log_y()
    plots.log_check.setChecked(True)
    assert plots.loss_plot.log_y()
    assert curve.opts["logMode"] == [False, True]
    plots.redraw()
    # The view follows in log10 units: 1/10 .. 1.2 lies inside it.
    (_, _), (y0, y1) = plots.loss_plot.vb.viewRange()
    assert y0 <= math.log10(0.1) and math.log10(1.2) <= y1
    assert y1 < 1.0  # not the linear range any more
    # The data stays raw (exports and hover read the real values).
    np.testing.assert_allclose(curve.getOriginalDataset()[1], 1.0 / np.arange(1, 11))

    plots.set_loss_log(False)
    assert not plots.log_check.isChecked()
    assert curve.opts["logMode"] == [False, False]
    # pyqtgraph's own context-menu toggle keeps the check box in sync.
    plots.loss_plot.item.ctrl.logYCheck.setChecked(True)
    assert plots.log_check.isChecked()


def test_range_follows_the_data_cheaply(plots):
    plots.on_run_started(started(epochs=50))
    for e in range(1, 4):
        plots.on_epoch_end(epoch(e))
    plots.redraw()
    vb = plots.loss_plot.vb
    assert vb.autoRangeEnabled() == [False, False]
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x0 <= 0 and x1 >= 50  # the planned epochs, set once
    assert y0 <= 1 / 3 and y1 >= 1.2
    before = vb.viewRange()
    plots.on_epoch_end(EpochEnd(4, 0.5, 0.5, 0.5, 0.5, 0.01, 0.4))  # inside the view
    plots.redraw()
    assert vb.viewRange() == before
    plots.on_epoch_end(EpochEnd(5, 5.0, 5.0, 0.5, 0.5, 0.01, 0.5))
    plots.redraw()
    assert vb.viewRange()[1][1] >= 5.0
    assert vb.autoRangeEnabled() == [False, False]


def test_manual_zoom_stops_following_and_auto_button_resumes(plots):
    plots.on_run_started(started(epochs=50))
    plots.on_epoch_end(epoch(1))
    plots.redraw()
    plot = plots.loss_plot
    plot.vb.setRange(xRange=(0, 2), yRange=(0, 0.5), padding=0)
    plot.vb.sigRangeChangedManually.emit([True, True])
    assert not plot.following
    plots.on_epoch_end(EpochEnd(2, 9.0, 9.0, 0.5, 0.5, 0.01, 0.2))
    plots.redraw()
    assert plot.vb.viewRange()[1][1] == pytest.approx(0.5)
    plot.item.autoBtnClicked()  # the "A" button
    assert plot.following
    plots.redraw()
    assert plot.vb.viewRange()[1][1] >= 9.0
    assert plot.vb.autoRangeEnabled() == [False, False]


def test_continuing_a_run_keeps_the_curves(plots):
    feed(plots, epochs=3)
    plots.redraw()
    first_curve = plots.weights_plot.curves[0].item
    plots.on_run_started(started(epochs=2, start_epoch=3))
    plots.on_epoch_end(epoch(4))
    plots.redraw()
    assert plots.weights_plot.curves[0].item is first_curve
    assert len(plots.loss_plot.curves[0].item.getData()[0]) == 4
    assert plots.loss_plot.planned_x == 5
    # A new run from scratch starts empty.
    plots.on_run_started(started())
    plots.redraw()
    assert plots.loss_plot.buffer.n == 0
    assert plots.weights_plot.buffer.n == 0


def test_a_new_run_with_as_many_layers_reuses_the_curve_items(plots):
    feed(plots, epochs=3)
    plots.redraw()
    items = [c.item for c in plots.gradients_plot.curves]
    samples = [sample for sample, _ in plots.gradients_plot.legend.items]
    other = (
        LayerInfo(0, "dense_1", 32, "tanh"),
        LayerInfo(1, "dense_2", 4, "elu"),
        LayerInfo(None, "output", 1, "sigmoid"),
    )
    plots.on_run_started(started(layers=other))
    plot = plots.gradients_plot
    assert [c.item for c in plot.curves] == items
    assert [sample for sample, _ in plot.legend.items] == samples
    names = ["dense_1 (32 tanh)", "dense_2 (4 elu)", "output (1 sigmoid)"]
    assert plot.curve_names() == names
    assert [label.text for _, label in plot.legend.items] == names
    assert plot.buffer.n == 0
    for curve in plot.curves:
        xs, _ = curve.item.getData()
        assert xs is None or len(xs) == 0
    # Another number of layers gets new curves.
    plots.on_run_started(started(layers=other[1:]))
    assert len(plot.curves) == 2 and plot.curves[0].item not in items
    assert [label.text for _, label in plot.legend.items] == names[1:]


def test_metric_axis_follows_the_run(plots):
    plots.on_run_started(started(metric="mae"))
    assert plots.metric_plot.item.titleLabel.text == "Mean absolute error"
    assert plots.metric_plot.item.getAxis("left").labelText == "mae"
    plots.on_run_started(started(metric="accuracy"))
    assert plots.metric_plot.item.titleLabel.text == "Accuracy"


def test_clear_empties_everything(plots):
    feed(plots, epochs=3)
    plots.redraw()
    plots.clear()
    plots.redraw()
    assert plots.loss_plot.buffer.n == 0
    assert len(plots.loss_plot.curves[0].item.getData()[0] or []) == 0
    assert plots.weights_plot.curves == []


def test_probes_without_run_started_get_generic_layers(plots):
    plots.on_probes(probe(1, 0.5, n=2))
    plots.redraw()
    assert plots.gradients_plot.curve_names() == ["layer 1", "layer 2"]


def test_hover_shows_the_values_under_the_mouse(plots, qtbot):
    feed(plots, epochs=10)
    plots.redraw()
    assert plots.loss_plot.hover_text(4.2) == "epoch 4\ntraining: 0.25\nvalidation: 0.3"
    text = plots.gradients_plot.hover_text(2.0)
    assert (
        text
        == "epoch 2\ndense_1 (16 relu): 0.03333\ndense_3 (8 tanh): 0.06667\noutput (1 sigmoid): 0.1"
    )
    assert plots.gradients_plot.hover_text(2.3).startswith("epoch 2.25\n")
    plot = plots.loss_plot
    scene_pos = plot.vb.mapViewToScene(QPointF(5.0, 0.5))
    assert plot.show_hover_at(scene_pos)
    assert plot.crosshair.isVisible()
    assert plot.crosshair.value() == 5.0
    assert "epoch 5" in plot.hover_label.textItem.toPlainText()
    plot.hide_hover()
    assert not plot.hover_label.isVisible()
    assert not plot.show_hover_at(QPointF(-100, -100))


@pytest.mark.parametrize("suffix", [".png", ".svg", ".csv"])
@pytest.mark.parametrize("key", ["loss", "metric", "weights", "gradients"])
def test_exports_write_files(plots, tmp_path, key, suffix):
    feed(plots, epochs=5)
    path = plots.export(key, tmp_path / f"{key}{suffix}")
    assert path.exists()
    assert path.stat().st_size > 100
    if suffix == ".png":
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    elif suffix == ".svg":
        assert "<svg" in path.read_text()


def test_csv_export_has_the_raw_data(plots, tmp_path):
    feed(plots, epochs=5)
    plots.set_loss_log(True)
    path = plots.export("loss", tmp_path / "loss.csv")
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["training_x", "training_y", "validation_x", "validation_y"]
    assert len(rows) == 6
    assert float(rows[1][1]) == pytest.approx(1.0)
    assert float(rows[5][3]) == pytest.approx(1.2 / 5)
    layers = list(csv.reader(plots.export("gradients", tmp_path / "g.csv").open()))
    assert layers[0][1] == "dense_1 (16 relu)_y"
    assert len(layers) == 21


def test_export_rejects_unknown_formats(plots, tmp_path):
    with pytest.raises(ValueError, match=r"\.png"):
        plots.export("loss", tmp_path / "loss.pdf")


def test_context_menus_offer_exports(plots):
    for plot in plots.plots.values():
        names = [a.objectName() for a in plot.vb.menu.actions()]
        for kind in ("PNG", "SVG", "CSV"):
            assert f"{plot.key}Export{kind}Action" in names


def test_widgets_have_names(plots):
    names = {p.widget.objectName(): p.widget.accessibleName() for p in plots.plots.values()}
    assert names == {
        "lossPlot": "Loss plot",
        "metricPlot": "Accuracy plot",
        "weightsPlot": "Weight norm per layer plot",
        "gradientsPlot": "Gradient norm per layer plot",
    }
    assert plots.objectName() == "livePlots"
    assert plots.log_check.accessibleName()


class FakeController(FakeRunController):
    pass


def test_attach_follows_a_controller(plots):
    controller = FakeController()
    plots.attach(controller)
    controller.started.emit(started())
    controller.reported.emit(ChunkReport(probes=(probe(1, 0.5), probe(2, 1.0))))
    controller.reported.emit(ChunkReport((epoch(1),)))
    controller.reported.emit(ChunkReport((epoch(2), epoch(3))))
    controller.finished.emit(RunFinished("completed", "", 3))  # flushes at once
    assert plots.loss_plot.curves[0].item.getData()[0].tolist() == [1.0, 2.0, 3.0]
    assert plots.weights_plot.curves[0].item.getData()[0].tolist() == [0.5, 1.0]
    controller.weightsReset.emit(True)
    assert plots.loss_plot.buffer.n == 0


def test_layer_palette_is_distinct_and_repeats_darker():
    colors = layer_colors(len(LAYER_PALETTE))
    assert len({c.name() for c in colors}) == len(LAYER_PALETTE)
    again = layer_color(len(LAYER_PALETTE))
    assert again != colors[0]
    assert again.lightness() < colors[0].lightness()
    with pytest.raises(ValueError):
        layer_color(-1)


def test_render(plots, tmp_path):
    feed(plots, epochs=20)
    plots.redraw()
    image = plots.grab().toImage()
    assert not image.isNull()
    assert image.width() == 900


def test_pyqtgraph_export_dialog_works_with_pyside6(plots, tmp_path):
    """The context menu's own "Export…" dialog: lists the formats and its exporters write."""
    feed(plots, epochs=5)
    plots.redraw()
    scene = plots.loss_plot.widget.scene()
    scene.contextMenuItem = plots.loss_plot.vb  # what a right click on the plot sets
    scene.showExportDialog()
    dialog = scene.exportDialog
    try:
        formats = {
            dialog.ui.formatList.item(i).text(): dialog.ui.formatList.item(i)
            for i in range(dialog.ui.formatList.count())
        }
        wanted = {
            "CSV of original plot data": "csv",
            "Image File (PNG, TIF, JPG, ...)": "png",
            "Scalable Vector Graphics (SVG)": "svg",
        }
        assert set(wanted) <= set(formats)
        for name, suffix in wanted.items():
            dialog.ui.formatList.setCurrentItem(formats[name])
            path = tmp_path / f"dialog.{suffix}"
            dialog.currentExporter.export(str(path))
            assert path.stat().st_size > 100, name
    finally:
        dialog.close()


def test_the_svg_workaround_is_applied_only_where_pyqtgraph_needs_it(monkeypatch) -> None:
    from ffnn_studio.ui.widgets import pyqtgraph_fixes

    module = pyqtgraph_fixes._svg_module()
    # A pyqtgraph whose coordinate correction copes with closed paths is left alone.
    monkeypatch.setattr(module, "correctCoordinates", lambda node, defs, item, options: None)
    assert not pyqtgraph_fixes.svg_export_fails_on_closed_paths()
    assert pyqtgraph_fixes.apply_pyqtgraph_fixes() == ()

    # One that fails on them (pyqtgraph 0.13.7 and 0.14.0 did) gets the fix, once.
    def fails(node, defs, item, options):  # type: ignore[no-untyped-def]
        for path in node.getElementsByTagName("path"):
            for pair in path.getAttribute("d").split():
                _x, _y = pair.split(",")

    monkeypatch.setattr(module, "correctCoordinates", fails)
    assert pyqtgraph_fixes.svg_export_fails_on_closed_paths()
    assert pyqtgraph_fixes.apply_pyqtgraph_fixes() == ("svg-closed-paths",)
    assert not pyqtgraph_fixes.svg_export_fails_on_closed_paths()
    assert pyqtgraph_fixes.apply_pyqtgraph_fixes() == ()


def test_closed_paths_become_lines_back_to_their_start() -> None:
    from ffnn_studio.ui.widgets.pyqtgraph_fixes import _open_closed_paths

    assert _open_closed_paths("M0,0 L4,0 L4,3 Z M5,5 L6,6 z") == (
        "M0,0 L4,0 L4,3 L0,0 M5,5 L6,6 L5,5"
    )


def test_a_legend_of_several_layers_gets_room_above_the_curves(qtbot) -> None:
    """Per-layer plots: the view keeps room at the top for the legend, so a top corner is clear."""
    from ffnn_studio.ui.live.plots import LivePlot

    plot = LivePlot("weights", "Weight norm per layer", "‖W‖₂")
    qtbot.addWidget(plot.widget)
    plot.widget.resize(300, 300)
    plot.widget.show()
    qtbot.waitExposed(plot.widget)
    plot.set_curves([(f"dense_{i}", "#1f77b4", Qt.PenStyle.SolidLine) for i in range(4)])
    for e in range(1, 31):
        plot.append(float(e), [10.0 + e * 0.2, 12.0, 3.0, 15.0 + e * 0.1])
    plot.redraw()
    _, (y_lo, y_hi) = plot.vb.viewRange()
    data_hi = 15.0 + 30 * 0.1
    assert plot._legend_room() > 0
    assert (y_hi - data_hi) / (y_hi - y_lo) >= 0.8 * plot._legend_room()


def test_a_runs_first_epoch_is_drawn_as_it_arrives_loss_first(plots) -> None:
    """The redraw timer runs at ~30 Hz, one plot a tick, round robin: the first epoch
    of a run waited up to a tick, and for the loss plot up to four. It is drawn at once."""
    plots.on_run_started(started())
    plots.on_probes(probe(1, 0.5))  # mid-epoch probes come first: they do not take the turn
    assert plots.loss_plot.curves[0].item.xData is None or len(plots.loss_plot.curves[0].item.xData) == 0
    plots.on_epoch_end(epoch(1))
    xs = plots.loss_plot.curves[0].item.xData
    assert xs is not None and list(xs) == [1.0]
    # Later epochs wait for the timer again.
    plots.on_epoch_end(epoch(2))
    assert list(plots.loss_plot.curves[0].item.xData) == [1.0]
    assert plots.loss_plot.dirty
