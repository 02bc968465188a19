"""The layer stack: the network from input to output, as a Qt list model and its view.

Contract: ``LayerStackModel`` lists the hidden layers of the document's
project. It never changes itself: a drop (a new layer from the palette, or a
row moved within the stack) becomes an undo command pushed on the document.
The document's fine-grained signals then insert, remove, move or update rows
(so selection and scroll position survive an edit); only a project it cannot
follow row by row (open, new) resets the model. The input and output ends are
fixed cards above and below the list, derived from the data set. Imports Qt,
the core and the document; no engine.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QLabel,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.core.catalog import ACTIVATIONS, LAYER_KINDS
from ffnn_studio.core.size import SizeBreakdown, count_text, size_breakdown
from ffnn_studio.core.spec import DenseLayer, LayerSpec
from ffnn_studio.core.validation import Problem
from ffnn_studio.ui.document.commands import (
    DuplicateLayerCommand,
    InsertLayerCommand,
    MoveLayerCommand,
    RemoveLayerCommand,
)
from ffnn_studio.ui.document.document import DataShape, ProjectDocument
from ffnn_studio.ui.widgets.colors import layer_color

#: Drag payload: JSON ``{"kind": "dense"}`` from the palette, ``{"row": 2}`` for a move.
LAYER_MIME = "application/x-ffnn-studio-layer"

Index = QModelIndex | QPersistentModelIndex

#: The layer spec at a row.
LayerRole = Qt.ItemDataRole.UserRole + 1
#: The validation problems of a row, a list of ``Problem``.
ProblemsRole = Qt.ItemDataRole.UserRole + 2
#: "dense" or "dropout".
KindRole = Qt.ItemDataRole.UserRole + 3

_DROPOUT_GREY = QColor("#8a8f98")


# ----------------------------------------------------------------- drag payloads


def layer_mime_data(payload: dict[str, Any]) -> QMimeData:
    mime = QMimeData()
    mime.setData(LAYER_MIME, QByteArray(json.dumps(payload).encode("utf-8")))
    return mime


def read_layer_mime(mime: QMimeData | None) -> dict[str, Any] | None:
    """The payload of a layer drag, or None if ``mime`` is not one (or is malformed)."""
    if mime is None or not mime.hasFormat(LAYER_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(LAYER_MIME).data()).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    if payload.get("kind") in LAYER_KINDS or isinstance(payload.get("row"), int):
        return payload
    return None


# ----------------------------------------------------------------- icons


def kind_icon(kind: str, color: QColor | None = None, size: int = 32) -> QIcon:
    """A small drawing of a layer kind: a fully connected pair of columns, or a
    column with a dropped-out unit."""
    color = QColor(color) if color is not None else QColor("#0072B2")
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    r = size * 0.11
    ys = [size * 0.22, size * 0.5, size * 0.78]
    if kind == "dropout":
        x = size * 0.5
        for i, y in enumerate(ys):
            if i == 1:
                p.setPen(QPen(_DROPOUT_GREY, 1.4, Qt.PenStyle.DashLine))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(x, y), r, r)
                p.setPen(QPen(QColor("#D55E00"), 1.6))
                p.drawLine(QPointF(x - r, y - r), QPointF(x + r, y + r))
                p.drawLine(QPointF(x - r, y + r), QPointF(x + r, y - r))
            else:
                p.setPen(QPen(color.darker(130), 1.2))
                p.setBrush(color)
                p.drawEllipse(QPointF(x, y), r, r)
    else:
        left, right = size * 0.22, size * 0.78
        p.setPen(QPen(QColor(color.red(), color.green(), color.blue(), 120), 1.0))
        for y1 in ys:
            for y2 in ys:
                p.drawLine(QPointF(left, y1), QPointF(right, y2))
        p.setPen(QPen(color.darker(130), 1.2))
        p.setBrush(color)
        for x in (left, right):
            for y in ys:
                p.drawEllipse(QPointF(x, y), r, r)
    p.end()
    return QIcon(pix)


@functools.lru_cache(maxsize=64)
def _row_icon(color_name: str | None, kind: str, error: bool) -> QIcon:
    """The row's colour swatch (or Dropout glyph) followed by a warning sign if invalid."""
    color = QColor(color_name) if color_name else None
    h, w = 18, 40
    pix = QPixmap(w, h)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if kind == "dense" and color is not None:
        p.setPen(QPen(color.darker(140), 1))
        p.setBrush(color)
        p.drawRoundedRect(QRect(1, 2, 14, 14), 3, 3)
    else:
        kind_icon(kind, size=18).paint(p, QRect(-1, 0, 18, 18))
    if error:
        warn = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        warn.paint(p, QRect(21, 1, 16, 16))
    p.end()
    return QIcon(pix)


# ----------------------------------------------------------------- the model


class LayerStackModel(QAbstractListModel):
    """The document's hidden layers as rows; drops push undo commands."""

    def __init__(self, document: ProjectDocument, parent: Any = None) -> None:
        super().__init__(parent)
        self.document = document
        self._rows: tuple[LayerSpec, ...] = document.project.network.layers
        self._problems: dict[int, list[Problem]] = {}
        #: True while rows are being inserted, removed, moved or reset: the view's
        #: selection moves with them, which is not the user choosing a row.
        self.updating_rows = False
        self._collect_problems()
        document.layerInserted.connect(self._on_inserted)
        document.layerRemoved.connect(self._on_removed)
        document.layerMoved.connect(self._on_moved)
        document.layerChanged.connect(self._on_layer_changed)
        document.changed.connect(self._on_changed)

    # -- reading

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def layer(self, row: int) -> LayerSpec:
        return self._rows[row]

    def color_index(self, row: int) -> int | None:
        """The trainable-layer number of a Dense row (Dropout rows have none)."""
        if not isinstance(self._rows[row], DenseLayer):
            return None
        return sum(isinstance(layer, DenseLayer) for layer in self._rows[:row])

    def problems(self, row: int) -> list[Problem]:
        return self._problems.get(row, [])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = index.row()
        layer = self._rows[row]
        problems = self.problems(row)
        if role == Qt.ItemDataRole.DisplayRole:
            # The row number is drawn by the view's delegate: a row's data must not
            # change when a row above it is inserted or removed.
            return layer.describe()
        if role == Qt.ItemDataRole.AccessibleTextRole:
            text = f"Layer {row + 1}: {layer.describe()}"
            if problems:
                text += ". Problem: " + "; ".join(p.message for p in problems)
            return text
        if role == Qt.ItemDataRole.DecorationRole:
            ci = self.color_index(row)
            return _row_icon(layer_color(ci).name() if ci is not None else None, layer.kind, bool(problems))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(layer, problems)
        if role == LayerRole:
            return layer
        if role == ProblemsRole:
            return problems
        if role == KindRole:
            return layer.kind
        return None

    def _tooltip(self, layer: LayerSpec, problems: list[Problem]) -> str:
        lines = [f"<b>{layer.describe()}</b>", LAYER_KINDS[layer.kind].help]
        if isinstance(layer, DenseLayer) and layer.activation in ACTIVATIONS:
            act = ACTIVATIONS[layer.activation]
            lines.append(f"<i>{act.label}</i>: {act.formula}")
        for p in problems:
            lines.append(f"<span style='color:#c0392b'>⚠ {p.message}</span>")
        return "<br>".join(lines)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            # Only the gaps between rows (the root) accept drops: a layer is
            # inserted between others, never "onto" one.
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not self.document.locked:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    # -- drag and drop

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData | None:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        if not rows:
            return None
        return layer_mime_data({"row": rows[0]})

    def canDropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if self.document.locked or column > 0:
            return False
        payload = read_layer_mime(data)
        if payload is None:
            return False
        if "row" in payload:
            return 0 <= payload["row"] < len(self._rows)
        return True

    def dropMimeData(
        self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index
    ) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        payload = read_layer_mime(data)
        assert payload is not None
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        if "kind" in payload:
            return self.document.push(
                InsertLayerCommand.new_of_kind(self.document, row, payload["kind"])
            )
        source = payload["row"]
        # ``row`` is a gap in the current list; once the source is lifted out,
        # gaps below it shift up by one.
        target = row - 1 if row > source else row
        if target == source:
            return False
        return self.document.push(MoveLayerCommand(self.document, source, target))

    def removeRows(self, row: int, count: int, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        # After an internal move the view asks to remove the "moved-out" rows;
        # the move command has already done everything, so nothing is removed.
        return False

    # -- document updates

    def _problems_by_row(self) -> dict[int, list[Problem]]:
        by_row: dict[int, list[Problem]] = {}
        for p in self.document.problems():
            if p.layer is not None:
                by_row.setdefault(p.layer, []).append(p)
        return by_row

    def _collect_problems(self) -> None:
        self._problems = self._problems_by_row()

    def _rows_changed(self, first: int, last: int | None = None) -> None:
        last = len(self._rows) - 1 if last is None else last
        if 0 <= first <= last:
            self.dataChanged.emit(self.index(first), self.index(last))

    def _reset(self) -> None:
        self.updating_rows = True
        try:
            self.beginResetModel()
            self._rows = self.document.project.network.layers
            self._collect_problems()
            self.endResetModel()
        finally:
            self.updating_rows = False

    def _on_inserted(self, row: int) -> None:
        rows = self.document.project.network.layers
        if not 0 <= row < len(rows) or rows[:row] + rows[row + 1 :] != self._rows:
            self._reset()
            return
        self.updating_rows = True
        try:
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows = rows
            self.endInsertRows()
        finally:
            self.updating_rows = False
        # The rows below are numbered one more, and Dense colours may shift.
        self._rows_changed(row + 1)

    def _on_removed(self, row: int) -> None:
        rows = self.document.project.network.layers
        if not 0 <= row < len(self._rows) or self._rows[:row] + self._rows[row + 1 :] != rows:
            self._reset()
            return
        self.updating_rows = True
        try:
            self.beginRemoveRows(QModelIndex(), row, row)
            self._rows = rows
            self.endRemoveRows()
        finally:
            self.updating_rows = False
        self._rows_changed(row)

    def _on_moved(self, source: int, target: int) -> None:
        rows = self.document.project.network.layers
        expected = list(self._rows)
        if not (0 <= source < len(expected) and 0 <= target < len(expected)):
            self._reset()
            return
        expected.insert(target, expected.pop(source))
        if tuple(expected) != rows:
            self._reset()
            return
        # Qt counts the destination as a gap in the list before the move.
        gap = target + 1 if target > source else target
        self.updating_rows = True
        try:
            if self.beginMoveRows(QModelIndex(), source, source, QModelIndex(), gap):
                self._rows = rows
                self.endMoveRows()
            else:
                self._rows = rows
        finally:
            self.updating_rows = False
        self._rows_changed(min(source, target), max(source, target))

    def _on_layer_changed(self, row: int, _field: str) -> None:
        rows = self.document.project.network.layers
        if len(rows) != len(self._rows) or not 0 <= row < len(rows):
            self._reset()
            return
        self._rows = rows
        # A Dense layer's colour depends only on how many Dense rows are above it,
        # which a field edit does not change: only this row's text changes.
        self._rows_changed(row, row)

    def _on_changed(self) -> None:
        """After every edit: catch up with a project replaced without a description,
        and refresh the rows whose validation problems changed."""
        rows = self.document.project.network.layers
        if rows != self._rows:
            self._reset()
            return
        before = self._problems
        self._collect_problems()
        for row in sorted(set(before) | set(self._problems)):
            if before.get(row) != self._problems.get(row) and row < len(self._rows):
                self._rows_changed(row, row)


# ----------------------------------------------------------------- the views


class NumberedRowDelegate(QStyledItemDelegate):
    """Draws each row's text after its position in the stack ("2.  Dense 16 · ReLU"),
    and the row's parameter count at its right end."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        #: The right-hand text of a row (its parameter count), or "" for none.
        self.side_text: Any = lambda _row: ""

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        super().initStyleOption(option, index)
        option.text = f"{index.row() + 1}.  {option.text}"
        side = self.side_text(index.row())
        if side and option.rect.width() > 0:
            # Room for the side text: the row's own text is elided before it, never under it.
            metrics = option.fontMetrics
            room = option.rect.width() - option.decorationSize.width() - metrics.horizontalAdvance(side) - 28
            option.text = metrics.elidedText(option.text, Qt.TextElideMode.ElideRight, max(room, 20))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        side = self.side_text(index.row())
        if not side:
            return
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette = option.palette
        painter.setPen(palette.highlightedText().color() if selected else palette.placeholderText().color())
        painter.drawText(
            option.rect.adjusted(0, 0, -6, 0),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            side,
        )
        painter.restore()


class LayerListView(QListView):
    """The hidden-layer rows: drag to reorder, drop palette items in, Del / Ctrl+D."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerListView")
        self.setAccessibleName("Hidden layers")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setIconSize(QSize(40, 18))
        self.setSpacing(2)
        self.setUniformItemSizes(True)
        self.row_delegate = NumberedRowDelegate(self)
        self.setItemDelegate(self.row_delegate)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.empty_text = "Drag a layer here from the palette\n(or double-click it there)"

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # The actions' shortcuts normally take these keys first; this catches a
        # key the shortcut map passed over (e.g. while the window is not active).
        keys = QKeySequence(event.keyCombination())
        for action in self.actions():
            if action.isEnabled() and not action.shortcut().isEmpty() and keys == action.shortcut():
                action.trigger()
                event.accept()
                return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0:
            p = QPainter(self.viewport())
            p.setPen(self.palette().placeholderText().color())
            p.drawText(
                self.viewport().rect().adjusted(8, 8, -8, -8),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                self.empty_text,
            )
            p.end()


def _card(name: str, accessible: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setAccessibleName(accessible)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setFrameShape(QFrame.Shape.StyledPanel)
    label.setMargin(6)
    label.setWordWrap(True)
    return label


class LayerStackView(QWidget):
    """Input card, the hidden-layer list, output card: the network top to bottom."""

    #: A row was activated (double-click / Enter): the inspector may take focus.
    layerActivated = Signal(int)

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerStack")
        self.setAccessibleName("Layer stack")
        self.document = document
        self.model = LayerStackModel(document, self)

        self.input_card = _card("inputCard", "Input layer")
        self.output_card = _card("outputCard", "Output layer")
        self.list_view = LayerListView(self)
        self.list_view.setModel(self.model)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.input_card)
        layout.addWidget(self.list_view, 1)
        layout.addWidget(self.output_card)
        self.size_label = QLabel()
        self.size_label.setObjectName("networkSizeLabel")
        self.size_label.setAccessibleName("Network size")
        self.size_label.setWordWrap(True)
        layout.addWidget(self.size_label)
        self.size: SizeBreakdown | None = None
        self.list_view.row_delegate.side_text = self.row_size_text

        self.delete_action = self._action(
            "deleteLayerAction", "&Delete Layer", QKeySequence.StandardKey.Delete, self.delete_current
        )
        self.duplicate_action = self._action(
            "duplicateLayerAction", "D&uplicate Layer", QKeySequence("Ctrl+D"), self.duplicate_current
        )
        self.move_up_action = self._action(
            "moveLayerUpAction", "Move Layer &Up", QKeySequence("Alt+Up"), lambda: self.move_current(-1)
        )
        self.move_down_action = self._action(
            "moveLayerDownAction",
            "Move Layer Do&wn",
            QKeySequence("Alt+Down"),
            lambda: self.move_current(1),
        )

        self._syncing = False
        self.list_view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.list_view.activated.connect(lambda index: self.layerActivated.emit(index.row()))
        document.changed.connect(self._refresh)
        document.currentLayerChanged.connect(self._select_row)
        document.lockedChanged.connect(self._refresh)
        self._refresh()
        self._select_row(document.current_layer)

    def _action(self, name: str, text: str, keys: QKeySequence | QKeySequence.StandardKey, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(keys)
        # Del must delete a layer only while the list has focus, not while a spin box does.
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.list_view.addAction(action)
        return action

    # -- edits

    def delete_current(self) -> None:
        row = self.document.current_layer
        if row >= 0:
            self.document.push(RemoveLayerCommand(self.document, row))

    def duplicate_current(self) -> None:
        row = self.document.current_layer
        if row >= 0:
            self.document.push(DuplicateLayerCommand(self.document, row))

    def move_current(self, delta: int) -> None:
        row = self.document.current_layer
        target = row + delta
        if row >= 0 and 0 <= target < len(self.document.project.network.layers):
            self.document.push(MoveLayerCommand(self.document, row, target))

    # -- document → view

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        # While rows move the selection follows them; the document then says which
        # row is current (``currentLayerChanged``) and ``_select_row`` shows it.
        if not self._syncing and not self.model.updating_rows:
            self.document.set_current_layer(current.row() if current.isValid() else -1)
        self._update_actions()

    def _select_row(self, row: int) -> None:
        self._syncing = True
        try:
            sel = self.list_view.selectionModel()
            if 0 <= row < self.model.rowCount():
                sel.setCurrentIndex(
                    self.model.index(row),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect,
                )
            else:
                sel.clear()
        finally:
            self._syncing = False
        self._update_actions()

    def _update_actions(self) -> None:
        row = self.document.current_layer
        n = len(self.document.project.network.layers)
        editable = not self.document.locked
        self.delete_action.setEnabled(editable and row >= 0)
        self.duplicate_action.setEnabled(editable and row >= 0)
        self.move_up_action.setEnabled(editable and row > 0)
        self.move_down_action.setEnabled(editable and 0 <= row < n - 1)

    def _refresh(self) -> None:
        locked = self.document.locked
        self.list_view.setDragDropMode(
            QAbstractItemView.DragDropMode.NoDragDrop
            if locked
            else QAbstractItemView.DragDropMode.DragDrop
        )
        shape = self.document.data_shape()
        n_dense = len(self.document.project.network.dense_layers)
        if isinstance(shape, DataShape):
            features = "feature" if shape.n_features == 1 else "features"
            self.input_card.setText(f"<b>Input</b> · {shape.n_features} {features}")
            self.input_card.setToolTip(
                f"{self.document.project.data.describe()}: {shape.n_features} input {features}, "
                "fixed by the data set."
            )
            act = ACTIVATIONS[shape.output_activation].label
            units = "unit" if shape.output_units == 1 else "units"
            swatch = layer_color(n_dense).name()
            self.output_card.setText(
                f"<span style='color:{swatch}'>■</span> <b>Output</b> · {shape.output_units} "
                f"{units} · {act} <span style='color:gray'>({shape.task.value})</span>"
            )
            self.output_card.setToolTip(
                f"The output layer follows from the task ({shape.task.value}): "
                f"{shape.output_units} {units} with {act}."
            )
        else:
            self.input_card.setText("<b>Input</b> · ? features")
            self.input_card.setToolTip(f"The data set cannot be read: {shape}")
            self.output_card.setText("<b>Output</b> · depends on the data set")
            self.output_card.setToolTip(f"The data set cannot be read: {shape}")
        self._show_size(shape)
        self.input_card.setAccessibleDescription(self.input_card.toolTip())
        self.output_card.setAccessibleDescription(self.output_card.toolTip())
        self._update_actions()

    # -- size at a glance

    def row_size_text(self, row: int) -> str:
        """The parameter count shown at the right of a row ("" for a Dropout row; "?" unknown)."""
        size = self.size
        layers = self.document.project.network.layers
        if size is None or not 0 <= row < len(size.layers) or not isinstance(layers[row], DenseLayer):
            return ""
        return count_text(size.layers[row].parameters)

    def _show_size(self, shape: DataShape | Exception) -> None:
        """Parameters per row and in total, and multiply-adds per sample, for the current data width."""
        network = self.document.project.network
        known = isinstance(shape, DataShape)
        self.size = size_breakdown(
            network, shape.n_features if known else None, shape.output_units if known else None
        )
        size = self.size
        if known and size.output.parameters is not None:
            self.output_card.setText(f"{self.output_card.text()} · {count_text(size.output.parameters)}&nbsp;params")
        if size.parameters is not None:
            text = (
                f"<b>{size.parameters:,}</b> parameters · {count_text(size.multiply_adds)} "
                "multiply-adds per sample"
            )
            tip = (
                "Weights and biases of every Dense layer, the output layer's included; "
                f"{size.output.parameters:,} of them in the output layer. One sample's forward "
                f"pass takes {size.multiply_adds:,} multiply-adds."
            )
        elif not known:
            text = "Parameters: unknown until the data set can be read (its width sets the first layer's)"
            tip = f"The data set cannot be read: {shape}"
        else:
            text = "Parameters: unknown while a layer's unit count is out of range"
            tip = "Fix the layer marked with a problem to see the network's size."
        self.size_label.setText(text)
        self.size_label.setToolTip(tip)
        self.size_label.setAccessibleDescription(tip)
        self.list_view.viewport().update()
