"""The runs list: every finished run, compared, persisted beside the project.

``RunsStore`` turns each finished run (``controller.finished`` after a
``started``, with the session's history) into a ``RunRecord`` and keeps the
list in the runs file beside the project (``NAME.ffnn.runs.json``). A runs
file that cannot be read gives a warning and is left untouched until a new
run is recorded; then it is moved aside to ``….bak`` first.

``RunsPanel`` shows the list (a table), overlays the selected runs' curves,
lists what changed between them, and runs the "Compare optimizers" and
"Compare activations" sweeps.

Contract: owns the runs list and its file beside the project
(``core.runs``); starts comparison runs through the controller. No engine.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
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

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import RunFinished, RunStarted
from ffnn_studio.core.runs import (
    RUN_CURVES,
    RunRecord,
    activation_variants,
    backup_sidecar,
    data_origin,
    load_runs,
    next_run_number,
    optimizer_variants,
    run_labels,
    run_name,
    save_runs,
    settings_summary,
    sidecar_path,
)
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.insights.compare import ComparisonPlot, ComparisonSweep, RunDiffView

log = logging.getLogger(__name__)

OPTIMIZERS_GROUP = "Compare optimizers"
ACTIVATIONS_GROUP = "Compare activations"


def history_from_session(session: Any) -> dict[str, np.ndarray]:
    """The session's per-epoch history columns the runs file keeps."""
    history = getattr(session, "history", None)
    out: dict[str, np.ndarray] = {}
    for name in RUN_CURVES:
        try:
            out[name] = np.asarray(history.column(name), dtype=np.float64).copy()  # type: ignore[union-attr]
        except Exception:
            out[name] = np.array([], dtype=np.float64)
    return out


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


class RunsStore(QObject):
    """The runs of the current project, kept in sync with its runs file."""

    changed = Signal()
    #: A record was added (or updated by "train more"): its row.
    recorded = Signal(int)
    #: Something the user should know (an unreadable runs file, a failed save).
    warning = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: list[RunRecord] = []
        self.project_path: Path | None = None
        #: The runs file could not be read: keep it until a new run must be written.
        self.unreadable: Path | None = None
        self.last_warning = ""
        self._followers: list[_RunFollower] = []
        self._document: Any = None
        self._session_of_last: Any = None
        self._pending_path = False
        #: Callable returning (group, variant) for the run that just finished.
        self.tagger: Any = None

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: Any, document: Any = None) -> None:
        self.follow(controller)
        if document is not None:
            self._document = document
            document.loaded.connect(self._on_loaded)
            document.pathChanged.connect(self._on_path_changed)
            self.load(document.path)

    @Slot()
    def _on_loaded(self) -> None:
        self._pending_path = False
        self.load(self._document.path)

    @Slot()
    def _on_path_changed(self) -> None:
        # ``reset`` (new/open) emits pathChanged then loaded; only a Save As emits
        # pathChanged alone. Decide once both had their chance.
        self._pending_path = True
        QTimer.singleShot(0, self._apply_path_change)

    def _apply_path_change(self) -> None:
        if not self._pending_path or self._document is None:
            return
        self._pending_path = False
        path = self._document.path
        if path is None or path == self.project_path:
            return
        self.project_path = Path(path)
        self.unreadable = None
        if self.runs:
            self.save()
        else:
            self.load(path)

    # --- loading and saving ----------------------------------------------------------

    def load(self, project_path: str | Path | None) -> None:
        """Replace the list with the runs saved beside ``project_path`` (none if unsaved)."""
        self.project_path = Path(project_path) if project_path is not None else None
        self.unreadable = None
        self._session_of_last = None
        self.runs = []
        if self.project_path is not None:
            try:
                self.runs = load_runs(self.project_path)
            except StudioError as exc:
                self.unreadable = sidecar_path(self.project_path)
                self._warn(
                    f"The earlier runs of this project could not be read ({exc}). The file is "
                    f"left as it is; if you train again it is kept as {self.unreadable.name}.bak."
                )
        self.changed.emit()

    def save(self) -> bool:
        """Write the runs file (when the project has a path); False if it could not be written."""
        if self.project_path is None:
            return False
        try:
            if self.unreadable is not None:
                kept = backup_sidecar(self.project_path)
                self.unreadable = None
                if kept is not None:
                    self._warn(f"The unreadable runs file was kept as {kept.name}.")
            save_runs(self.project_path, self.runs)
        except StudioError as exc:
            self._warn(f"Could not save the runs: {exc}")
            return False
        return True

    def _warn(self, message: str) -> None:
        self.last_warning = message
        log.warning("%s", message)
        self.warning.emit(message)

    def follow(self, controller: Any) -> None:
        """Record the runs ``controller`` finishes (more than one controller may feed the list)."""
        self._followers.append(_RunFollower(controller, self))

    # --- recording -------------------------------------------------------------------

    def record(self, session: Any, info: RunStarted, report: RunFinished) -> RunRecord | None:
        """Add the run ``session`` just finished (or extend the last one for "train more")."""
        history = history_from_session(session)
        if len(history["loss"]) == 0:
            return None
        group, variant = self.tagger() if self.tagger is not None else ("", "")
        continued = info.start_epoch > 0 and session is self._session_of_last and self.runs
        project: Project = session.project
        finished_at = datetime.now().isoformat(timespec="seconds")
        base_dir = getattr(self._document, "base_dir", None)
        origin = data_origin(project.data, base_dir)
        if continued:
            last = self.runs[-1]
            record = RunRecord(
                number=last.number,
                name=last.name,
                project=project,
                history=history,
                duration_s=last.duration_s + report.elapsed_s,
                metric_name=info.metric_name,
                finish_reason=report.reason,
                finished_at=finished_at,
                group=last.group,
                variant=last.variant,
                data=origin,
            )
            self.runs[-1] = record
            row = len(self.runs) - 1
        else:
            number = next_run_number(self.runs)
            name = run_name(number, project)
            if variant and variant.lower() not in name.lower():
                name += f" · {variant}"
            record = RunRecord(
                number=number,
                name=name,
                project=project,
                history=history,
                duration_s=report.elapsed_s,
                metric_name=info.metric_name,
                finish_reason=report.reason,
                finished_at=finished_at,
                group=group,
                variant=variant,
                data=origin,
            )
            self.runs.append(record)
            row = len(self.runs) - 1
        self._session_of_last = session
        self.save()
        self.changed.emit()
        self.recorded.emit(row)
        return record

    def remove(self, rows: Sequence[int]) -> None:
        drop = set(rows)
        if not drop:
            return
        if len(self.runs) - 1 in drop:
            self._session_of_last = None
        self.runs = [r for i, r in enumerate(self.runs) if i not in drop]
        self.save()
        self.changed.emit()

    def next_group(self, prefix: str) -> str:
        n = sum(1 for g in {r.group for r in self.runs} if g.startswith(prefix)) + 1
        return f"{prefix} #{n}"


class _RunFollower(QObject):
    """Hands each run one controller finishes (with that controller's session) to the store."""

    def __init__(self, controller: Any, store: RunsStore) -> None:
        super().__init__(store)
        self.controller = controller
        self.store = store
        self._started: RunStarted | None = None
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)

    @Slot(object)
    def _on_started(self, info: RunStarted) -> None:
        self._started = info

    @Slot(object)
    def _on_finished(self, report: RunFinished) -> None:
        info, self._started = self._started, None
        session = getattr(self.controller, "session", None)
        if info is None or session is None:
            return  # stopped or failed before training started
        self.store.record(session, info, report)


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
)


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
                if section in (4, 5):
                    names = {r.metric_name for r in self.store.runs}
                    if len(names) == 1:
                        label = _METRIC_LABELS.get(next(iter(names)), next(iter(names)))
                        return label if section == 4 else f"Val {label.lower() if label != 'MAE' else label}"
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

        style = QApplication.style()
        self.compare_optimizers_button = QPushButton("Compare optimizers")
        self.compare_optimizers_button.setObjectName("compareOptimizersButton")
        self.compare_optimizers_button.setAccessibleName("Compare optimizers")
        self.compare_optimizers_button.setToolTip(
            "Train the current network with SGD, momentum, Adagrad, RMSprop and Adam in turn "
            "(each with its default settings, same seed and everything else) and overlay the curves."
        )
        self.compare_activations_button = QPushButton("Compare activations")
        self.compare_activations_button.setObjectName("compareActivationsButton")
        self.compare_activations_button.setAccessibleName("Compare activations")
        self.compare_activations_button.setToolTip(
            "Train the current network with every hidden layer set to sigmoid, tanh, ReLU, "
            "Leaky ReLU, ELU and step in turn, and overlay the curves."
        )
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelComparisonButton")
        self.cancel_button.setAccessibleName("Cancel the comparison")
        self.cancel_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_DialogCancelButton))
        self.cancel_button.setEnabled(False)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setObjectName("deleteRunsButton")
        self.delete_button.setAccessibleName("Delete the selected runs")
        self.delete_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_TrashIcon))
        self.delete_button.setEnabled(False)
        self.progress_label = QLabel("")
        self.progress_label.setObjectName("comparisonProgressLabel")
        self.progress_label.setAccessibleName("Comparison progress")
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
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)

        self.plot = ComparisonPlot()
        self.diff = RunDiffView()

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.compare_optimizers_button)
        buttons.addWidget(self.compare_activations_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress_label, 1)
        buttons.addWidget(self.delete_button)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.setObjectName("runsCompareSplitter")
        lower.addWidget(self.plot)
        lower.addWidget(self.diff)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        lower.setSizes([640, 360])
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
