"""Cross-validation and the learning-rate finder as trainings of the window: Train, New,
Open and the search wait for them, closing the window stops them, and the folds' scores
are those of the weights each fold ended with, on the held-out test rows too."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import ClassVar

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from ffnn_studio.core.reports import RunFinished
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.experiments import CROSS_VALIDATING, FINDING_LR
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.run.bridge import RunState, TrainingController, prepare_project_data
from tests.ui.test_compare_window import LayeredSession
from tests.ui.window_fixtures import HoldingSession, sample_project


class HeldFold(HoldingSession):
    """Holds after its first epoch until stopped; keeps every session made."""

    made: ClassVar[list[HeldFold]] = []

    def __init__(self, project, data, sink) -> None:  # type: ignore[no-untyped-def]
        super().__init__(project, data, sink)
        HeldFold.made.append(self)


def _window(qtbot, session_cls, project=None) -> MainWindow:  # type: ignore[no-untyped-def]
    controller = TrainingController(
        prepare_data=prepare_project_data, session_factory=session_cls, warm_up=lambda: None
    )
    window = MainWindow(
        ProjectDocument(project or sample_project()), controller=controller, interactive=False
    )
    qtbot.addWidget(window)
    return window


def test_train_new_open_and_search_wait_for_the_folds(qtbot) -> None:  # type: ignore[no-untyped-def]
    HeldFold.made = []
    window = _window(qtbot, HeldFold)
    experiments = window.experiments
    with qtbot.waitSignal(experiments.busyChanged, timeout=5_000) as started:
        assert experiments.cross_validate(3)
    assert started.args == [True]
    qtbot.waitUntil(lambda: len(HeldFold.made) == 1, timeout=10_000)
    assert not window.controls.train_action.isEnabled()
    assert not window.new_action.isEnabled() and not window.open_action.isEnabled()
    assert not window.train()
    assert window.statusBar().currentMessage() == CROSS_VALIDATING
    assert window.controller.state is RunState.IDLE
    assert window._search_blocker() == CROSS_VALIDATING
    assert not window.new_project()
    with qtbot.waitSignal(experiments.busyChanged, timeout=10_000) as ended:
        experiments.cancel_cross_validation()
    assert ended.args == [False]
    assert window.controls.train_action.isEnabled() and window.new_action.isEnabled()
    assert window._search_blocker() == ""


def test_the_folds_wait_for_the_windows_own_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot, HoldingSession)
    with qtbot.waitSignal(window.controller.stateChanged, timeout=5_000):
        assert window.train()
    qtbot.waitUntil(lambda: window.controller.state is RunState.RUNNING, timeout=10_000)
    assert not window.experiments.cross_validate(3)
    assert "Stop training before starting an experiment." in window.statusBar().currentMessage()
    assert not window.experiments.cross_validating
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        window.controller.stop()


def test_closing_the_window_stops_the_folds(qtbot) -> None:  # type: ignore[no-untyped-def]
    HeldFold.made = []
    window = _window(qtbot, HeldFold)
    assert window.experiments.cross_validate(4)
    qtbot.waitUntil(lambda: len(HeldFold.made) == 1, timeout=10_000)
    companion = window.experiments.sweep.controller
    window.close()
    assert HeldFold.made[0]._stop.is_set()
    assert companion._thread is None or companion._thread.isFinished()
    QApplication.processEvents()  # the stopped fold's report arrives: no next fold starts
    assert len(HeldFold.made) == 1


@pytest.fixture
def endless_finder(monkeypatch):  # type: ignore[no-untyped-def]
    """A range test that runs until cancelled (no TensorFlow)."""
    from ffnn_studio.engine import lr_finder
    from ffnn_studio.ui.run import bridge

    running = threading.Event()
    ended = threading.Event()

    def find(project, data, *, progress=None, cancelled=None, **_kw):  # type: ignore[no-untyped-def]
        running.set()
        while not cancelled():
            ended.wait(0.005)
        ended.set()
        raise RuntimeError("cancelled")

    monkeypatch.setattr(bridge, "_import_engine", lambda: None)
    monkeypatch.setattr(lr_finder, "find_learning_rate", find)
    return running, ended


def test_train_waits_for_the_learning_rate_finder_and_closing_stops_it(qtbot, endless_finder) -> None:  # type: ignore[no-untyped-def]
    running, ended = endless_finder
    window = _window(qtbot, HoldingSession)
    with qtbot.waitSignal(window.experiments.busyChanged, timeout=5_000):
        dialog = window.experiments.find_learning_rate()
    qtbot.waitUntil(running.is_set, timeout=10_000)
    assert window.experimenting
    assert not window.controls.train_action.isEnabled() and not window.open_action.isEnabled()
    assert not window.train()
    assert window.statusBar().currentMessage() == FINDING_LR
    assert window._search_blocker() == FINDING_LR
    assert not window.experiments.cross_validate(3)
    assert window.statusBar().currentMessage() == FINDING_LR
    window.close()
    assert ended.is_set()  # the close cancelled the test and waited for its thread
    assert dialog.task is not None and dialog.task.wait(0)


class EarlyStopFold(LayeredSession):
    """Each fold: validation loss best at epoch 2, then stopped 2 epochs later (patience 2)
    with the best weights restored; its test scores in the finish report."""

    made: ClassVar[list[EarlyStopFold]] = []
    VAL_LOSS = (0.9, 0.4, 0.6, 0.7)

    def __init__(self, project, data, sink) -> None:  # type: ignore[no-untyped-def]
        super().__init__(project, data, sink)
        self.given = data
        EarlyStopFold.made.append(self)
        n = len(EarlyStopFold.made)
        self.val_metric = (0.5, 0.8 + 0.02 * n, 0.6, 0.55)
        self.test_metric = 0.7 + 0.03 * n
        self.history.column = self._column

    def _column(self, name: str) -> np.ndarray:
        k = self.epochs_completed
        return np.asarray(
            {"val_loss": self.VAL_LOSS, "val_metric": self.val_metric}.get(name, (0.5,) * 4)[:k],
            dtype=np.float64,
        )

    def run(self, epochs: int | None = None) -> RunFinished:
        finish = self.sink.finished
        self.sink.finished = lambda _report: None  # the base run's report is replaced below
        try:
            super().run(4)
        finally:
            self.sink.finished = finish
        report = RunFinished(
            "completed",
            "Early stopping … Restored the weights of epoch 2.",
            4,
            0.1,
            {"loss": 0.3, "accuracy": self.test_metric},
        )
        self.sink.finished(report)
        return report


def test_fold_scores_are_the_end_weights_and_the_test_rows_are_held_out(qtbot) -> None:  # type: ignore[no-untyped-def]
    from ffnn_studio.data import load_dataset, prepare

    EarlyStopFold.made = []
    base = sample_project()
    training = replace(
        base.training,
        epochs=10,
        early_stopping=True,
        patience=2,
        restore_best_weights=True,
        test_fraction=0.2,
    )
    window = _window(qtbot, EarlyStopFold, replace(base, training=training))
    experiments = window.experiments
    with qtbot.waitSignal(experiments.crossValidationFinished, timeout=30_000) as done:
        assert experiments.cross_validate(3)
    _group, summary = done.args
    test_rows = prepare(load_dataset(base.data), training.validation_fraction, training.seed, 0.2).test_index
    vals = []
    for s in EarlyStopFold.made:
        np.testing.assert_array_equal(s.given.test_index, test_rows)
        assert not set(test_rows) & (set(s.given.train_index) | set(s.given.val_index))
        vals.append(s.given.val_index)
    assert sorted(np.concatenate(vals).tolist()) == sorted(set(range(200)) - set(test_rows.tolist()))
    # Scored at epoch 2 (the restored weights), not the last epoch's 0.55.
    val = np.array([0.82, 0.84, 0.86])
    test = np.array([0.73, 0.76, 0.79])
    assert f"val_accuracy {val.mean():.4f} ± {val.std():.4f} over 3 folds" in summary
    assert f"test_accuracy {test.mean():.4f} ± {test.std():.4f}" in summary
    tip = window.insights.runs.progress_label.toolTip().splitlines()
    assert tip[0] == "Fold 1/3: val_accuracy 0.8200 · test_accuracy 0.7300"


def test_a_comparison_waits_for_the_folds(qtbot) -> None:  # type: ignore[no-untyped-def]
    HeldFold.made = []
    window = _window(qtbot, HeldFold)
    experiments = window.experiments
    with qtbot.waitSignal(experiments.busyChanged, timeout=5_000):
        assert experiments.cross_validate(3)
    qtbot.waitUntil(lambda: len(HeldFold.made) == 1, timeout=10_000)
    runs = window.insights.runs
    assert not runs.compare_optimizers()
    assert not runs.compare_activations()
    assert not runs.comparing and len(HeldFold.made) == 1  # no variant started beside the folds
    assert runs.warning_label.toolTip() == CROSS_VALIDATING
    with qtbot.waitSignal(experiments.busyChanged, timeout=10_000):
        experiments.cancel_cross_validation()
    assert window._comparison_blocker() == ""
