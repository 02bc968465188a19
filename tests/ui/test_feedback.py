"""Feedback a user can see: kept tabs, stale views, range notices, message wording."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.reports import LayerInfo, LayerProbe, ProbeReport, RunStarted
from ffnn_studio.ui.build.param_widgets import FloatSpinBox, IntSpinBox
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.insights.health import LayerHealthView, epoch_text
from ffnn_studio.ui.main_window import INSIGHTS_HINT, MainWindow
from tests.ui.insights_helpers import FakeController
from tests.ui.window_fixtures import (  # noqa: F401  (fixtures)
    fake_controller,
    isolated_settings_fixture,
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
    controller.probesReported.emit((ProbeReport(240, 60.0, (probe, probe)),))
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
