"""The network diagram: neurons as circles, weights as lines, live while the network trains.

Every weight is a line from a neuron to the next layer's neuron: blue when
positive, orange when negative, thicker the larger |w| (relative to the
largest weight drawn). A layer wider than ``MAX_DRAWN_UNITS`` is drawn as a
block holding the histogram of its incoming weights instead of hundreds of
circles and thousands of lines. A neuron's fill shows its bias the same way.

Redraws are cheap: the scene is built once per architecture; a new weight
snapshot only changes the pens and brushes of the existing items (at most
4 times a second while training, from the weights the controller's deliveries
carry). Clicking a neuron shows its incoming weights as a bar
chart and, for 2-feature data, its activation over the input plane.

Contract: redraws from weight snapshots (``core.forward``) at most every
``config.DIAGRAM_REFRESH_MS``, only while shown. No engine.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.config import DIAGRAM_REFRESH_MS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.forward import GridEvaluator, activations_for, data_extent, plane_grid
from ffnn_studio.core.reports import ChunkReport
from ffnn_studio.core.spec import Project, output_activation, output_units
from ffnn_studio.ui.insights.shown import LiveThrottle, RefreshWhenShown
from ffnn_studio.ui.run.protocols import RunController
from ffnn_studio.ui.widgets.colors import layer_color

log = logging.getLogger(__name__)

POSITIVE_COLOR = "#0072B2"
NEGATIVE_COLOR = "#E69F00"
NEUTRAL_COLOR = "#9A9A9A"
#: Layers wider than this are drawn as a block with a weight histogram.
MAX_DRAWN_UNITS = 32
MIN_PEN_WIDTH = 0.3
MAX_PEN_WIDTH = 3.5
HISTOGRAM_BINS = 24
MAP_RESOLUTION = 64

_COLUMN_GAP = 170.0
_ROW_GAP = 24.0
_RADIUS = 8.5
_BLOCK_WIDTH = 70.0
_BLOCK_HEIGHT = 300.0


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the diagram: the inputs, a hidden Dense layer or the output."""

    title: str
    units: int
    activation: str = ""

    @property
    def drawn_as_block(self) -> bool:
        return self.units > MAX_DRAWN_UNITS


def columns_for(
    project: Project, n_features: int, task: Any, n_classes: int
) -> tuple[ColumnSpec, ...]:
    """The diagram's columns for ``project`` on data of this shape."""
    cols = [ColumnSpec("Input", n_features)]
    for i, layer in enumerate(project.network.layers):
        if getattr(layer, "kind", "") == "dense":
            cols.append(ColumnSpec(f"Layer {i + 1}", layer.units, layer.activation))  # type: ignore[union-attr]
    cols.append(ColumnSpec("Output", output_units(task, n_classes), output_activation(task)))
    return tuple(cols)


def weight_colors(values: np.ndarray) -> np.ndarray:
    """True where a weight is drawn in the positive colour."""
    return np.asarray(values) >= 0


def _pen(positive: bool, width: float, rel: float) -> QPen:
    color = QColor(POSITIVE_COLOR if positive else NEGATIVE_COLOR)
    # Faint lines for small weights keep a dense layer readable.
    color.setAlphaF(0.12 + 0.83 * rel)
    pen = QPen(color, width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class NeuronItem(QGraphicsEllipseItem):
    """A neuron; clicking it selects it."""

    def __init__(self, column: int, unit: int, center: QPointF, radius: float) -> None:
        super().__init__(center.x() - radius, center.y() - radius, 2 * radius, 2 * radius)
        self.column = column
        self.unit = unit
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(10)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene = self.scene()
        if isinstance(scene, NetworkDiagramScene):
            scene.select_neuron(self.column, self.unit)
        event.accept()


class LayerBlockItem(QGraphicsRectItem):
    """A wide layer drawn as one box with a histogram of its incoming weights."""

    def __init__(self, column: int, rect: QRectF, bins: int) -> None:
        super().__init__(rect)
        self.column = column
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(10)
        self.bars: list[QGraphicsRectItem] = []
        inner = rect.adjusted(6, 24, -6, -6)
        self._inner = inner
        h = inner.height() / bins
        for b in range(bins):
            bar = QGraphicsRectItem(inner.left(), inner.top() + b * h, 0.0, h * 0.85, self)
            bar.setPen(QPen(Qt.PenStyle.NoPen))
            self.bars.append(bar)
        self.counts = np.zeros(bins, dtype=np.int64)

    def set_histogram(self, values: np.ndarray | None, scale: float) -> None:
        """Bars of the histogram of ``values`` over [-scale, scale] (top: most positive)."""
        n = len(self.bars)
        if values is None or values.size == 0:
            self.counts = np.zeros(n, dtype=np.int64)
        else:
            scale = scale if scale > 0 else 1.0
            counts, _ = np.histogram(np.clip(values, -scale, scale), bins=n, range=(-scale, scale))
            self.counts = counts[::-1]
        top = max(int(self.counts.max()), 1)
        w = self._inner.width()
        centre = self._inner.center().x()
        for b, bar in enumerate(self.bars):
            positive = b < n // 2
            length = w * self.counts[b] / top
            r = bar.rect()
            bar.setRect(centre - length / 2, r.top(), length, r.height())
            bar.setBrush(QColor(POSITIVE_COLOR if positive else NEGATIVE_COLOR))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        scene = self.scene()
        if isinstance(scene, NetworkDiagramScene):
            scene.select_neuron(self.column, 0)
        event.accept()


class NetworkDiagramScene(QGraphicsScene):
    """The items of the diagram; ``set_columns`` builds them, ``set_weights`` restyles them."""

    #: (column, unit): column 0 is the inputs, column i + 1 Dense block i.
    neuronSelected = Signal(int, int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.columns: tuple[ColumnSpec, ...] = ()
        self.neurons: list[list[NeuronItem]] = []
        self.blocks: dict[int, LayerBlockItem] = {}
        #: Per Dense block i: (n_in, n_out) object array of lines, or None if a side is a block.
        self.lines: list[np.ndarray | None] = []
        self.headers: list[QGraphicsSimpleTextItem] = []
        #: The diagram without its titles (which keep their size in pixels).
        self.core_rect = QRectF()
        self.compact_headers = False
        self.rebuild_count = 0
        self.weight_scale = 0.0
        self.selected: tuple[int, int] | None = None
        self._text_color = QColor("#202020")
        self._selection_pen = QPen(QColor("#202020"), 3)
        self._selection_pen.setCosmetic(True)

    # --- building --------------------------------------------------------------------

    def _column_positions(self, spec: ColumnSpec, x: float) -> list[QPointF]:
        n = spec.units
        top = -(n - 1) * _ROW_GAP / 2
        return [QPointF(x, top + k * _ROW_GAP) for k in range(n)]

    def set_columns(self, columns: Sequence[ColumnSpec]) -> bool:
        """Lay out the architecture; False (nothing rebuilt) when it is the one shown."""
        columns = tuple(columns)
        if columns == self.columns:
            return False
        self.clear()
        self.columns = columns
        self.neurons, self.blocks, self.lines, self.headers = [], {}, [], []
        self.compact_headers = False
        self.selected = None
        self.rebuild_count += 1
        self.weight_scale = 0.0
        anchors: list[list[QPointF] | QRectF] = []
        header_y = -6 + min(
            -_BLOCK_HEIGHT / 2 if spec.drawn_as_block else -(spec.units - 1) * _ROW_GAP / 2 - _RADIUS
            for spec in columns
        )
        for c, spec in enumerate(columns):
            x = c * _COLUMN_GAP
            font = QFont()
            font.setPointSizeF(8.5)
            if spec.drawn_as_block:
                rect = QRectF(x - _BLOCK_WIDTH / 2, -_BLOCK_HEIGHT / 2, _BLOCK_WIDTH, _BLOCK_HEIGHT)
                block = LayerBlockItem(c, rect, HISTOGRAM_BINS if c > 0 else 1)
                block.setPen(QPen(layer_color(c - 1) if c > 0 else QColor(NEUTRAL_COLOR), 1.5))
                block.setBrush(QColor(250, 250, 250))
                if c > 0:
                    for sign, y, color in (("w > 0", rect.top() + 12, POSITIVE_COLOR), ("w < 0", rect.bottom() - 12, NEGATIVE_COLOR)):
                        mark = QGraphicsSimpleTextItem(sign, block)
                        small = QFont(font)
                        small.setPointSizeF(6.5)
                        mark.setFont(small)
                        mark.setBrush(QColor(color))
                        mark.setPos(rect.left() + 3, y - mark.boundingRect().height() / 2)
                self.addItem(block)
                self.blocks[c] = block
                self.neurons.append([])
                anchors.append(rect)
            else:
                points = self._column_positions(spec, x)
                items = []
                for k, p in enumerate(points):
                    item = NeuronItem(c, k, p, _RADIUS)
                    edge = layer_color(c - 1) if c > 0 else QColor(NEUTRAL_COLOR)
                    item.setPen(QPen(edge, 1.6))
                    item.setBrush(QColor(245, 245, 245))
                    tip = f"{self._header_text(c, spec).splitlines()[0]}, unit {k + 1}"
                    item.setToolTip(tip)
                    self.addItem(item)
                    items.append(item)
                self.neurons.append(items)
                anchors.append(points)
            # Every title on one line above the tallest column, clear of the weights.
            self._add_header(self._header_text(c, spec), QPointF(x, header_y), font)
        for i in range(len(columns) - 1):
            a, b = anchors[i], anchors[i + 1]
            if isinstance(a, QRectF) or isinstance(b, QRectF):
                self.lines.append(None)
                self._add_band(a, b)
                continue
            grid = np.empty((len(a), len(b)), dtype=object)
            neutral = _pen(True, 1.0, 0.3)
            neutral.setColor(QColor(NEUTRAL_COLOR))
            for j, pa in enumerate(a):
                for k, pb in enumerate(b):
                    line = QGraphicsLineItem(pa.x() + _RADIUS, pa.y(), pb.x() - _RADIUS, pb.y())
                    line.setPen(neutral)
                    line.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
                    self.addItem(line)
                    grid[j, k] = line
            self.lines.append(grid)
        core = QRectF()
        for item in self.items():
            if not isinstance(item, (QGraphicsSimpleTextItem, QGraphicsRectItem)) or isinstance(
                item, LayerBlockItem
            ):
                core = core.united(item.sceneBoundingRect())
        self.core_rect = core.adjusted(-8, -8, 8, 8)
        self.setSceneRect(self.itemsBoundingRect().adjusted(-20, -20, 20, 20))
        return True

    def header_size(self) -> tuple[float, float]:
        """The widest and tallest column title, in pixels."""
        if not self.headers:
            return 0.0, 0.0
        rects = [h.boundingRect() for h in self.headers]
        return max(r.width() for r in rects), max(r.height() for r in rects)

    def set_compact_headers(self, compact: bool) -> None:
        """Short titles ("L2", units only) when the full ones would overlap."""
        if compact == self.compact_headers:
            return
        self.compact_headers = compact
        for c, (label, spec) in enumerate(zip(self.headers, self.columns, strict=True)):
            full = self._header_text(c, spec)
            label.setText(self._short_header_text(c, spec) if compact else full)
            label.setToolTip(full.replace("\n", " · ") if compact else "")
            rect = label.boundingRect()
            label.setPos(-rect.width() / 2, -rect.height())

    @staticmethod
    def _short_header_text(c: int, spec: ColumnSpec) -> str:
        if c == 0:
            return f"In\n{spec.units}"
        if spec.title == "Output":
            return f"Out\n{spec.units}"
        return f"L{c}\n{spec.units}"

    def _add_header(self, text: str, bottom_centre: QPointF, font: QFont) -> None:
        """A column title that keeps its size however the view is scaled."""
        anchor = QGraphicsRectItem(0, 0, 0, 0)
        anchor.setPen(QPen(Qt.PenStyle.NoPen))
        anchor.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        anchor.setPos(bottom_centre)
        label = QGraphicsSimpleTextItem(text, anchor)
        label.setFont(font)
        label.setBrush(self._text_color)
        rect = label.boundingRect()
        label.setPos(-rect.width() / 2, -rect.height())
        self.headers.append(label)
        self.addItem(anchor)

    def _add_band(self, a: list[QPointF] | QRectF, b: list[QPointF] | QRectF) -> None:
        """A translucent band standing for all the weights into or out of a block."""

        def span(anchor: list[QPointF] | QRectF, right: bool) -> tuple[float, float, float]:
            if isinstance(anchor, QRectF):
                return (anchor.right() if right else anchor.left()), anchor.top(), anchor.bottom()
            x = anchor[0].x() + (_RADIUS if right else -_RADIUS)
            return x, anchor[0].y(), anchor[-1].y()

        xa, a0, a1 = span(a, True)
        xb, b0, b1 = span(b, False)
        poly = QPolygonF([QPointF(xa, a0), QPointF(xb, b0), QPointF(xb, b1), QPointF(xa, a1)])
        band = QGraphicsPolygonItem(poly)
        band.setPen(QPen(Qt.PenStyle.NoPen))
        band.setBrush(QColor(150, 150, 150, 60))
        band.setZValue(-1)
        self.addItem(band)

    @staticmethod
    def _header_text(c: int, spec: ColumnSpec) -> str:
        if c == 0:
            return f"Input\n{spec.units} feature{'s' if spec.units != 1 else ''}"
        return f"{spec.title}\n{spec.units} · {spec.activation}"

    # --- weights ---------------------------------------------------------------------

    def set_weights(self, weights: Sequence[tuple[np.ndarray, np.ndarray | None]] | None) -> bool:
        """Restyle lines, neuron fills and histograms for a snapshot; False if it does not fit."""
        if weights is None:
            return False
        if len(weights) != len(self.columns) - 1:
            return False
        for i, (kernel, _bias) in enumerate(weights):
            if kernel.shape != (self.columns[i].units, self.columns[i + 1].units):
                return False
        drawn = [np.abs(k).max() for (k, _b), lines in zip(weights, self.lines, strict=True) if lines is not None and k.size]
        everything = [np.abs(k).max() for k, _b in weights if k.size]
        scale = float(max(drawn or everything or [1.0]))
        self.weight_scale = scale
        pens: dict[tuple[bool, int], QPen] = {}
        for i, (kernel, bias) in enumerate(weights):
            lines = self.lines[i]
            if lines is not None:
                # Quantize the widths so equal-looking lines share one pen object.
                rel = np.clip(np.abs(kernel) / scale, 0.0, 1.0)
                steps = np.rint(rel * 40).astype(int)
                positive = weight_colors(kernel)
                flat_lines = lines.ravel()
                for line, pos, step in zip(flat_lines, positive.ravel(), steps.ravel(), strict=True):
                    key = (bool(pos), int(step))
                    pen = pens.get(key)
                    if pen is None:
                        r = step / 40.0
                        pen = _pen(key[0], MIN_PEN_WIDTH + (MAX_PEN_WIDTH - MIN_PEN_WIDTH) * r, r)
                        pens[key] = pen
                    line.setPen(pen)
            block = self.blocks.get(i + 1)
            if block is not None:
                block.set_histogram(np.asarray(kernel).ravel(), scale)
            neurons = self.neurons[i + 1]
            if neurons and bias is not None:
                b_scale = max(float(np.abs(bias).max()), scale, 1e-12)
                for item, value in zip(neurons, bias, strict=True):
                    item.setBrush(self._bias_brush(float(value), b_scale))
        return True

    @staticmethod
    def _bias_brush(value: float, scale: float) -> QBrush:
        base = QColor(POSITIVE_COLOR if value >= 0 else NEGATIVE_COLOR)
        t = min(abs(value) / scale, 1.0) * 0.8
        r = round(255 - t * (255 - base.red()))
        g = round(255 - t * (255 - base.green()))
        b = round(255 - t * (255 - base.blue()))
        return QBrush(QColor(r, g, b))

    # --- selection -------------------------------------------------------------------

    def neuron_item(self, column: int, unit: int) -> NeuronItem | None:
        if 0 <= column < len(self.neurons) and 0 <= unit < len(self.neurons[column]):
            return self.neurons[column][unit]
        return None

    def select_neuron(self, column: int, unit: int) -> None:
        if not 0 <= column < len(self.columns) or not 0 <= unit < self.columns[column].units:
            return
        previous = self.selected
        if previous is not None:
            item = self.neuron_item(*previous)
            if item is not None:
                c = previous[0]
                item.setPen(QPen(layer_color(c - 1) if c > 0 else QColor(NEUTRAL_COLOR), 1.6))
        self.selected = (column, unit)
        item = self.neuron_item(column, unit)
        if item is not None:
            item.setPen(self._selection_pen)
        self.neuronSelected.emit(column, unit)

    def set_text_color(self, color: QColor) -> None:
        self._text_color = QColor(color)
        self._selection_pen.setColor(color)
        for item in self.headers:
            item.setBrush(color)


class _DiagramGraphicsView(QGraphicsView):
    """Keeps the whole network in view as the widget resizes."""

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fit()

    def fit(self) -> None:
        scene = self.scene()
        if scene is None or scene.sceneRect().isEmpty():
            return
        core = getattr(scene, "core_rect", QRectF())
        if core.isEmpty() or not isinstance(scene, NetworkDiagramScene):
            self.fitInView(scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            return
        # The titles keep their pixel size while the diagram scales: leave them
        # room at the sides and on top, and shorten them when columns crowd.
        view = self.viewport().rect()
        for compact in (False, True):
            scene.set_compact_headers(compact)
            width, height = scene.header_size()
            room_w = max(view.width() - width - 8, 20)
            room_h = max(view.height() - 2 * (height + 8), 20)
            scale = min(room_w / core.width(), room_h / core.height())
            if len(scene.columns) < 2 or _COLUMN_GAP * scale >= width + 6:
                break
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(core.center())


class NeuronDetail(QWidget):
    """The selected neuron: its incoming weights and, for 2-D data, its activation map."""

    unitChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neuronDetail")
        self.setAccessibleName("Selected neuron")
        self.title = QLabel("Click a neuron to see its weights.")
        self.title.setObjectName("neuronDetailTitle")
        self.title.setWordWrap(True)
        self.unit_spin = QSpinBox()
        self.unit_spin.setObjectName("neuronUnitSpin")
        self.unit_spin.setAccessibleName("Neuron number")
        self.unit_spin.setPrefix("unit ")
        self.unit_spin.setEnabled(False)
        self.unit_spin.valueChanged.connect(lambda v: self.unitChanged.emit(v - 1))

        self.weights_plot = pg.PlotWidget()
        self.weights_plot.setObjectName("neuronWeightsPlot")
        self.weights_plot.setAccessibleName("Incoming weights of the selected neuron")
        self.weights_item: pg.PlotItem = self.weights_plot.getPlotItem()
        self.weights_item.setTitle("incoming weights", size="9pt")
        self.weights_item.setLabel("bottom", "from unit")
        self.weights_item.setMenuEnabled(False)
        self.weights_item.hideButtons()
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.weights_item.addItem(self.bars)
        self.weights_item.addLine(y=0, pen=pg.mkPen((128, 128, 128)))
        self.weights: np.ndarray | None = None

        self.map_widget = pg.GraphicsLayoutWidget()
        self.map_widget.setObjectName("neuronMapPlot")
        self.map_widget.setAccessibleName("Activation of the selected neuron over the input plane")
        self.map_plot: pg.PlotItem = self.map_widget.addPlot(row=0, col=0)
        self.map_plot.setTitle("activation over the input plane", size="9pt")
        self.map_plot.setMenuEnabled(False)
        self.map_plot.hideButtons()
        self.map_image = pg.ImageItem(axisOrder="row-major")
        self.map_plot.addItem(self.map_image)
        self.map_points = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(255, 255, 255, 140))
        self.map_plot.addItem(self.map_points)
        self.map_bar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=10)
        self.map_bar.setImageItem(self.map_image)
        self.map_widget.addItem(self.map_bar, row=0, col=1)
        self.map_values: np.ndarray | None = None

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.unit_spin)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.weights_plot, 1)
        layout.addWidget(self.map_widget, 2)
        self.map_widget.hide()

    def set_weights(self, weights: np.ndarray | None, bias: float | None) -> None:
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        if self.weights is None or self.weights.size == 0:
            self.bars.setOpts(x=[], height=[], brushes=[])
            return
        x = np.arange(1, self.weights.size + 1)
        brushes = [pg.mkBrush(POSITIVE_COLOR if v >= 0 else NEGATIVE_COLOR) for v in self.weights]
        self.bars.setOpts(x=x, height=self.weights, width=0.8, brushes=brushes, pens=[None] * len(x))
        self.weights_item.setTitle(
            "incoming weights" + ("" if bias is None else f" · bias {bias:+.3g}"), size="9pt"
        )
        lim = float(np.abs(self.weights).max()) or 1.0
        self.weights_item.setYRange(-lim * 1.1, lim * 1.1, padding=0)
        self.weights_item.setXRange(0.4, len(x) + 0.6, padding=0)
        step = max(1, int(np.ceil(len(x) / 12)))
        ticks = [(int(i), str(int(i))) for i in x if (i - 1) % step == 0]
        self.weights_item.getAxis("bottom").setTicks([ticks, []])

    def set_map(self, values: np.ndarray | None, rect: QRectF | None, points: np.ndarray | None = None) -> None:
        self.map_values = values
        if values is None or rect is None:
            self.map_widget.hide()
            return
        self.map_widget.show()
        lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
        if hi - lo < 1e-6:
            lo, hi = lo - 0.5, hi + 0.5
        self.map_image.setImage(values, autoLevels=False, levels=(lo, hi))
        self.map_image.setRect(rect)
        self.map_bar.setLevels((lo, hi))
        if points is not None:
            self.map_points.setData(x=points[:, 0], y=points[:, 1])
        self.map_plot.setXRange(rect.left(), rect.right(), padding=0)
        self.map_plot.setYRange(rect.top(), rect.bottom(), padding=0)


class NetworkDiagramView(RefreshWhenShown, QWidget):
    """The live network diagram with the selected neuron's detail beside it."""

    def __init__(
        self, parent: QWidget | None = None, *, interval_ms: int = DIAGRAM_REFRESH_MS
    ) -> None:
        super().__init__(parent)
        self.setObjectName("networkDiagramView")
        self.setAccessibleName("Network diagram")
        self._controller: Any = None
        self._document: Any = None
        self._session: Any = None
        self._prepared: Any = None
        self._project: Project | None = None
        self._forward_acts: tuple[Any, ...] = ()
        self._weights: list[tuple[np.ndarray, np.ndarray | None]] | None = None
        self._map_grid: tuple[np.ndarray, QRectF, tuple[int, int]] | None = None
        self._map_evaluator: GridEvaluator | None = None
        self.refresh_count = 0

        self.scene = NetworkDiagramScene(self)
        self.view = _DiagramGraphicsView(self.scene)
        self.view.setObjectName("networkDiagramGraphics")
        self.view.setAccessibleName("Network diagram drawing")
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.detail = NeuronDetail()
        self.legend = QLabel(
            f"<span style='color:{POSITIVE_COLOR}'><b>━</b> positive</span> &nbsp; "
            f"<span style='color:{NEGATIVE_COLOR}'><b>━</b> negative</span> &nbsp; "
            "thicker = larger |w| · fill = bias<br>"
            f"layers over {MAX_DRAWN_UNITS} units: histogram of their weights · click a neuron"
        )
        self.legend.setToolTip(
            "Each line is one weight: blue when positive, orange when negative, thicker and "
            "more opaque the larger |w| is (relative to the largest weight drawn). A neuron's "
            "fill shows its bias the same way. Layers wider than "
            f"{MAX_DRAWN_UNITS} units are drawn as a block holding the histogram of their "
            "incoming weights (top: positive, bottom: negative)."
        )
        self.legend.setObjectName("networkDiagramLegend")
        self.legend.setWordWrap(True)
        self.message = QLabel("")
        self.message.setObjectName("networkDiagramMessage")
        self.message.hide()

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.message)
        lv.addWidget(self.view, 1)
        lv.addWidget(self.legend)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("networkDiagramSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([620, 380])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.scene.neuronSelected.connect(self._on_neuron_selected)
        self.detail.unitChanged.connect(self._on_unit_spin)
        #: Live refreshes follow the controller's deliveries of weights, at most this often.
        self._throttle = LiveThrottle(interval_ms)
        self._apply_palette()

    # --- wiring ----------------------------------------------------------------------

    #: Narrower than this, the neuron's detail goes under the diagram instead of beside it.
    SIDE_BY_SIDE_WIDTH = 640

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        side = self.width() >= self.SIDE_BY_SIDE_WIDTH
        wanted = Qt.Orientation.Horizontal if side else Qt.Orientation.Vertical
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)

    def attach(self, controller: RunController, document: Any = None) -> None:
        """Follow a ``TrainingController`` and (optionally) the document's architecture."""
        self._controller = controller
        controller.started.connect(self._on_started)
        # A model opened from a file is shown as a finished run's is, before any training.
        controller.modelLoaded.connect(self._on_started)
        controller.reported.connect(self._on_report)
        # Bound slots, not lambdas: Qt drops them when this view is destroyed.
        controller.finished.connect(self._refresh_after)
        controller.weightsReset.connect(self._refresh_after)
        if document is not None:
            self._document = document
            document.changed.connect(self._on_document_changed)
            document.loaded.connect(self._on_document_loaded)
            self._on_document_changed()

    @Slot(object)
    def _on_started(self, _info: Any) -> None:
        c = self._controller
        if c.session is not None and c.last_prepared is not None:
            self.set_source(c.session, c.last_prepared, getattr(c.session, "project", None))
            self.refresh_if_shown()

    @Slot(object)
    def _on_report(self, report: ChunkReport) -> None:
        """A delivery during a run: draw the weights it carries (throttled; hidden: no work)."""
        weights = self.live_weights(report)
        if weights is not None:
            self.refresh(weights)

    @Slot()
    def _on_document_loaded(self) -> None:
        self._session = None
        self._on_document_changed()

    @Slot()
    def _on_document_changed(self) -> None:
        doc = self._document
        if doc is None:
            return
        shape = doc.data_shape()
        if isinstance(shape, StudioError):
            self.message.setText(f"No data set to size the network: {shape}")
            self.message.show()
            return
        self.message.hide()
        columns = columns_for(doc.project, shape.n_features, shape.task, shape.n_classes)
        if columns != self.scene.columns:
            # The edited network is not the trained one: show its shape without weights.
            self._session = None
            self._weights = None
            self.scene.set_columns(columns)
            self.view.fit()
            self._update_detail()

    # --- source ----------------------------------------------------------------------

    def set_source(self, session: Any, prepared: Any, project: Project | None = None) -> None:
        """Draw ``session``'s network and follow its weights."""
        project = project if project is not None else session.project
        self._session, self._prepared, self._project = session, prepared, project
        self._forward_acts = activations_for(project, prepared.task)
        if self.scene.set_columns(columns_for(project, prepared.n_features, prepared.task, prepared.n_classes)):
            self.view.fit()
        self._map_grid = None
        self._map_evaluator = None
        if prepared.n_features == 2:
            x_range, y_range = data_extent([prepared.x_train, prepared.x_val], 0.1)
            xs, ys, pts = plane_grid(x_range, y_range, MAP_RESOLUTION)
            dx, dy = (xs[-1] - xs[0]) / (len(xs) - 1), (ys[-1] - ys[0]) / (len(ys) - 1)
            rect = QRectF(float(xs[0] - dx / 2), float(ys[0] - dy / 2), float(dx * len(xs)), float(dy * len(ys)))
            self._map_grid = (pts, rect, (len(ys), len(xs)))

    def set_weights(self, weights: Sequence[tuple[np.ndarray, np.ndarray | None]]) -> bool:
        """Show a weight snapshot (for callers without a session, e.g. tests)."""
        self._weights = [(np.asarray(k), None if b is None else np.asarray(b)) for k, b in weights]
        ok = self.scene.set_weights(self._weights)
        self._update_detail()
        return ok

    @Slot(object)
    def _refresh_after(self, _report: object) -> None:
        self.refresh_if_shown()

    def refresh(self, weights: Sequence[tuple[np.ndarray, np.ndarray | None]] | None = None) -> bool:
        """Draw ``weights`` (default: the session's current ones); False without a session."""
        session = self._session
        if session is None:
            return False
        if weights is None:
            try:
                weights = session.weights_snapshot()
            except Exception:
                log.debug("weights_snapshot failed", exc_info=True)
                return False
        ok = self.set_weights(weights)
        self.refresh_count += 1
        return ok

    # --- selection -------------------------------------------------------------------

    @Slot(int, int)
    def _on_neuron_selected(self, column: int, unit: int) -> None:
        spec = self.scene.columns[column]
        self.detail.unit_spin.blockSignals(True)
        self.detail.unit_spin.setRange(1, spec.units)
        self.detail.unit_spin.setValue(unit + 1)
        self.detail.unit_spin.setEnabled(True)
        self.detail.unit_spin.blockSignals(False)
        self._update_detail()

    @Slot(int)
    def _on_unit_spin(self, unit: int) -> None:
        if self.scene.selected is not None:
            self.scene.select_neuron(self.scene.selected[0], unit)

    def select_neuron(self, column: int, unit: int) -> None:
        self.scene.select_neuron(column, unit)

    def _update_detail(self) -> None:
        sel = self.scene.selected
        if sel is None:
            self.detail.title.setText("Click a neuron to see its incoming weights and what it responds to.")
            self.detail.set_weights(None, None)
            self.detail.set_map(None, None)
            return
        column, unit = sel
        spec = self.scene.columns[column]
        name = "Input" if column == 0 else spec.title
        act = f" ({spec.activation})" if spec.activation else ""
        self.detail.title.setText(f"<b>{name}, unit {unit + 1}</b>{act}")
        weights = self._weights
        if column == 0 or weights is None or len(weights) < column:
            self.detail.set_weights(None, None)
        else:
            kernel, bias = weights[column - 1]
            if kernel.shape[1] > unit:
                self.detail.set_weights(kernel[:, unit], None if bias is None else float(bias[unit]))
        self.detail.set_map(*self._activation_map(column, unit))

    def _activation_map(self, column: int, unit: int) -> tuple[np.ndarray | None, QRectF | None, np.ndarray | None]:
        grid = self._map_grid
        prepared = self._prepared
        if grid is None or prepared is None:
            return None, None, None
        pts, rect, shape = grid
        if column == 0:
            values = pts[:, unit]
        else:
            weights = self._weights
            if weights is None:
                return None, None, None
            try:
                if self._map_evaluator is None:
                    self._map_evaluator = GridEvaluator(pts, prepared.mean, prepared.variance)
                layer = self._map_evaluator(weights, self._forward_acts, upto=column - 1)
                values = layer[:, unit].copy()
            except (ValueError, IndexError):
                return None, None, None
        sample = np.asarray(prepared.x_train)[:: max(1, len(prepared.x_train) // 600)]
        return np.asarray(values, dtype=np.float32).reshape(shape), rect, sample

    # --- looks -----------------------------------------------------------------------

    def _apply_palette(self) -> None:
        pal = self.palette()
        bg = pal.color(QPalette.ColorRole.Base)
        fg = pal.color(QPalette.ColorRole.Text)
        self.view.setBackgroundBrush(bg)
        self.scene.set_text_color(fg)
        for w in (self.detail.weights_plot,):
            w.setBackground(bg)
        self.detail.map_widget.setBackground(bg)
        for item in (self.detail.weights_item, self.detail.map_plot):
            for axis in ("left", "bottom"):
                ax = item.getAxis(axis)
                ax.setPen(fg)
                ax.setTextPen(fg)

