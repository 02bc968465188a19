"""The Experiments menu's learning-rate finder and cross-validation.

*Find Learning Rate…* opens a dialog that runs the range test
(``engine.lr_finder``) in the background, plots the smoothed loss against the
learning rate and applies the suggestion as an undoable edit.
*Cross-Validate…* asks for K and trains the folds one after another on a
controller of their own, so the window's run (the model Export writes) stays;
the folds land in the runs view as one group, their curves overlaid, with each
fold's score and the mean ± standard deviation.

Contract: Qt side of the experiments; the work is the engine's and the data
layer's, run through ``BackgroundTask`` and a companion ``TrainingController``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.spec import Project
from ffnn_studio.ui.document.commands import EditOptimizerParamCommand
from ffnn_studio.ui.insights.compare import ComparisonSweep
from ffnn_studio.ui.menus import experiments_menu
from ffnn_studio.ui.run.background import BackgroundTask, TaskState

CROSSVAL_GROUP = "Cross-validation"
DEFAULT_FOLDS = 5
#: As ``data.folds`` bounds K (not imported here: scikit-learn would load with the window).
MIN_FOLDS, MAX_FOLDS = 2, 20


# ------------------------------------------------------------------ learning-rate finder


class LrFinderDialog(QDialog):
    """Runs the range test for the document's project; plots it; applies the suggestion."""

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lrFinderDialog")
        self.setWindowTitle("Find Learning Rate")
        self.setAccessibleName("Find learning rate")
        self.document = document
        self.result: Any = None
        self.task: BackgroundTask | None = None

        layout = QVBoxLayout(self)
        self.intro = QLabel(
            "Trains briefly from the initial weights with the learning rate rising from "
            "1e-6 to 1 and suggests the rate where the loss falls fastest. The weights "
            "of your run are not changed."
        )
        self.intro.setObjectName("lrFinderIntro")
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.plot = pg.PlotWidget(background=None)
        self.plot.setObjectName("lrFinderPlot")
        self.plot.setAccessibleName("Loss against learning rate")
        self.plot.setMinimumSize(520, 300)
        item = self.plot.getPlotItem()
        item.setLogMode(x=True, y=False)
        item.showGrid(x=True, y=True, alpha=0.25)
        fg = self.palette().color(QPalette.ColorRole.WindowText)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setTextPen(fg)
            item.getAxis(axis).setPen(fg)
        item.setLabel("bottom", "learning rate")
        item.getAxis("left").enableAutoSIPrefix(False)
        item.setLabel("left", "loss (smoothed)")
        item.addLegend(offset=(-8, 6), labelTextColor=fg)
        self.raw_curve = item.plot(name="loss", pen=pg.mkPen("#999999", width=1))
        self.curve = item.plot(name="smoothed", pen=pg.mkPen("#0072B2", width=2))
        self.marker = pg.InfiniteLine(angle=90, pen=pg.mkPen("#D55E00", width=2))
        self.marker.setVisible(False)
        item.addItem(self.marker)
        layout.addWidget(self.plot, 1)
        row = QHBoxLayout()
        self.status = QLabel("")
        self.status.setObjectName("lrFinderStatus")
        self.status.setAccessibleName("Learning-rate finder status")
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("lrFinderProgress")
        self.progress.setAccessibleName("Learning-rate finder progress")
        self.progress.setRange(0, 100)
        row.addWidget(self.progress)
        layout.addLayout(row)
        buttons = QDialogButtonBox()
        buttons.setObjectName("lrFinderButtons")
        self.run_button = QPushButton("&Run Again")
        self.run_button.setObjectName("lrFinderRunButton")
        self.cancel_button = QPushButton("&Cancel")
        self.cancel_button.setObjectName("lrFinderCancelButton")
        self.apply_button = QPushButton("&Apply Suggestion")
        self.apply_button.setObjectName("lrFinderApplyButton")
        self.apply_button.setEnabled(False)
        self.close_button = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("lrFinderCloseButton")
        for b in (self.run_button, self.cancel_button, self.apply_button):
            buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.close)
        layout.addWidget(buttons)

    def start(self) -> None:
        """Run the test on the project as it is now (in the background)."""
        if self.task is not None and self.task.running:
            return
        problems = self.document.problems() if hasattr(self.document, "problems") else []
        if problems:
            self._show_status("Fix the project's problems first: " + "; ".join(map(str, problems)))
            return
        project: Project = self.document.project
        base_dir: Path | None = getattr(self.document, "base_dir", None)

        def work(state: TaskState):
            from ffnn_studio.ui.run.bridge import _import_engine, prepare_project_data

            _import_engine()  # TensorFlow on a plain thread, never first on this QThread
            from ffnn_studio.engine.lr_finder import find_learning_rate

            data = prepare_project_data(project, base_dir)
            return project, find_learning_rate(
                project, data, progress=state.progress, cancelled=state.cancelled
            )

        self.result = None
        self.apply_button.setEnabled(False)
        self.marker.setVisible(False)
        self.progress.setValue(0)
        self._show_status("Training with a rising learning rate…")
        task = BackgroundTask(work, self, name="lrFinderTask")
        task.progressed.connect(lambda f: self.progress.setValue(round(100 * f)))
        task.succeeded.connect(self._on_result)
        task.failed.connect(self._on_failed)
        task.cancelled_.connect(lambda: self._show_status("Cancelled."))
        task.finished.connect(self._update_buttons)
        self.task = task
        task.start()
        self._update_buttons()

    def cancel(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.task is not None and self.task.running and not self.task.was_cancelled
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)

    @Slot(object)
    def _on_result(self, outcome: tuple[Project, Any]) -> None:
        project, result = outcome
        self.result = result
        self.progress.setValue(100)
        lrs = np.asarray(result.learning_rates)
        self.raw_curve.setData(lrs, np.asarray(result.losses))
        self.curve.setData(lrs, np.asarray(result.smoothed))
        finite = np.asarray(result.smoothed)[np.isfinite(result.smoothed)]
        if finite.size:
            # The exploded tail would flatten the rest: the y range stops at 1.5× the start.
            top = min(float(finite.max()), 1.5 * float(finite[: max(1, len(finite) // 5)].max()))
            self.plot.getPlotItem().setYRange(float(finite.min()) * 0.95, top, padding=0.05)
        current = project.training.optimizer.learning_rate
        if result.suggestion is None:
            self._show_status("No suggestion: the loss did not fall over the range.")
            return
        self.marker.setValue(math.log10(result.suggestion))
        self.marker.setVisible(True)
        tail = " (stopped where the loss exploded)" if result.diverged else ""
        self._show_status(
            f"Suggested learning rate: <b>{result.suggestion:.3g}</b> (now {current:g}){tail}."
        )
        self.apply_button.setEnabled(not getattr(self.document, "locked", False))

    @Slot(object)
    def _on_failed(self, error: BaseException) -> None:
        self._show_status(f"The test failed: {error}")

    def apply(self) -> None:
        """Set the optimizer's learning rate to the suggestion (one undoable edit)."""
        if self.result is None or self.result.suggestion is None:
            return
        value = float(f"{self.result.suggestion:.3g}")
        if self.document.push(EditOptimizerParamCommand(self.document, "learning_rate", value)):
            self._show_status(f"Learning rate set to {value:g} (Edit ▸ Undo takes it back).")
            self.apply_button.setEnabled(False)

    def closeEvent(self, event) -> None:
        self.cancel()
        super().closeEvent(event)


# ------------------------------------------------------------------ cross-validation


class CrossValidationSweep(ComparisonSweep):
    """Trains one project once per fold; each run's data is that fold's split."""

    def __init__(
        self, make_controller: Callable[[Callable[..., Any]], Any], parent: QObject
    ) -> None:
        self.k = 0
        self._splits: list[tuple[np.ndarray, np.ndarray]] = []
        self._dataset: Any = None
        super().__init__(make_controller(self._prepare_fold), parent)
        self.setObjectName("crossValidationSweep")

    def _prepare_fold(self, project: Project, base_dir: Path | None) -> Any:
        """The current fold's data (called on the controller's worker thread)."""
        from ffnn_studio.data import load_dataset
        from ffnn_studio.data.folds import fold_indices, prepare_fold

        if self._dataset is None:
            self._dataset = load_dataset(project.data, base_dir)
            self._splits = fold_indices(self._dataset, self.k, project.training.seed)
        train, val = self._splits[self.index]
        return prepare_fold(self._dataset, train, val)

    def start_folds(self, project: Project, k: int, group: str, base_dir: Path | None) -> bool:
        self.k = k
        self._dataset, self._splits = None, []
        variants = [(f"Fold {i + 1}/{k}", project) for i in range(k)]
        return self.start(variants, group, base_dir)


def fold_summary(runs: list[Any], metric: str) -> tuple[str, list[str]]:
    """("val_accuracy 0.91 ± 0.02 over 5 folds", one line per fold) from the folds' records."""
    lines, scores = [], []
    for r in runs:
        val = np.asarray(r.history.get("val_metric", ()), dtype=np.float64)
        score = float(val[-1]) if val.size else math.nan
        scores.append(score)
        lines.append(f"{r.variant}: val_{metric} {score:.4f}")
    finite = np.array([s for s in scores if math.isfinite(s)])
    if not finite.size:
        return "no scores", lines
    head = f"val_{metric} {finite.mean():.4f} ± {finite.std():.4f} over {finite.size} folds"
    return head, lines


class ExperimentActions(QObject):
    """The Experiments menu's learning-rate finder and cross-validation actions."""

    crossValidationFinished = Signal(str, str)  # group, summary

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.setObjectName("experimentActions")
        self.window = window
        self.document = window.document
        self.runs = window.insights.runs
        self.dialog: LrFinderDialog | None = None
        self.last_summary = ""

        self.find_lr_action = QAction("Find &Learning Rate…", window)
        self.find_lr_action.setObjectName("findLearningRateAction")
        self.find_lr_action.setStatusTip("Suggest a learning rate with a short range test")
        self.find_lr_action.triggered.connect(self.find_learning_rate)
        self.crossval_action = QAction("&Cross-Validate…", window)
        self.crossval_action.setObjectName("crossValidateAction")
        self.crossval_action.setStatusTip(
            "Train once per fold of the data; mean ± std of the scores"
        )
        self.crossval_action.triggered.connect(self.ask_cross_validate)
        self.cancel_crossval_action = QAction("Cancel Cross-Validation", window)
        self.cancel_crossval_action.setObjectName("cancelCrossValidationAction")
        self.cancel_crossval_action.setEnabled(False)
        self.cancel_crossval_action.triggered.connect(self.cancel_cross_validation)
        menu = experiments_menu(window)
        if menu.actions():
            menu.addSeparator()
        menu.addAction(self.find_lr_action)
        menu.addSeparator()
        menu.addAction(self.crossval_action)
        menu.addAction(self.cancel_crossval_action)

        controller = window.controller
        self.sweep = CrossValidationSweep(
            lambda prepare: controller.companion(prepare_data=prepare), self
        )
        store = self.runs.store
        store.follow(self.sweep.controller)
        previous_tagger = store.tagger

        def tag() -> tuple[str, str]:
            if self.sweep.active:
                return self.sweep.group, self.sweep.current_label
            return previous_tagger() if previous_tagger is not None else ("", "")

        store.tagger = tag
        self.sweep.progressChanged.connect(self._on_progress)
        self.sweep.sweepFinished.connect(self._on_finished)
        self.sweep.sweepFailed.connect(self._on_failed)

    # -- the finder

    def find_learning_rate(self) -> LrFinderDialog:
        if self.dialog is None:
            self.dialog = LrFinderDialog(self.document, self.window)
            self.dialog.resize(640, 460)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.start()
        return self.dialog

    # -- cross-validation

    @property
    def cross_validating(self) -> bool:
        return self.sweep.active

    def ask_cross_validate(self) -> bool:
        k, ok = QInputDialog.getInt(
            self.window,
            "Cross-Validate",
            f"Folds (K, {MIN_FOLDS}–{MAX_FOLDS}): every row validates once, "
            "in a stratified split for classification.",
            DEFAULT_FOLDS,
            MIN_FOLDS,
            MAX_FOLDS,
        )
        return self.cross_validate(k) if ok else False

    def cross_validate(self, k: int) -> bool:
        """Train the document's project once per fold (in the background); False if it cannot."""
        problems = self.document.problems() if hasattr(self.document, "problems") else []
        if problems:
            self._warn("Fix the project's problems first: " + "; ".join(map(str, problems)))
            return False
        if self.sweep.active or self.runs.comparing:
            self._warn("Another comparison or cross-validation is running.")
            return False
        if not MIN_FOLDS <= k <= MAX_FOLDS:
            self._warn(f"The number of folds must be from {MIN_FOLDS} to {MAX_FOLDS}.")
            return False
        project = self.document.project
        group = self.runs.store.next_group(CROSSVAL_GROUP)
        ok = self.sweep.start_folds(project, k, group, getattr(self.document, "base_dir", None))
        self.cancel_crossval_action.setEnabled(ok)
        self.crossval_action.setEnabled(not ok)
        return ok

    def cancel_cross_validation(self) -> None:
        self.sweep.cancel()

    def _warn(self, message: str) -> None:
        self.window.statusBar().showMessage(message, 8000)
        self.runs.progress_label.setText(message)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, label: str) -> None:
        text = f"{self.sweep.group}: training {label.lower()}…"
        self.runs.progress_label.setText(text)
        self.window.statusBar().showMessage(text, 4000)

    @Slot(str, bool)
    def _on_finished(self, group: str, completed: bool) -> None:
        runs = [r for r in self.runs.store.runs if r.group == group]
        metric = runs[0].metric_name if runs else "accuracy"
        head, lines = fold_summary(runs, metric)
        state = "" if completed else " (cancelled)"
        self.last_summary = f"{group}{state}: {head}"
        self.runs.progress_label.setText(self.last_summary)
        self.runs.progress_label.setToolTip("\n".join(lines))
        self.window.statusBar().showMessage(self.last_summary, 15000)
        self.runs.select_group(group)
        self.cancel_crossval_action.setEnabled(False)
        self.crossval_action.setEnabled(True)
        self.crossValidationFinished.emit(group, self.last_summary)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._warn(f"Cross-validation stopped: {message}")
