"""The Evaluation view: matrix, threshold, cell rows, replay, parts, regression and export."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.reports import RunFinished, RunState
from ffnn_studio.core.snapshots import EpochSnapshots
from ffnn_studio.core.spec import NetworkSpec, Project, Task, TrainingSettings
from ffnn_studio.data import Dataset, prepare
from ffnn_studio.ui.insights.evaluation import EvaluationView
from tests.ui.fake_controller import FakeRunController


class FakeSession:
    """A network without hidden layers whose weights the test sets: p = sigmoid(w·scaled x + b)."""

    def __init__(self, project: Project, weights, snapshots: EpochSnapshots, epochs: int) -> None:
        self.project = project
        self._weights = weights
        self.epoch_snapshots = snapshots
        self.epochs_completed = epochs

    def weights_snapshot(self):
        return [(k.copy(), None if b is None else b.copy()) for k, b in self._weights]


def _binary_prepared():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2)).astype(np.float32)
    y = (x[:, 0] + 0.7 * rng.normal(size=200) > 0).astype(np.int32)
    return prepare(Dataset("toy", x, y, Task.BINARY, ("a", "b"), ("neg", "pos")), 0.2, 0, 0.25)


def _probabilities(prepared, x, kernel, bias) -> np.ndarray:
    """The output worked out by hand: the scaling, then one sigmoid unit."""
    scaled = (x - prepared.mean) / np.sqrt(prepared.variance)
    return 1.0 / (1.0 + np.exp(-(scaled @ kernel[:, 0] + bias[0])))


@pytest.fixture
def binary(qtbot):
    prepared = _binary_prepared()
    project = Project(network=NetworkSpec(()), training=TrainingSettings(test_fraction=0.25))
    final = [(np.array([[3.0], [0.0]], np.float32), np.array([0.2], np.float32))]
    snapshots = EpochSnapshots()
    # Epoch 0: every probability 0.5 + a little, so every row is called "pos".
    snapshots.take(0, [(np.zeros((2, 1), np.float32), np.array([0.01], np.float32))])
    snapshots.take(5, [(np.array([[1.0], [0.0]], np.float32), np.zeros(1, np.float32))])
    session = FakeSession(project, final, snapshots, epochs=10)
    controller = FakeRunController()
    view = EvaluationView()
    qtbot.addWidget(view)
    view.attach(controller)
    view.resize(1100, 700)
    view.show()
    controller.session, controller.last_prepared = session, prepared
    controller.started.emit(object())
    controller.finished.emit(RunFinished("completed", "", 10))
    return view, prepared, final[0]


def _matrix(view: EvaluationView) -> list[list[int]]:
    t = view.confusion
    return [
        [int(t.item(i, j).text().split()[0]) for j in range(t.columnCount())]
        for i in range(t.rowCount())
    ]


def _hand_matrix(y: np.ndarray, p: np.ndarray, threshold: float) -> list[list[int]]:
    pred = (p >= threshold).astype(int)
    return [[int(((y == i) & (pred == j)).sum()) for j in (0, 1)] for i in (0, 1)]


def test_the_threshold_slider_changes_the_matrix(binary) -> None:
    view, prepared, (kernel, bias) = binary
    view.set_part("validation")
    p = _probabilities(prepared, prepared.x_val, kernel, bias)
    assert _matrix(view) == _hand_matrix(prepared.y_val, p, 0.5)
    seen = set()
    for value in (20, 50, 80):
        view.threshold.setValue(value)
        assert view.threshold_label.text() == f"{value / 100:.2f}"
        matrix = _matrix(view)
        assert matrix == _hand_matrix(prepared.y_val, p, value / 100)
        seen.add(str(matrix))
    assert len(seen) == 3  # each threshold gave another matrix
    # The per-class table follows: recall of "pos" at the last threshold, worked out by hand.
    _tn_fp, fn_tp = _hand_matrix(prepared.y_val, p, 0.8)
    assert float(view.scores.item(1, 1).text()) == pytest.approx(fn_tp[1] / sum(fn_tp), abs=5e-4)
    assert view.scores.item(1, 3).text() == str(sum(fn_tp))


def test_clicking_a_cell_lists_its_rows_with_their_probabilities(qtbot, binary) -> None:
    view, prepared, (kernel, bias) = binary
    view.set_part("test")
    p = _probabilities(prepared, prepared.x_test, kernel, bias)
    pred = (p >= 0.5).astype(int)
    wanted = [
        int(r) + 1
        for r, t, q in zip(prepared.test_index, prepared.y_test, pred, strict=True)
        if t == 1 and q == 0
    ]
    assert wanted  # the cell of missed positives is not empty
    rect = view.confusion.visualRect(view.confusion.model().index(1, 0))
    qtbot.mouseClick(view.confusion.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_cell == (1, 0)
    assert view.listed_rows() == wanted
    assert view.cell_caption.text().startswith(
        f"{len(wanted)} row{'s' if len(wanted) != 1 else ''} of class 'pos' predicted as 'neg'"
    )
    first = int(np.flatnonzero((prepared.y_test == 1) & (pred == 0))[0])
    assert float(view.cell_rows.item(0, 2).text()) == pytest.approx(p[first], abs=5e-4)
    assert float(view.cell_rows.item(0, 1).text()) == pytest.approx(1 - p[first], abs=5e-4)


def test_the_replay_slider_shows_the_matrix_of_an_earlier_epoch(binary) -> None:
    view, prepared, (_kernel, _bias) = binary
    view.set_part("train")
    replay = view.replay
    assert replay.epochs == [0, 5, 10] and replay.at_end and replay.label.text() == "Epoch 10 (now)"
    now = _matrix(view)
    replay.slider.setValue(0)
    n0, n1 = np.bincount(prepared.y_train).tolist()
    assert _matrix(view) == [[0, n0], [0, n1]]  # at epoch 0 every row was called "pos"
    assert replay.label.text() == "Epoch 0 (initial)" and "at epoch 0" in view.summary.text()
    replay.slider.setValue(1)
    p5 = _probabilities(prepared, prepared.x_train, np.array([[1.0], [0.0]]), np.zeros(1))
    assert _matrix(view) == _hand_matrix(prepared.y_train, p5, 0.5)
    replay.slider.setValue(2)
    assert _matrix(view) == now


def test_each_part_is_evaluated_on_its_own_rows(binary) -> None:
    view, prepared, _ = binary
    for key, n in (
        ("train", prepared.n_train),
        ("validation", prepared.n_val),
        ("test", prepared.n_test),
    ):
        view.set_part(key)
        assert sum(map(sum, _matrix(view))) == n
        assert f"({n} rows)" in view.part.currentText()


def test_roc_curve_area_and_export(binary, tmp_path: Path) -> None:
    view, prepared, (kernel, bias) = binary
    view.set_part("validation")
    p = _probabilities(prepared, prepared.x_val, kernel, bias)
    y = prepared.y_val == 1
    pairs = (p[y][:, None] > p[~y][None, :]).mean()
    assert view.evaluation.roc[0].area == pytest.approx(pairs, abs=1e-6)
    for key in ("confusion", "scores", "roc", "pr"):
        for suffix in (".png", ".svg", ".csv"):
            out = view.export(key, tmp_path / f"{key}{suffix}")
            assert out.stat().st_size > 30, out
    rows = list(csv.reader((tmp_path / "confusion.csv").open()))
    assert rows[0] == ["true \\ predicted", "neg", "pos"]
    assert [[int(v) for v in r[1:]] for r in rows[1:]] == _matrix(view)
    with pytest.raises(ValueError, match=r"not '\.bmp'"):
        view.export("roc", tmp_path / "x.bmp")
    with pytest.raises(ValueError, match="not shown for a classification task"):
        view.export("scatter", tmp_path / "x.png")


def test_regression_shows_scatter_residuals_and_scores(qtbot, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 1)).astype(np.float32)
    y = (2 * x[:, 0] + rng.normal(scale=0.5, size=120)).astype(np.float32)
    prepared = prepare(Dataset("lin", x, y, Task.REGRESSION, ("x",), ()), 0.25, 0)
    project = Project(network=NetworkSpec(()), training=TrainingSettings(loss="mse"))
    weights = [(np.array([[1.5]], np.float32), np.array([0.1], np.float32))]
    view = EvaluationView()
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    view.set_source(FakeSession(project, weights, EpochSnapshots(), 3), prepared)
    view.set_part("validation")
    pred = (prepared.x_val[:, 0] - prepared.mean[0]) / np.sqrt(prepared.variance[0]) * 1.5 + 0.1
    err = pred - prepared.y_val
    ev = view.evaluation
    assert ev.mae == pytest.approx(np.abs(err).mean(), rel=1e-5)
    assert ev.rmse == pytest.approx(np.sqrt((err**2).mean()), rel=1e-5)
    assert f"MAE {ev.mae:.4g}" in view.summary.text() and "R²" in view.summary.text()
    assert view.stack.currentWidget() is view.regression and not view.threshold.isVisible()
    # The test part is empty here: it cannot be chosen.
    assert not view.part.model().item(view.part.findData("test")).isEnabled()
    scatter = next(item for item in view.scatter_plot.plot.listDataItems() if item.name() == "rows")
    np.testing.assert_allclose(scatter.getData()[1], pred, rtol=1e-5)
    for key in ("scatter", "residuals"):
        assert view.export(key, tmp_path / f"{key}.csv").stat().st_size > 30
    assert view.export("scatter", tmp_path / "scatter.svg").read_text().startswith("<?xml")


def test_before_a_run_the_view_says_what_to_do(qtbot) -> None:
    view = EvaluationView()
    qtbot.addWidget(view)
    controller = FakeRunController()
    view.attach(controller)
    view.show()
    assert view.stack.currentWidget() is view.message and "Train the network" in view.message.text()
    assert not view.export_button.isEnabled() and not view.replay.isEnabled()
    controller.stateChanged.emit(RunState.IDLE)
    assert view.evaluation is None


def test_the_decision_boundary_replays_an_earlier_epoch(qtbot, binary) -> None:
    from ffnn_studio.ui.insights.boundary import DecisionBoundaryView

    _view, prepared, _final = binary
    session = _view._session
    boundary = DecisionBoundaryView(resolution=20)
    qtbot.addWidget(boundary)
    boundary.resize(500, 400)
    boundary.show()
    boundary.set_source(session, prepared, session.project)
    assert boundary.refresh()
    now = boundary.grid_output.copy()
    assert boundary.replay.epochs == [0, 5, 10] and boundary.replay.isEnabled()
    boundary.replay.slider.setValue(0)
    # Epoch 0's weights: a constant sigmoid(0.01) everywhere.
    np.testing.assert_allclose(boundary.grid_output, 1 / (1 + np.exp(-0.01)), rtol=1e-5)
    boundary.replay.slider.setValue(2)
    np.testing.assert_array_equal(boundary.grid_output, now)


def test_a_real_run_is_evaluated_scored_on_its_test_rows_and_replayed(qtbot, real_controller) -> None:
    from ffnn_studio.core.spec import BuiltinDataSource, DenseLayer, OptimizerSpec
    from ffnn_studio.ui.insights.runs_store import RunsStore

    project = Project(
        name="xor",
        network=NetworkSpec((DenseLayer(8, "tanh"),)),
        data=BuiltinDataSource("xor", {"n_samples": 200}),
        training=TrainingSettings(
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.05}), epochs=30, test_fraction=0.25
        ),
    )
    view = EvaluationView()
    qtbot.addWidget(view)
    view.attach(real_controller)
    view.resize(1000, 700)
    view.show()
    store = RunsStore()
    store.follow(real_controller)
    with qtbot.waitSignal(real_controller.finished, timeout=300_000) as blocker:
        assert real_controller.start(project, None)
    finished = blocker.args[0]
    assert finished.reason == "completed" and finished.test_scores is not None
    assert store.runs[0].test_scores == finished.test_scores
    qtbot.waitUntil(lambda: view.evaluation is not None)
    prepared = real_controller.last_prepared
    view.set_part("test")
    assert sum(map(sum, _matrix(view))) == prepared.n_test == 50
    # The view's accuracy on the test rows is the one the session scored at the end.
    assert view.evaluation.accuracy == pytest.approx(finished.test_scores["accuracy"], abs=1e-6)
    epochs = view.replay.epochs
    assert epochs[0] == 0 and epochs[-1] == 30 and len(epochs) == 31
    view.replay.slider.setValue(0)
    assert view.replay.epoch == 0 and view.evaluation.accuracy != pytest.approx(finished.test_scores["accuracy"])
