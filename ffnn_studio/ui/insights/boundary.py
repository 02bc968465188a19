"""The decision boundary: the model's output over the input plane, live while it trains.

For data sets with two input features, a heatmap of the network's output on
a grid covering the data (with a margin) sits under the training points
(circles) and validation points (triangles) in their class colours. Binary
classification shades from one class colour through white (p = 0.5) to the
other; multi-class shows the most likely class's colour, stronger where the
network is surer; regression maps the predicted value through a colour map
shared with the points' targets.

The heatmap is evaluated in the GUI thread with ``core.forward`` (numpy, ≈ 1 ms
for 100×100 through a small MLP) from the weights the controller's deliveries
carry while a run trains, at most 10 times a second (slowing to no less than
5 Hz when evaluations get expensive), and from ``session.weights_snapshot()``
when a run starts, pauses or ends; nothing crosses into TensorFlow.

Contract: evaluates weight snapshots with ``core.forward`` on the GUI thread,
from the controller's deliveries at most every ``config.BOUNDARY_REFRESH_MS``,
slowing to ``config.BOUNDARY_MAX_INTERVAL_MS``, only while shown. No engine.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QRectF, Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from ffnn_studio.config import BOUNDARY_MAX_INTERVAL_MS, BOUNDARY_REFRESH_MS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.forward import (
    GridEvaluator,
    LayerActivation,
    activations_for,
    data_extent,
    plane_grid,
)
from ffnn_studio.core.reports import ChunkReport, RunState
from ffnn_studio.core.spec import Project, Task
from ffnn_studio.ui.insights.replay import ReplaySlider
from ffnn_studio.ui.insights.shown import LiveThrottle, RefreshWhenShown
from ffnn_studio.ui.run.background import BackgroundTask
from ffnn_studio.ui.run.protocols import RunController
from ffnn_studio.ui.widgets.colors import apply_plot_palette

log = logging.getLogger(__name__)

#: Okabe & Ito: orange, blue, bluish green, vermillion, reddish purple, sky blue, yellow.
#: Binary class 0 is orange and class 1 blue, the colours of negative and positive
#: weights in the network diagram.
CLASS_COLORS: tuple[str, ...] = (
    "#E69F00",
    "#0072B2",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#7F7F7F",
)
REGRESSION_COLORMAP = "viridis"
DEFAULT_RESOLUTION = 100
#: Share of the GUI thread's time the live refresh aims to stay under; with the
#: repaint counted as half an evaluation again. On 2 busy cores an evaluation that
#: takes 2–3 ms idle takes 4–7 ms while TensorFlow trains (measured).
TIME_BUDGET = 0.05
#: Most points drawn on top of the heatmap; bigger data sets show a fixed sample.
MAX_POINTS = 4000
#: How far the heatmap's colours go from white towards a class colour (points stay visible).
MAX_TINT = 0.75
NEEDS_2D = "The decision boundary needs 2 input features"


def class_color(k: int) -> QColor:
    base = QColor(CLASS_COLORS[k % len(CLASS_COLORS)])
    return base.darker(100 + 40 * (k // len(CLASS_COLORS))) if k >= len(CLASS_COLORS) else base


def _class_rgb(n: int) -> np.ndarray:
    return np.array([class_color(k).getRgb()[:3] for k in range(max(n, 2))], dtype=np.float32)


def _tint(rgb: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """White blended towards ``rgb`` (n, 3) by ``amount`` (n,) in [0, 1]."""
    return 255.0 - amount[:, None] * (255.0 - rgb)


def regression_lut() -> np.ndarray:
    return pg.colormap.get(REGRESSION_COLORMAP).getLookupTable(0.0, 1.0, 256, alpha=False)


def output_colors(
    output: np.ndarray,
    task: Task,
    n_classes: int,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """RGBA (n, 4) uint8 colours of the network's outputs (n, k), as the heatmap shows them."""
    out = np.asarray(output, dtype=np.float32)
    if out.ndim == 1:
        out = out[:, None]
    n = out.shape[0]
    rgba = np.empty((n, 4), dtype=np.uint8)
    rgba[:, 3] = 255
    if task is Task.REGRESSION:
        lo, hi = value_range if value_range is not None else (float(out.min()), float(out.max()))
        t = (out[:, 0] - lo) / (hi - lo) if hi > lo else np.full(n, 0.5, np.float32)
        index = np.clip(np.nan_to_num(t, nan=0.5) * 255, 0, 255).astype(np.intp)
        rgba[:, :3] = regression_lut()[index]
        return rgba
    palette = _class_rgb(n_classes)
    if task is Task.BINARY or out.shape[1] == 1:
        p = np.nan_to_num(out[:, 0], nan=0.5)
        cls = (p >= 0.5).astype(np.intp)
        amount = np.abs(p - 0.5) * 2.0
    else:
        cls = np.argmax(out, axis=1)
        conf = np.nan_to_num(out[np.arange(n), cls], nan=0.0)
        k = out.shape[1]
        # Confidence 1/k (a shrug) is white; 1 is the class colour at full strength.
        amount = np.clip((conf - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    rgba[:, :3] = np.clip(_tint(palette[cls], MAX_TINT * amount), 0, 255).astype(np.uint8)
    return rgba


def _subsample(n: int, limit: int, seed: int = 0) -> np.ndarray:
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))


class DecisionBoundaryView(RefreshWhenShown, QWidget):
    """The network's output over the plane of a 2-feature data set, with the data on top."""

    #: A heatmap evaluation finished (the benchmark and tests count these).
    refreshed = Signal()
    #: The plot was clicked at this point of the input plane (x, y).
    pointClicked = Signal(float, float)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        resolution: int = DEFAULT_RESOLUTION,
        interval_ms: int = BOUNDARY_REFRESH_MS,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("decisionBoundaryView")
        self.setAccessibleName("Decision boundary")
        self.resolution = resolution
        self._controller: Any = None
        self._document: Any = None
        self._session: Any = None
        self._preview_generation = 0
        self._preview_task: BackgroundTask | None = None
        self._prepared: Any = None
        self._project: Project | None = None
        self._task: Task | None = None
        self._n_classes = 0
        self._activations: tuple[LayerActivation, ...] = ()
        self._value_range: tuple[float, float] | None = None
        self._preview_key: str | None = None
        self.grid_points: np.ndarray | None = None
        self._evaluator: GridEvaluator | None = None
        self.grid_shape: tuple[int, int] = (0, 0)
        #: The last evaluated output on ``grid_points`` (rows·cols, k), or None.
        self.grid_output: np.ndarray | None = None
        self.refresh_count = 0
        self.last_refresh_ms = 0.0

        self.message = QLabel("Train the network to see its decision boundary.")
        self.message.setObjectName("boundaryMessage")
        self.message.setAccessibleName("Decision boundary message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("boundaryPlot")
        self.graphics.setAccessibleName("Decision boundary plot")
        self.plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot.setAspectLocked(False)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=7, pxMode=True)
        self.val_points = pg.ScatterPlotItem(size=9, pxMode=True, symbol="t")
        # The points do not change while the heatmap under them does: keep their
        # rendering in a pixmap instead of repainting 1000 symbols at every refresh.
        for item in (self.train_points, self.val_points):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            self.plot.addItem(item)
        # The point being tried (Try it): over the points, never part of the data's bounds.
        self.probe = pg.ScatterPlotItem(
            [], [], symbol="+", size=18, pen=pg.mkPen(20, 20, 20, width=2.5), brush=pg.mkBrush(None)
        )
        self.probe.setZValue(20)
        self.plot.addItem(self.probe, ignoreBounds=True)
        self.graphics.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.graphics.setToolTip("Click a point of the plane to try it (Try it tab).")
        self.legend = pg.LegendItem(offset=(-6, 6), labelTextSize="8pt")
        self.legend.setParentItem(self.plot.getViewBox())
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-6, 6))
        self.color_bar: pg.ColorBarItem | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addWidget(self.graphics, 1)
        # Replays the run: the heatmap of the weights kept at earlier epochs.
        self.replay = ReplaySlider("boundaryReplay")
        self.replay.setContentsMargins(6, 0, 6, 4)
        self.replay.moved.connect(self.refresh)
        layout.addWidget(self.replay)
        self.graphics.hide()
        self.replay.hide()
        self._apply_palette()

        self._base_interval = interval_ms
        self._cost_ms: float | None = None
        #: Live refreshes follow the controller's deliveries of weights, at most this often.
        self._throttle = LiveThrottle(interval_ms)

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: RunController, document: Any = None) -> None:
        """Follow a controller's runs and (optionally) a ``ProjectDocument``."""
        self.follow_runs(controller, self._refresh_after_reset)
        if document is not None:
            self._document = document
            document.loaded.connect(self._on_document_loaded)
            document.changed.connect(self._on_document_changed)
            self._on_document_changed()

    @Slot(bool)
    def _refresh_after_reset(self, _done: bool) -> None:
        self.refresh_if_shown()

    @Slot(object)
    def _on_started(self, _info: Any) -> None:
        c = self._controller
        session, prepared = c.session, c.last_prepared
        if session is None or prepared is None:
            return
        project = getattr(session, "project", None)
        self.set_source(session, prepared, project)
        # A new run may have another network: measure its cost afresh.
        self._cost_ms = None
        self._throttle.interval_ms = self._base_interval
        self._throttle.reset()
        self.refresh_if_shown()

    @Slot(object)
    def _on_state(self, state: RunState | str) -> None:
        if RunState(state) in (RunState.PAUSED, RunState.IDLE):
            self.replay.sync()
            self.refresh_if_shown()

    @Slot(object)
    def _on_report(self, report: ChunkReport) -> None:
        """A delivery during a run: draw the weights it carries (throttled; hidden: no work)."""
        weights = self.live_weights(report) if self.replay.at_end else None
        if weights is not None and self.refresh(weights):
            self._adapt_interval(self.last_refresh_ms)

    @Slot(object)
    def _on_finished(self, _report: Any) -> None:
        self.replay.sync()
        self.refresh_if_shown()

    @Slot()
    def _on_document_loaded(self) -> None:
        self._preview_key = None
        self.clear_session()
        self._on_document_changed()

    @Slot()
    def _on_document_changed(self) -> None:
        doc = self._document
        if doc is None:
            return
        project: Project = doc.project
        t = project.training
        key = repr((project.data, t.validation_fraction, t.test_fraction, t.seed, doc.base_dir))
        if key == self._preview_key:
            return
        self._preview_key = key
        if self._session is not None and self._project is not None and project.data == self._project.data:
            return
        self.clear_session()
        self._preview(doc)

    def _preview(self, doc: Any) -> None:
        """Show the document's data points (no heatmap) until a run starts."""
        shape = doc.data_shape()
        if isinstance(shape, StudioError):
            self._show_message(f"No data to show: {shape}")
            return
        if shape.n_features != 2:
            self._show_message(self._needs_2d_text(shape.n_features))
            return
        project, base_dir = doc.project, doc.base_dir

        def work(state: Any) -> Any:
            # scikit-learn (the split) takes ~1 s to import: off the GUI thread.
            from ffnn_studio.data import load_dataset, prepare

            dataset = load_dataset(project.data, base_dir)
            t = project.training
            return prepare(dataset, t.validation_fraction, t.seed, t.test_fraction)

        self._preview_generation += 1
        generation = self._preview_generation
        if self._preview_task is not None:
            self._preview_task.cancel()
        # Not parented to the view: a view closed while the task runs must not
        # take the task's QObject with it; cancel() drops the late result.
        task = BackgroundTask(work, None, name="boundaryPreviewTask")
        task.succeeded.connect(lambda prepared: self._on_preview(generation, prepared, None))
        task.failed.connect(lambda error: self._on_preview(generation, None, error))
        task.finished.connect(task.deleteLater)
        self._preview_task = task
        task.start()

    def _on_preview(self, generation: int, prepared: Any, error: BaseException | None) -> None:
        if not shiboken6.isValid(self):
            return  # the view was closed while the data loaded
        self._preview_task = None
        if generation != self._preview_generation or self._session is not None:
            return  # a newer preview, or a run, has taken over
        if error is not None:
            self._show_message(f"No data to show: {error}")
            return
        self.set_data(prepared)

    # --- state -----------------------------------------------------------------------

    @staticmethod
    def _needs_2d_text(n: int) -> str:
        return f"{NEEDS_2D}; this data set has {n}."

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()
        self.graphics.hide()
        self.replay.hide()

    @property
    def available(self) -> bool:
        """True when the current data has two features and the plot is shown."""
        return not self.graphics.isHidden()

    def clear_session(self) -> None:
        """Forget the session: the heatmap goes, the points stay."""
        self._session = None
        self.replay.set_session(None)
        self.grid_output = None
        self.image.clear()

    def set_source(self, session: Any, prepared: Any, project: Project | None = None) -> None:
        """Evaluate ``session``'s weights over ``prepared``'s plane from now on."""
        if not self._shows(prepared):
            self.set_data(prepared)
        if not self.available:
            self._session = None
            return
        project = project if project is not None else getattr(session, "project", None)
        if project is None:
            raise ValueError("the project of the session is needed for its activations")
        self._session = session
        self.replay.set_session(session)
        self._project = project
        self._activations = activations_for(project, prepared.task)

    def _shows(self, prepared: Any) -> bool:
        """True if the points and grid on screen are already ``prepared``'s.

        A new run on the same data (the usual case) then keeps them: redrawing
        the points and legend is most of the cost of a run's start here.
        """
        old = self._prepared
        if old is None or self._evaluator is None or not self.available:
            return False
        if old is prepared:
            return True
        same_arrays = all(
            np.array_equal(np.asarray(getattr(old, name)), np.asarray(getattr(prepared, name)))
            for name in ("x_train", "y_train", "x_val", "y_val", "mean", "variance")
        )
        return (
            same_arrays
            and (old.task, old.n_classes, old.n_features) == (prepared.task, prepared.n_classes, prepared.n_features)
            and tuple(getattr(old, "class_names", ())) == tuple(getattr(prepared, "class_names", ()))
            and tuple(getattr(old, "feature_names", ())) == tuple(getattr(prepared, "feature_names", ()))
        )

    def set_data(self, prepared: Any) -> None:
        """Show ``prepared``'s points and lay the grid over their extent."""
        self._prepared = prepared
        if prepared.n_features != 2:
            self._session = None
            self._show_message(self._needs_2d_text(prepared.n_features))
            return
        self.message.hide()
        self.graphics.show()
        self.replay.show()
        self._task = prepared.task
        self._n_classes = prepared.n_classes
        x_range, y_range = data_extent([prepared.x_train, prepared.x_val], margin=0.1)
        xs, ys, points = plane_grid(x_range, y_range, self.resolution)
        self.grid_points = points
        self._evaluator = GridEvaluator(points, prepared.mean, prepared.variance)
        self.grid_shape = (len(ys), len(xs))
        self.grid_output = None
        dx = (xs[-1] - xs[0]) / max(len(xs) - 1, 1)
        dy = (ys[-1] - ys[0]) / max(len(ys) - 1, 1)
        # Pixel centres sit on the grid points.
        self._rect = QRectF(
            float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * len(xs)), float(dy * len(ys))
        )
        self.image.clear()
        names = tuple(getattr(prepared, "feature_names", ("x₁", "x₂")))
        self.plot.setLabel("bottom", names[0] if names else "x₁")
        self.plot.setLabel("left", names[1] if len(names) > 1 else "x₂")
        if self._task is Task.REGRESSION:
            y = np.concatenate([np.asarray(prepared.y_train, float), np.asarray(prepared.y_val, float)])
            finite = y[np.isfinite(y)]
            lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            self._value_range = (lo, hi if hi > lo else lo + 1.0)
        else:
            self._value_range = None
        self._draw_points(prepared)
        self._update_legend(prepared)
        self.plot.setXRange(*x_range, padding=0)
        self.plot.setYRange(*y_range, padding=0)

    def _point_brushes(self, y: np.ndarray) -> list[Any]:
        if self._task is Task.REGRESSION:
            colors = output_colors(np.asarray(y, np.float32)[:, None], Task.REGRESSION, 0, self._value_range)
            cache: dict[tuple[int, ...], Any] = {}
            out = []
            for c in colors:
                key = tuple(int(v) for v in c)
                if key not in cache:
                    cache[key] = pg.mkBrush(*key)
                out.append(cache[key])
            return out
        brushes = [pg.mkBrush(class_color(k)) for k in range(max(self._n_classes, 2))]
        return [brushes[int(k)] for k in np.asarray(y, dtype=np.intp)]

    def _draw_points(self, prepared: Any) -> None:
        for item, x, y, pen, seed in (
            (self.train_points, prepared.x_train, prepared.y_train, pg.mkPen(255, 255, 255, 220, width=1), 0),
            (self.val_points, prepared.x_val, prepared.y_val, pg.mkPen(20, 20, 20, 230, width=1.2), 1),
        ):
            keep = _subsample(len(x), MAX_POINTS // 2 if item is self.val_points else MAX_POINTS, seed)
            x, y = np.asarray(x)[keep], np.asarray(y)[keep]
            if len(x) == 0:
                item.setData([], [])
                continue
            item.setData(x=x[:, 0], y=x[:, 1], brush=self._point_brushes(y), pen=pen)

    def _update_legend(self, prepared: Any) -> None:
        self.legend.clear()
        if self.color_bar is not None:
            self.graphics.removeItem(self.color_bar)
            self.color_bar = None
        if self._task is Task.REGRESSION:
            lo, hi = self._value_range or (0.0, 1.0)
            self.color_bar = pg.ColorBarItem(
                values=(lo, hi),
                colorMap=pg.colormap.get(REGRESSION_COLORMAP),
                interactive=False,
                width=12,
                label="predicted value",
            )
            self.graphics.addItem(self.color_bar, row=0, col=1)
        else:
            names = tuple(getattr(prepared, "class_names", ()))
            for k in range(max(self._n_classes, 2)):
                sample = pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(class_color(k)), pen=pg.mkPen("w"), size=8)
                self.legend.addItem(sample, names[k] if k < len(names) else f"class {k}")
        train = pg.ScatterPlotItem(symbol="o", brush=pg.mkBrush(160, 160, 160), pen=pg.mkPen("w"), size=8)
        val = pg.ScatterPlotItem(symbol="t", brush=pg.mkBrush(160, 160, 160), pen=pg.mkPen(20, 20, 20), size=9)
        self.legend.addItem(train, "training")
        self.legend.addItem(val, "validation")

    # --- evaluation ------------------------------------------------------------------

    def evaluate(self, weights: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
        """The network's output on the grid for a weight snapshot ((rows·cols, k))."""
        if self._evaluator is None:
            raise RuntimeError("no data")
        # The evaluator reuses its buffers: keep a copy.
        return self._evaluator(weights, self._activations).copy()

    def refresh(self, weights: Sequence[tuple[np.ndarray, np.ndarray | None]] | None = None) -> bool:
        """Evaluate ``weights`` (default: the session's current ones) and redraw the heatmap;
        False if nothing to do."""
        session = self._session
        if session is None or self.grid_points is None or not self.available:
            return False
        start = time.perf_counter()
        try:
            if weights is None:
                weights = self.replay.weights()  # an earlier epoch the slider replays, or None
            if weights is None:
                weights = session.weights_snapshot()
            out = self.evaluate(weights)
        except Exception:
            # A snapshot that does not fit (the architecture changed under us) must
            # not take the window down; the next run sets the source again.
            log.debug("decision boundary evaluation failed", exc_info=True)
            return False
        self.grid_output = out
        rgba = output_colors(out, self._task or Task.BINARY, self._n_classes, self._value_range)
        self.image.setImage(rgba.reshape(*self.grid_shape, 4), autoLevels=False)
        self.image.setRect(self._rect)
        self.refresh_count += 1
        self.last_refresh_ms = (time.perf_counter() - start) * 1000.0
        self.refreshed.emit()
        return True

    def _adapt_interval(self, cost_ms: float) -> None:
        """Slow the live refresh (down to 5 Hz) when evaluations get expensive."""
        self._cost_ms = cost_ms if self._cost_ms is None else 0.8 * self._cost_ms + 0.2 * cost_ms
        wanted = 1.5 * self._cost_ms / TIME_BUDGET
        interval = int(min(BOUNDARY_MAX_INTERVAL_MS, max(self._base_interval, wanted)))
        if abs(interval - self._throttle.interval_ms) > 0.1 * self._throttle.interval_ms:
            self._throttle.interval_ms = interval

    @property
    def refresh_interval_ms(self) -> int:
        return self._throttle.interval_ms

    # --- the point tried ---------------------------------------------------------------

    def _on_scene_clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or not self.available:
            return
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = vb.mapSceneToView(event.scenePos())
        self.pointClicked.emit(float(point.x()), float(point.y()))

    @Slot(float, float)
    def show_probe(self, x: float, y: float) -> None:
        """Mark the point of the plane that Try it is trying."""
        self.probe.setData([x], [y])

    # --- looks -----------------------------------------------------------------------

    def _apply_palette(self) -> None:
        apply_plot_palette(self.palette(), self.graphics, self.plot, self.legend)
