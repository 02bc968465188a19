"""The layer inspector: edits become undo commands, ranges come from the catalog."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ffnn_studio.core.activation_math import activate, derivative
from ffnn_studio.core.catalog import ACTIVATIONS, DROPOUT_RATE, INITIALIZERS, REGULARIZERS, UNITS
from ffnn_studio.core.spec import DenseLayer
from ffnn_studio.ui.build.inspector import LayerInspector
from ffnn_studio.ui.build.param_widgets import FloatSpinBox, step_125
from ffnn_studio.ui.document.commands import EditLayerCommand
from ffnn_studio.ui.document.document import ProjectDocument


@pytest.fixture
def inspector(qtbot, document: ProjectDocument) -> LayerInspector:
    widget = LayerInspector(document)
    qtbot.addWidget(widget)
    widget.resize(320, 700)
    widget.show()
    return widget


def layer(document: ProjectDocument, row: int = 0):
    return document.project.network.layers[row]


def test_shows_the_selected_layer(qtbot, inspector, document) -> None:
    assert inspector.pages.currentIndex() == 1
    assert inspector.title.text() == "Layer 1 · Dense"
    assert inspector.units.value() == 8
    assert inspector.activation.currentData() == "relu"
    document.set_current_layer(1)
    assert inspector.pages.currentIndex() == 2
    assert inspector.rate.value() == pytest.approx(0.25)
    document.set_current_layer(-1)
    assert inspector.pages.currentIndex() == 0


def test_units_edit_is_a_command_and_steps_merge(qtbot, inspector, document) -> None:
    for _ in range(5):
        inspector.units.stepBy(1)
    assert layer(document).units == 13
    assert document.undo_stack.count() == 1
    assert "units" in document.undo_stack.undoText()
    document.undo_stack.undo()
    assert layer(document).units == 8
    assert inspector.units.value() == 8


def test_ranges_come_from_the_catalog(qtbot, inspector, document) -> None:
    assert (inspector.units.minimum(), inspector.units.maximum()) == (UNITS.minimum, UNITS.maximum)
    inspector.units.setValue(10**6)
    assert layer(document).units == UNITS.maximum
    l2 = inspector.regularizers["l2"]
    assert (l2.minimum(), l2.maximum()) == (0.0, 1.0)
    document.set_current_layer(1)
    assert inspector.rate.maximum() < DROPOUT_RATE.maximum  # the rate excludes 1
    inspector.rate.setValue(5.0)
    assert layer(document, 1).rate < 1.0


def test_activation_picker_help_plot_and_alpha(qtbot, inspector, document) -> None:
    combo = inspector.activation
    assert [combo.itemData(i) for i in range(combo.count())] == list(ACTIVATIONS)
    i = combo.findData("sigmoid")
    assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole).startswith(ACTIVATIONS["sigmoid"].help)
    combo.setCurrentIndex(i)
    assert layer(document).activation == "sigmoid"
    assert ACTIVATIONS["sigmoid"].help in inspector.activation_help.text()
    x, y = inspector.plot.f_curve.getData()
    np.testing.assert_allclose(y, activate("sigmoid", x))
    _, dy = inspector.plot.df_curve.getData()
    np.testing.assert_allclose(dy, derivative("sigmoid", x))
    assert not inspector.dense_form.isRowVisible(inspector.alpha)

    combo.setCurrentIndex(combo.findData("leaky_relu"))
    assert inspector.dense_form.isRowVisible(inspector.alpha)
    assert inspector.alpha.value() == pytest.approx(0.01)
    inspector.alpha.setValue(0.2)
    assert layer(document).alpha == pytest.approx(0.2)
    x, y = inspector.plot.f_curve.getData()
    np.testing.assert_allclose(y, activate("leaky_relu", x, 0.2))
    assert inspector.alpha.minimum() > 0 and inspector.alpha.maximum() < 1  # α in (0, 1)


def test_output_only_activation_is_not_offered(qtbot, inspector) -> None:
    combo = inspector.activation
    item = combo.model().item(combo.findData("softmax"))
    assert not item.isEnabled()


def test_inline_error_for_an_invalid_layer(qtbot, inspector, document) -> None:
    assert inspector.problems.isHidden()
    document.push(EditLayerCommand(document, 0, "activation", "softmax"))
    assert not inspector.problems.isHidden()
    assert "output layer" in inspector.problems.text()
    document.undo_stack.undo()
    assert inspector.problems.isHidden()


def test_bias_initializer_and_regularizers(qtbot, inspector, document) -> None:
    inspector.use_bias.setChecked(False)
    init = inspector.initializer
    assert init.count() == len(INITIALIZERS)
    init.setCurrentIndex(init.findData("he_normal"))
    inspector.regularizers["l1"].stepBy(1)
    inspector.regularizers["l2"].setValue(0.001)
    assert layer(document) == DenseLayer(
        8, "relu", use_bias=False, kernel_initializer="he_normal", l1=1e-5, l2=0.001
    )
    assert document.undo_stack.count() == 4
    for entry in REGULARIZERS.values():
        assert entry.help in inspector.regularizer_help.text()
        assert entry.help in inspector.regularizers[entry.name].toolTip()


def test_log_steps_follow_the_1_2_5_series() -> None:
    assert step_125(0.01, True) == pytest.approx(0.02)
    assert step_125(0.02, True) == pytest.approx(0.05)
    assert step_125(0.05, True) == pytest.approx(0.1)
    assert step_125(0.1, False) == pytest.approx(0.05)
    assert step_125(0.003, True) == pytest.approx(0.005)
    spin = FloatSpinBox(log_steps=True, log_floor=1e-4)
    spin.setRange(0.0, 1.0)
    spin.stepBy(1)
    assert spin.value() == pytest.approx(1e-4)
    spin.stepBy(3)
    assert spin.value() == pytest.approx(1e-3)
    spin.stepBy(-4)
    assert spin.value() == 0.0


def test_float_spin_box_reads_scientific_notation() -> None:
    spin = FloatSpinBox()
    spin.setRange(0.0, 1.0)
    assert spin.valueFromText("1e-3") == pytest.approx(0.001)
    assert spin.textFromValue(0.00001) == "1e-05"
    state, _, _ = spin.validate("2e-", 3)
    assert state.name == "Intermediate"
    state, _, _ = spin.validate("abc", 3)
    assert state.name == "Invalid"


def test_dropout_rate_edit(qtbot, inspector, document) -> None:
    document.set_current_layer(1)
    inspector.rate.stepBy(1)
    inspector.rate.stepBy(1)
    assert layer(document, 1).rate == pytest.approx(0.35)
    assert document.undo_stack.count() == 1


def test_editors_are_disabled_while_training(qtbot, inspector, document) -> None:
    document.set_locked(True)
    assert not inspector.units.isEnabled()
    document.set_locked(False)
    assert inspector.units.isEnabled()
