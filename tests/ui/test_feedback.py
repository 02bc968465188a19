"""Feedback a user can see: kept tabs, stale views, range notices, message wording."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.reports import ChunkReport, LayerInfo, LayerProbe, ProbeReport, RunStarted
from ffnn_studio.ui.build.param_widgets import FloatSpinBox, IntSpinBox
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.insights.health import LayerHealthView, epoch_text
from ffnn_studio.ui.main_window import INSIGHTS_HINT, MainWindow
from tests.ui.insights_helpers import FakeController
from tests.ui.window_fixtures import (
    fake_controller,
    sample_project,
)


@pytest.fixture
def window(qtbot) -> MainWindow:
    # Not interactive: errors are collected, and closing asks nothing about edits.
    win = MainWindow(
        ProjectDocument(sample_project()), controller=fake_controller(), interactive=False
    )
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def run(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()


# ------------------------------------------------------------------ the dock keeps its tab


def test_a_finished_run_leaves_the_chosen_tab_and_hints_once(qtbot, window) -> None:
    window.training_dock.raise_()
    qtbot.waitUntil(lambda: not window.training_dock.visibleRegion().isEmpty())
    run(qtbot, window)
    assert not window.training_dock.visibleRegion().isEmpty()
    assert window.insights_dock.visibleRegion().isEmpty()
    assert INSIGHTS_HINT in window.statusBar().currentMessage()
    run(qtbot, window)
    assert not window.training_dock.visibleRegion().isEmpty()
    assert INSIGHTS_HINT not in window.statusBar().currentMessage()


# ------------------------------------------------------------------ messages


def test_a_bad_project_file_is_named_once(qtbot, window, tmp_path) -> None:
    bad = tmp_path / "bad.ffnn.json"
    bad.write_text("{{{")
    assert not window.load_path(bad)
    assert window.errors[-1].startswith("bad.ffnn.json: not valid JSON")
    assert window.errors[-1].count("bad.ffnn.json") == 1


def test_epochs_read_as_whole_numbers() -> None:
    assert epoch_text(2000.0) == "epoch 2000"
    assert epoch_text(60.0) == "epoch 60"
    assert epoch_text(20.5) == "during epoch 21"


def test_layer_health_names_a_whole_epoch_and_clears_on_reset(qtbot) -> None:
    view = LayerHealthView()
    qtbot.addWidget(view)
    controller = FakeController()
    view.attach(controller)
    layers = (LayerInfo(0, "dense_1", 8, "relu"), LayerInfo(None, "output", 1, "sigmoid"))
    controller.started.emit(RunStarted("r", 10, layers, 60, 4, 80, 20, "binary", "accuracy", 0))
    probe = LayerProbe(1.0, 0.1, 0.01)
    controller.reported.emit(ChunkReport(probes=(ProbeReport(240, 60.0, (probe, probe)),)))
    assert "(epoch 60)" in view.summary.text()
    controller.weightsReset.emit(True)
    assert "epoch" not in view.summary.text()
    assert view.model.rowCount() == 0


# ------------------------------------------------------------------ range notices


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_units_out_of_range_are_clamped_to_the_nearer_end_and_said(qtbot, window) -> None:
    window.inspector_dock.raise_()
    units = window.inspector.units
    assert isinstance(units, IntSpinBox)
    type_into(qtbot, units, "99999999")
    assert units.value() == units.maximum() == 4096
    assert window.document.project.network.layers[0].units == 4096
    assert units.notice is not None and units.notice.isVisible()
    assert "[1, 4096]" in units.notice.text() and "99999999" in units.notice.text()
    type_into(qtbot, units, "12")
    assert window.document.project.network.layers[0].units == 12
    assert not units.notice.isVisible()


def test_a_learning_rate_out_of_range_is_clamped_and_said(qtbot, window) -> None:
    window.training_dock.raise_()
    spin = window.training_panel.optimizer_params.findChild(FloatSpinBox, "optimizer_learning_rate")
    assert spin is not None
    type_into(qtbot, spin, "1e9")
    assert spin.value() == spin.maximum()
    assert window.document.project.training.optimizer.params["learning_rate"] == spin.maximum()
    assert spin.notice is not None and spin.notice.isVisible()
    assert "1e9" in spin.notice.text() and "10]" in spin.notice.text()


# ------------------------------------------------------------------ plots


def _started(epochs: int, start: int = 0) -> RunStarted:
    layers = (LayerInfo(0, "dense_1", 8, "relu"), LayerInfo(None, "output", 1, "sigmoid"))
    return RunStarted("r", 10, layers, epochs, 4, 80, 20, "binary", "accuracy", start)


def _epochs(n: int, start: int = 0):
    from ffnn_studio.core.reports import EpochEnd

    return tuple(EpochEnd(e, 1.0 / e, 1.1 / e, 0.5 + e / (4 * n), 0.5, 0.01, 0.1) for e in range(start + 1, start + n + 1))


def test_empty_plots_say_what_to_do_and_show_no_stray_ticks(qtbot) -> None:
    from ffnn_studio.ui.live.plots import EMPTY_TEXT, STARTING_TEXT, LivePlots

    plots = LivePlots()
    qtbot.addWidget(plots)
    for plot in plots._all():
        assert plot.empty_text.isVisible() and plot.empty_text.toPlainText() == EMPTY_TEXT
        assert not plot.item.getAxis("left").style["showValues"], plot.key
    plots.on_run_started(_started(5))
    assert plots.gradients_plot.empty_text.toPlainText() == STARTING_TEXT
    plots.on_epochs(_epochs(5))
    plots.redraw()
    assert not plots.loss_plot.empty_text.isVisible()
    assert plots.loss_plot.item.getAxis("left").style["showValues"]
    # No probes arrived: the per-layer plots still say so after the run.
    plots.on_finished(None)
    assert plots.gradients_plot.empty_text.toPlainText() == EMPTY_TEXT


def test_a_new_run_starts_on_its_own_epoch_range(qtbot) -> None:
    from ffnn_studio.ui.live.plots import LivePlots

    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.on_run_started(_started(60))
    plots.on_epochs(_epochs(60))
    plots.redraw()
    assert plots.metric_plot.vb.viewRange()[0][1] >= 60
    plots.on_run_started(_started(10))  # from scratch, before its first epoch
    assert plots.metric_plot.vb.viewRange()[0][1] < 11
    assert plots.loss_plot.vb.viewRange()[0][1] < 11


def test_the_legend_moves_off_the_curves(qtbot) -> None:
    from ffnn_studio.core.reports import EpochEnd
    from ffnn_studio.ui.live.plots import LivePlots

    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.resize(800, 600)
    plots.show()
    qtbot.waitExposed(plots)
    plot = plots.loss_plot
    assert plot.legend_corner == (1, 0)  # top right
    plots.on_run_started(_started(40))
    # A loss that stays high to the right: right under a top-right legend.
    plots.on_epochs(tuple(EpochEnd(e, 0.1 + e / 40, 0.1 + e / 40, 0.5, 0.5, 0.0, 0.1) for e in range(1, 41)))
    plots.redraw()
    assert plot.legend_corner != (1, 0)
    assert plot.points_under_legend(plot.legend_corner) == 0


def test_plots_say_they_show_the_previous_run_after_an_edit(qtbot, window) -> None:
    from ffnn_studio.ui.document.commands import EditLayerCommand

    run(qtbot, window)
    label = window.plots.status_label
    assert "parameters" in label.text() and "Previous run" not in label.text()
    doc = window.document
    units = doc.project.network.layers[0].units
    doc.push(EditLayerCommand(doc, 0, "units", units + 1))
    assert label.text().startswith("Previous run")
    assert "network changed" in label.toolTip()
    doc.undo_stack.undo()
    assert "Previous run" not in label.text()
    doc.push(EditLayerCommand(doc, 0, "units", units + 2))
    run(qtbot, window)
    assert "Previous run" not in label.text()
