"""The layer stack shows each layer's parameters, the total and the multiply-adds while editing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QStyleOptionViewItem

from ffnn_studio.core.spec import CsvDataSource
from ffnn_studio.ui.build.layer_stack import LayerStackView
from ffnn_studio.ui.document.commands import (
    EditLayerCommand,
    MoveLayerCommand,
    SetDataSourceCommand,
)
from ffnn_studio.ui.document.document import ProjectDocument


@pytest.fixture
def stack_view(qtbot, document: ProjectDocument) -> LayerStackView:
    view = LayerStackView(document)
    qtbot.addWidget(view)
    view.resize(320, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_rows_and_total_show_parameter_counts(qtbot, stack_view, document) -> None:
    # spirals: 2 features, binary → Dense 8 (24), Dropout, Dense 4 (36), output (5).
    assert [stack_view.row_size_text(r) for r in range(3)] == ["24", "", "36"]
    assert "<b>65</b> parameters" in stack_view.size_label.text()
    assert "52 multiply-adds per sample"  # 16 + 32 + 4 in stack_view.size_label.text()
    assert "5&nbsp;params" in stack_view.output_card.text()


def test_counts_follow_edits_and_moves(qtbot, stack_view, document) -> None:
    document.push(EditLayerCommand(document, 0, "units", 10))
    assert stack_view.row_size_text(0) == "30"
    assert stack_view.row_size_text(2) == "44"
    document.push(MoveLayerCommand(document, 2, 0))  # Dense 4 first, then Dense 10
    assert [stack_view.row_size_text(r) for r in range(3)] == ["12", "50", ""]
    assert "<b>73</b> parameters" in stack_view.size_label.text()
    document.undo_stack.undo()
    assert "<b>79</b> parameters" in stack_view.size_label.text()


def test_the_delegate_draws_the_count_beside_an_elided_summary(qtbot, stack_view) -> None:
    view = stack_view.list_view
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(stack_view.model.index(0))
    view.itemDelegate().initStyleOption(option, stack_view.model.index(0))
    side = stack_view.row_size_text(0)
    room = option.rect.width() - option.fontMetrics.horizontalAdvance(side)
    assert option.fontMetrics.horizontalAdvance(option.text) < room


def test_unknown_input_width_says_so(qtbot, stack_view, document, tmp_path) -> None:
    document.push(SetDataSourceCommand(document, CsvDataSource(str(tmp_path / "gone.csv"), "y")))
    assert "unknown until the data set can be read" in stack_view.size_label.text()
    assert stack_view.row_size_text(0) == "?"
    assert stack_view.row_size_text(2) == "36"
