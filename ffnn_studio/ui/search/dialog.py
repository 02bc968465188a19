"""The hyper-parameter search window: the space, budget, objective and strategy on the
left; the trials, parallel coordinates, importances and best curves on the right.

The study is kept in a journal file beside the project (``engine.search``), so
it reopens with the project: the window shows its trials, and Run adds more
to it. *Apply best* puts the best trial's settings into the project as one
undoable edit.

Contract: a view of the document and of stored studies; runs searches only
through ``ui.run.search_runner`` (its own sessions: the window's run stays the
one the plots show and Export writes).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import format_clock
from ffnn_studio.core.search_space import (
    SEARCHABLE,
    ParamSpec,
    apply_params,
    parse_param,
    searchable,
)
from ffnn_studio.ui.document.commands import ProjectEditCommand
from ffnn_studio.ui.run import search_runner
from ffnn_studio.ui.search.plots import CurvesPlot, ImportancePlot, ParallelCoordinates, value_text

SAMPLER_CHOICES = (("TPE (Bayesian)", "tpe"), ("Random", "random"), ("Grid", "grid"))
PRUNER_CHOICES = (("Median of earlier trials", "median"), ("Successive halving", "halving"), ("None", "none"))
STATE_TEXT = {"complete": "complete", "pruned": "pruned", "failed": "failed", "running": "running", "waiting": "waiting"}


def _proposed_rows(n_dense: int) -> list[str]:
    names = ["learning_rate", "units"]
    if n_dense > 1:
        names += [f"units_{i + 1}" for i in range(n_dense)]
    names += [n for n in SEARCHABLE if n not in ("learning_rate", "units")]
    return names


class _NumberItem(QStandardItem):
    """A table cell that sorts by its number (empty cells last)."""

    def __init__(self, text: str, value: float | None) -> None:
        super().__init__(text)
        self.setData(math.inf if value is None or not math.isfinite(value) else float(value), Qt.ItemDataRole.UserRole)
        self.setEditable(False)
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class SearchDialog(QDialog):
    """Search the project's hyper-parameters; non-modal, the main window stays usable."""

    #: A search started (True) or ended (False): the window holds its own Train meanwhile.
    searchingChanged = Signal(bool)

    def __init__(self, document: Any, controller: Any = None, *, save: Callable[[], bool] | None = None,
                 can_start: Callable[[], str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchDialog")
        self.setAccessibleName("Hyper-parameter search")
        self.setWindowTitle("Hyper-parameter Search")
        self.document = document
        self.controller = controller
        self._save = save
        #: Why a search cannot start now ("" when it can): the window's run or a comparison trains.
        self._can_start = can_start or (lambda: "")
        self.runner = search_runner.SearchRunner(self)
        self.study: Any = None
        self.records: list[Any] = []
        self.storage: str | None = None
        self.last_result: Any = None
        self._importance_task: Any = None
        self._trial_times: list[float] = []
        self._trial_started = 0.0
        self._current: Any = None
        self._build()
        self.runner.event.connect(self._on_event)
        self.runner.searchFinished.connect(self._on_finished)
        self.runner.searchFailed.connect(self._on_failed)
        self.runner.runningChanged.connect(self._on_running)
        document.pathChanged.connect(self.reload)
        document.loaded.connect(self.reload)
        # The test objectives come and go with the project's test fraction.
        document.trainingChanged.connect(lambda _name: self._fill_objectives())
        self.reload()
        self.resize(1280, 800)

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        setup = QWidget()
        setup.setObjectName("searchSetup")
        left = QVBoxLayout(setup)
        left.setContentsMargins(0, 0, 0, 0)

        space_box = QGroupBox("Search space")
        space_box.setObjectName("searchSpaceBox")
        self.space_table = QTableWidget(0, 2)
        self.space_table.setObjectName("searchSpaceTable")
        self.space_table.setAccessibleName("Parameters to search and their ranges")
        self.space_table.setHorizontalHeaderLabels(["Parameter", "Range or choices"])
        self.space_table.verticalHeader().hide()
        self.space_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.space_table.horizontalHeader().setStretchLastSection(True)
        self.space_table.setToolTip(
            "Tick a parameter and give LOW:HIGH (linear), LOW:HIGH:log, or a list A,B,C."
        )
        box = QVBoxLayout(space_box)
        box.addWidget(self.space_table)

        settings_box = QGroupBox("Budget, objective and strategy")
        settings_box.setObjectName("searchSettingsBox")
        form = QFormLayout(settings_box)
        self.study_combo = QComboBox()
        self.study_combo.setObjectName("searchStudyCombo")
        self.study_combo.setAccessibleName("Study name")
        self.study_combo.setEditable(True)
        self.study_combo.setToolTip("Studies kept beside the project; type a new name to start another.")
        self.trials_spin = QSpinBox()
        self.trials_spin.setObjectName("searchTrialsSpin")
        self.trials_spin.setAccessibleName("Trials to run")
        self.trials_spin.setRange(1, 10_000)
        self.trials_spin.setValue(20)
        self.minutes_spin = QDoubleSpinBox()
        self.minutes_spin.setObjectName("searchMinutesSpin")
        self.minutes_spin.setAccessibleName("Time budget in minutes")
        self.minutes_spin.setRange(0, 10_000)
        self.minutes_spin.setDecimals(1)
        self.minutes_spin.setSpecialValueText("no limit")
        self.minutes_spin.setSuffix(" min")
        self.objective_combo = QComboBox()
        self.objective_combo.setObjectName("searchObjectiveCombo")
        self.objective_combo.setAccessibleName("Objective")
        self.sampler_combo = QComboBox()
        self.sampler_combo.setObjectName("searchSamplerCombo")
        self.sampler_combo.setAccessibleName("Search strategy")
        for label, key in SAMPLER_CHOICES:
            self.sampler_combo.addItem(label, key)
        self.pruner_combo = QComboBox()
        self.pruner_combo.setObjectName("searchPrunerCombo")
        self.pruner_combo.setAccessibleName("Pruning of hopeless trials")
        for label, key in PRUNER_CHOICES:
            self.pruner_combo.addItem(label, key)
        self.seed_spin = QSpinBox()
        self.seed_spin.setObjectName("searchSeedSpin")
        self.seed_spin.setAccessibleName("Sampler seed")
        self.seed_spin.setRange(0, 2**31 - 1)
        form.addRow("Study:", self.study_combo)
        form.addRow("Trials to run:", self.trials_spin)
        form.addRow("Time budget:", self.minutes_spin)
        form.addRow("Objective:", self.objective_combo)
        form.addRow("Strategy:", self.sampler_combo)
        form.addRow("Pruning:", self.pruner_combo)
        form.addRow("Seed:", self.seed_spin)

        self.run_button = QPushButton("Run Search")
        self.run_button.setObjectName("searchRunButton")
        self.run_button.setAccessibleName("Run the search")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("searchCancelButton")
        self.cancel_button.setAccessibleName("Cancel the search")
        self.cancel_button.setEnabled(False)
        self.apply_button = QPushButton("Apply Best")
        self.apply_button.setObjectName("searchApplyBestButton")
        self.apply_button.setAccessibleName("Apply the best trial's settings to the project")
        self.apply_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        self.progress = QProgressBar()
        self.progress.setObjectName("searchProgressBar")
        self.progress.setAccessibleName("Search progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.progress.setTextVisible(False)
        self.progress.setVisible(False)  # shown once a search runs
        self.status = QLabel()
        self.status.setObjectName("searchStatusLabel")
        self.status.setAccessibleName("Search status")
        self.status.setWordWrap(True)
        self.best_label = QLabel()
        self.best_label.setObjectName("searchBestLabel")
        self.best_label.setAccessibleName("Best trial")
        self.best_label.setWordWrap(True)

        left.addWidget(space_box, 3)
        left.addWidget(settings_box)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addWidget(self.best_label)

        self.trials_model = QStandardItemModel(0, 0, self)
        self.trials_proxy = QSortFilterProxyModel(self)
        self.trials_proxy.setSourceModel(self.trials_model)
        self.trials_proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.trials_view = QTableView()
        self.trials_view.setObjectName("searchTrialsTable")
        self.trials_view.setAccessibleName("Trials")
        self.trials_view.setModel(self.trials_proxy)
        self.trials_view.setSortingEnabled(True)
        self.trials_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.trials_view.verticalHeader().hide()
        self.trials_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.trials_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.trials_view.setWordWrap(False)
        self.trials_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.trials_view.horizontalHeader().setStretchLastSection(True)
        self.parallel = ParallelCoordinates()
        self.importance = ImportancePlot()
        self.curves = CurvesPlot()
        self.tabs = QTabWidget()
        self.tabs.setObjectName("searchResultTabs")
        self.tabs.setAccessibleName("Search results")
        self.tabs.addTab(self.trials_view, "Trials")
        self.tabs.addTab(self.parallel, "Parallel Coordinates")
        self.tabs.addTab(self.importance, "Importance")
        self.tabs.addTab(self.curves, "Best vs Current Run")

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("searchSplitter")
        splitter.addWidget(setup)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([430, 850])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button.clicked.connect(self.apply_best)
        self.study_combo.activated.connect(lambda _i: self.reload_study())
        self.study_combo.lineEdit().editingFinished.connect(self.reload_study)
        self._fill_space_rows()
        self._fill_objectives()

    def _fill_space_rows(self, chosen: dict[str, str] | None = None) -> None:
        n_dense = len(self.document.project.network.dense_layers)
        names = _proposed_rows(n_dense)
        for n in chosen or {}:
            if n not in names:
                names.append(n)
        t = self.space_table
        # Rows are rebuilt from scratch: widgets of the old rows go with them.
        t.clearContents()
        t.setRowCount(0)
        t.setRowCount(len(names))
        defaults = chosen if chosen is not None else {"learning_rate": SEARCHABLE["learning_rate"].example,
                                                      "units": SEARCHABLE["units"].example}
        for row, name in enumerate(names):
            item = searchable(name)
            check = QCheckBox(name)
            check.setObjectName(f"searchParam:{name}")
            check.setAccessibleName(f"Search {item.label.lower()}")
            check.setToolTip(item.help)
            check.setChecked(name in defaults)
            edit = QLineEdit(defaults.get(name, item.example or ""))
            edit.setObjectName(f"searchRange:{name}")
            edit.setAccessibleName(f"Range or choices of {item.label.lower()}")
            edit.setPlaceholderText(item.example)
            edit.setToolTip(f"{item.help} e.g. {item.example}")
            t.setCellWidget(row, 0, check)
            t.setCellWidget(row, 1, edit)
        t.resizeColumnToContents(0)

    def _fill_objectives(self) -> None:
        keep = self.objective_combo.currentData()
        self.objective_combo.clear()
        shape = self.document.data_shape()
        metric = "mae" if getattr(shape, "task", None) is not None and str(shape.task) == "regression" else "accuracy"
        self.objective_combo.addItem("Validation loss", "val_loss")
        self.objective_combo.addItem(f"Validation {metric}", "val_metric")
        if search_runner.test_objective_available(self.document.project):
            self.objective_combo.addItem("Test loss", "test_loss")
            self.objective_combo.addItem(f"Test {metric}", "test_metric")
        i = self.objective_combo.findData(keep)
        self.objective_combo.setCurrentIndex(max(i, 0))

    # ------------------------------------------------------------------ the space

    def set_param(self, name: str, text: str, enabled: bool = True) -> None:
        """Tick (or untick) ``name`` with the range or choices ``text``."""
        for row in range(self.space_table.rowCount()):
            check = self.space_table.cellWidget(row, 0)
            if check.text() == name:
                check.setChecked(enabled)
                self.space_table.cellWidget(row, 1).setText(text)
                return
        raise KeyError(name)

    def space(self) -> tuple[ParamSpec, ...]:
        """The ticked parameters, parsed (StudioError naming the bad one)."""
        specs = []
        for row in range(self.space_table.rowCount()):
            check = self.space_table.cellWidget(row, 0)
            if check.isChecked():
                specs.append(parse_param(f"{check.text()}={self.space_table.cellWidget(row, 1).text()}"))
        if not specs:
            raise StudioError("tick at least one parameter to search")
        return tuple(specs)

    def config(self) -> Any:
        """The search as the form describes it: ``trials_spin`` more trials than the study holds."""
        held = sum(1 for r in self.records if r.state in ("complete", "pruned", "running"))
        minutes = self.minutes_spin.value()
        return search_runner.make_config(
            space=self.space(),
            trials=held + self.trials_spin.value(),
            timeout_s=minutes * 60 if minutes > 0 else None,
            sampler=self.sampler_combo.currentData(),
            pruner=self.pruner_combo.currentData(),
            objective=self.objective_combo.currentData(),
            seed=self.seed_spin.value(),
            study=self.study_name(),
        )

    def study_name(self) -> str:
        return self.study_combo.currentText().strip() or "search"

    # ------------------------------------------------------------------ studies

    @Slot()
    def reload(self) -> None:
        """The project's storage and its studies (a project opened or saved elsewhere)."""
        if self.runner.running:
            return
        path = self.document.path
        self.storage = search_runner.default_storage(path) if path is not None else None
        self.seed_spin.setValue(int(self.document.project.training.seed))
        self._fill_objectives()
        names: list[str] = []
        if self.storage is not None:
            try:
                names = search_runner.study_names(self.storage)
            except StudioError as exc:
                self.status.setText(str(exc))
        current = self.study_name() if self.study_combo.count() else "search"
        self.study_combo.blockSignals(True)
        self.study_combo.clear()
        for n in names or ["search"]:
            self.study_combo.addItem(n)
        self.study_combo.setCurrentText(current if current in names or not names else names[0])
        self.study_combo.blockSignals(False)
        self.reload_study()

    @Slot()
    def reload_study(self) -> None:
        """Show the chosen stored study's trials, and propose its space again."""
        if self.runner.running:
            return
        self.study = None
        if self.storage is not None:
            try:
                self.study = search_runner.load_study(self.storage, self.study_name())
            except StudioError as exc:
                self.status.setText(str(exc))
        if self.study is not None:
            chosen = {}
            for text in self.study.space:
                name, _, rest = text.partition("=")
                chosen[name] = rest
            self._fill_space_rows(chosen)
            for combo, key in ((self.objective_combo, self.study.objective), (self.sampler_combo, self.study.sampler),
                               (self.pruner_combo, self.study.pruner)):
                i = combo.findData(key)
                if i >= 0:
                    combo.setCurrentIndex(i)
            n = len(self.study.records)
            self.status.setText(f"Study {self.study.name!r}: {n} trial{'s' if n != 1 else ''} stored in {self.storage}. "
                                "Run adds more.")
        elif self.storage is None:
            self.status.setText("The search is kept beside the project file: Run asks to save the project first.")
        else:
            self.status.setText(f"A new study {self.study_name()!r} will be kept in {self.storage}.")
        self.show_records(list(self.study.records) if self.study is not None else [])

    # ------------------------------------------------------------------ running

    @Slot()
    def start(self) -> bool:
        """Start the search in the background; False (with a message) if it cannot."""
        if self.runner.running:
            return False
        why = self._can_start()
        if why:
            self.status.setText(why)
            return False
        if self.document.path is None:
            if self._save is None:
                self.status.setText("Save the project first: its search is kept beside the project file.")
                return False
            answer = QMessageBox.question(
                self, "Save the project?",
                "A search is kept beside its project file. Save the project now?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Save or not self._save():
                return False
            self.reload()
        problems = self.document.problems()
        if problems:
            self.status.setText("Fix the project first: " + "; ".join(str(p) for p in problems))
            return False
        try:
            config = self.config()
        except StudioError as exc:
            self.status.setText(f"Cannot search: {exc}")
            return False
        assert self.storage is not None
        self._trial_times = []
        self._current = None
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setText("Starting: preparing the data and TensorFlow…")
        return self.runner.start(self.document.project, self.document.base_dir, config, self.storage)

    @Slot()
    def cancel(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling: the running trial stops at its next chunk…")

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.space_table.setEnabled(not running)
        self.study_combo.setEnabled(not running)
        self._update_apply()
        self.searchingChanged.emit(running)

    @Slot(object)
    def _on_event(self, event: Any) -> None:
        if search_runner.is_event(event, "TrialStarted"):
            self._current = event
            self._trial_started = time.monotonic()
            self.records = [r for r in self.records if r.number != event.number]
        elif search_runner.is_event(event, "TrialEnded"):
            self._trial_times.append(time.monotonic() - self._trial_started)
            self.records = sorted([*(r for r in self.records if r.number != event.record.number), event.record],
                                  key=lambda r: r.number)
            self.show_records(self.records, importances=False)
        self._show_progress(event)

    def _show_progress(self, event: Any) -> None:
        started = self._current
        if started is None:
            return
        done = len(self._trial_times)
        planned = started.planned
        fraction_in = 0.0
        epoch_text = ""
        if search_runner.is_event(event, "TrialEpoch") and event.epochs:
            fraction_in = min(event.epoch / event.epochs, 1.0)
            epoch_text = f" · epoch {event.epoch}/{event.epochs}"
        elapsed = time.monotonic() - self.runner.started_at
        config = self.runner.config
        left: float | None = None
        if planned:
            self.progress.setValue(int(1000 * min((done + fraction_in) / planned, 1.0)))
            if self._trial_times:
                left = (planned - done - fraction_in) * (sum(self._trial_times) / len(self._trial_times))
        if config is not None and config.timeout_s:
            time_left = max(config.timeout_s - elapsed, 0.0)
            left = time_left if left is None else min(left, time_left)
            if not planned:
                self.progress.setValue(int(1000 * min(elapsed / config.timeout_s, 1.0)))
        of = f"/{planned}" if planned else ""
        text = f"Trial {started.index}{of} (#{started.number}){epoch_text} · {format_clock(elapsed)} elapsed"
        if left is not None:
            text += f" · about {format_clock(left)} left"
        self.status.setText(text)

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        self.last_result = result
        ended = {
            "budget": "the trial budget is reached",
            "timeout": "the time is up",
            "cancelled": "cancelled",
            "grid": "every grid point is tried",
            "failures": "3 trials in a row failed",
        }.get(result.ended, result.ended)
        self.progress.setValue(1000 if result.ended != "cancelled" else self.progress.value())
        self.study = result.study
        self.show_records(list(result.study.records))
        text = f"Search ended: {ended} ({result.ran} trial{'s' if result.ran != 1 else ''} this run)."
        if result.message and result.ended in ("failures", "budget") and result.ran == 0:
            text += f" {result.message}"
        elif result.message and result.ended == "failures":
            text += f" Last error: {result.message}"
        self.status.setText(text)
        names = [self.study_combo.itemText(i) for i in range(self.study_combo.count())]
        if result.study.name not in names:
            self.study_combo.addItem(result.study.name)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.status.setText(f"The search could not run: {message}")

    # ------------------------------------------------------------------ results

    def best(self) -> Any:
        """The completed trial with the best objective value, or None."""
        done = [r for r in self.records if r.state == "complete" and r.value is not None and math.isfinite(r.value)]
        if not done:
            return None
        sign = -1.0 if self.study is not None and self.study.direction == "maximize" else 1.0
        return min(done, key=lambda r: (sign * r.value, r.number))

    def show_records(self, records: list[Any], *, importances: bool = True) -> None:
        """Fill the table and the plots from the trials."""
        self.records = list(records)
        specs = {}
        for text in self.study.space if self.study is not None else ():
            try:
                s = parse_param(text)
                specs[s.name] = s
            except StudioError:
                pass
        names = [*specs]
        names += [n for r in self.records for n in r.params if n not in names]
        objective = self.study.objective_label if self.study is not None else "objective"
        headers = ["Trial", "State", objective, *names, "Epochs", "Time (s)", "Note"]
        m = self.trials_model
        m.clear()
        m.setHorizontalHeaderLabels(headers)
        best = self.best()
        for r in self.records:
            state = QStandardItem(STATE_TEXT.get(r.state, r.state) + (" ★ best" if best is not None and r.number == best.number else ""))
            state.setData(r.state, Qt.ItemDataRole.UserRole)
            state.setEditable(False)
            if r.state == "pruned":
                state.setToolTip("Stopped early: its scores were worse than the pruner allows at that epoch.")
            row = [
                _NumberItem(str(r.number), r.number),
                state,
                _NumberItem("" if r.value is None else f"{r.value:.5g}", r.value),
            ]
            for n in names:
                v = r.params.get(n)
                if isinstance(v, str):
                    cell = QStandardItem(v)
                    cell.setData(v, Qt.ItemDataRole.UserRole)
                    cell.setEditable(False)
                else:
                    cell = _NumberItem(value_text(n, v), None if v is None else float(v))
                row.append(cell)
            row += [
                _NumberItem(str(r.epochs), r.epochs),
                _NumberItem("" if r.duration_s is None else f"{r.duration_s:.1f}", r.duration_s),
            ]
            # A pruned trial's epoch is in the Epochs column already.
            note = QStandardItem("" if r.note.startswith("pruned at epoch") else r.note)
            note.setToolTip(r.note)
            note.setData(r.note, Qt.ItemDataRole.UserRole)
            note.setEditable(False)
            row.append(note)
            if r.state != "complete":
                # Pruned and failed trials read as set aside; the State column says which.
                dim = self.palette().color(self.palette().ColorGroup.Disabled, self.palette().ColorRole.Text)
                for cell in row:
                    cell.setForeground(dim)
            m.appendRow(row)
        maximize = self.study is not None and self.study.direction == "maximize"
        self.parallel.show_trials(self.records, specs, objective, best.number if best else None, maximize)
        self.curves.show_curves(best, self._current_run_history())
        if best is not None:
            from ffnn_studio.core.search_space import format_params

            self.best_label.setText(f"<b>Best: trial {best.number}</b> · {objective.lower()} {best.value:.5g}<br>"
                                    f"{format_params(best.params)}")
        else:
            self.best_label.setText("")
        self._update_apply()
        if importances:
            self._compute_importances()

    def _current_run_history(self) -> dict[str, np.ndarray] | None:
        session = getattr(self.controller, "session", None)
        history = getattr(session, "history", None)
        if history is None or not getattr(history, "epochs", 0):
            return None
        return {k: history.column(k) for k in ("loss", "val_loss")}

    def _compute_importances(self) -> None:
        done = [r for r in self.records if r.state == "complete"]
        if self.storage is None or self.study is None or len(done) < 2:
            self.importance.show_importances(None)
            return
        if self._importance_task is not None:
            self._importance_task.cancel()
        task = search_runner.importances_task(self.storage, self.study.name, self)
        task.succeeded.connect(lambda values: self.importance.show_importances(values))
        task.failed.connect(lambda exc: self.importance.show_importances(None, str(exc)))
        self._importance_task = task
        task.start()

    def _update_apply(self) -> None:
        self.apply_button.setEnabled(self.best() is not None and not self.runner.running)

    @Slot()
    def apply_best(self) -> bool:
        """Set the project to the best trial's settings: one undoable edit."""
        best = self.best()
        if best is None:
            return False
        try:
            after = apply_params(self.document.project, best.params)
        except StudioError as exc:
            self.status.setText(f"Cannot apply trial {best.number}: {exc}")
            return False
        if after == self.document.project:
            self.status.setText(f"The project already has trial {best.number}'s settings.")
            return False
        command = ProjectEditCommand(self.document, after, f"Apply Best Trial {best.number}")
        if not self.document.push(command):
            return False
        self.status.setText(f"Applied trial {best.number}'s settings to the project (Undo restores them).")
        return True

    def shutdown(self) -> None:
        """Cancel the search and wait for it (the window closes)."""
        self.runner.cancel()
        self.runner.wait()

    def closeEvent(self, event: Any) -> None:
        # Closing the window leaves a running search running; the main window's close stops it.
        super().closeEvent(event)
