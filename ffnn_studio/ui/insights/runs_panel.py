"""The runs view: every finished run of the project, compared.

``RunsPanel`` shows the runs that ``runs_store.RunsStore`` keeps (a table),
overlays the selected runs' curves, lists what changed between them, and
runs the "Compare optimizers" and "Compare activations" sweeps.

Contract: a view of the store; starts comparison runs through the
controller. No engine, no file access of its own.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.runs import (
    RunRecord,
    activation_variants,
    optimizer_variants,
    run_labels,
    settings_summary,
)
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.insights.compare import ComparisonPlot, ComparisonSweep, RunDiffView
from ffnn_studio.ui.insights.runs_store import RunsStore

log = logging.getLogger(__name__)

OPTIMIZERS_GROUP = "Compare optimizers"
ACTIVATIONS_GROUP = "Compare activations"


def _fmt_score(value: float | None) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4g}"


def format_run_time(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, s = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    h, m = divmod(minutes, 60)
    return f"{h} h {m:02d} min"


_METRIC_LABELS = {"accuracy": "Accuracy", "mae": "MAE"}

RUN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("Run", "The run's number, optimizer and learning rate (and what a comparison varied)."),
    ("Settings", "Hidden layers · loss · batch size · seed (the optimizer is in the run's name)."),
    ("Loss", "Training loss at the last epoch."),
    ("Val loss", "Validation loss at the last epoch."),
    ("Metric", "Training accuracy (classification) or mean absolute error (regression)."),
    ("Val metric", "The metric on the validation part at the last epoch."),
    ("Best epoch", "The epoch with the lowest validation loss."),
    ("Epochs", "Epochs trained."),
    ("Duration", "Training time."),
    ("Test metric", "The metric on the test part, scored once after training (— without a test part)."),
)
#: The column of the test part's metric.
TEST_COLUMN = len(RUN_COLUMNS) - 1


class RunsTableModel(QAbstractTableModel):
    """The store's runs as table rows."""

    def __init__(self, store: RunsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        #: The runs' names, with their data when the runs trained on different data.
        self._labels: list[str] = run_labels(store.runs)
        store.changed.connect(self._reset)

    def _reset(self) -> None:
        self.beginResetModel()
        self._labels = run_labels(self.store.runs)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.store.runs)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(RUN_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(RUN_COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                if section in (4, 5, TEST_COLUMN):
                    names = {r.metric_name for r in self.store.runs}
                    if len(names) == 1:
                        label = _METRIC_LABELS.get(next(iter(names)), next(iter(names)))
                        short = label.lower() if label != "MAE" else label
                        if section == TEST_COLUMN:
                            return f"Test {short}"
                        return label if section == 4 else f"Val {short}"
                return RUN_COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return RUN_COLUMNS[section][1]
        return None

    def run(self, row: int) -> RunRecord:
        return self.store.runs[row]

    def text(self, row: int, col: int) -> str:
        r = self.store.runs[row]
        if col == 0:
            return self._labels[row] if row < len(self._labels) else r.name
        if col == 1:
            # The optimizer is in the run's name already.
            return settings_summary(r.project, optimizer=False)
        if col == 2:
            return _fmt_score(r.final("loss"))
        if col == 3:
            return _fmt_score(r.final("val_loss"))
        if col == 4:
            return f"{_fmt_score(r.final('metric'))}"
        if col == 5:
            return _fmt_score(r.final("val_metric"))
        if col == 6:
            best = r.best_epoch()
            return "—" if best is None else str(best)
        if col == 7:
            return str(r.epochs)
        if col == 8:
            return format_run_time(r.duration_s)
        if col == TEST_COLUMN:
            return _fmt_score(r.test_score(r.metric_name))
        return ""

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.store.runs):
            return None
        row, col = index.row(), index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, col)
        r = self.store.runs[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [r.name, settings_summary(r.project)]
            lines.append(f"metric: {r.metric_name} · ended: {r.finish_reason}")
            if r.group:
                lines.append(f"{r.group}: {r.variant}")
            if r.finished_at:
                lines.append(f"finished {r.finished_at.replace('T', ' ')}")
            if r.test_scores:
                lines.append("test: " + " · ".join(f"{k} {v:.4g}" for k, v in r.test_scores.items()))
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class RunsPanel(QWidget):
    """The runs table, comparison plot and differences, and the comparison sweeps."""

    #: A comparison started (True) or ended (False).
    comparingChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runsPanel")
        self.setAccessibleName("Runs")
        self.store = RunsStore(self)
        self.model = RunsTableModel(self.store, self)
        self.controller: Any = None
        #: Trains a comparison's variants, so the window's own run stays the controller's.
        self.comparison_controller: Any = None
        self.document: Any = None
        self.sweep: ComparisonSweep | None = None
        #: Why a comparison may not start now ("" if it may): the window sets it, so a
        #: comparison waits for a search or an experiment as they wait for it.
        self.can_start: Callable[[], str] | None = None

        style = QApplication.style()
        # Short labels after a "Compare:" caption, and icon-only Cancel and Delete
        # (named in their tooltips), so the row fits a narrow dock.
        self.compare_caption = QLabel("Compare:")
        self.compare_caption.setObjectName("compareCaption")
        self.compare_caption.setAccessibleName("Compare")
        self.compare_optimizers_button = QPushButton("Optimizers")
        self.compare_optimizers_button.setObjectName("compareOptimizersButton")
        self.compare_optimizers_button.setAccessibleName("Compare optimizers")
        self.compare_optimizers_button.setToolTip(
            "Train the current network with SGD, momentum, Adagrad, RMSprop and Adam in turn "
            "(each with its default settings, same seed and everything else) and overlay the curves."
        )
        self.compare_activations_button = QPushButton("Activations")
        self.compare_activations_button.setObjectName("compareActivationsButton")
        self.compare_activations_button.setAccessibleName("Compare activations")
        self.compare_activations_button.setToolTip(
            "Train the current network with every hidden layer set to sigmoid, tanh, ReLU, "
            "Leaky ReLU, ELU and step in turn, and overlay the curves."
        )
        self.cancel_button = QPushButton()
        self.cancel_button.setToolTip("Cancel the comparison")
        self.cancel_button.setObjectName("cancelComparisonButton")
        self.cancel_button.setAccessibleName("Cancel the comparison")
        self.cancel_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel_button.setEnabled(False)
        self.delete_button = QPushButton()
        self.delete_button.setToolTip("Delete the selected runs")
        self.delete_button.setObjectName("deleteRunsButton")
        self.delete_button.setAccessibleName("Delete the selected runs")
        self.delete_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
        self.delete_button.setEnabled(False)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("comparisonProgressLabel")
        self.progress_label.setAccessibleName("Comparison progress")
        self.progress_label.setWordWrap(True)
        self.warning_label = QLabel("")
        self.warning_label.setObjectName("runsWarningLabel")
        self.warning_label.setAccessibleName("Runs warning")
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet("color: #D55E00;")
        self.warning_label.hide()

        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setAccessibleName("Finished runs")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # The settings summary is the long text: it takes the spare width (elided).
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        # The stretched column may not shrink past its title ("etting"): the
        # table scrolls sideways instead.
        margin = 2 * header.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin)
        header.setMinimumSectionSize(
            header.fontMetrics().horizontalAdvance(RUN_COLUMNS[1][0]) + margin + 4
        )
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)

        self.plot = ComparisonPlot()
        self.diff = RunDiffView()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.compare_caption)
        buttons.addWidget(self.compare_optimizers_button)
        buttons.addWidget(self.compare_activations_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress_label, 1)
        buttons.addWidget(self.delete_button)
        # Plot above the list of differences: side by side, a dock cut both.
        lower = QSplitter(Qt.Orientation.Vertical)
        lower.setObjectName("runsCompareSplitter")
        lower.addWidget(self.plot)
        lower.addWidget(self.diff)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([300, 140])
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("runsSplitter")
        split.addWidget(self.table)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([220, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addWidget(self.warning_label)
        layout.addWidget(split, 1)

        self.compare_optimizers_button.clicked.connect(self.compare_optimizers)
        self.compare_activations_button.clicked.connect(self.compare_activations)
        self.cancel_button.clicked.connect(self.cancel_comparison)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.store.warning.connect(self._show_warning)
        self.store.recorded.connect(self._on_recorded)
        self.model.modelReset.connect(self._on_selection)
        self._update_buttons()

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: Any, document: Any = None) -> None:
        """Record the controller's runs; keep them with the document's project file."""
        self.controller = controller
        self.document = document
        self.store.attach(controller, document)
        # A variant trained on the window's controller would become its session: the
        # model Export writes, the run the plots, diagram and boundary show.
        self.comparison_controller = controller.companion()
        self.store.follow(self.comparison_controller)
        self.sweep = ComparisonSweep(self.comparison_controller, self)
        self.store.tagger = self._tag
        self.sweep.progressChanged.connect(self._on_sweep_progress)
        self.sweep.sweepFinished.connect(self._on_sweep_finished)
        self.sweep.sweepFailed.connect(self._show_warning)
        controller.stateChanged.connect(self._on_state_changed)
        self.comparison_controller.stateChanged.connect(self._on_state_changed)
        self._update_buttons()

    @property
    def comparing(self) -> bool:
        """A comparison is training its variants."""
        return self.sweep is not None and self.sweep.active

    def _tag(self) -> tuple[str, str]:
        s = self.sweep
        if s is not None and s.active:
            return s.group, s.current_label
        return "", ""

    # --- comparisons -----------------------------------------------------------------

    def _base(self) -> tuple[Project, Path | None] | None:
        if self.document is None:
            return None
        return self.document.project, self.document.base_dir

    def compare_optimizers(self) -> bool:
        """Train the document's network once per optimizer (catalog defaults, same seed)."""
        base = self._base()
        if base is None or self.sweep is None:
            return False
        project, base_dir = base
        return self._start_sweep(optimizer_variants(project), OPTIMIZERS_GROUP, base_dir)

    def compare_activations(self) -> bool:
        """Train the document's network once per hidden activation (all Dense layers alike)."""
        base = self._base()
        if base is None or self.sweep is None:
            return False
        project, base_dir = base
        if not project.network.dense_layers:
            self._show_warning("Compare activations needs at least one hidden Dense layer.")
            return False
        return self._start_sweep(activation_variants(project), ACTIVATIONS_GROUP, base_dir)

    def _start_sweep(self, variants: list[tuple[str, Project]], prefix: str, base_dir: Path | None) -> bool:
        assert self.sweep is not None
        problems = self.document.problems() if hasattr(self.document, "problems") else []
        if problems:
            self._show_warning("Fix the project's problems first: " + "; ".join(str(p) for p in problems))
            return False
        if getattr(self.controller, "busy", False):
            return False
        if self.can_start is not None and (why := self.can_start()):
            self._show_warning(why)
            return False
        self.warning_label.hide()
        ok = self.sweep.start(variants, self.store.next_group(prefix), base_dir)
        self._update_buttons()
        if ok:
            self.comparingChanged.emit(True)
        return ok

    def cancel_comparison(self) -> None:
        if self.sweep is not None:
            self.sweep.cancel()
        self._update_buttons()

    @Slot(int, int, str)
    def _on_sweep_progress(self, done: int, total: int, label: str) -> None:
        assert self.sweep is not None
        self.progress_label.setText(f"{self.sweep.group}: {done}/{total} · {label}")
        self._update_buttons()

    @Slot(str, bool)
    def _on_sweep_finished(self, group: str, completed: bool) -> None:
        n = sum(1 for r in self.store.runs if r.group == group)
        self.progress_label.setText(
            f"{group}: {'done' if completed else 'cancelled'} ({n} run{'s' if n != 1 else ''})"
        )
        self.select_group(group)
        self._update_buttons()
        self.comparingChanged.emit(False)

    # --- selection -------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    def selected_runs(self) -> list[RunRecord]:
        return [self.store.runs[r] for r in self.selected_rows() if r < len(self.store.runs)]

    def select_rows(self, rows: Sequence[int]) -> None:
        sm = self.table.selectionModel()
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for r in rows:
            selection.select(self.model.index(r, 0), self.model.index(r, last))
        sm.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def select_group(self, group: str) -> None:
        self.select_rows([i for i, r in enumerate(self.store.runs) if r.group == group])

    @Slot(int)
    def _on_recorded(self, row: int) -> None:
        s = self.sweep
        if s is not None and s.active:
            # Show the sweep's runs so far, growing as each one ends.
            self.select_group(s.group)
        else:
            self.select_rows([row])
        self.table.scrollTo(self.model.index(row, 0))

    def _on_selection(self, *_args: Any) -> None:
        runs = self.selected_runs()
        self.plot.set_runs(runs)
        previous = None
        if len(runs) == 1:
            i = self.store.runs.index(runs[0])
            previous = self.store.runs[i - 1] if i > 0 else None
        self.diff.show_runs(runs, previous)
        self._update_buttons()

    def delete_selected(self) -> None:
        self.store.remove(self.selected_rows())

    @Slot(str)
    def _on_state_changed(self, _state: str) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        sweeping = self.comparing
        busy = (
            self.controller is None
            or bool(getattr(self.controller, "busy", False))
            or bool(getattr(self.comparison_controller, "busy", False))
        )
        for b in (self.compare_optimizers_button, self.compare_activations_button):
            b.setEnabled(not sweeping and not busy and self.document is not None)
        self.cancel_button.setEnabled(sweeping)
        self.delete_button.setEnabled(bool(self.selected_rows()) and not sweeping)

    @Slot(str)
    def _show_warning(self, message: str) -> None:
        self.warning_label.setText(f"⚠ {message}")
        self.warning_label.setToolTip(message)
        self.warning_label.show()
