"""Seeing inside the network: the fit markers of the loss plot, and the panel of insight views.

``attach_fit_markers`` makes over- and under-fitting visible on any pyqtgraph
plot with a training and a validation loss curve: the gap between the curves
is shaded, the epoch with the best validation loss is marked by a vertical
line with a label and a star (separate items, so downsampling never hides
them), and a short diagnosis appears in the corner when the validation loss
has turned up while the training loss kept falling.

``InsightsPanel`` gathers the decision boundary, the network diagram, the
layer health table and the runs list in tabs behind one ``attach``.

Contract: assembles the insight views and the loss plot's fit markers; owns
no data. No engine.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QTabWidget, QWidget

from ffnn_studio.ui.widgets.colors import VALIDATION_COLOR

#: Epochs without a better validation loss (and at least this share of the run) before
#: a rise counts as over-fitting rather than noise.
MIN_EPOCHS_SINCE_BEST = 5
MIN_SHARE_SINCE_BEST = 0.15
#: Validation loss this much above its best.
OVERFIT_RISE = 0.05
#: The row of a PlotItem's layout under its bottom axis label (rows 0–4 are pyqtgraph's).
NOTE_ROW = 5
#: Most epochs the gap shading follows point by point; longer runs are thinned evenly.
MAX_SHADE_POINTS = 600


def best_epoch(epochs: np.ndarray, val_loss: np.ndarray) -> tuple[float, float] | None:
    """(epoch, validation loss) where the validation loss is lowest, or None."""
    val = np.asarray(val_loss, dtype=np.float64)
    finite = np.isfinite(val)
    if not finite.any():
        return None
    i = int(np.nanargmin(np.where(finite, val, np.nan)))
    return float(np.asarray(epochs)[i]), float(val[i])


def gap_polygon(
    epochs: np.ndarray, loss: np.ndarray, val_loss: np.ndarray, *, log_x: bool = False, log_y: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The outline (xs, ys) of the area between the training and validation loss.

    Epochs where either loss is missing or not finite (or not positive on a
    log axis) are left out; runs longer than ``MAX_SHADE_POINTS`` are thinned
    evenly, keeping the last epoch. Empty arrays when nothing can be shaded.
    """
    x = np.asarray(epochs, dtype=np.float64)
    a = np.asarray(loss, dtype=np.float64)
    b = np.asarray(val_loss, dtype=np.float64)
    n = min(len(x), len(a), len(b))
    x, a, b = x[:n], a[:n], b[:n]
    keep = np.isfinite(x) & np.isfinite(a) & np.isfinite(b)
    if log_x:
        keep &= x > 0
    if log_y:
        keep &= (a > 0) & (b > 0)
    x, a, b = x[keep], a[keep], b[keep]
    if len(x) < 2:
        return np.empty(0), np.empty(0)
    if len(x) > MAX_SHADE_POINTS:
        pick = np.unique(np.r_[np.linspace(0, len(x) - 1, MAX_SHADE_POINTS).astype(np.intp), len(x) - 1])
        x, a, b = x[pick], a[pick], b[pick]
    if log_x:
        x = np.log10(x)
    if log_y:
        a, b = np.log10(a), np.log10(b)
    return np.concatenate([x, x[::-1]]), np.concatenate([a, b[::-1]])


def fit_diagnosis(epochs: np.ndarray, loss: np.ndarray, val_loss: np.ndarray) -> str:
    """A one-line reading of the curves: over-fitting, under-fitting, or "" when nothing to say."""
    loss = np.asarray(loss, dtype=np.float64)
    val = np.asarray(val_loss, dtype=np.float64)
    n = len(loss)
    if n < 4 or not np.isfinite(val).any():
        return ""
    best = best_epoch(epochs, val)
    assert best is not None
    i_best = int(np.nanargmin(val))
    since = n - 1 - i_best
    last_val = val[np.isfinite(val)][-1]
    if (
        since >= max(MIN_EPOCHS_SINCE_BEST, MIN_SHARE_SINCE_BEST * n)
        and last_val > best[1] * (1 + OVERFIT_RISE)
        and loss[-1] < loss[i_best]
    ):
        rise = 100 * (last_val / best[1] - 1) if best[1] > 0 else math.inf
        return (
            f"Over-fitting: validation loss is {rise:.0f} % above its best (epoch {best[0]:g}) "
            "while training loss keeps falling.<br>Try early stopping, L2, dropout or more data."
        )
    start = loss[np.isfinite(loss)][0] if np.isfinite(loss).any() else math.nan
    tail = max(3, n // 5)
    recent = loss[-tail:]
    if np.isfinite(recent).all() and start > 0:
        flat = abs(recent[0] - recent[-1]) < 0.01 * max(abs(recent[0]), 1e-12)
        if flat and recent[-1] > 0.5 * start and abs(last_val - loss[-1]) < 0.1 * max(loss[-1], 1e-12):
            return (
                "Under-fitting? Training and validation loss stopped improving together at "
                "over half their starting value.<br>Try more units or layers, less "
                "regularization, or another learning rate."
            )
    return ""


class _NoteLabel(pg.LabelItem):
    """A label that wraps to the width the layout gives it instead of widening the plot."""

    def resizeEvent(self, ev: Any) -> None:
        width = self.rect().width()
        if width > 40 and abs(self.item.textWidth() - width) > 0.5:
            self.item.setTextWidth(width)
        super().resizeEvent(ev)

    def updateMin(self) -> None:
        height = self.itemRect().height()
        self.setMinimumWidth(0)
        self.setMinimumHeight(height)
        self._sizeHint = {
            Qt.SizeHint.MinimumSize: (0, height),
            Qt.SizeHint.PreferredSize: (0, height),
            Qt.SizeHint.MaximumSize: (-1, -1),
            Qt.SizeHint.MinimumDescent: (0, 0),
        }
        self.updateGeometry()


class FitMarkers:
    """The gap shading, best-epoch marker and diagnosis on a loss plot."""

    def __init__(
        self,
        plot_item: pg.PlotItem,
        train_curve: pg.PlotDataItem,
        val_curve: pg.PlotDataItem,
        *,
        follow: bool = True,
        on_diagnosis: Callable[[str], None] | None = None,
    ) -> None:
        self.plot_item = plot_item
        self.train_curve = train_curve
        self.val_curve = val_curve
        self.on_diagnosis = on_diagnosis
        self.best: tuple[float, float] | None = None
        self.diagnosis = ""

        shade = QColor(VALIDATION_COLOR)
        shade.setAlpha(45)
        # Built from the curves' own data once per update (a FillBetweenItem
        # rebuilds its path from both curves' drawn paths on every change of
        # either curve and of the view: a tenth of the window's time in a run).
        self.fill = QGraphicsPathItem()
        self.fill.setBrush(pg.mkBrush(shade))
        self.fill.setPen(pg.mkPen(None))
        plot_item.addItem(self.fill, ignoreBounds=True)
        self._shade_data: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

        line_color = QColor("#009E73")
        self.best_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(line_color, width=1.5, style=Qt.PenStyle.DashLine),
            label="",
            labelOpts={
                "position": 0.62,
                "color": line_color,
                "fill": pg.mkBrush(255, 255, 255, 210),
                # pyqtgraph's default anchors flip the label to the line's other side
                # near the view's right edge, so it stays readable there.
            },
        )
        self.best_line.setZValue(50)
        plot_item.addItem(self.best_line, ignoreBounds=True)
        # A scatter item of its own, not a point of the curve nor a data item of the
        # plot: the plot's downsampling and clip-to-view never touch it.
        self.best_point = pg.ScatterPlotItem(
            [], [], symbol="star", size=15, brush=pg.mkBrush(line_color), pen=pg.mkPen("w")
        )
        self.best_point.setZValue(51)
        plot_item.addItem(self.best_point, ignoreBounds=True)

        # Under the x axis, in the plot's own layout, so it never covers a curve.
        self.note = _NoteLabel("", size="8pt", color=VALIDATION_COLOR, justify="left")
        plot_item.layout.addItem(self.note, NOTE_ROW, 1)
        self.clear()
        plot_item.ctrl.logXCheck.toggled.connect(self._on_log_toggled)
        plot_item.ctrl.logYCheck.toggled.connect(self._on_log_toggled)
        # The label's room beside the line changes with the plot's size and range.
        plot_item.vb.sigResized.connect(self._fit_best_label)
        plot_item.vb.sigXRangeChanged.connect(self._fit_best_label)
        if follow:
            train_curve.sigPlotChanged.connect(self._on_curve_changed)
            val_curve.sigPlotChanged.connect(self._on_curve_changed)

    def _on_curve_changed(self, *_args: Any) -> None:
        tx, ty = self.train_curve.getOriginalDataset()
        vx, vy = self.val_curve.getOriginalDataset()
        if tx is None or vx is None or len(tx) == 0:
            self.clear()
            return
        n = min(len(tx), len(vx))
        self.update(np.asarray(tx)[:n], np.asarray(ty)[:n], np.asarray(vy)[:n])

    def update(self, epochs: np.ndarray, loss: np.ndarray, val_loss: np.ndarray) -> None:
        """Place the markers for these history arrays (x = epoch numbers)."""
        epochs = np.asarray(epochs, dtype=np.float64)
        val = np.asarray(val_loss, dtype=np.float64)
        self._shade_data = (epochs, np.asarray(loss, dtype=np.float64), val)
        self._shade()
        best = best_epoch(epochs, val) if len(val) else None
        if best != self.best or not self.best_line.isVisible():
            self.best = best
            self._place_best()
        diagnosis = fit_diagnosis(epochs, loss, val)
        if diagnosis != self.diagnosis:
            self.diagnosis = diagnosis
            self.note.setText(diagnosis)
            if self.on_diagnosis is not None:
                self.on_diagnosis(diagnosis)
        self._show_note(bool(diagnosis))

    def _on_log_toggled(self, *_args: Any) -> None:
        self._shade()
        self._place_best()

    def _shade(self) -> None:
        """Outline the gap between the curves on the plot's current axes."""
        path = QPainterPath()
        if self._shade_data is not None:
            ctrl = self.plot_item.ctrl
            xs, ys = gap_polygon(
                *self._shade_data, log_x=ctrl.logXCheck.isChecked(), log_y=ctrl.logYCheck.isChecked()
            )
            if len(xs):
                path = pg.arrayToQPath(xs, ys, connect="all")
                path.closeSubpath()
        self.fill.setPath(path)
        self.fill.setVisible(not path.isEmpty())

    def _show_note(self, show: bool) -> None:
        self.note.setVisible(show)
        # A hidden row still takes its height unless told otherwise.
        self.note.setMaximumHeight(16777215 if show else 0)

    def _place_best(self, *_args: Any) -> None:
        best = self.best
        if best is None:
            self.best_line.hide()
            self.best_point.setData([], [])
            return
        x, y = best
        ctrl = self.plot_item.ctrl
        # Items outside the plot's data items do not follow its log axes by themselves.
        vx = math.log10(x) if ctrl.logXCheck.isChecked() and x > 0 else x
        vy = math.log10(y) if ctrl.logYCheck.isChecked() and y > 0 else y
        self.best_line.setPos(vx)
        # The label only re-renders while visible: show first, then set the text.
        self.best_line.show()
        self._fit_best_label()
        self.best_point.setData([vx], [vy])

    def best_label_texts(self) -> list[str]:
        """The best epoch's label, longest first: the longest that fits beside the line is shown."""
        if self.best is None:
            return []
        x, y = self.best
        epoch = f"{x:g}"
        return [f"best val loss {y:.4g} · epoch {epoch}", f"best {y:.4g} · ep. {epoch}", f"best: {epoch}"]

    def _fit_best_label(self, *_args: Any) -> None:
        """Show the longest label text that fits on the roomier side of the line (pyqtgraph
        puts the label on that side), so a narrow plot never cuts it at its edge."""
        texts = self.best_label_texts()
        if not texts or not self.best_line.isVisible():
            return
        vb = self.plot_item.vb
        (x0, x1), _ = vb.viewRange()
        width = vb.width()
        label = self.best_line.label
        text = texts[0]
        if x1 > x0 and width > 0:  # laid out: measure the room beside the line
            line_px = (self.best_line.value() - x0) / (x1 - x0) * width
            room = max(line_px, width - line_px) - 8
            metrics = QFontMetrics(label.textItem.font())
            fitting = [t for t in texts if metrics.horizontalAdvance(t) + 6 <= room]
            text = fitting[0] if fitting else texts[-1]
        label.setFormat(text)
        label.setToolTip(texts[0])

    def clear(self) -> None:
        self.best = None
        self.best_line.hide()
        self.best_point.setData([], [])
        self._shade_data = None
        self._shade()
        self.diagnosis = ""
        self.note.setText("")
        self._show_note(False)

    def detach(self) -> None:
        for curve in (self.train_curve, self.val_curve):
            with contextlib.suppress(RuntimeError, TypeError):
                curve.sigPlotChanged.disconnect(self._on_curve_changed)
        for check in (self.plot_item.ctrl.logXCheck, self.plot_item.ctrl.logYCheck):
            with contextlib.suppress(RuntimeError, TypeError):
                check.toggled.disconnect(self._on_log_toggled)
        for item in (self.fill, self.best_line, self.best_point):
            self.plot_item.removeItem(item)
        if getattr(self.plot_item, "fit_markers", None) is self:
            del self.plot_item.fit_markers
        self.plot_item.layout.removeItem(self.note)
        self.note.setParentItem(None)


def attach_fit_markers(
    loss_plot_item: pg.PlotItem,
    train_curve: pg.PlotDataItem,
    val_curve: pg.PlotDataItem,
    *,
    follow: bool = True,
    on_diagnosis: Callable[[str], None] | None = None,
) -> FitMarkers:
    """Shade the train/validation gap and mark the best validation epoch on a loss plot.

    With ``follow`` the markers update themselves whenever either curve gets
    new data (``setData``); without it, call ``markers.update(epochs, loss,
    val_loss)`` with the history arrays.
    """
    markers = FitMarkers(
        loss_plot_item, train_curve, val_curve, follow=follow, on_diagnosis=on_diagnosis
    )
    # The plot keeps its markers alive: a caller that drops the return value must not
    # silently lose the updates (Qt drops connections to collected objects).
    loss_plot_item.fit_markers = markers
    return markers


class InsightsPanel(QTabWidget):
    """Decision boundary, network diagram, layer health, runs and evaluation, as tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from ffnn_studio.ui.insights.boundary import DecisionBoundaryView
        from ffnn_studio.ui.insights.diagram import NetworkDiagramView
        from ffnn_studio.ui.insights.evaluation import EvaluationView
        from ffnn_studio.ui.insights.health import LayerHealthView
        from ffnn_studio.ui.insights.runs_panel import RunsPanel

        self.setObjectName("insightsPanel")
        self.setAccessibleName("Inside the network")
        self.boundary = DecisionBoundaryView()
        self.diagram = NetworkDiagramView()
        self.health = LayerHealthView()
        self.runs = RunsPanel()
        self.evaluation = EvaluationView()
        from ffnn_studio.ui.insights.try_it import TryItView

        self.try_it = TryItView()
        # Short tab titles, so the six tabs fit the docked panel's width at 1280×800
        # without scroll arrows; the tooltip gives the whole name.
        for view, title, tip in (
            (self.boundary, "Boundary", "Decision boundary: the class the network gives each point of the plane"),
            (self.diagram, "Network", "The network's units and weights"),
            (self.health, "Health", "Layer health: weight and gradient norms, update ratio, dead and saturated units"),
            (self.runs, "Runs", "Every run of this project, its settings and scores"),
            (self.evaluation, "Evaluation", "Confusion matrix, ROC and per-class scores on a chosen split"),
            (self.try_it, "Try it", "Set each input and see the model's output"),
        ):
            index = self.addTab(view, title)
            self.setTabToolTip(index, tip)
        self.try_it.follow_boundary(self.boundary)
        # Six tabs in a docked panel of ~400 px: narrower tab padding and, on a
        # still narrower dock, elided titles rather than scroll arrows that hide tabs.
        bar = self.tabBar()
        bar.setStyleSheet("QTabBar::tab { padding: 4px 7px; }")
        bar.setUsesScrollButtons(False)
        bar.setElideMode(Qt.TextElideMode.ElideRight)

    def attach(self, controller: Any, document: Any) -> None:
        for view in (self.boundary, self.diagram, self.health, self.runs, self.evaluation, self.try_it):
            view.attach(controller, document)
