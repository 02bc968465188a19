"""The Experiments menu: cross-validation beside the window's run, the learning-rate
finder's undoable suggestion, and the Training panel's schedule and weights seed."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
from PySide6.QtWidgets import QMenu

from ffnn_studio.core.spec import ScheduleSpec
from ffnn_studio.ui.build.training_panel import TrainingPanel
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.main_window import MainWindow
from ffnn_studio.ui.run.bridge import TrainingController, prepare_project_data
from tests.ui.test_compare_window import LayeredSession
from tests.ui.window_fixtures import sample_project


class FoldSession(LayeredSession):
    """Keeps the data each session was given."""

    made: ClassVar[list[FoldSession]] = []

    def __init__(self, project, data, sink) -> None:  # type: ignore[no-untyped-def]
        super().__init__(project, data, sink)
        self.given = data
        FoldSession.made.append(self)
        # Each session its own validation score: 0.5, 0.6, 0.7, ...
        score = 0.5 + 0.1 * (len(FoldSession.made) - 1)
        column = self.history.column
        self.history.column = lambda name: (
            np.full(len(column(name)), score) if name == "val_metric" else column(name)
        )


def _window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    FoldSession.made = []
    controller = TrainingController(
        prepare_data=prepare_project_data, session_factory=FoldSession, warm_up=lambda: None
    )
    window = MainWindow(ProjectDocument(sample_project()), controller=controller, interactive=False)
    qtbot.addWidget(window)
    return window


def test_the_experiments_menu_comes_before_help(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    menus = [a.menu().objectName() for a in window.menuBar().actions() if a.menu()]
    assert menus.index("experimentsMenu") < menus.index("helpMenu")
    menu = window.menuBar().findChild(QMenu, "experimentsMenu")
    names = [a.objectName() for a in menu.actions() if a.objectName()]
    ours = ["findLearningRateAction", "crossValidateAction", "cancelCrossValidationAction"]
    assert [n for n in names if n in ours] == ours


def test_cross_validation_trains_each_fold_beside_the_windows_run(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window(qtbot)
    with qtbot.waitSignal(window.controller.finished, timeout=10_000):
        assert window.train()
    own = window.controller.session
    experiments = window.experiments
    with qtbot.waitSignal(experiments.crossValidationFinished, timeout=30_000) as done:
        assert experiments.cross_validate(3)
        assert experiments.cancel_crossval_action.isEnabled()
    group, summary = done.args
    assert group == "Cross-validation #1"
    folds = [r for r in window.insights.runs.store.runs if r.group == group]
    assert [r.variant for r in folds] == ["Fold 1/3", "Fold 2/3", "Fold 3/3"]
    # Each fold validated on its own rows; together every row once.
    fold_sessions = FoldSession.made[1:]
    vals = [s.given.val_index for s in fold_sessions]
    assert sorted(np.concatenate(vals).tolist()) == list(range(200))
    assert all(len(set(a) & set(b)) == 0 for i, a in enumerate(vals) for b in vals[i + 1 :])
    # The window's own run scored 0.5; the folds 0.6, 0.7 and 0.8.
    scores = np.array([0.6, 0.7, 0.8])
    assert f"val_accuracy {scores.mean():.4f} ± {scores.std():.4f} over 3 folds" in summary
    # The folds' curves are what the runs view overlays; the window's model stays its own.
    assert [r.group for r in window.insights.runs.selected_runs()] == [group] * 3
    assert window.controller.session is own
    assert window.export_actions._session() is own
    assert not experiments.cancel_crossval_action.isEnabled()


def test_the_training_panel_edits_schedule_and_weights_seed_undoably(qtbot, document) -> None:  # type: ignore[no-untyped-def]
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    box = panel.lr_schedule
    box.combo.setCurrentIndex(box.combo.findData("step"))
    assert document.project.training.lr_schedule == ScheduleSpec("step", {}, 0)
    box.editors["factor"].setValue(0.25)
    box.warmup.setValue(2)
    assert document.project.training.lr_schedule == ScheduleSpec("step", {"factor": 0.25}, 2)
    x, y = box.plot.curve.getData()
    # Three epochs, two of them warming up: the rate climbs to the optimizer's.
    assert len(x) == document.project.training.epochs == 3
    assert y[0] < y[1] < y[2] == pytest.approx(document.project.training.optimizer.learning_rate)
    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.training.lr_schedule == ScheduleSpec()
    spin = panel.init_seed
    assert spin.text() == "Same as seed"
    spin.setValue(5)
    assert document.project.training.init_seed == 5
    spin.setValue(spin.minimum())
    assert document.project.training.init_seed is None


@pytest.mark.slow
def test_the_finder_applies_its_suggestion_as_one_undoable_edit(qtbot) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ffnn_studio.engine.training.session")
    window = _window(qtbot)
    document = window.document
    before = document.project.training.optimizer.learning_rate
    dialog = window.experiments.find_learning_rate()
    assert dialog.task is not None
    with qtbot.waitSignal(dialog.task.finished, timeout=120_000):
        pass
    result = dialog.result
    assert result is not None and result.suggestion is not None
    x, _ = dialog.curve.getData()
    assert len(x) == len(result.learning_rates)
    assert dialog.marker.isVisible() and dialog.apply_button.isEnabled()
    dialog.apply()
    assert document.project.training.optimizer.learning_rate == float(f"{result.suggestion:.3g}")
    document.undo_stack.undo()
    assert document.project.training.optimizer.learning_rate == before
    dialog.close()
