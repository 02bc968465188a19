"""Runs list, comparison sweeps, the runs file in the window, and the fit markers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.project_file import save_project
from ffnn_studio.core.reports import EpochEnd, LayerInfo, RunFinished, RunStarted
from ffnn_studio.core.runs import (
    COMPARE_ACTIVATIONS,
    COMPARE_OPTIMIZERS,
    diff_projects,
    load_runs,
    sidecar_path,
)
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.insights.compare import ComparisonSweep, diff_lines
from ffnn_studio.ui.insights.panel import (
    MAX_SHADE_POINTS,
    InsightsPanel,
    attach_fit_markers,
    best_epoch,
    fit_diagnosis,
    gap_polygon,
)
from ffnn_studio.ui.insights.runs_panel import RunsPanel
from ffnn_studio.ui.insights.runs_store import RunsStore
from ffnn_studio.ui.live.plots import LivePlots
from tests.ui.insights_helpers import (
    FakeController,
    save_shot,
    spirals_project,
    train,
)

XOR = Project(
    name="xor",
    network=NetworkSpec((DenseLayer(8, "relu"), DenseLayer(4, "tanh"))),
    data=BuiltinDataSource("xor", {"n_samples": 200}),
    training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}), epochs=2),
)


class FakeHistory:
    def __init__(self, n: int, offset: float = 0.0) -> None:
        e = np.arange(1, n + 1, dtype=float)
        self.cols = {
            "loss": 1.0 / e + offset,
            "val_loss": 1.2 / e + offset,
            "metric": 1 - 0.5 / e,
            "val_metric": 1 - 0.6 / e,
        }

    def column(self, name: str) -> np.ndarray:
        return self.cols[name]


class FakeSession:
    def __init__(self, project: Project, epochs: int = 3) -> None:
        self.project = project
        self.history = FakeHistory(epochs)


def _started(start_epoch: int = 0) -> RunStarted:
    return RunStarted(
        "s", 10, (LayerInfo(0, "dense_1", 8, "relu"),), 3, 5, 160, 40, "binary", "accuracy", start_epoch
    )


def _finish(controller: FakeController, session, *, start_epoch: int = 0, elapsed: float = 1.5) -> None:
    """Play one run's reports on a fake controller."""
    controller.session = session
    controller.state = "running"
    controller.started.emit(_started(start_epoch))
    controller.state = "idle"
    controller.stateChanged.emit("idle")
    controller.finished.emit(RunFinished("completed", "done", session.history.cols["loss"].size, elapsed))


# ------------------------------------------------------------------ recording and the runs file


def test_finished_runs_are_recorded_and_saved_beside_the_project(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "xor.ffnn.json"
    save_project(XOR, path)
    doc = ProjectDocument()
    doc.open(path)
    controller = FakeController()
    store = RunsStore()
    store.attach(controller, doc)
    assert store.runs == []

    session = FakeSession(XOR, 3)
    with qtbot.waitSignal(store.recorded, timeout=1000):
        _finish(controller, session)
    assert len(store.runs) == 1
    run = store.runs[0]
    assert run.name == "Run 1 · Adam lr 0.01"
    assert run.epochs == 3 and run.duration_s == 1.5
    np.testing.assert_allclose(run.history["val_loss"], session.history.cols["val_loss"])
    assert sidecar_path(path).exists()

    # "Train more" on the same session extends that run instead of adding one.
    session.history = FakeHistory(5)
    _finish(controller, session, start_epoch=3, elapsed=1.0)
    assert len(store.runs) == 1 and store.runs[0].epochs == 5 and store.runs[0].duration_s == 2.5

    # A stop before training began (no ``started``) records nothing.
    controller.finished.emit(RunFinished("stopped", "Stopped before training started.", 0))
    assert len(store.runs) == 1

    sgd = replace(XOR, training=replace(XOR.training, optimizer=OptimizerSpec("sgd")))
    _finish(controller, FakeSession(sgd, 2))
    assert [r.name for r in store.runs] == ["Run 1 · Adam lr 0.01", "Run 2 · SGD lr 0.01"]

    # Reopening the project brings its runs back.
    doc2 = ProjectDocument()
    store2 = RunsStore()
    store2.attach(FakeController(), doc2)
    assert store2.runs == []
    doc2.open(path)
    assert [r.name for r in store2.runs] == [r.name for r in store.runs]
    assert store2.runs[0].epochs == 5


def test_malformed_runs_file_warns_and_is_kept_until_a_new_run(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "xor.ffnn.json"
    save_project(XOR, path)
    side = sidecar_path(path)
    side.write_text('{"format": "ffnn-studio-runs", "schema_version": 1, "runs": [{"oops": 1}]}')
    doc = ProjectDocument()
    doc.open(path)
    panel = RunsPanel()
    qtbot.addWidget(panel)
    controller = FakeController()
    with qtbot.waitSignal(panel.store.warning, timeout=1000) as blocker:
        panel.attach(controller, doc)
    assert "could not be read" in blocker.args[0]
    assert panel.warning_label.isVisibleTo(panel)
    assert "could not be read" in panel.warning_label.text()
    assert panel.store.runs == []
    original = side.read_text()
    # Deleting nothing, saving nothing: the file stays as it was.
    panel.delete_selected()
    assert side.read_text() == original
    # A new run: the bad file is moved aside, then the new list written.
    _finish(controller, FakeSession(XOR, 2))
    backup = side.with_name(side.name + ".bak")
    assert backup.read_text() == original
    assert [r.number for r in load_runs(path)] == [1]
    assert "kept as xor.ffnn.runs.json.bak" in panel.store.last_warning


def test_save_as_takes_the_runs_along(qtbot, tmp_path: Path) -> None:
    doc = ProjectDocument(XOR)
    controller = FakeController()
    store = RunsStore()
    store.attach(controller, doc)
    _finish(controller, FakeSession(XOR, 2))
    assert store.project_path is None and len(store.runs) == 1
    target = doc.save(tmp_path / "saved.ffnn.json")
    qtbot.waitUntil(lambda: sidecar_path(target).exists(), timeout=2000)
    assert len(load_runs(target)) == 1
    # Opening another project replaces the list (and does not write into its file).
    other = tmp_path / "other.ffnn.json"
    save_project(XOR, other)
    doc.open(other)
    qtbot.wait(0)  # let the deferred path handling run (no timer-based wait involved)
    assert store.runs == [] and not sidecar_path(other).exists()


# ------------------------------------------------------------------ the panel


def test_selection_overlays_curves_and_lists_differences(qtbot) -> None:
    doc = ProjectDocument(XOR)
    controller = FakeController()
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.attach(controller, doc)
    sgd = replace(XOR, training=replace(XOR.training, optimizer=OptimizerSpec("sgd")))
    sig = replace(XOR, network=XOR.network.with_layers((DenseLayer(8, "relu"), DenseLayer(4, "sigmoid"))))
    for p in (XOR, sgd, sig):
        _finish(controller, FakeSession(p, 4))
    assert panel.model.rowCount() == 3
    assert panel.selected_rows() == [2]  # the newest run is selected
    assert panel.diff.lines()[1:] == ["layer 2 activation: tanh → sigmoid", "optimizer: SGD → Adam"]
    panel.select_rows([0, 1])
    assert len(panel.plot.curves) == 4  # training + validation per run
    assert panel.diff.lines() == ["Run 1 → Run 2", "optimizer: Adam → SGD"]
    assert panel.diff.list.item(0).toolTip() == "Run 1 · Adam lr 0.01 → Run 2 · SGD lr 0.01"
    assert panel.model.headerData(4, Qt.Orientation.Horizontal) == "Accuracy"
    assert panel.model.text(0, 7) == "4" and panel.model.text(0, 3) == f"{1.2 / 4:.4g}"
    panel.delete_selected()
    assert [r.number for r in panel.store.runs] == [3]


def test_diff_lines_first_run() -> None:
    from ffnn_studio.core.runs import RunRecord

    r = RunRecord(1, "Run 1", XOR, {"loss": [1.0]})
    assert diff_lines([r]) == [("Run 1: the first run", [])]
    r2 = RunRecord(2, "Run 2", replace(XOR, training=replace(XOR.training, batch_size=8)), {"loss": [1.0]})
    assert diff_lines([r2], previous=r) == [("Run 1 → Run 2", ["batch size: 32 → 8"])]


def test_sweep_runs_variants_in_turn_and_can_be_cancelled(qtbot) -> None:
    doc = ProjectDocument(XOR)
    main = FakeController()
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.attach(main, doc)
    main.state = "running"
    assert not panel.compare_activations()  # not while the document's run trains
    main.state = "idle"
    assert panel.compare_activations()
    # The variants train on a controller of their own, never the window's.
    assert main.starts == [] and main.companions == [panel.comparison_controller]
    controller = panel.comparison_controller
    sweep: ComparisonSweep = panel.sweep
    assert sweep.active and len(controller.starts) == 1
    assert panel.progress_label.text().endswith("1/6 · Sigmoid")
    assert not panel.compare_optimizers_button.isEnabled() and panel.cancel_button.isEnabled()
    for i in range(3):
        project = controller.starts[-1][0]
        assert [layer.activation for layer in project.network.dense_layers] == [COMPARE_ACTIVATIONS[i]] * 2
        _finish(controller, FakeSession(project, 2))
        qtbot.waitUntil(lambda n=i + 2: len(controller.starts) == n, timeout=2000)
    assert panel.progress_label.text().endswith(f"4/{len(COMPARE_ACTIVATIONS)} · Leaky ReLU")
    panel.cancel_comparison()
    assert controller.stops == 1
    _finish(controller, FakeSession(controller.starts[-1][0], 1))  # the stopped run ends
    qtbot.waitUntil(lambda: not sweep.active, timeout=2000)
    assert len(controller.starts) == 4
    assert "cancelled" in panel.progress_label.text()
    runs = panel.store.runs
    assert [r.variant for r in runs] == ["Sigmoid", "tanh", "ReLU", "Leaky ReLU"]
    assert {r.group for r in runs} == {"Compare activations #1"}
    assert panel.selected_rows() == [0, 1, 2, 3]
    assert panel.compare_optimizers_button.isEnabled()


def test_sweep_stops_when_a_run_cannot_start(qtbot) -> None:
    controller = FakeController()
    sweep = ComparisonSweep(controller)
    with qtbot.waitSignal(sweep.sweepFailed, timeout=1000):
        assert sweep.start([("a", XOR), ("b", XOR)], "g", None)
        controller.failed.emit("no data")
    assert not sweep.active


def test_compare_optimizers_with_real_training(qtbot, real_controller, tmp_path: Path) -> None:
    path = tmp_path / "xor.ffnn.json"
    save_project(XOR, path)
    doc = ProjectDocument()
    doc.open(path)
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 640)
    panel.attach(real_controller, doc)
    panel.show()
    progress: list[str] = []
    panel.sweep.progressChanged.connect(lambda done, total, label: progress.append(f"{done}/{total} {label}"))
    with qtbot.waitSignal(panel.sweep.sweepFinished, timeout=300_000) as blocker:
        assert panel.compare_optimizers()
    assert blocker.args == ["Compare optimizers #1", True]
    assert progress == ["1/5 SGD", "2/5 Momentum", "3/5 Adagrad", "4/5 RMSprop", "5/5 Adam"]
    runs = panel.store.runs
    assert [r.project.training.optimizer.name for r in runs] == list(COMPARE_OPTIMIZERS)
    for r in runs:
        assert r.epochs == 2 and np.isfinite(r.history["loss"]).all()
        assert r.project.training.optimizer.params == {}
        # Nothing but the optimizer differs from the document's project; the initial
        # weights are pinned to the ones the project starts from.
        assert r.project.training.init_seed == doc.project.training.weights_seed
        same = replace(
            r.project,
            training=replace(r.project.training, optimizer=XOR.training.optimizer, init_seed=None),
        )
        assert same == doc.project
    assert all(
        {line.split(":")[0] for line in diff_projects(runs[0].project, r.project)} <= {"optimizer", "learning rate"}
        for r in runs[1:]
    )
    assert len(panel.plot.curves) == 10
    saved = json.loads(sidecar_path(path).read_text())
    assert [r["project"]["training"]["optimizer"]["name"] for r in saved["runs"]] == list(COMPARE_OPTIMIZERS)
    save_shot(panel, tmp_path, "runs_compare_optimizers")


# ------------------------------------------------------------------ fit markers


def test_best_epoch_and_diagnosis() -> None:
    e = np.arange(1, 41, dtype=float)
    loss = 1.0 / e
    val = 0.3 + (e - 15) ** 2 / 400
    assert best_epoch(e, val) == (15.0, pytest.approx(0.3))
    text = fit_diagnosis(e, loss, val)
    assert text.startswith("Over-fitting") and "epoch 15" in text
    assert fit_diagnosis(e, loss, loss * 1.1) == ""
    flat = np.full(40, 0.69)
    assert fit_diagnosis(e, flat, flat * 1.01).startswith("Under-fitting")
    assert best_epoch(e, np.full(40, np.nan)) is None


def test_fit_markers_follow_the_curves_and_survive_downsampling(qtbot) -> None:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    item = widget.getPlotItem()
    item.setClipToView(True)
    item.setDownsampling(ds=25, auto=False, mode="peak")
    train_curve, val_curve = item.plot(), item.plot()
    notes: list[str] = []
    markers = attach_fit_markers(item, train_curve, val_curve, on_diagnosis=notes.append)
    assert not markers.best_line.isVisible() and not markers.fill.isVisible()
    e = np.arange(1, 201, dtype=float)
    loss = 1.0 / e
    val = 0.3 + (e - 61) ** 2 / 20000
    train_curve.setData(e, loss)
    val_curve.setData(e, val)
    assert markers.best == (61.0, pytest.approx(0.3))
    assert markers.best_line.value() == 61.0 and markers.best_line.isVisible()
    assert "epoch 61" in markers.best_line.label.toPlainText()
    xs, ys = markers.best_point.getData()
    assert list(xs) == [61.0] and ys[0] == pytest.approx(0.3)
    assert markers.fill.isVisible() and not markers.fill.path().isEmpty()
    assert notes and notes[-1].startswith("Over-fitting")
    # The marker is its own item: the downsampled curve no longer holds epoch 61.
    shown_x, _ = val_curve.getData()
    assert 61.0 not in set(shown_x.tolist())
    # No validation data: no shading, no marker.
    val_curve.setData(e, np.full_like(e, np.nan))
    assert not markers.fill.isVisible() and not markers.best_line.isVisible()
    # Without following, the update function takes the history arrays.
    markers.detach()
    manual = attach_fit_markers(item, train_curve, val_curve, follow=False)
    manual.update(e, loss, val)
    assert manual.best_line.value() == 61.0


def test_gap_polygon_outlines_the_area_between_the_losses() -> None:
    e = np.array([1.0, 2.0, 3.0, 4.0])
    loss = np.array([1.0, 0.5, np.nan, 0.25])
    val = np.array([1.2, 0.7, 0.6, 0.9])
    xs, ys = gap_polygon(e, loss, val)
    # Out along the training loss, back along the validation loss; epoch 3 has no loss.
    assert xs.tolist() == [1.0, 2.0, 4.0, 4.0, 2.0, 1.0]
    assert ys.tolist() == [1.0, 0.5, 0.25, 0.9, 0.7, 1.2]
    xs, ys = gap_polygon(e, loss, val, log_x=True, log_y=True)
    np.testing.assert_allclose(xs, np.log10([1, 2, 4, 4, 2, 1]))
    np.testing.assert_allclose(ys, np.log10([1.0, 0.5, 0.25, 0.9, 0.7, 1.2]))
    # A log axis leaves out what it cannot show; fewer than two epochs shade nothing.
    xs, _ = gap_polygon(e, np.array([1.0, -0.5, 0.3, 0.2]), val, log_y=True)
    assert xs.tolist() == [1.0, 3.0, 4.0, 4.0, 3.0, 1.0]
    assert len(gap_polygon(e[:1], loss[:1], val[:1])[0]) == 0
    assert len(gap_polygon(e, loss, np.full(4, np.nan))[0]) == 0
    # Long runs are thinned evenly and keep both ends.
    n = 5 * MAX_SHADE_POINTS + 3
    long_e = np.arange(1, n + 1, dtype=float)
    xs, _ = gap_polygon(long_e, 1 / long_e, 2 / long_e)
    assert len(xs) == 2 * MAX_SHADE_POINTS
    assert xs[0] == 1.0 and xs[MAX_SHADE_POINTS - 1] == n and xs[-1] == 1.0


def test_gap_shading_follows_the_log_axes(qtbot) -> None:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    item = widget.getPlotItem()
    train_curve, val_curve = item.plot(), item.plot()
    markers = attach_fit_markers(item, train_curve, val_curve)
    e = np.arange(1, 51, dtype=float)
    train_curve.setData(e, 1.0 / e)
    val_curve.setData(e, 2.0 / e)
    linear = markers.fill.path().boundingRect()
    assert linear.top() == pytest.approx(0.02) and linear.bottom() == pytest.approx(2.0)
    item.ctrl.logYCheck.setChecked(True)
    logged = markers.fill.path().boundingRect()
    assert logged.top() == pytest.approx(np.log10(0.02)) and logged.bottom() == pytest.approx(np.log10(2.0))
    assert markers.best_point.getData()[1][0] == pytest.approx(np.log10(2.0 / 50))


def test_fit_markers_on_live_plots_screenshot(qtbot, tmp_path: Path) -> None:
    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.resize(900, 560)
    plots.show()
    loss_plot = plots.loss_plot
    markers = attach_fit_markers(loss_plot.item, loss_plot.curves[0].item, loss_plot.curves[1].item)
    plots.on_run_started(
        RunStarted("s", 10, (LayerInfo(0, "dense_1", 8, "relu"),), 120, 5, 160, 40, "binary", "accuracy")
    )
    for k in range(1, 121):
        val = 0.25 + (k - 40) ** 2 / 9000
        plots.on_epoch_end(EpochEnd(k, 0.7 / k**0.6, val, 0.9, 0.85, 0.01, k * 0.1))
    plots.redraw()
    assert markers.best is not None and markers.best[0] == 40.0
    assert markers.note.isVisible() and "Over-fitting" in markers.diagnosis
    # The shading follows the curves as clip-to-view re-clips them (after the view settles).
    qtbot.waitUntil(lambda: not markers.fill.path().isEmpty(), timeout=2000)
    assert markers.fill.path().boundingRect().width() > 50
    save_shot(plots, tmp_path, "fit_markers_overfitting")


def test_insights_panel_screenshots_after_training_spirals(qtbot, real_controller, tmp_path: Path) -> None:
    doc = ProjectDocument(spirals_project(epochs=8))
    panel = InsightsPanel()
    qtbot.addWidget(panel)
    panel.resize(1100, 700)
    panel.attach(real_controller, doc)
    panel.show()
    plots = LivePlots()
    qtbot.addWidget(plots)
    plots.resize(900, 560)
    plots.attach(real_controller)
    # The return value is dropped on purpose: the plot keeps its markers alive.
    attach_fit_markers(plots.loss_plot.item, plots.loss_plot.curves[0].item, plots.loss_plot.curves[1].item)
    plots.show()
    train(qtbot, real_controller, doc.project)
    plots.redraw()
    import gc

    gc.collect()
    markers = plots.loss_plot.item.fit_markers
    assert markers.best is not None and markers.best_line.isVisible()
    qtbot.waitUntil(lambda: not markers.fill.path().isEmpty(), timeout=2000)
    assert len(panel.runs.store.runs) == 1
    panel.diagram.select_neuron(2, 3)
    for index, name in enumerate(("boundary", "diagram", "health", "runs")):
        panel.setCurrentIndex(index)
        panel.currentWidget().refresh() if hasattr(panel.currentWidget(), "refresh") else None
        save_shot(panel, tmp_path, f"insights_{name}")
    save_shot(plots, tmp_path, "insights_loss_with_markers")


def test_runs_on_different_data_are_told_apart(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "p.ffnn.json"
    save_project(XOR, path)
    doc = ProjectDocument()
    doc.open(path)
    controller = FakeController()
    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.attach(controller, doc)
    _finish(controller, FakeSession(XOR, 2))
    assert panel.model.text(0, 0) == "Run 1 · Adam lr 0.01"  # one data set: the name alone
    wine = replace(XOR, data=CsvDataSource(path="data/wine.csv", target="target"))
    _finish(controller, FakeSession(wine, 2))
    assert [r.data.label for r in panel.store.runs] == ["XOR", "wine.csv → target"]
    assert panel.store.runs[1].data.name == str(tmp_path / "data" / "wine.csv")
    labels = [panel.model.text(row, 0) for row in range(2)]
    assert labels == ["Run 1 · Adam lr 0.01 · XOR", "Run 2 · Adam lr 0.01 · wine.csv → target"]
    panel.select_rows([0, 1])
    assert "data: XOR → wine.csv → target" in panel.diff.lines()
    legend = [label.text for _sample, label in panel.plot.legend.items]
    assert legend == labels
    # The runs file keeps it.
    assert [r.data.label for r in load_runs(path)] == ["XOR", "wine.csv → target"]


@pytest.mark.parametrize("width", [200, 900])
def test_the_best_epoch_label_fits_beside_its_line(qtbot, width: int) -> None:
    """A narrow loss plot (the window at 1280×800) cut "best val loss … · epoch 29"
    at the plot's left edge; the label now takes the longest form that fits."""
    from PySide6.QtGui import QFontMetrics

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(width, 300)
    widget.show()
    qtbot.waitExposed(widget)
    item = widget.getPlotItem()
    train_curve, val_curve = item.plot(), item.plot()
    markers = attach_fit_markers(item, train_curve, val_curve)
    e = np.arange(1, 31, dtype=float)
    train_curve.setData(e, 1.0 / e)
    val_curve.setData(e, 0.02506 + (e - 29) ** 2 / 2000)
    qtbot.waitUntil(lambda: markers.best_line.isVisible())
    item.vb.autoRange()
    text = markers.best_line.label.toPlainText()
    texts = markers.best_label_texts()
    assert text in texts and "29" in text
    vb = item.vb
    (x0, x1), _ = vb.viewRange()
    line_px = (29 - x0) / (x1 - x0) * vb.width()
    room = max(line_px, vb.width() - line_px)
    assert QFontMetrics(markers.best_line.label.textItem.font()).horizontalAdvance(text) < room
    if width >= 900:
        assert text == texts[0]
    else:
        assert text != texts[0]


def test_the_runs_table_shows_the_test_metric_of_runs_with_a_test_part(qtbot, tmp_path: Path) -> None:
    from ffnn_studio.ui.insights.runs_panel import TEST_COLUMN

    panel = RunsPanel()
    qtbot.addWidget(panel)
    controller = FakeController()
    panel.store.follow(controller)
    session = FakeSession(XOR, 3)
    controller.session = session
    controller.started.emit(_started())
    controller.finished.emit(RunFinished("completed", "done", 3, 1.0, {"loss": 0.4, "accuracy": 0.8125}))
    controller.started.emit(_started())
    controller.session = FakeSession(XOR, 2)
    controller.finished.emit(RunFinished("completed", "done", 2, 1.0))
    model = panel.model
    assert model.headerData(TEST_COLUMN, Qt.Orientation.Horizontal) == "Test accuracy"
    assert model.data(model.index(0, TEST_COLUMN)) == "0.8125"
    assert model.data(model.index(1, TEST_COLUMN)) == "—"
    assert "test: loss 0.4 · accuracy 0.8125" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert panel.store.runs[0].test_scores == {"loss": 0.4, "accuracy": 0.8125}
