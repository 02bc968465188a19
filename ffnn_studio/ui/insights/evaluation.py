"""The Evaluation view: how well the trained network does on the part of the data the user picks.

Classification: the confusion matrix (counts and row percentages; clicking a
cell lists its rows with their predicted probabilities), per-class
precision, recall, F1 and support, the ROC and precision-recall curves with
their areas (one-vs-rest for more than two classes) and, for two classes, the
decision threshold as a slider. Regression: predicted against actual values
with the y = x line, a histogram of the residuals, R², MAE and RMSE.

The network's outputs come from its weights through ``core.forward`` (numpy,
on the GUI thread, as the decision boundary does): the current weights when a
run pauses or ends (and, throttled, while it trains), or those of an earlier
epoch picked on the replay slider. The figures come from ``data.evaluation``.

Contract: reads the controller's session and prepared data; computes with
``core.forward`` and ``data.evaluation``; no engine.
"""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter, SVGExporter
from PySide6.QtCore import QPoint, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QColor, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QScrollArea,
    QSlider,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.forward import ForwardModel, activations_for
from ffnn_studio.core.reports import ChunkReport, RunState
from ffnn_studio.core.spec import Task
from ffnn_studio.data.evaluation import (
    SPLITS,
    ClassificationEvaluation,
    Evaluation,
    RegressionEvaluation,
    class_probabilities,
    evaluate,
)
from ffnn_studio.ui.insights.boundary import class_color
from ffnn_studio.ui.insights.replay import ReplaySlider
from ffnn_studio.ui.insights.shown import LiveThrottle, RefreshWhenShown
from ffnn_studio.ui.run.protocols import RunController
from ffnn_studio.ui.widgets.colors import TRAINING_COLOR, VALIDATION_COLOR, apply_plot_palette

log = logging.getLogger(__name__)

#: Live refreshes while a run trains, at most this often, and only of parts up to this many rows.
LIVE_INTERVAL_MS = 1000
LIVE_MAX_ROWS = 20_000
#: Narrowest a plot is drawn side by side with another.
PLOT_MIN_WIDTH = 260
#: Most rows a clicked cell lists.
MAX_LISTED_ROWS = 500
#: Most points the regression scatter draws (a fixed sample beyond).
MAX_SCATTER_POINTS = 5000
#: What can be exported, by key: (label, file suffixes).
EXPORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "confusion": ("Confusion matrix", (".csv", ".png", ".svg")),
    "scores": ("Per-class scores", (".csv", ".png", ".svg")),
    "roc": ("ROC curve", (".png", ".svg", ".csv")),
    "pr": ("Precision-recall curve", (".png", ".svg", ".csv")),
    "scatter": ("Predicted vs actual", (".png", ".svg", ".csv")),
    "residuals": ("Residual histogram", (".png", ".svg", ".csv")),
}
_CLASSIFICATION_EXPORTS = ("confusion", "scores", "roc", "pr")
_REGRESSION_EXPORTS = ("scatter", "residuals")
_SUFFIX_LABELS = {".png": "PNG image", ".svg": "SVG image", ".csv": "CSV data"}


def _table(name: str, accessible: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _item(text: str, *, align_right: bool = True) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _render_widget_svg(widget: QWidget, path: Path) -> None:
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    size = widget.size()
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(widget.accessibleName())
    painter = QPainter(generator)
    try:
        widget.render(painter, QPoint(0, 0))
    finally:
        painter.end()


class _PlotPanel(pg.GraphicsLayoutWidget):
    """One small plot with a title, axis labels and a legend."""

    def __init__(self, name: str, title: str, x_label: str, y_label: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setMinimumSize(QSize(200, 240))
        self.plot: pg.PlotItem = self.addPlot(row=0, col=0, title=title)
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-8, -8))

    def export(self, path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            exporter = CSVExporter(self.plot)
        elif suffix == ".svg":
            exporter = SVGExporter(self.plot)
        else:
            exporter = ImageExporter(self.plot)
        exporter.export(str(path))


class _Pair(QWidget):
    """Two widgets side by side when each gets ``min_width`` pixels, else one above the other."""

    def __init__(self, first: QWidget, second: QWidget, min_width: int, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.min_width = min_width
        self._layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(first, 0)
        self._layout.addWidget(second, 1)

    @property
    def side_by_side(self) -> bool:
        return self._layout.direction() == QBoxLayout.Direction.LeftToRight

    def resizeEvent(self, event: Any) -> None:
        wide = event.size().width() >= 2 * self.min_width
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self._layout.direction() != direction:
            self._layout.setDirection(direction)
            # Stacked, the first keeps its own height and the second takes the rest.
            self._layout.setStretch(0, 1 if wide else 0)
        super().resizeEvent(event)


def _fit_height(table: QTableWidget, most: int = 360) -> None:
    """Make ``table`` as tall as its rows (up to ``most`` pixels), so the page scrolls, not the table."""
    table.resizeRowsToContents()
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    if table.horizontalScrollBar().isVisible():
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(min(height, most))


class EvaluationView(RefreshWhenShown, QWidget):
    """Confusion matrix, per-class scores and curves, or regression scatter and residuals."""

    #: The figures were computed again (tests wait on it).
    refreshed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluationView")
        self.setAccessibleName("Evaluation")
        self._controller: Any = None
        self._session: Any = None
        self._prepared: Any = None
        self._throttle = LiveThrottle(LIVE_INTERVAL_MS)
        #: The network's outputs for the chosen part's rows, and those rows' numbers in the data set.
        self.outputs: np.ndarray | None = None
        self.rows: np.ndarray | None = None
        self.evaluation: Evaluation | None = None
        #: The cell whose rows are listed (true class, predicted class), or None.
        self.selected_cell: tuple[int, int] | None = None

        # -- controls
        self.part = QComboBox()
        self.part.setObjectName("evaluationPartCombo")
        self.part.setAccessibleName("Part of the data")
        self.part.setToolTip("The rows the figures are computed on.")
        for key, label in SPLITS.items():
            self.part.addItem(label, key)
        part_label = QLabel("&Part:")
        part_label.setBuddy(self.part)
        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setObjectName("thresholdSlider")
        self.threshold.setAccessibleName("Decision threshold")
        self.threshold.setToolTip(
            "Binary tasks: a row is given the second class when its probability reaches the threshold."
        )
        self.threshold.setRange(1, 99)
        self.threshold.setValue(50)
        self.threshold.setMinimumWidth(90)
        self.threshold_caption = QLabel("&Threshold:")
        self.threshold_caption.setBuddy(self.threshold)
        self.threshold_label = QLabel("0.50")
        self.threshold_label.setObjectName("thresholdLabel")
        self.threshold_label.setMinimumWidth(
            self.threshold_label.fontMetrics().horizontalAdvance("0.000")
        )
        self.replay = ReplaySlider("evaluationReplay")
        self.export_button = QToolButton()
        self.export_button.setObjectName("evaluationExportButton")
        self.export_button.setAccessibleName("Export the evaluation")
        self.export_button.setText("Export")
        self.export_button.setToolTip("Save a figure as a PNG or SVG image, or its data as CSV.")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_button.setMenu(self.export_menu)

        top = QHBoxLayout()
        top.addWidget(part_label)
        top.addWidget(self.part)
        top.addStretch(1)
        top.addWidget(self.export_button)
        self.threshold_row = QWidget()
        self.threshold_row.setObjectName("thresholdRow")
        threshold_layout = QHBoxLayout(self.threshold_row)
        threshold_layout.setContentsMargins(0, 0, 0, 0)
        threshold_layout.addWidget(self.threshold_caption)
        threshold_layout.addWidget(self.threshold, 1)
        threshold_layout.addWidget(self.threshold_label)
        controls = QVBoxLayout()
        controls.setContentsMargins(6, 4, 6, 0)
        controls.setSpacing(2)
        controls.addLayout(top)
        controls.addWidget(self.threshold_row)
        controls.addWidget(self.replay)

        self.message = QLabel("Train the network to evaluate it.")
        self.message.setObjectName("evaluationMessage")
        self.message.setAccessibleName("Evaluation message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        self.summary = QLabel()
        self.summary.setObjectName("evaluationSummary")
        self.summary.setAccessibleName("Evaluation summary")
        self.summary.setWordWrap(True)

        # -- classification
        self.confusion = _table("confusionTable", "Confusion matrix")
        self.confusion.setToolTip(
            "Rows: the true class; columns: the predicted class. Each cell: rows counted, and their "
            "share of the true class's rows. Click a cell to list its rows."
        )
        self.confusion.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion.cellClicked.connect(self.show_cell)
        self.confusion.currentCellChanged.connect(lambda r, c, _r, _c: self.show_cell(r, c))
        self.cell_caption = QLabel("Click a cell of the matrix to list its rows.")
        self.cell_caption.setObjectName("cellRowsCaption")
        self.cell_caption.setWordWrap(True)
        self.cell_rows = _table("cellRowsTable", "Rows of the chosen cell")
        self.cell_rows.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.cell_rows.horizontalHeader().setStretchLastSection(True)
        self.cell_rows.verticalHeader().hide()
        self.cell_rows.setMinimumHeight(120)
        self.cell_rows.setMaximumHeight(220)
        self.scores = _table("classScoresTable", "Per-class scores")
        self.scores.setColumnCount(4)
        self.scores.setHorizontalHeaderLabels(["Precision", "Recall", "F1", "Support"])
        self.scores.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.roc_plot = _PlotPanel(
            "rocPlot", "ROC curve", "false positive rate", "true positive rate"
        )
        self.pr_plot = _PlotPanel("prPlot", "Precision-recall curve", "recall", "precision")

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Confusion matrix (true class ↓, predicted →)"))
        left_layout.addWidget(self.confusion)
        left_layout.addWidget(self.cell_caption)
        left_layout.addWidget(self.cell_rows)
        left_layout.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel("Per-class scores"))
        right_layout.addWidget(self.scores)
        right_layout.addWidget(_Pair(self.roc_plot, self.pr_plot, PLOT_MIN_WIDTH, "curvesPair"), 1)
        self.classification = _Pair(left, right, 420, "classificationEvaluation")

        # -- regression
        self.scatter_plot = _PlotPanel(
            "predictedVsActualPlot", "Predicted vs actual", "actual", "predicted"
        )
        self.residual_plot = _PlotPanel("residualPlot", "Residuals", "predicted − actual", "rows")
        self.regression = _Pair(
            self.scatter_plot, self.residual_plot, PLOT_MIN_WIDTH, "regressionEvaluation"
        )

        self.stack = QStackedWidget()
        self.stack.addWidget(self.message)
        self.stack.addWidget(self.classification)
        self.stack.addWidget(self.regression)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        summary_row = QHBoxLayout()
        summary_row.setContentsMargins(6, 0, 6, 0)
        summary_row.addWidget(self.summary)
        layout.addLayout(summary_row)
        # A narrow dock stacks the figures; the page then scrolls rather than squeezing them.
        self.scroll = QScrollArea()
        self.scroll.setObjectName("evaluationScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.stack)
        layout.addWidget(self.scroll, 1)

        self._apply_palette()
        self.part.currentIndexChanged.connect(self._on_part_changed)
        self.threshold.valueChanged.connect(self._on_threshold)
        self.replay.moved.connect(self._on_replay)
        self._update_controls()

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: RunController, document: Any = None) -> None:
        """Follow a controller's runs (the document is not needed)."""
        self.follow_runs(controller, self._on_weights_reset)

    @Slot(object)
    def _on_started(self, _info: Any) -> None:
        c = self._controller
        self.set_source(c.session, c.last_prepared)

    @Slot(object)
    def _on_state(self, state: RunState | str) -> None:
        if RunState(state) in (RunState.PAUSED, RunState.IDLE) and self._session is not None:
            self.replay.sync()
            self.refresh_if_shown()

    @Slot(object)
    def _on_report(self, report: ChunkReport) -> None:
        if self._prepared is None or len(self._prepared.split(self.part_key)[0]) > LIVE_MAX_ROWS:
            return  # a large part is evaluated when the run pauses or ends
        weights = self.live_weights(report) if self.replay.at_end else None
        if weights is not None:
            self.refresh(weights)

    @Slot(object)
    def _on_finished(self, _report: Any) -> None:
        if self._session is None and self._controller is not None:
            self.set_source(self._controller.session, self._controller.last_prepared)
        self.replay.sync()
        self.refresh_if_shown()

    @Slot(bool)
    def _on_weights_reset(self, _done: bool) -> None:
        self.replay.sync()
        self.refresh_if_shown()

    def set_source(self, session: Any, prepared: Any) -> None:
        """Evaluate ``session``'s network on ``prepared``'s parts from now on."""
        self._session = session if prepared is not None else None
        self._prepared = prepared if session is not None else None
        self._throttle.reset()
        self.selected_cell = None
        self.replay.set_session(self._session)
        self._update_controls()
        self.refresh_if_shown()

    # --- choices ---------------------------------------------------------------------

    @property
    def part_key(self) -> str:
        return str(self.part.currentData())

    def set_part(self, key: str) -> None:
        self.part.setCurrentIndex(self.part.findData(key))

    @property
    def threshold_value(self) -> float:
        return self.threshold.value() / 100.0

    def _is_binary(self) -> bool:
        return self._prepared is not None and self._prepared.task is Task.BINARY

    def _update_controls(self) -> None:
        binary = self._is_binary()
        self.threshold_row.setVisible(binary or self._prepared is None)
        self.threshold_row.setEnabled(binary)
        self.threshold_label.setText(f"{self.threshold_value:.2f}")
        model = self.part.model()
        for i in range(self.part.count()):
            key = self.part.itemData(i)
            rows = 0 if self._prepared is None else len(self._prepared.split(key)[0])
            item = model.item(i)  # type: ignore[attr-defined]
            item.setEnabled(self._prepared is None or rows > 0)
            label = SPLITS[key] if self._prepared is None else f"{SPLITS[key]} ({rows} rows)"
            self.part.setItemText(i, label)
        if self._prepared is not None and not len(self._prepared.split(self.part_key)[0]):
            # The chosen part is empty for this split: the first part with rows.
            for i in range(self.part.count()):
                if len(self._prepared.split(self.part.itemData(i))[0]):
                    self.part.setCurrentIndex(i)
                    break
        self._update_export_menu()

    def _update_export_menu(self) -> None:
        self.export_menu.clear()
        task = None if self._prepared is None else self._prepared.task
        keys = (
            ()
            if task is None
            else _REGRESSION_EXPORTS
            if task is Task.REGRESSION
            else _CLASSIFICATION_EXPORTS
        )
        for key in keys:
            label, suffixes = EXPORTS[key]
            for suffix in suffixes:
                action = QAction(f"{label} as {_SUFFIX_LABELS[suffix]}…", self.export_menu)
                action.setObjectName(f"{key}Export{suffix[1:].upper()}Action")
                action.triggered.connect(
                    lambda _c=False, k=key, s=suffix: self._export_dialog(k, s)
                )
                self.export_menu.addAction(action)
        self.export_button.setEnabled(bool(keys) and self.evaluation is not None)

    @Slot(int)
    def _on_part_changed(self, _index: int) -> None:
        self.selected_cell = None
        self.refresh_if_shown()

    @Slot(int)
    def _on_threshold(self, _value: int) -> None:
        self.threshold_label.setText(f"{self.threshold_value:.2f}")
        if self.outputs is not None and self._is_binary():
            self._evaluate()

    @Slot(object)
    def _on_replay(self, weights: Any) -> None:
        self.refresh(weights)

    # --- computing -------------------------------------------------------------------

    def refresh(self, weights: Any = None) -> bool:
        """Compute the network's outputs on the chosen part (``weights``, default: the replay
        slider's epoch or the current weights) and show its figures; False if there is nothing."""
        session, prepared = self._session, self._prepared
        if session is None or prepared is None:
            self._show_message("Train the network to evaluate it.")
            return False
        if weights is None:
            weights = self.replay.weights()
        if weights is None:
            try:
                weights = session.weights_snapshot()
            except Exception as exc:  # a session that is being rebuilt
                log.warning("no weights to evaluate: %s", exc)
                return False
        x, _y, rows = prepared.split(self.part_key)
        if not len(x):
            self._show_message(f"The {SPLITS[self.part_key].lower()} part has no rows.")
            return False
        try:
            model = ForwardModel(
                weights,
                activations_for(session.project, prepared.task),
                prepared.mean,
                prepared.variance,
            )
            self.outputs = model(x)
        except ValueError as exc:  # weights of another network than the session's
            log.warning("the weights do not fit the network: %s", exc)
            return False
        self.rows = rows
        self._evaluate()
        return True

    def _evaluate(self) -> None:
        prepared = self._prepared
        assert prepared is not None and self.outputs is not None
        _x, y, _rows = prepared.split(self.part_key)
        self.evaluation = evaluate(
            prepared.task, y, self.outputs, tuple(prepared.class_names), self.threshold_value
        )
        if isinstance(self.evaluation, ClassificationEvaluation):
            self._show_classification(self.evaluation)
        else:
            self._show_regression(self.evaluation)
        self.export_button.setEnabled(True)
        self.refreshed.emit()

    def _show_message(self, text: str) -> None:
        self.outputs = self.evaluation = None
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)
        self.summary.setText("")
        self.export_button.setEnabled(False)

    def _where(self) -> str:
        epoch = self.replay.epoch
        part = SPLITS[self.part_key].lower()
        when = "" if epoch is None else f" at epoch {epoch}" if not self.replay.at_end else " now"
        return f"{part} part ({len(self.outputs) if self.outputs is not None else 0} rows){when}"

    # --- classification --------------------------------------------------------------

    def _show_classification(self, ev: ClassificationEvaluation) -> None:
        self.stack.setCurrentWidget(self.classification)
        names = ev.class_names
        k = ev.n_classes
        self.confusion.blockSignals(True)
        self.confusion.setRowCount(k)
        self.confusion.setColumnCount(k)
        self.confusion.setVerticalHeaderLabels([f"true {n}" for n in names])
        self.confusion.setHorizontalHeaderLabels([f"pred. {n}" for n in names])
        base = self.palette().color(self.backgroundRole())
        for i in range(k):
            for j in range(k):
                share = float(ev.confusion_normalized[i, j])
                item = _item(f"{ev.confusion[i, j]}  ({100 * share:.0f} %)", align_right=False)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                # Diagonal cells in blue, errors in vermillion, stronger for a larger share.
                tint = QColor(TRAINING_COLOR if i == j else VALIDATION_COLOR)
                alpha = int(30 + 170 * share) if ev.confusion[i, j] else 0
                tint.setAlpha(alpha)
                item.setBackground(tint if alpha else base)
                item.setToolTip(
                    f"{ev.confusion[i, j]} rows of class '{names[i]}' predicted as '{names[j]}' "
                    f"({100 * share:.1f} % of the class's {int(ev.support[i])} rows)"
                )
                self.confusion.setItem(i, j, item)
        self.confusion.blockSignals(False)

        self.scores.setRowCount(k)
        self.scores.setVerticalHeaderLabels(list(names))
        for i in range(k):
            for j, value in enumerate((ev.precision[i], ev.recall[i], ev.f1[i])):
                self.scores.setItem(i, j, _item(f"{value:.3f}"))
            self.scores.setItem(i, 3, _item(str(int(ev.support[i]))))
        _fit_height(self.confusion)
        _fit_height(self.scores)
        self._draw_curves(self.roc_plot, ev.roc, diagonal=True)
        self._draw_curves(self.pr_plot, ev.pr, diagonal=False)
        threshold = f" · threshold {ev.threshold:.2f}" if k == 2 else ""
        self.summary.setText(f"Accuracy {ev.accuracy:.3f} on the {self._where()}{threshold}")
        if self.selected_cell is not None and max(self.selected_cell) < k:
            self.show_cell(*self.selected_cell)
        else:
            self._clear_cell_rows()

    def _draw_curves(self, panel: _PlotPanel, curves: Any, *, diagonal: bool) -> None:
        plot = panel.plot
        plot.clear()
        panel.legend.clear()
        if diagonal:
            plot.plot(
                [0, 1], [0, 1], pen=pg.mkPen((128, 128, 128), width=1, style=Qt.PenStyle.DashLine)
            )
        names = self._prepared.class_names if self._prepared is not None else ()
        for curve in curves:
            k = names.index(curve.label) if curve.label in names else 1
            pen = pg.mkPen(class_color(k), width=2)
            plot.plot(curve.x, curve.y, pen=pen, name=f"{curve.label}: AUC {curve.area:.3f}")
        plot.setXRange(0, 1, padding=0.02)
        plot.setYRange(0, 1, padding=0.02)

    def _clear_cell_rows(self) -> None:
        self.cell_rows.setRowCount(0)
        self.cell_rows.setColumnCount(0)
        self.cell_caption.setText("Click a cell of the matrix to list its rows.")

    @Slot(int, int)
    def show_cell(self, true_class: int, predicted_class: int) -> None:
        """List the rows of the chosen part that are of ``true_class`` and predicted as ``predicted_class``."""
        ev = self.evaluation
        if not isinstance(ev, ClassificationEvaluation) or true_class < 0 or predicted_class < 0:
            return
        self.selected_cell = (true_class, predicted_class)
        found = ev.rows_in_cell(true_class, predicted_class)
        names = ev.class_names
        shown = found[:MAX_LISTED_ROWS]
        more = f" (the first {MAX_LISTED_ROWS} shown)" if len(found) > MAX_LISTED_ROWS else ""
        self.cell_caption.setText(
            f"{len(found)} row{'s' if len(found) != 1 else ''} of class '{names[true_class]}' predicted as '{names[predicted_class]}'{more}:"
        )
        proba = (
            class_probabilities(self.outputs, ev.n_classes)
            if self.outputs is not None
            else ev.proba
        )
        self.cell_rows.setColumnCount(1 + ev.n_classes)
        self.cell_rows.setHorizontalHeaderLabels(["Row", *[f"p({n})" for n in names]])
        self.cell_rows.setRowCount(len(shown))
        rows = self.rows if self.rows is not None else np.arange(len(ev.y_true))
        for r, i in enumerate(shown):
            # 1-based, as the data preview numbers the rows.
            self.cell_rows.setItem(r, 0, _item(str(int(rows[i]) + 1)))
            for j in range(ev.n_classes):
                self.cell_rows.setItem(r, 1 + j, _item(f"{proba[i, j]:.3f}"))

    def listed_rows(self) -> list[int]:
        """The data-set row numbers (1-based) the cell list shows."""
        return [int(self.cell_rows.item(r, 0).text()) for r in range(self.cell_rows.rowCount())]

    # --- regression ------------------------------------------------------------------

    def _show_regression(self, ev: RegressionEvaluation) -> None:
        self.stack.setCurrentWidget(self.regression)
        plot = self.scatter_plot.plot
        plot.clear()
        self.scatter_plot.legend.clear()
        n = len(ev.y_true)
        pick = np.arange(n)
        if n > MAX_SCATTER_POINTS:
            pick = np.sort(np.random.default_rng(0).choice(n, MAX_SCATTER_POINTS, replace=False))
        finite = np.concatenate([ev.y_true, ev.y_pred])
        finite = finite[np.isfinite(finite)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        plot.plot(
            [lo, hi],
            [lo, hi],
            pen=pg.mkPen((128, 128, 128), width=1, style=Qt.PenStyle.DashLine),
            name="y = x",
        )
        plot.plot(
            ev.y_true[pick],
            ev.y_pred[pick],
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolPen=None,
            symbolBrush=pg.mkBrush(TRAINING_COLOR),
            name="rows",
        )
        hist = self.residual_plot.plot
        hist.clear()
        residuals = ev.residuals[np.isfinite(ev.residuals)]
        if residuals.size:
            counts, edges = np.histogram(
                residuals, bins=min(40, max(5, int(np.sqrt(residuals.size))))
            )
            hist.plot(
                edges,
                counts,
                stepMode="center",
                fillLevel=0,
                brush=pg.mkBrush(TRAINING_COLOR),
                pen=pg.mkPen(TRAINING_COLOR),
            )
        self.summary.setText(
            f"R² {ev.r2:.3f} · MAE {ev.mae:.4g} · RMSE {ev.rmse:.4g} on the {self._where()}"
        )

    # --- export ----------------------------------------------------------------------

    def export(self, key: str, path: str | Path) -> Path:
        """Write figure ``key`` (``EXPORTS``) to ``path``: PNG or SVG image, or CSV of its data."""
        path = Path(path)
        suffix = path.suffix.lower()
        if key not in EXPORTS:
            raise ValueError(f"no figure {key!r}; figures: {', '.join(EXPORTS)}")
        if suffix not in EXPORTS[key][1]:
            raise ValueError(
                f"can export {EXPORTS[key][0].lower()} to {', '.join(EXPORTS[key][1])}, not {suffix!r}"
            )
        if self.evaluation is None:
            raise ValueError("there is no evaluation to export: train the network first")
        regression = isinstance(self.evaluation, RegressionEvaluation)
        if (key in _REGRESSION_EXPORTS) != regression:
            task = "regression" if regression else "classification"
            raise ValueError(f"the {EXPORTS[key][0].lower()} is not shown for a {task} task")
        if key in ("roc", "pr", "scatter", "residuals"):
            {
                "roc": self.roc_plot,
                "pr": self.pr_plot,
                "scatter": self.scatter_plot,
                "residuals": self.residual_plot,
            }[key].export(path)
            return path
        table = self.confusion if key == "confusion" else self.scores
        if suffix == ".png":
            if not table.grab().save(str(path)):
                raise OSError(f"could not write {path}")
        elif suffix == ".svg":
            _render_widget_svg(table, path)
        else:
            atomic_write_text(path, self._table_csv(key))
        return path

    def _table_csv(self, key: str) -> str:
        ev = self.evaluation
        assert isinstance(ev, ClassificationEvaluation)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        if key == "confusion":
            w.writerow(["true \\ predicted", *ev.class_names])
            for i, name in enumerate(ev.class_names):
                w.writerow([name, *[int(v) for v in ev.confusion[i]]])
        else:
            w.writerow(["class", "precision", "recall", "f1", "support"])
            for i, name in enumerate(ev.class_names):
                w.writerow(
                    [
                        name,
                        f"{ev.precision[i]:.6g}",
                        f"{ev.recall[i]:.6g}",
                        f"{ev.f1[i]:.6g}",
                        int(ev.support[i]),
                    ]
                )
        return buf.getvalue()

    def _export_dialog(self, key: str, suffix: str) -> None:
        label = _SUFFIX_LABELS[suffix]
        path, _ = QFileDialog.getSaveFileName(
            self,
            f"Export {EXPORTS[key][0].lower()} as {label}",
            f"{key}{suffix}",
            f"{label} (*{suffix})",
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            self.export(key, path)
        except Exception as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")

    # --- looks -----------------------------------------------------------------------

    def _apply_palette(self) -> None:
        for panel in (self.roc_plot, self.pr_plot, self.scatter_plot, self.residual_plot):
            apply_plot_palette(self.palette(), panel, panel.plot, panel.legend)

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self._apply_palette()
