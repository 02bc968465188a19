"""The per-layer health table: weight and gradient norms, update ratio, dead and saturated units.

Fed by the session's in-graph probes (``ProbeReport``). A layer gets a
warning icon, with a tooltip saying what is wrong and what to try, when its
gradient vanishes (under 1/1000 of the largest layer's), when most of its
ReLU units are dead, or when most of its sigmoid/tanh units are saturated.

Contract: a table model over the controller's probe reports; flags come from
the catalog's probe kinds. No engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Slot
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QHeaderView,
    QLabel,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.reports import ChunkReport, LayerInfo, LayerProbe, ProbeReport, RunStarted
from ffnn_studio.ui.run.protocols import RunController
from ffnn_studio.ui.widgets.colors import layer_color

#: A layer's gradient norm under this fraction of the largest layer's counts as vanishing.
VANISHING_RATIO = 1e-3
#: More than this fraction of dead (ReLU) or saturated (sigmoid/tanh) units is flagged.
DEAD_LIMIT = 0.5
SATURATED_LIMIT = 0.5

VANISHING, DEAD, SATURATED = "vanishing", "dead", "saturated"

COLUMNS: tuple[tuple[str, str], ...] = (
    ("Layer", "The Dense layer (hidden layers in stack order, then the output)."),
    ("Weight norm", "‖W‖₂: the L2 norm of the layer's kernel."),
    ("Gradient norm", "‖∂L/∂W‖₂: the L2 norm of the loss gradient for the kernel at the last step."),
    (
        "Update ratio",
        "‖ΔW‖ / ‖W‖ over the last step: how much one step changes the weights. Around 1e-3 is "
        "healthy; much larger is unstable, much smaller is barely learning.",
    ),
    ("Dead units", "ReLU: share of units that output 0 for the whole batch (they get no gradient)."),
    (
        "Saturated",
        "sigmoid/tanh: share of activations in the flat tails, where the derivative is almost 0.",
    ),
)


@dataclass(frozen=True)
class LayerWarning:
    kind: str
    text: str


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def layer_warnings(
    infos: Sequence[LayerInfo], probes: Sequence[LayerProbe]
) -> list[list[LayerWarning]]:
    """The warnings of every layer for one probe report (pure; the table's logic)."""
    grads = [p.grad_norm for p in probes if math.isfinite(p.grad_norm)]
    largest = max(grads, default=0.0)
    out: list[list[LayerWarning]] = []
    for i, probe in enumerate(probes):
        info = infos[i] if i < len(infos) else None
        found: list[LayerWarning] = []
        g = probe.grad_norm
        if largest > 0 and math.isfinite(g) and g < VANISHING_RATIO * largest:
            found.append(
                LayerWarning(
                    VANISHING,
                    f"Vanishing gradient: this layer's gradient norm ({g:.2g}) is less than "
                    f"1/1000 of the largest layer's ({largest:.2g}), so its weights hardly "
                    "change and it stops learning. Deep stacks of sigmoid or tanh layers do "
                    "this: each layer multiplies the gradient by a derivative of 0.25 or less. "
                    "Try ReLU, Leaky ReLU or ELU, a better initialization (He for ReLU, Glorot "
                    "for tanh), fewer layers, or an adaptive optimizer such as Adam.",
                )
            )
        dead = probe.dead_fraction
        if dead is not None and dead > DEAD_LIMIT:
            found.append(
                LayerWarning(
                    DEAD,
                    f"Dead ReLUs: {_pct(dead)} of this layer's units output 0 for every "
                    "sample, so no gradient flows through them and they never recover. A "
                    "too-large learning rate or a large negative bias usually kills them. Try "
                    "a lower learning rate, Leaky ReLU or ELU (they keep a gradient for "
                    "negative inputs), or He initialization.",
                )
            )
        sat = probe.saturated_fraction
        if sat is not None and sat > SATURATED_LIMIT:
            act = info.activation if info is not None else "sigmoid/tanh"
            found.append(
                LayerWarning(
                    SATURATED,
                    f"Saturated units: {_pct(sat)} of this layer's {act} activations sit in "
                    "the flat tails where the derivative is almost 0, so learning through "
                    "them crawls. Try a lower learning rate, smaller initial weights "
                    "(Glorot), L2 regularization, or ReLU-family activations.",
                )
            )
        out.append(found)
    return out


def _swatch(color: QColor, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(color)
    p.setPen(color.darker(130))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return QIcon(pix)


def warning_icon() -> QIcon:
    style = QApplication.style()
    return style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


def epoch_text(epoch: float) -> str:
    """"epoch 20" after a whole epoch; "during epoch 21" for a probe inside one."""
    whole = round(epoch)
    if abs(epoch - whole) < 1e-6:
        return f"epoch {whole}"
    return f"during epoch {math.floor(epoch) + 1}"


class LayerHealthModel(QAbstractTableModel):
    """One row per Dense layer with its latest probe figures and warnings."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.infos: tuple[LayerInfo, ...] = ()
        self.probes: tuple[LayerProbe, ...] = ()
        self.warnings: list[list[LayerWarning]] = []
        self.epoch: float | None = None
        self._warning_icon: QIcon | None = None
        self._swatches: dict[int, QIcon] = {}

    # --- feeding ---------------------------------------------------------------------

    def set_layers(self, infos: Sequence[LayerInfo]) -> None:
        self.beginResetModel()
        self.infos = tuple(infos)
        self.probes = ()
        self.warnings = [[] for _ in self.infos]
        self.epoch = None
        self.endResetModel()

    def clear(self) -> None:
        self.set_layers(())

    def update_probes(self, report: ProbeReport) -> None:
        layers = tuple(report.layers)
        if len(layers) != len(self.infos):
            # Reports without a RunStarted (attached mid-run): name the layers by position.
            self.set_layers(
                tuple(LayerInfo(i, f"layer {i + 1}", 0, "") for i in range(len(layers)))
            )
        self.probes = layers
        self.epoch = report.epoch
        self.warnings = layer_warnings(self.infos, layers)
        if self.infos:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.infos) - 1, len(COLUMNS) - 1))

    # --- reading ---------------------------------------------------------------------

    def flagged_rows(self) -> list[int]:
        return [i for i, w in enumerate(self.warnings) if w]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.infos)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return COLUMNS[section][1]
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def _text(self, row: int, col: int) -> str:
        info = self.infos[row]
        if col == 0:
            name = "output" if info.spec_index is None else f"layer {info.spec_index + 1}"
            detail = f"{info.units} {info.activation}".strip() if info.units else ""
            return f"{name} · {detail}" if detail else info.name
        if row >= len(self.probes):
            return "—"
        p = self.probes[row]
        if col == 1:
            return f"{p.weight_norm:.4g}"
        if col == 2:
            return f"{p.grad_norm:.3g}"
        if col == 3:
            return f"{p.update_ratio:.2e}"
        if col == 4:
            return "—" if p.dead_fraction is None else _pct(p.dead_fraction)
        if col == 5:
            return "—" if p.saturated_fraction is None else _pct(p.saturated_fraction)
        return ""

    def tooltip(self, row: int) -> str:
        warnings = self.warnings[row] if row < len(self.warnings) else []
        if warnings:
            return "\n\n".join(w.text for w in warnings)
        if row < len(self.probes):
            return "This layer looks healthy."
        return "No figures yet: they arrive while the network trains."

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self.infos):
            return None
        warnings = self.warnings[row] if row < len(self.warnings) else []
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            text = self._text(row, col)
            if role == Qt.ItemDataRole.AccessibleTextRole and col == 0 and warnings:
                text += " (warning: " + ", ".join(w.kind for w in warnings) + ")"
            return text
        if role == Qt.ItemDataRole.DecorationRole and col == 0:
            if warnings:
                if self._warning_icon is None:
                    self._warning_icon = warning_icon()
                return self._warning_icon
            if row not in self._swatches:
                self._swatches[row] = _swatch(layer_color(row))
            return self._swatches[row]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 0 or warnings:
                return self.tooltip(row)
            return COLUMNS[col][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and col > 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and warnings:
            kinds = {w.kind for w in warnings}
            bad_col = (
                (col == 2 and VANISHING in kinds)
                or (col == 4 and DEAD in kinds)
                or (col == 5 and SATURATED in kinds)
            )
            if bad_col:
                return QColor("#D55E00")
        return None

    def warning_kinds(self, row: int) -> set[str]:
        return {w.kind for w in self.warnings[row]} if row < len(self.warnings) else set()


class LayerHealthView(QWidget):
    """The health table with a one-line summary above it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerHealthView")
        self.setAccessibleName("Layer health")
        self.model = LayerHealthModel(self)
        self.summary = QLabel("Per-layer health figures appear while the network trains.")
        self.summary.setObjectName("layerHealthSummary")
        self.summary.setAccessibleName("Layer health summary")
        self.summary.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("layerHealthTable")
        self.table.setAccessibleName("Layer health table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(COLUMNS)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        self.model.dataChanged.connect(self._update_summary)
        self.model.modelReset.connect(self._update_summary)

    def attach(self, controller: RunController, document: Any = None) -> None:
        """Follow a controller's runs and (optionally) the document's loads."""
        controller.started.connect(self.on_run_started)
        controller.reported.connect(self.on_report)
        # New weights: the figures of the old ones would be stale.
        controller.weightsReset.connect(self._on_weights_reset)
        if document is not None:
            document.loaded.connect(self.model.clear)

    @Slot(object)
    def on_run_started(self, info: RunStarted) -> None:
        if info.start_epoch == 0 or tuple(info.layers) != self.model.infos:
            self.model.set_layers(info.layers)

    @Slot(bool)
    def _on_weights_reset(self, done: bool) -> None:
        if done:
            self.model.clear()

    @Slot(object)
    def on_report(self, report: ChunkReport) -> None:
        self.on_probe_batch(report.probes)

    @Slot(object)
    def on_probe_batch(self, reports: tuple[ProbeReport, ...]) -> None:
        """Only the latest figures are shown: one update per delivery of reports."""
        if reports:
            self.on_probes(reports[-1])

    @Slot(object)
    def on_probes(self, report: ProbeReport) -> None:
        self.model.update_probes(report)

    def _update_summary(self, *_args: Any) -> None:
        m = self.model
        if not m.probes:
            self.summary.setText("Per-layer health figures appear while the network trains.")
            return
        flagged = m.flagged_rows()
        where = epoch_text(m.epoch) if m.epoch is not None else ""
        if not flagged:
            self.summary.setText(f"All layers look healthy ({where}).")
        else:
            n = len(flagged)
            self.summary.setText(
                f"⚠ {n} layer{'s' if n > 1 else ''} need{'' if n > 1 else 's'} attention ({where}): "
                "hover the warning icon to see why and what to try."
            )
        self.summary.setToolTip("\n\n".join(m.tooltip(r) for r in flagged))
