"""Run comparison: overlaid loss curves, setting differences, and comparison sweeps.

``ComparisonSweep`` trains a list of project variants one after the other
through the ``TrainingController`` (the next starts when the previous one
finishes), reporting "2/5"; ``ComparisonPlot`` overlays the loss curves of
chosen runs; ``RunDiffView`` lists what changed between their settings.

Contract: reads ``core.runs`` records; starts sweeps only through the run
controller. No engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.runs import RunRecord, diff_runs, run_labels
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.widgets.colors import layer_color


def run_color(i: int) -> QColor:
    """The colour of the i-th run shown in a comparison."""
    return layer_color(i)


class ComparisonSweep(QObject):
    """Trains project variants in turn through a controller; cancellable."""

    #: (runs started so far, total, label of the run now training)
    progressChanged = Signal(int, int, str)
    #: The sweep is over: group name and whether it ran to the end.
    sweepFinished = Signal(str, bool)
    #: A run could not start; the sweep stopped. The message says why.
    sweepFailed = Signal(str)

    def __init__(self, controller: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparisonSweep")
        self.controller = controller
        self.group = ""
        self.variants: list[tuple[str, Project]] = []
        self.index = -1
        self.base_dir: Path | None = None
        self._waiting = False
        self._cancelled = False
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)

    @property
    def active(self) -> bool:
        return 0 <= self.index < len(self.variants)

    @property
    def current_label(self) -> str:
        return self.variants[self.index][0] if self.active else ""

    @property
    def total(self) -> int:
        return len(self.variants)

    def start(self, variants: Sequence[tuple[str, Project]], group: str, base_dir: Path | None) -> bool:
        """Train each (label, project) in order; False if training is busy or nothing to do."""
        if self.active or not variants or getattr(self.controller, "busy", False):
            return False
        self.variants = list(variants)
        self.group = group
        self.base_dir = base_dir
        self.index = -1
        self._cancelled = False
        self._next()
        return self.active

    def cancel(self) -> None:
        """Stop the run in progress and start no more."""
        if not self.active:
            return
        self._cancelled = True
        if self._waiting:
            self.controller.stop()
        else:
            self._end(False)

    def _next(self) -> None:
        if self._cancelled:
            self._end(False)
            return
        self.index += 1
        if self.index >= len(self.variants):
            self._end(True)
            return
        label, project = self.variants[self.index]
        self._waiting = True
        self.progressChanged.emit(self.index + 1, len(self.variants), label)
        if not self.controller.start(project, self.base_dir, None, False):
            self._waiting = False
            self._fail("training is busy with another run")

    def _end(self, completed: bool) -> None:
        group = self.group
        self.index = len(self.variants)
        self._waiting = False
        self.sweepFinished.emit(group, completed)

    def _fail(self, message: str) -> None:
        self.index = len(self.variants)
        self._waiting = False
        self.sweepFailed.emit(message)
        self.sweepFinished.emit(self.group, False)

    @Slot(object)
    def _on_finished(self, _report: Any) -> None:
        if self.active and self._waiting:
            self._waiting = False
            # Let every other listener of this ``finished`` (the runs list records the
            # run) see the controller as it is before the next run starts.
            QTimer.singleShot(0, self._next)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        if self.active and self._waiting:
            self._fail(f"{self.current_label}: {message}")


class ComparisonPlot(QWidget):
    """The loss (or metric) curves of several runs on one plot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparisonPlot")
        self.setAccessibleName("Run comparison plot")
        self.quantity = QComboBox()
        self.quantity.setObjectName("comparisonQuantityCombo")
        self.quantity.setAccessibleName("Quantity to compare")
        self.quantity.addItem("Loss", "loss")
        self.quantity.addItem("Metric", "metric")
        self.log_check = QCheckBox("Log scale")
        self.log_check.setObjectName("comparisonLogCheck")
        self.log_check.setAccessibleName("Log-scale comparison axis")
        self.show_val = QCheckBox("Validation")
        self.show_val.setObjectName("comparisonValidationCheck")
        self.show_val.setAccessibleName("Show validation curves")
        self.show_val.setChecked(True)
        self.show_train = QCheckBox("Training")
        self.show_train.setObjectName("comparisonTrainingCheck")
        self.show_train.setAccessibleName("Show training curves")
        self.show_train.setChecked(True)
        self.widget = pg.PlotWidget()
        self.widget.setObjectName("comparisonPlotWidget")
        self.widget.setAccessibleName("Overlaid curves of the selected runs")
        self.item: pg.PlotItem = self.widget.getPlotItem()
        self.item.setLabel("bottom", "epoch")
        for axis in ("left", "bottom"):
            self.item.getAxis(axis).enableAutoSIPrefix(False)
        self.item.showGrid(x=True, y=True, alpha=0.15)
        self.item.setClipToView(True)
        self.item.setDownsampling(auto=True, mode="peak")
        self.legend = self.item.addLegend(labelTextSize="8pt", offset=(-10, 10))
        self.curves: list[pg.PlotDataItem] = []
        self.runs: list[RunRecord] = []

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.quantity)
        head.addWidget(self.show_train)
        head.addWidget(self.show_val)
        head.addWidget(self.log_check)
        head.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(self.widget, 1)
        for w in (self.show_train, self.show_val):
            w.toggled.connect(lambda _on: self._redraw())
        self.quantity.currentIndexChanged.connect(lambda _i: self._redraw())
        self.log_check.toggled.connect(lambda on: self.item.setLogMode(False, on))
        self._apply_palette()

    def set_runs(self, runs: Sequence[RunRecord]) -> None:
        self.runs = list(runs)
        self._redraw()

    def _redraw(self) -> None:
        for c in self.curves:
            self.item.removeItem(c)
        self.curves = []
        self.legend.clear()
        key = self.quantity.currentData() or "loss"
        metric_names = {r.metric_name for r in self.runs}
        label = "loss" if key == "loss" else "/".join(sorted(metric_names)) or "metric"
        self.item.setLabel("left", label)
        self.item.setTitle(
            f"{'Loss' if key == 'loss' else label.capitalize()} of {len(self.runs)} run"
            f"{'s' if len(self.runs) != 1 else ''} · solid training, dashed validation"
            if self.runs
            else "Select runs to compare their curves",
            size="9pt",
        )
        labels = run_labels(self.runs)
        for i, run in enumerate(self.runs):
            color = run_color(i)
            x = run.epoch_numbers.astype(np.float64)
            for column, style, show in (
                (key, Qt.PenStyle.SolidLine, self.show_train.isChecked()),
                (f"val_{key}", Qt.PenStyle.DashLine, self.show_val.isChecked()),
            ):
                y = run.history[column]
                if not show or not np.isfinite(y).any():
                    continue
                name = labels[i] if style == Qt.PenStyle.SolidLine or not self.show_train.isChecked() else None
                curve = self.item.plot(x, y, pen=pg.mkPen(color, width=2, style=style), name=name)
                self.curves.append(curve)
        self.item.enableAutoRange()

    def _apply_palette(self) -> None:
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Base)
        fg = pal.color(QPalette.ColorRole.Text)
        self.widget.setBackground(bg)
        for axis in ("left", "bottom"):
            ax = self.item.getAxis(axis)
            ax.setPen(fg)
            ax.setTextPen(fg)
        self.legend.setLabelTextColor(fg)
        self.legend.setBrush(pg.mkBrush(bg.red(), bg.green(), bg.blue(), 200))


def diff_lines(runs: Sequence[RunRecord], previous: RunRecord | None = None) -> list[tuple[str, list[str]]]:
    """(heading, changes) blocks: each run against the first, or one run against ``previous``."""
    runs = sorted(runs, key=lambda r: r.number)
    if len(runs) == 1:
        if previous is None:
            return [(f"Run {runs[0].number}: the first run", [])]
        return [(f"Run {previous.number} → Run {runs[0].number}", diff_runs(previous, runs[0]))]
    base = runs[0]
    return [(f"Run {base.number} → Run {r.number}", diff_runs(base, r)) for r in runs[1:]]


class RunDiffView(QWidget):
    """What changed between the selected runs' settings, one line per setting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("runDiffView")
        self.setAccessibleName("Differences between runs")
        self.title = QLabel("Differences")
        self.title.setObjectName("runDiffTitle")
        self.title.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("runDiffList")
        self.list.setAccessibleName("Changed settings")
        self.list.setAlternatingRowColors(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)

    def show_runs(self, runs: Sequence[RunRecord], previous: RunRecord | None = None) -> None:
        self.list.clear()
        if not runs:
            self.title.setText("Differences: select one run (against the one before) or several")
            return
        self.title.setText("What changed")
        bold = QFont()
        bold.setBold(True)
        shown = [*runs, previous] if previous is not None else list(runs)
        names = {r.number: label for r, label in zip(shown, run_labels(shown), strict=True)}
        for heading, changes in diff_lines(runs, previous):
            head = QListWidgetItem(heading)
            head.setFont(bold)
            head.setToolTip(" → ".join(names.get(int(n), "") for n in re.findall(r"Run (\d+)", heading)))
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.list.addItem(head)
            if not changes and "first run" not in heading:
                changes = ["same settings"]
            for line in changes:
                self.list.addItem(QListWidgetItem(f"    {line}"))

    def lines(self) -> list[str]:
        return [self.list.item(i).text().strip() for i in range(self.list.count())]
