"""Live training plots: loss, metric, per-layer weight norms and gradient norms.

Built for redraw cost, since the plots share the GUI thread with everything
else while a run streams reports (the costs are in ``docs/measurements.md``):

* curves are created once per run; reports append to numpy buffers that grow
  by doubling up to a fixed budget, then keep min/max pairs (``core.series``),
  and only mark a plot dirty;
* a ~30 Hz timer redraws the dirty plots only (``setData`` with buffer views),
  one plot per tick, with clip-to-view and peak downsampling;
* the axes (which draw the grid) are cached as pixmaps; per-layer curves are
  1 px wide (wider lines go through Qt's slow stroker);
* pyqtgraph's auto-range stays off. The x range is the run's planned epochs,
  set once; the y range only ever grows, in padded steps, from bounds the
  buffers keep as data arrive, so a run changes the view a few dozen times,
  not every frame. Zooming or panning by hand stops the following; the
  plot's "A" button resumes it.

Contract: the plots read the controller's reports and never the engine;
imports Qt, pyqtgraph, the core's report types and the shared widgets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter, SVGExporter
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.config import PLOT_REDRAW_MS
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerInfo,
    ProbeReport,
    RunFinished,
    RunStarted,
)
from ffnn_studio.core.series import BoundedSeries
from ffnn_studio.ui.run.protocols import RunController
from ffnn_studio.ui.widgets.colors import TRAINING_COLOR, VALIDATION_COLOR, layer_color

#: Plots redrawn per timer tick, round robin among those with new data. A plot's
#: repaint is synchronous and took 5–13 ms while TensorFlow kept both cores busy
#: (measured), so one per tick keeps the GUI thread's longest busy stretch to
#: one plot; each plot still redraws ≥ 7 times a second.
PLOTS_PER_TICK = 1
#: A log axis draws grid lines at 2…9 × 10ⁿ only where a decade is this many pixels.
MIN_DECADE_PX = 60
#: Lines wider than 1 px go through Qt's stroker: measured 16–24 ms to paint
#: four noisy 5,000-point curves 2 px wide, 1 ms at 1 px; two 1,000-point
#: epoch curves 1.3 ms vs 0.26 ms. The per-layer plots (up to ~20 points a
#: second) draw 1 px; the epoch curves 2 px until they are this long.
THICK_LINE_LIMIT = 300
#: Points a plot's buffer keeps at full resolution; beyond, min/max pairs (a
#: 1,400 px plot shows fewer than this anyway; pyqtgraph's peak downsampling does the rest).
PLOT_BUDGET = 8192
#: How far (a fraction of the data's span) the view grows past data that left it.
GROWTH_PAD = 0.4

LOSS, METRIC, WEIGHTS, GRADIENTS = "loss", "metric", "weights", "gradients"
PLOT_KEYS = (LOSS, METRIC, WEIGHTS, GRADIENTS)
EXPORT_SUFFIXES = (".png", ".svg", ".csv")

#: What an empty plot says before the first run, and while a run prepares.
EMPTY_TEXT = "Press Train (F5) to start"
STARTING_TEXT = "Waiting for the first epoch…"
#: Pixels between a legend and the plot's edges.
LEGEND_MARGIN = 10
#: Most points per curve the legend placement looks at (evenly thinned beyond).
LEGEND_SAMPLE = 2000

_METRIC_LABELS = {"accuracy": "Accuracy", "mae": "Mean absolute error"}


class GrowingBuffer(BoundedSeries):
    """A plot's x column and ``columns`` y columns: numpy buffers that grow by
    doubling up to ``PLOT_BUDGET`` rows and then keep min/max pairs (peaks stay),
    so a run of a million epochs draws from a fixed amount of memory.

    ``x()`` and ``y(c)`` return views of the filled part; the views stay valid
    (they keep the old arrays alive) after the buffer grows. Running bounds of
    the finite y values, and of the positive ones for log axes, cost O(1) per
    append.
    """

    def __init__(self, columns: int, capacity: int = 256, budget: int = PLOT_BUDGET) -> None:
        super().__init__(columns, capacity, budget=budget)
        self.y_min = math.inf
        self.y_max = -math.inf
        self.y_min_positive = math.inf
        self.y_max_positive = -math.inf
        self.x_min = math.inf
        self.x_max = -math.inf

    def append(self, x: float, ys: Sequence[float | None]) -> None:
        row = np.array([math.nan if v is None else v for v in ys], dtype=np.float64)
        super().append(x, row)
        self.x_min = min(self.x_min, x)
        self.x_max = max(self.x_max, x)
        finite = row[np.isfinite(row)]
        if finite.size:
            self.y_min = min(self.y_min, float(finite.min()))
            self.y_max = max(self.y_max, float(finite.max()))
            positive = finite[finite > 0]
            if positive.size:
                self.y_min_positive = min(self.y_min_positive, float(positive.min()))
                self.y_max_positive = max(self.y_max_positive, float(positive.max()))

    def y_bounds(self, log: bool) -> tuple[float, float] | None:
        """(min, max) of the y data in view units (log10 for a log axis), or None."""
        if log:
            if self.y_min_positive > self.y_max_positive:
                return None
            return math.log10(self.y_min_positive), math.log10(self.y_max_positive)
        if self.y_min > self.y_max:
            return None
        return self.y_min, self.y_max

    def nearest(self, x: float) -> int | None:
        """Index of the sample nearest to ``x`` (x is non-decreasing), or None."""
        if self.n == 0:
            return None
        xs = self.x()
        i = int(np.searchsorted(xs, x))
        if i >= self.n:
            return self.n - 1
        if i > 0 and x - xs[i - 1] < xs[i] - x:
            return i - 1
        return i


@dataclass
class _Curve:
    item: pg.PlotDataItem
    column: int


class _Axis(pg.AxisItem):
    """An axis whose log ticks label only 1, 2 and 5 × 10ⁿ when they crowd, and whose
    log grid keeps the lines between decades only where a decade has room for them.

    The grid is drawn by the axes, and replaying it is most of a repaint after the
    view's range changed (measured offscreen at 1400×900, after 2,000 epochs: the
    gradient-norm plot's log grid 16 ms of a 23 ms repaint; without the in-between
    lines of crowded decades 8 ms). The linear axes draw two tick levels, not three
    (``maxTickLevel=1``: the loss plot's repaint 8.8 → 3.9 ms).
    """

    def logTickValues(self, minVal, maxVal, size, stdTicks):
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        decades = max(maxVal - minVal, 1e-9)
        if size / decades >= MIN_DECADE_PX:
            return ticks
        return [(spacing, values) for spacing, values in ticks if spacing is not None] or ticks

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        strings = super().logTickStrings(values, scale, spacing)
        if len(values) <= 6:
            return strings
        labelled = []
        for value, text in zip(values, strings, strict=True):
            mantissa = 10 ** (value - math.floor(value + 1e-9))
            keep = any(abs(mantissa - k) < 0.05 * k for k in (1, 2, 5))
            labelled.append(text if keep else "")
        return labelled


class _PlotWidget(pg.PlotWidget):
    """A PlotWidget that hides its hover read-out when the mouse leaves."""

    left = Signal()

    def leaveEvent(self, ev: QEvent) -> None:
        super().leaveEvent(ev)
        self.left.emit()


class LivePlot:
    """One plot of the grid: its curves, buffer, hover read-out and range following."""

    def __init__(
        self,
        key: str,
        title: str,
        y_label: str,
        *,
        log_y: bool = False,
        legend_corner: tuple[int, int] = (1, 0),
        line_width: float = 2.0,
    ) -> None:
        self.key = key
        self.title = title
        self.line_width = line_width
        self._thin = False
        self.widget = _PlotWidget(axisItems={"left": _Axis("left"), "bottom": _Axis("bottom")})
        self.widget.setObjectName(f"{key}Plot")
        self.widget.setAccessibleName(f"{title} plot")
        self.item: pg.PlotItem = self.widget.getPlotItem()
        self.vb: pg.ViewBox = self.item.getViewBox()
        self.item.setTitle(title)
        self.item.setLabel("bottom", "epoch")
        self.item.setLabel("left", y_label)
        self.item.showGrid(x=True, y=True, alpha=0.15)
        for axis in ("left", "bottom"):
            ax = self.item.getAxis(axis)
            # "loss (x0.001)" confuses more than it helps.
            ax.enableAutoSIPrefix(False)
            # The axes draw the grid across the whole plot, and replaying that
            # costs more than the curves (measured: 16–34 ms vs 3 ms a frame for the
            # four plots at 1400×800). Cached as a pixmap, it is only redrawn when
            # the range changes, which the range following keeps rare.
            ax.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            ax.setStyle(maxTickLevel=1)
        self.item.setClipToView(True)
        self.item.setDownsampling(auto=True, mode="peak")
        self.item.setLogMode(False, log_y)
        self.item.setMenuEnabled(True)
        self.vb.disableAutoRange()
        self.legend = self.item.addLegend(labelTextSize="8pt")
        self.legend_corner = legend_corner
        self.place_legend(legend_corner)
        #: What the plot says while it has no data.
        self.idle_text = EMPTY_TEXT
        # Said in the middle of the empty plot; child of the ViewBox, so in pixels.
        self.empty_text = pg.TextItem(EMPTY_TEXT, color=(128, 128, 128), anchor=(0.5, 0.5))
        self.empty_text.setParentItem(self.vb)
        self.vb.sigResized.connect(self._center_empty_text)
        self.buffer = GrowingBuffer(0)
        self.curves: list[_Curve] = []
        self.dirty = False
        self.following = True
        self.planned_x: float | None = None
        #: Bounds the data cannot cross (linear axis): no padding beyond them.
        self.y_floor: float | None = 0.0
        self.y_ceiling: float | None = None
        self._view: tuple[float, float, float, float] | None = None
        # The PlotItem's signal carries the ViewBox's and the "A" button's.
        self.item.sigRangeChangedManually.connect(self._on_manual_range)
        self.item.ctrl.logYCheck.toggled.connect(self._on_transform_changed)
        self.item.ctrl.logXCheck.toggled.connect(self._on_transform_changed)
        self._init_hover()
        self.show_empty(self.idle_text)

    def place_legend(self, corner: tuple[int, int]) -> None:
        """Put the legend in a corner of the plot: (0|1 left/right, 0|1 top/bottom)."""
        self.legend_corner = corner
        m = LEGEND_MARGIN
        offset = (-m if corner[0] else m, -m if corner[1] else m)
        self.legend.anchor(itemPos=corner, parentPos=corner, offset=offset)

    def points_under_legend(self, corner: tuple[int, int]) -> int:
        """How many curve points (and points along the lines) the legend would cover there."""
        if self.buffer.n == 0 or not self.legend.isVisible():
            return 0
        (x0, x1), (y0, y1) = self.vb.viewRange()
        width, height = self.vb.width(), self.vb.height()
        if width <= 0 or height <= 0:
            return 0
        px, py = (x1 - x0) / width, (y1 - y0) / height
        lw, lh = self.legend.width() * px, self.legend.height() * py
        mx, my = LEGEND_MARGIN * px, LEGEND_MARGIN * py
        left = x1 - mx - lw if corner[0] else x0 + mx
        bottom = y0 + my if corner[1] else y1 - my - lh
        right, top = left + lw, bottom + lh
        xs = self.buffer.x()
        if self._log_x():
            with np.errstate(divide="ignore", invalid="ignore"):
                xs = np.log10(xs)
        step = max(1, len(xs) // LEGEND_SAMPLE)
        xs = xs[::step]
        # Points along the lines too: a sparse curve crosses the legend between points.
        probe_x = np.linspace(left, right, 12)
        covered = 0
        for curve in self.curves:
            ys = self.buffer.y(curve.column)[::step]
            if self.log_y():
                with np.errstate(divide="ignore", invalid="ignore"):
                    ys = np.log10(ys)
            ok = np.isfinite(xs) & np.isfinite(ys)
            cx, cy = xs[ok], ys[ok]
            if not len(cx):
                continue
            covered += int(np.count_nonzero((cx >= left) & (cx <= right) & (cy >= bottom) & (cy <= top)))
            inside = probe_x[(probe_x >= cx[0]) & (probe_x <= cx[-1])]
            if len(cx) > 1 and len(inside):
                line_y = np.interp(inside, cx, cy)
                covered += int(np.count_nonzero((line_y >= bottom) & (line_y <= top)))
        return covered

    def _legend_room(self) -> float:
        """The share of the view's height a legend of several entries takes (0: none to keep)."""
        height = self.vb.height()
        if not self.legend.isVisible() or len(self.curves) < 3 or height <= 0:
            return 0.0
        share = (self.legend.height() + 2 * LEGEND_MARGIN) / height
        return share if share < 0.6 else 0.0

    def place_legend_clear(self) -> None:
        """Move the legend to the corner where it covers the fewest curve points."""
        here = self.points_under_legend(self.legend_corner)
        if here == 0:
            return
        corners = [(1, 0), (0, 0), (1, 1), (0, 1)]
        best = min(corners, key=self.points_under_legend)
        # Move only for a real gain, so the legend does not hop about on ties.
        if self.points_under_legend(best) < here:
            self.place_legend(best)

    def _center_empty_text(self, *_args: object) -> None:
        self.empty_text.setPos(self.vb.rect().center())

    def show_empty(self, text: str | None) -> None:
        """Say ``text`` in the middle of the plot and hide the axes' numbers; None shows the data."""
        empty = text is not None
        if empty:
            self.empty_text.setText(text)
            self._center_empty_text()
        self.empty_text.setVisible(empty)
        # Numbers on axes without data are stray ticks of a made-up range.
        for axis in ("left", "bottom"):
            ax = self.item.getAxis(axis)
            if ax.style["showValues"] == empty:
                ax.setStyle(showValues=not empty)

    # --- data ------------------------------------------------------------------------

    def set_curves(self, specs: Sequence[tuple[str, QColor | str, Qt.PenStyle]]) -> None:
        """Replace the curves (and empty the buffer): one per (name, colour, line style).

        The same number of curves as before reuses the existing items, renamed
        and recoloured: creating curves and legend entries is the costliest part
        of a run's start, and a run usually has the layers of the run before.
        """
        if len(specs) == len(self.curves) and len(self.legend.items) == len(self.curves):
            for curve, (sample, label), (name, color, style) in zip(
                self.curves, self.legend.items, specs, strict=True
            ):
                curve.item.opts["name"] = name
                if label.text != name:
                    label.setText(name)
                curve.item.setPen(pg.mkPen(color, width=self.line_width, style=style))
                sample.update()  # the legend's line sample draws the new pen
            self.clear_data()
            return
        for curve in self.curves:
            self.item.removeItem(curve.item)
        self.legend.clear()
        self.curves = []
        self.buffer = GrowingBuffer(len(specs))
        self._thin = False
        for column, (name, color, style) in enumerate(specs):
            item = self.item.plot(
                name=name, pen=pg.mkPen(color, width=self.line_width, style=style)
            )
            self.curves.append(_Curve(item, column))
        self._reset_view()
        self.show_empty(self.idle_text)

    def curve_names(self) -> list[str]:
        return [c.item.name() for c in self.curves]

    def clear_data(self) -> None:
        self.buffer = GrowingBuffer(len(self.curves))
        if self._thin:
            self._thin = False
            for curve in self.curves:
                pen = pg.mkPen(curve.item.opts["pen"])
                pen.setWidthF(self.line_width)
                curve.item.setPen(pen)
        for curve in self.curves:
            curve.item.setData([], [])
        self.dirty = False
        self.following = True
        self._reset_view()
        self.show_empty(self.idle_text)

    def append(self, x: float, ys: Sequence[float | None]) -> None:
        self.buffer.append(x, ys)
        self.dirty = True

    def redraw(self) -> None:
        """Push the buffers to the curves and update the view (only when dirty)."""
        if not self.dirty:
            return
        self.dirty = False
        if not self._thin and self.line_width > 1 and self.buffer.n > THICK_LINE_LIMIT:
            self._thin = True
            for curve in self.curves:
                pen = pg.mkPen(curve.item.opts["pen"])
                pen.setWidthF(1.0)
                curve.item.setPen(pen)
        xs = self.buffer.x()
        for curve in self.curves:
            curve.item.setData(xs, self.buffer.y(curve.column))
        if self.buffer.n and self.empty_text.isVisible():
            self.show_empty(None)
        self.follow()
        # Cheap (at most a few thousand points per curve looked at): curves
        # wander under a legend long after the view last changed.
        self.place_legend_clear()

    # --- the view --------------------------------------------------------------------

    def log_y(self) -> bool:
        return bool(self.item.ctrl.logYCheck.isChecked())

    def _log_x(self) -> bool:
        return bool(self.item.ctrl.logXCheck.isChecked())

    def _managed(self) -> bool:
        c = self.item.ctrl
        # Derivative/FFT/phase views transform the data in ways the bounds don't follow.
        return not (
            c.fftCheck.isChecked() or c.derivativeCheck.isChecked() or c.phasemapCheck.isChecked()
        )

    def _reset_view(self) -> None:
        self._view = None

    def follow(self) -> None:
        """Cheap range update: set the view only when the data left it."""
        if any(self.vb.autoRangeEnabled()):
            # The user pressed "A" (or a transform re-enabled auto-range): follow again.
            if not self._managed():
                return
            self.vb.disableAutoRange()
            self.following = True
            self._view = None
        if not self.following or self.buffer.n == 0:
            return
        y_bounds = self.buffer.y_bounds(self.log_y())
        if y_bounds is None:
            return
        log_x = self._log_x()
        x_lo = self.buffer.x_min if log_x else min(0.0, self.buffer.x_min)
        x_hi = max(self.buffer.x_max, self.planned_x or 0.0)
        if log_x:
            x_lo, x_hi = math.log10(max(x_lo, 1e-9)), math.log10(max(x_hi, 1e-9))
        else:
            x_hi += 0.02 * (x_hi - x_lo)  # the last point off the frame
        y_lo, y_hi = y_bounds
        room = self._legend_room()
        if room and not (self.y_ceiling is None or self.log_y()):
            room = 0.0
        # The top the view must reach: the data, and the legend's room above it.
        need_hi = y_hi + max(y_hi - y_lo, 1e-12) * room / (1.0 - room) if room else y_hi
        view = self._view
        if (
            view is not None
            and view[0] <= x_lo
            and x_hi <= view[1]
            and view[2] <= y_lo
            and need_hi <= view[3]
        ):
            return
        if view is not None and not log_x and x_hi > view[1]:
            # Past the planned end ("train more"): grow by half so this happens rarely.
            x_hi = max(x_hi, view[1] + 0.5 * (view[1] - view[0]))
        span = max(y_hi - y_lo, abs(y_hi) * 1e-3, 1e-12)
        # Pad more on the side the data moved to, so the next many points fit too:
        # each change of range re-renders the axes and grid (≈ 3–8 ms).
        lo_pad = GROWTH_PAD if view is not None and y_lo < view[2] else 0.05
        hi_pad = GROWTH_PAD if view is not None and y_hi > view[3] else 0.05
        data_lo, data_hi = y_lo, y_hi
        y_lo, y_hi = y_lo - lo_pad * span, y_hi + hi_pad * span
        if not self.log_y():
            # No padding below 0 for data that cannot be negative, nor above 1 for accuracy.
            if self.y_floor is not None and data_lo >= self.y_floor:
                y_lo = max(y_lo, self.y_floor - 0.02 * span)
            if self.y_ceiling is not None and data_hi <= self.y_ceiling:
                y_hi = min(y_hi, self.y_ceiling + 0.02 * span)
        if room:
            # Room above the data for the legend, so a top corner covers no curve.
            y_hi += (y_hi - y_lo) * room / (1.0 - room)
        if x_hi <= x_lo:
            x_hi = x_lo + 1.0
        self._view = (x_lo, x_hi, y_lo, y_hi)
        self.vb.setRange(xRange=(x_lo, x_hi), yRange=(y_lo, y_hi), padding=0)

    @Slot(object)
    def _on_manual_range(self, _mask: object) -> None:
        if any(self.vb.autoRangeEnabled()):
            # pyqtgraph's "A" button enables auto-range and reports a manual change.
            self.follow()
            self.dirty = True
        else:
            self.following = False

    @Slot(bool)
    def _on_transform_changed(self, _checked: bool) -> None:
        # pyqtgraph enabled auto-range for the new axis mode; take over at the next redraw.
        self._view = None
        self.following = True
        self.dirty = True

    # --- hover read-out --------------------------------------------------------------

    def _init_hover(self) -> None:
        self.crosshair = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen((128, 128, 128), style=Qt.PenStyle.DashLine)
        )
        self.hover_label = pg.TextItem(anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 220))
        self.hover_label.setColor(QColor("#202020"))
        self.hover_label.setZValue(100)
        for item in (self.crosshair, self.hover_label):
            item.hide()
            self.item.addItem(item, ignoreBounds=True)
        self._mouse_proxy = pg.SignalProxy(
            self.widget.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_moved
        )
        self.widget.left.connect(self.hide_hover)

    def hover_text(self, x_view: float) -> str | None:
        """The values under the mouse: epoch and each curve's value there."""
        x = 10**x_view if self._log_x() else x_view
        i = self.buffer.nearest(x)
        if i is None:
            return None
        xi = float(self.buffer.x()[i])
        epoch = f"{xi:.0f}" if xi == int(xi) else f"{xi:.2f}"
        lines = [f"epoch {epoch}"]
        for curve in self.curves:
            value = float(self.buffer.y(curve.column)[i])
            if math.isfinite(value):
                lines.append(f"{curve.item.name()}: {value:.4g}")
        return "\n".join(lines)

    def show_hover_at(self, scene_pos: QPointF) -> bool:
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            self.hide_hover()
            return False
        point = self.vb.mapSceneToView(scene_pos)
        text = self.hover_text(point.x())
        if text is None:
            self.hide_hover()
            return False
        i = self.buffer.nearest(10 ** point.x() if self._log_x() else point.x())
        x = float(self.buffer.x()[i])  # type: ignore[index]
        self.crosshair.setPos(math.log10(x) if self._log_x() and x > 0 else x)
        self.hover_label.setText(text)
        (x0, x1), _ = self.vb.viewRange()
        # Keep the label inside the plot: left of the cursor on the right half.
        self.hover_label.setAnchor((1, 1) if point.x() > (x0 + x1) / 2 else (0, 1))
        self.hover_label.setPos(point)
        self.crosshair.show()
        self.hover_label.show()
        return True

    def _on_mouse_moved(self, args: tuple[QPointF]) -> None:
        self.show_hover_at(args[0])

    @Slot()
    def hide_hover(self) -> None:
        self.crosshair.hide()
        self.hover_label.hide()

    # --- export ----------------------------------------------------------------------

    def export(self, path: str | Path) -> Path:
        """Write the plot to ``path``: PNG or SVG image, or CSV of the curves' data."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in EXPORT_SUFFIXES:
            raise ValueError(f"can export to {', '.join(EXPORT_SUFFIXES)}, not {suffix!r}")
        self.redraw()
        self.hide_hover()
        if suffix == ".csv":
            exporter = CSVExporter(self.item)
        elif suffix == ".svg":
            exporter = SVGExporter(self.item)
        else:
            # The plot's own size: pyqtgraph scales axis text but not the legend
            # when asked for a larger image. (Its "Export…" dialog offers sizes.)
            exporter = ImageExporter(self.item)
        exporter.export(str(path))
        return path


class LivePlots(QWidget):
    """The 2×2 grid of live training plots, fed by a ``TrainingController``'s signals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("livePlots")
        self.setAccessibleName("Training plots")
        self._layer_infos: tuple[LayerInfo, ...] = ()
        self._layer_colors: list[QColor] | None = None
        self._metric_name = "accuracy"
        #: What changed since the run the plots show ("" while they are current).
        self.previous_run = ""
        self._run_summary = ""

        self.loss_plot = LivePlot(LOSS, "Loss", "loss")
        self.metric_plot = LivePlot(METRIC, "Accuracy", "accuracy", legend_corner=(1, 1))
        self.weights_plot = LivePlot(
            WEIGHTS, "Weight norm per layer", "‖W‖₂", legend_corner=(0, 0), line_width=1.0
        )
        self.gradients_plot = LivePlot(
            GRADIENTS, "Gradient norm per layer", "‖∂L/∂W‖₂", log_y=True, line_width=1.0
        )
        self.plots: dict[str, LivePlot] = {p.key: p for p in self._all()}
        solid, dash = Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine
        for plot in (self.loss_plot, self.metric_plot):
            plot.set_curves(
                [("training", TRAINING_COLOR, solid), ("validation", VALIDATION_COLOR, dash)]
            )

        self.log_check = QCheckBox("Log-scale loss")
        self.log_check.setObjectName("lossLogCheck")
        self.log_check.setAccessibleName("Log-scale loss axis")
        self.log_check.setToolTip("Show the loss on a logarithmic axis")
        self.log_check.toggled.connect(self.set_loss_log)
        self.loss_plot.item.ctrl.logYCheck.toggled.connect(self.log_check.setChecked)
        self.status_label = QLabel("")
        self.status_label.setObjectName("plotsStatusLabel")

        header = QHBoxLayout()
        header.setContentsMargins(4, 0, 4, 0)
        header.addWidget(self.log_check)
        header.addStretch(1)
        header.addWidget(self.status_label)
        grid = QGridLayout()
        grid.setSpacing(4)
        grid.addWidget(self.loss_plot.widget, 0, 0)
        grid.addWidget(self.metric_plot.widget, 0, 1)
        grid.addWidget(self.weights_plot.widget, 1, 0)
        grid.addWidget(self.gradients_plot.widget, 1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addLayout(grid, 1)

        for plot in self._all():
            self._add_export_actions(plot)
        self._apply_palette()

        self._timer = QTimer(self)
        self._timer.setInterval(PLOT_REDRAW_MS)
        self._timer.timeout.connect(self._on_tick)
        self._next_plot = 0
        #: A run's first points are drawn as they arrive, the loss plot first; the
        #: rest at the timer's pace.
        self._first_draw_pending = False

    def _all(self) -> tuple[LivePlot, ...]:
        return (self.loss_plot, self.metric_plot, self.weights_plot, self.gradients_plot)

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: RunController) -> None:
        """Follow a controller's runs."""
        controller.started.connect(self.on_run_started)
        controller.reported.connect(self.on_report)
        controller.finished.connect(self.on_finished)
        controller.weightsReset.connect(self._on_weights_reset)

    def clear(self) -> None:
        """Empty every plot (the per-layer curves go; the next run creates them)."""
        self._clear_epoch_plots()
        for plot in (self.weights_plot, self.gradients_plot):
            plot.set_curves([])
        self._layer_infos = ()

    def _clear_epoch_plots(self) -> None:
        """Empty the loss and metric plots and the run's summary line."""
        for plot in (self.loss_plot, self.metric_plot):
            plot.clear_data()
        self._show_summary("")

    def _show_summary(self, text: str) -> None:
        self.previous_run = ""
        self.status_label.setText(text)
        self.status_label.setToolTip("")
        self.status_label.setStyleSheet("")

    def set_layer_colors(self, colors: Sequence[QColor | str]) -> None:
        """Colour the per-layer curves (index i = trainable layer i); None restores defaults."""
        self._layer_colors = [QColor(c) for c in colors]
        for plot in (self.weights_plot, self.gradients_plot):
            for curve in plot.curves:
                pen = pg.mkPen(self.layer_color(curve.column), width=plot.line_width)
                curve.item.setPen(pen)

    def layer_color(self, i: int) -> QColor:
        if self._layer_colors is not None and i < len(self._layer_colors):
            return self._layer_colors[i]
        return layer_color(i)

    @Slot(bool)
    def set_loss_log(self, on: bool) -> None:
        """Show the loss on a log axis (the data stays as it is)."""
        if self.loss_plot.log_y() != on:
            self.loss_plot.item.setLogMode(False, on)
        if self.log_check.isChecked() != on:
            self.log_check.setChecked(on)
        self._schedule()

    # --- reports ---------------------------------------------------------------------

    @Slot(object)
    def on_run_started(self, info: RunStarted) -> None:
        total = float(info.start_epoch + info.epochs_planned)
        same_layers = [layer.name for layer in info.layers] == [
            layer.name for layer in self._layer_infos
        ]
        if info.start_epoch == 0 or not same_layers:
            # The per-layer curves are replaced below (reused when the count matches).
            self._clear_epoch_plots()
            self._layer_infos = tuple(info.layers)
            solid = Qt.PenStyle.SolidLine
            specs = [
                (self._layer_label(layer), self.layer_color(i), solid)
                for i, layer in enumerate(info.layers)
            ]
            self.weights_plot.set_curves(specs)
            self.gradients_plot.set_curves(specs)
        self._metric_name = info.metric_name
        label = _METRIC_LABELS.get(info.metric_name, info.metric_name)
        self.metric_plot.item.setTitle(label)
        # Accuracy rises into the top right corner; an error falls away from it.
        self.metric_plot.place_legend((1, 1) if info.metric_name == "accuracy" else (1, 0))
        self.metric_plot.item.setLabel("left", info.metric_name)
        self.metric_plot.widget.setAccessibleName(f"{label} plot")
        self.metric_plot.y_ceiling = 1.0 if info.metric_name == "accuracy" else None
        for plot in self._all():
            plot.planned_x = total
            plot.following = True
            plot._reset_view()
            plot.idle_text = STARTING_TEXT
            if plot.buffer.n == 0:
                plot.show_empty(STARTING_TEXT)
                # The new run's epochs from the start, not the last run's range.
                plot.vb.setXRange(0.0, total * 1.02, padding=0)
        self._first_draw_pending = True
        self._run_summary = (
            f"{info.parameter_count:,} parameters · {info.train_samples:,} training samples"
        )
        self._show_summary(self._run_summary)

    @staticmethod
    def _layer_label(info: LayerInfo) -> str:
        return f"{info.name} ({info.units} {info.activation})"

    @Slot(object)
    def on_epoch_end(self, report: EpochEnd) -> None:
        self.on_epochs((report,))

    @Slot(object)
    def on_report(self, report: ChunkReport) -> None:
        """One delivery: its epoch ends, then its probes."""
        if report.epochs:
            self.on_epochs(report.epochs)
        if report.probes:
            self.on_probe_batch(report.probes)

    @Slot(object)
    def on_epochs(self, reports: Sequence[EpochEnd]) -> None:
        """Append epoch ends (the controller delivers them in batches)."""
        for report in reports:
            x = float(report.epoch)
            self.loss_plot.append(x, (report.loss, report.val_loss))
            self.metric_plot.append(x, (report.metric, report.val_metric))
        self._schedule()

    @Slot(object)
    def on_probe_batch(self, reports: Sequence[ProbeReport]) -> None:
        for report in reports:
            self.on_probes(report)

    @Slot(object)
    def on_probes(self, report: ProbeReport) -> None:
        if len(report.layers) != len(self.weights_plot.curves):
            # Reports without a RunStarted (attached mid-run): name the layers by position.
            infos = tuple(LayerInfo(i, f"layer {i + 1}", 0, "") for i in range(len(report.layers)))
            self._layer_infos = infos
            specs = [
                (f"layer {i + 1}", self.layer_color(i), Qt.PenStyle.SolidLine)
                for i in range(len(infos))
            ]
            self.weights_plot.set_curves(specs)
            self.gradients_plot.set_curves(specs)
        x = float(report.epoch)
        self.weights_plot.append(x, [p.weight_norm for p in report.layers])
        self.gradients_plot.append(x, [p.grad_norm for p in report.layers])
        self._schedule()

    @Slot(object)
    def on_finished(self, _report: RunFinished) -> None:
        self.redraw()
        for plot in self._all():
            plot.idle_text = EMPTY_TEXT
            if plot.buffer.n == 0:
                plot.show_empty(EMPTY_TEXT)

    def mark_previous_run(self, reason: str) -> None:
        """Say that the curves and figures are those of the last run (``reason``: what
        changed); "" when the project is back to what was trained."""
        if not reason:
            if self.previous_run:
                self._show_summary(self._run_summary)
            return
        if self.loss_plot.buffer.n == 0 or self.previous_run == reason:
            return
        self.previous_run = reason
        self.status_label.setText(f"Previous run · {self._run_summary}")
        self.status_label.setToolTip(
            f"{reason} since this run: press Train for curves of the current project."
        )
        self.status_label.setStyleSheet("color: #b9770e;")

    @Slot(bool)
    def _on_weights_reset(self, done: bool) -> None:
        if done:
            self.clear()

    # --- redraw ----------------------------------------------------------------------

    def _schedule(self) -> None:
        if self._first_draw_pending and self.loss_plot.dirty:
            self._first_draw_pending = False
            self._next_plot = 0  # the loss plot
            self._on_tick()
        if not self._timer.isActive():
            self._timer.start()

    @Slot()
    def _on_tick(self) -> None:
        plots = self._all()
        dirty = [i for i, p in enumerate(plots) if p.dirty]
        if not dirty:
            self._timer.stop()
            return
        # Round robin from where the last tick stopped, so no plot starves.
        n = len(plots)
        dirty.sort(key=lambda i: (i - self._next_plot) % n)
        for i in dirty[:PLOTS_PER_TICK]:
            plots[i].redraw()
        self._next_plot = (dirty[min(PLOTS_PER_TICK, len(dirty)) - 1] + 1) % n

    def redraw(self) -> None:
        """Draw what arrived since the last redraw (the timer calls this)."""
        for plot in self._all():
            plot.redraw()

    # --- export ----------------------------------------------------------------------

    def export(self, key: str, path: str | Path) -> Path:
        """Export plot ``key`` (loss, metric, weights, gradients) by the file suffix."""
        return self.plots[key].export(path)

    def _add_export_actions(self, plot: LivePlot) -> None:
        menu = plot.vb.menu
        menu.addSeparator()
        for suffix, label in ((".png", "PNG image"), (".svg", "SVG image"), (".csv", "CSV data")):
            action = QAction(f"Export {label}…", menu)
            action.setObjectName(f"{plot.key}Export{suffix[1:].upper()}Action")
            action.triggered.connect(
                lambda _checked=False, p=plot, s=suffix, lab=label: self._export_dialog(p, s, lab)
            )
            menu.addAction(action)

    def _export_dialog(self, plot: LivePlot, suffix: str, label: str) -> None:
        default = f"{plot.key}{suffix}"
        path, _ = QFileDialog.getSaveFileName(
            self, f"Export {plot.title.lower()} as {label}", default, f"{label} (*{suffix})"
        )
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            plot.export(path)
        except Exception as exc:
            QMessageBox.warning(self, "Export failed", f"Could not write {path}:\n{exc}")

    # --- looks -----------------------------------------------------------------------

    def _apply_palette(self) -> None:
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Base)
        fg = pal.color(QPalette.ColorRole.Text)
        for plot in self._all():
            plot.widget.setBackground(bg)
            for axis in ("left", "bottom"):
                ax = plot.item.getAxis(axis)
                ax.setPen(fg)
                ax.setTextPen(fg)
            plot.item.titleLabel.setAttr("color", fg.name())
            plot.item.titleLabel.setText(plot.item.titleLabel.text)
            plot.legend.setLabelTextColor(fg)
            for _sample, label in plot.legend.items:
                label.setText(label.text)  # setAttr alone does not re-render the text
            # No fill: a translucent one costs a blend on every repaint, an opaque one
            # hides the curves under it.
            plot.legend.setBrush(None)

    def changeEvent(self, ev: QEvent) -> None:
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.PaletteChange:
            self._apply_palette()
