"""The layer palette: one draggable item per layer kind of the catalog.

Contract: a read-only list of the catalog's layer kinds; drags carry
``layer_stack.LAYER_MIME`` payloads, double-click pushes
``InsertLayerCommand``. No engine.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from ffnn_studio.core.catalog import LAYER_KINDS
from ffnn_studio.ui.build.layer_stack import LAYER_MIME, KindRole, kind_icon, layer_mime_data
from ffnn_studio.ui.document.commands import InsertLayerCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.widgets.colors import layer_color

Index = QModelIndex | QPersistentModelIndex


class LayerPaletteModel(QAbstractListModel):
    """The catalog's layer kinds; dragging one carries ``{"kind": name}``."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._kinds = list(LAYER_KINDS)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._kinds)

    def kind(self, row: int) -> str:
        return self._kinds[row]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = LAYER_KINDS[self._kinds[index.row()]]
        if role == Qt.ItemDataRole.DisplayRole:
            return entry.label
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(entry.name, layer_color(0))
        if role == Qt.ItemDataRole.ToolTipRole:
            return (
                f"<b>{entry.label}</b><br>{entry.help}<br><i>Drag into the layer stack, "
                "or double-click / press Enter to append.</i>"
            )
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.StatusTipRole):
            return f"{entry.label} layer: {entry.help}"
        if role == KindRole:
            return entry.name
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData | None:
        valid = [i for i in indexes if i.isValid()]
        if not valid:
            return None
        return layer_mime_data({"kind": self._kinds[valid[0].row()]})

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class LayerPaletteView(QListView):
    """Drag a kind onto the stack; double-click or Enter appends it at the end."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerPalette")
        self.setAccessibleName("Layer palette")
        self.setAccessibleDescription(
            "Layer kinds. Drag one into the layer stack, or press Enter to append it."
        )
        self.document = document
        self.setModel(LayerPaletteModel(self))
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Icons above their labels in one column: a narrow strip beside the stack.
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.TopToBottom)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(QSize(36, 36))
        self.setGridSize(QSize(78, 70))
        self.setWordWrap(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.doubleClicked.connect(lambda index: self.append(index.row()))
        document.lockedChanged.connect(self._on_locked)
        self.setCurrentIndex(self.model().index(0, 0))

    def append(self, row: int) -> bool:
        """Append a new layer of the kind at palette ``row`` to the stack."""
        if not 0 <= row < self.model().rowCount():
            return False
        kind = self.model().kind(row)
        end = len(self.document.project.network.layers)
        return self.document.push(InsertLayerCommand.new_of_kind(self.document, end, kind))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.append(self.currentIndex().row())
            event.accept()
            return
        super().keyPressEvent(event)

    def _on_locked(self, locked: bool) -> None:
        self.setDragEnabled(not locked)
