"""The layer stack model and view, and the palette: drag and drop, keys, undo."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QByteArray, QMimeData, QModelIndex, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from ffnn_studio.core.catalog import LAYER_KINDS
from ffnn_studio.core.spec import DenseLayer, DropoutLayer
from ffnn_studio.ui.build.layer_stack import (
    LAYER_MIME,
    KindRole,
    LayerStackModel,
    LayerStackView,
    ProblemsRole,
    layer_mime_data,
    read_layer_mime,
)
from ffnn_studio.ui.build.palette import LayerPaletteModel, LayerPaletteView
from ffnn_studio.ui.document.commands import EditLayerCommand, SetDataSourceCommand
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.ui.widgets.colors import layer_color
from tests.ui.window_fixtures import (
    layer_kinds,
)

COPY = Qt.DropAction.CopyAction
MOVE = Qt.DropAction.MoveAction


@pytest.fixture
def empty_document(qtbot) -> ProjectDocument:
    return ProjectDocument()


@pytest.fixture
def stack_view(qtbot, document: ProjectDocument) -> LayerStackView:
    view = LayerStackView(document)
    qtbot.addWidget(view)
    view.resize(320, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def palette_mime(kind: str) -> QMimeData:
    model = LayerPaletteModel()
    row = list(LAYER_KINDS).index(kind)
    return model.mimeData([model.index(row, 0)])


# ------------------------------------------------------------------ through the model


def test_build_a_network_by_dropping_palette_items_on_the_model(qtbot, empty_document) -> None:
    model = LayerStackModel(empty_document)
    assert model.rowCount() == 0
    assert model.dropMimeData(palette_mime("dense"), COPY, -1, -1, QModelIndex())
    assert model.dropMimeData(palette_mime("dense"), COPY, -1, -1, QModelIndex())
    # Between the two Dense layers.
    assert model.dropMimeData(palette_mime("dropout"), COPY, 1, 0, QModelIndex())
    assert model.rowCount() == 3
    assert layer_kinds(empty_document) == ["dense", "dropout", "dense"]
    assert model.data(model.index(1), KindRole) == "dropout"
    assert empty_document.current_layer == 1

    stack = empty_document.undo_stack
    assert stack.count() == 3
    stack.undo()
    assert model.rowCount() == 2 and layer_kinds(empty_document) == ["dense", "dense"]
    stack.undo()
    stack.undo()
    assert model.rowCount() == 0
    stack.redo()
    stack.redo()
    stack.redo()
    assert layer_kinds(empty_document) == ["dense", "dropout", "dense"]


def test_move_a_row_through_mime_data(qtbot, document: ProjectDocument) -> None:
    model = LayerStackModel(document)
    first = document.project.network.layers[0]
    mime = model.mimeData([model.index(0)])
    assert read_layer_mime(mime) == {"row": 0}
    # Gap 3 is below the last row: the first layer becomes the last.
    assert model.dropMimeData(mime, MOVE, 3, 0, QModelIndex())
    assert document.project.network.layers[-1] == first
    assert model.data(model.index(2), Qt.ItemDataRole.DisplayRole).endswith(first.describe())
    assert document.current_layer == 2
    document.undo_stack.undo()
    assert document.project.network.layers[0] == first


def test_dropping_a_row_where_it_is_changes_nothing(qtbot, document: ProjectDocument) -> None:
    model = LayerStackModel(document)
    mime = model.mimeData([model.index(1)])
    assert not model.dropMimeData(mime, MOVE, 1, 0, QModelIndex())
    assert not model.dropMimeData(mime, MOVE, 2, 0, QModelIndex())
    assert document.undo_stack.count() == 0


def test_model_refuses_foreign_or_malformed_drops_and_drops_while_locked(qtbot, document) -> None:
    model = LayerStackModel(document)
    text = QMimeData()
    text.setText("dense")
    assert not model.canDropMimeData(text, COPY, 0, 0, QModelIndex())
    bad = QMimeData()
    bad.setData(LAYER_MIME, QByteArray(b"{not json"))
    assert not model.canDropMimeData(bad, COPY, 0, 0, QModelIndex())
    unknown = layer_mime_data({"kind": "convolution"})
    assert not model.canDropMimeData(unknown, COPY, 0, 0, QModelIndex())
    assert not model.dropMimeData(layer_mime_data({"row": 9}), MOVE, 0, 0, QModelIndex())

    document.set_locked(True)
    assert not model.canDropMimeData(palette_mime("dense"), COPY, 0, 0, QModelIndex())
    assert not model.dropMimeData(palette_mime("dense"), COPY, 0, 0, QModelIndex())
    assert not model.flags(model.index(0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert len(document.project.network.layers) == 3


def test_model_declares_its_drag_and_drop_contract(qtbot, document) -> None:
    model = LayerStackModel(document)
    assert model.mimeTypes() == [LAYER_MIME]
    assert model.supportedDropActions() == COPY | MOVE
    assert model.flags(QModelIndex()) & Qt.ItemFlag.ItemIsDropEnabled
    row_flags = model.flags(model.index(0))
    assert row_flags & Qt.ItemFlag.ItemIsDragEnabled
    assert not row_flags & Qt.ItemFlag.ItemIsDropEnabled
    payload = json.loads(bytes(palette_mime("dropout").data(LAYER_MIME).data()))
    assert payload == {"kind": "dropout"}


def test_rows_show_summary_swatch_and_problems(qtbot, document) -> None:
    model = LayerStackModel(document)
    assert model.data(model.index(0)) == "Dense 8 · ReLU"
    assert model.data(model.index(1)) == "Dropout 0.25"
    assert model.data(model.index(1), Qt.ItemDataRole.AccessibleTextRole) == "Layer 2: Dropout 0.25"
    # Dense layers count for colours; the Dropout row between them does not.
    assert model.color_index(0) == 0 and model.color_index(1) is None and model.color_index(2) == 1
    assert layer_color(1) != layer_color(0)
    assert not model.data(model.index(0), Qt.ItemDataRole.DecorationRole).isNull()
    assert model.data(model.index(2), ProblemsRole) == []

    document.push(EditLayerCommand(document, 2, "activation", "softmax"))
    problems = model.data(model.index(2), ProblemsRole)
    assert len(problems) == 1 and problems[0].field == "activation"
    assert "output layer" in model.data(model.index(2), Qt.ItemDataRole.ToolTipRole)
    assert "Problem" in model.data(model.index(2), Qt.ItemDataRole.AccessibleTextRole)
    document.undo_stack.undo()
    assert model.data(model.index(2), ProblemsRole) == []


# ------------------------------------------------------------------ through the view


def _send_drop(view, mime: QMimeData, pos: QPointF, actions=COPY | MOVE) -> QDropEvent:
    """What a drag does at the end: enter, move, drop on the list's viewport."""
    viewport = view.list_view.viewport()
    for cls in (QDragEnterEvent, QDragMoveEvent):
        event = cls(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    return drop


def _row_rect(view, row: int):
    return view.list_view.visualRect(view.model.index(row))


def test_drop_from_palette_onto_the_view_inserts_at_the_drop_position(qtbot, stack_view, document) -> None:
    above_row_1 = QPointF(_row_rect(stack_view, 1).center().x(), _row_rect(stack_view, 1).top() + 2)
    drop = _send_drop(stack_view, palette_mime("dense"), above_row_1)
    assert drop.isAccepted()
    assert layer_kinds(document) == ["dense", "dense", "dropout", "dense"]
    assert document.project.network.layers[1] == DenseLayer()
    # The new row is selected, in the view as in the document.
    assert stack_view.list_view.currentIndex().row() == 1

    # Empty space below the rows appends.
    below = QPointF(20, stack_view.list_view.viewport().height() - 5)
    _send_drop(stack_view, palette_mime("dropout"), below)
    assert layer_kinds(document)[-1] == "dropout"
    assert stack_view.model.rowCount() == 5
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert layer_kinds(document) == ["dense", "dropout", "dense"]


def test_drag_a_row_within_the_view_reorders(qtbot, stack_view, document) -> None:
    last = document.project.network.layers[2]
    mime = stack_view.model.mimeData([stack_view.model.index(2)])
    rect = _row_rect(stack_view, 0)
    _send_drop(stack_view, mime, QPointF(rect.center().x(), rect.top() + 2), MOVE)
    assert document.project.network.layers[0] == last
    assert layer_kinds(document) == ["dense", "dense", "dropout"]
    document.undo_stack.undo()
    assert document.project.network.layers[2] == last


def test_drop_on_the_view_is_refused_while_training(qtbot, stack_view, document) -> None:
    document.set_locked(True)
    _send_drop(stack_view, palette_mime("dense"), QPointF(20, 5))
    assert len(document.project.network.layers) == 3


def test_delete_and_duplicate_keys(qtbot, stack_view, document) -> None:
    view = stack_view.list_view
    view.setFocus()
    document.set_current_layer(1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert layer_kinds(document) == ["dense", "dense"]
    assert document.current_layer == 1
    qtbot.keyClick(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    layers = document.project.network.layers
    assert len(layers) == 3 and layers[1] == layers[2] == DenseLayer(4, "tanh")
    qtbot.keyClick(view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert document.current_layer == 1
    assert document.undo_stack.count() == 3
    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert layer_kinds(document) == ["dense", "dropout", "dense"]


def test_delete_does_nothing_without_a_selection(qtbot, stack_view, document) -> None:
    document.set_current_layer(-1)
    stack_view.list_view.setFocus()
    qtbot.keyClick(stack_view.list_view, Qt.Key.Key_Delete)
    assert len(document.project.network.layers) == 3


def test_selecting_a_row_selects_it_in_the_document(qtbot, stack_view, document) -> None:
    with qtbot.waitSignal(document.currentLayerChanged, timeout=1000) as blocker:
        stack_view.list_view.setCurrentIndex(stack_view.model.index(2))
    assert blocker.args == [2]
    document.set_current_layer(0)
    assert stack_view.list_view.currentIndex().row() == 0


def test_input_and_output_cards_follow_the_data_set(qtbot, stack_view, document) -> None:
    assert "Input</b> · 2 features" in stack_view.input_card.text()
    out = stack_view.output_card.text()
    assert "1 unit · Sigmoid" in out and "binary" in out
    document.push(SetDataSourceCommand.builtin(document, "blobs"))
    assert "3 units · Softmax" in stack_view.output_card.text()
    document.push(SetDataSourceCommand.builtin(document, "iris"))
    assert "4 features" in stack_view.input_card.text()
    # The ends are labels, not rows: they can be neither dragged nor deleted.
    assert stack_view.model.rowCount() == 3


# ------------------------------------------------------------------ the palette


def test_palette_lists_catalog_kinds_with_help(qtbot, document) -> None:
    palette = LayerPaletteView(document)
    qtbot.addWidget(palette)
    model = palette.model()
    assert [model.data(model.index(r, 0)) for r in range(model.rowCount())] == [
        e.label for e in LAYER_KINDS.values()
    ]
    tip = model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert LAYER_KINDS["dropout"].help in tip
    assert model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsDragEnabled
    assert not model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole).isNull()


def test_palette_enter_and_double_click_append(qtbot, document) -> None:
    palette = LayerPaletteView(document)
    qtbot.addWidget(palette)
    palette.show()
    qtbot.waitExposed(palette)
    palette.setCurrentIndex(palette.model().index(1, 0))
    qtbot.keyClick(palette, Qt.Key.Key_Return)
    assert document.project.network.layers[-1] == DropoutLayer()
    rect = palette.visualRect(palette.model().index(0, 0))
    # A real double-click starts with a press; QTest's double-click event alone has none.
    qtbot.mouseClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert document.project.network.layers[-1] == DenseLayer()
    assert len(document.project.network.layers) == 5
    assert document.current_layer == 4


def test_palette_append_is_refused_while_locked(qtbot, document) -> None:
    palette = LayerPaletteView(document)
    qtbot.addWidget(palette)
    document.set_locked(True)
    with qtbot.waitSignal(document.editRefused, timeout=1000):
        assert not palette.append(0)
    assert not palette.dragEnabled()
    assert len(document.project.network.layers) == 3


# ------------------------------------------------------------------ fine-grained updates


class ModelEvents:
    """The structural signals a model emitted, in order."""

    def __init__(self, model: LayerStackModel) -> None:
        self.events: list[tuple] = []
        model.modelReset.connect(lambda: self.events.append(("reset",)))
        model.rowsInserted.connect(lambda _p, a, b: self.events.append(("inserted", a, b)))
        model.rowsRemoved.connect(lambda _p, a, b: self.events.append(("removed", a, b)))
        model.rowsMoved.connect(
            lambda _p, a, b, _d, gap: self.events.append(("moved", a, b, gap))
        )
        model.dataChanged.connect(
            lambda first, last, _roles: self.events.append(("data", first.row(), last.row()))
        )

    def take(self) -> list[tuple]:
        out, self.events = self.events, []
        return out

    def structural(self) -> list[tuple]:
        return [e for e in self.take() if e[0] != "data"]


def _tester_failures(qtlog) -> list[str]:
    return [r.message for r in qtlog.records if "FAIL" in r.message]


def test_edits_insert_move_remove_and_update_rows_without_a_reset(qtbot, qtlog, document) -> None:
    from PySide6.QtTest import QAbstractItemModelTester

    from ffnn_studio.ui.document.commands import (
        DuplicateLayerCommand,
        InsertLayerCommand,
        MoveLayerCommand,
        RemoveLayerCommand,
    )

    model = LayerStackModel(document)
    tester = QAbstractItemModelTester(  # noqa: F841  (checks the model while it lives)
        model, QAbstractItemModelTester.FailureReportingMode.Warning
    )
    events = ModelEvents(model)

    def in_step() -> None:
        assert model._rows == document.project.network.layers
        assert [model.layer(r) for r in range(model.rowCount())] == list(
            document.project.network.layers
        )

    document.push(EditLayerCommand(document, 0, "units", 12))
    assert events.take() == [("data", 0, 0)]
    assert model.data(model.index(0)) == DenseLayer(12, "relu").describe()

    document.push(InsertLayerCommand.new_of_kind(document, 1, "dense"))
    assert events.structural() == [("inserted", 1, 1)]
    in_step()
    document.push(MoveLayerCommand(document, 0, 2))
    assert events.structural() == [("moved", 0, 0, 3)]
    in_step()
    document.push(MoveLayerCommand(document, 3, 1))
    assert events.structural() == [("moved", 3, 3, 1)]
    in_step()
    document.push(DuplicateLayerCommand(document, 1))
    assert events.structural() == [("inserted", 2, 2)]
    in_step()
    document.push(RemoveLayerCommand(document, 0))
    assert events.structural() == [("removed", 0, 0)]
    in_step()

    stack = document.undo_stack
    while stack.canUndo():
        stack.undo()
        in_step()
    assert document.project == ProjectDocument(document.project).project
    while stack.canRedo():
        stack.redo()
        in_step()
    undo_redo = events.structural()
    assert undo_redo and ("reset",) not in undo_redo

    # Only a project it cannot follow row by row (a file opened) resets the model.
    from tests.ui.window_fixtures import sample_project

    document.reset(sample_project())
    assert events.structural() == [("reset",)]
    in_step()
    assert _tester_failures(qtlog) == []


def test_a_units_edit_keeps_the_view_selection_and_emits_no_reset(qtbot, stack_view, document) -> None:
    view = stack_view.list_view
    document.set_current_layer(2)
    events = ModelEvents(stack_view.model)
    with qtbot.assertNotEmitted(stack_view.model.modelReset):
        document.push(EditLayerCommand(document, 2, "units", 9))
    assert ("reset",) not in events.take()
    assert view.currentIndex().row() == 2 and document.current_layer == 2
    assert view.selectionModel().isRowSelected(2)


def test_a_data_change_refreshes_only_rows_whose_problems_change(qtbot, document) -> None:
    model = LayerStackModel(document)
    events = ModelEvents(model)
    # The same rows, a different data set: no row is inserted, moved or reset.
    document.push(SetDataSourceCommand.builtin(document, "xor"))
    assert [e for e in events.take() if e[0] != "data"] == []
    assert model._rows == document.project.network.layers


def test_the_view_numbers_the_rows(qtbot, stack_view) -> None:
    from PySide6.QtWidgets import QStyleOptionViewItem

    view = stack_view.list_view
    option = QStyleOptionViewItem()
    view.itemDelegate().initStyleOption(option, stack_view.model.index(1))
    assert option.text == "2.  Dropout 0.25"
