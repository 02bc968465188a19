"""The training and data panels: every edit an undo command, forms rebuilt from the catalog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from ffnn_studio.core.catalog import DATASETS, OPTIMIZERS, TRAINING
from ffnn_studio.core.spec import BuiltinDataSource
from ffnn_studio.ui.build.param_widgets import FloatSpinBox
from ffnn_studio.ui.build.training_panel import CROSS_ENTROPY_REGRESSION, TrainingPanel
from ffnn_studio.ui.dataset.data_panel import DataPanel
from ffnn_studio.ui.document.commands import SetDataSourceCommand
from ffnn_studio.ui.document.document import ProjectDocument


@pytest.fixture
def training_panel(qtbot, document: ProjectDocument) -> TrainingPanel:
    panel = TrainingPanel(document)
    qtbot.addWidget(panel)
    return panel


@pytest.fixture
def data_panel(qtbot, document: ProjectDocument) -> DataPanel:
    panel = DataPanel(document)
    qtbot.addWidget(panel)
    return panel


def test_optimizer_form_rebuilds_with_the_optimizer(qtbot, training_panel, document) -> None:
    panel = training_panel
    assert set(panel.optimizer_editors) == {p.name for p in OPTIMIZERS["adam"].params}
    combo = panel.optimizer
    combo.setCurrentIndex(combo.findData("momentum"))
    assert document.project.training.optimizer.name == "momentum"
    assert set(panel.optimizer_editors) == {"learning_rate", "momentum", "nesterov"}
    assert isinstance(panel.optimizer_editors["nesterov"], QCheckBox)
    assert panel.optimizer_editors["learning_rate"].value() == pytest.approx(0.01)
    assert OPTIMIZERS["momentum"].help in panel.optimizer_help.text()

    panel.optimizer_editors["nesterov"].setChecked(True)
    assert document.project.training.optimizer.params == {"nesterov": True}
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.training.optimizer.name == "adam"
    assert set(panel.optimizer_editors) == {"learning_rate", "beta_1", "beta_2"}


def test_learning_rate_steps_log_scale_and_merges(qtbot, training_panel, document) -> None:
    lr = training_panel.optimizer_editors["learning_rate"]
    assert isinstance(lr, FloatSpinBox) and lr.log_steps
    lr.stepBy(1)
    lr.stepBy(1)
    assert document.project.training.optimizer.learning_rate == pytest.approx(0.005)
    assert document.undo_stack.count() == 1
    assert lr.minimum() > 0  # the learning rate must be positive


def test_schedule_and_early_stopping_edits(qtbot, training_panel, document) -> None:
    panel = training_panel
    panel.epochs.setValue(250)
    panel.batch_size.setValue(64)
    panel.validation_fraction.setValue(0.3)
    panel.seed.setValue(7)
    assert not panel.patience.isEnabled()
    panel.early_stopping.setChecked(True)
    assert panel.patience.isEnabled()
    panel.patience.setValue(4)
    panel.restore_best.setChecked(False)
    t = document.project.training
    assert (t.epochs, t.batch_size, t.validation_fraction, t.seed) == (250, 64, 0.3, 7)
    assert (t.early_stopping, t.patience, t.restore_best_weights) == (True, 4, False)
    assert document.undo_stack.count() == 7
    assert panel.epochs.maximum() == TRAINING.epochs.maximum
    assert panel.validation_fraction.maximum() == TRAINING.validation_fraction.maximum


def test_cross_entropy_is_flagged_for_regression(qtbot, training_panel, document) -> None:
    combo = training_panel.loss
    ce = combo.findData("cross_entropy")
    assert combo.model().item(ce).isEnabled()
    document.push(SetDataSourceCommand.builtin(document, "plane"))
    assert document.project.training.loss == "mse"
    assert combo.currentData() == "mse"
    assert not combo.model().item(ce).isEnabled()
    assert CROSS_ENTROPY_REGRESSION in combo.itemData(ce, Qt.ItemDataRole.ToolTipRole)
    assert "unavailable" in training_panel.loss_help.text()


def test_validation_problem_shows_inline(qtbot, training_panel, document) -> None:
    assert training_panel.problems.isHidden()
    training_panel.validation_fraction.setValue(0.0)
    training_panel.early_stopping.setChecked(True)
    assert not training_panel.problems.isHidden()
    assert "validation" in training_panel.problems.text()


def test_data_set_picker_is_grouped(qtbot, data_panel, document) -> None:
    combo = data_panel.dataset
    model = combo.model()
    headings = [model.item(r).text() for r in range(model.rowCount()) if combo.itemData(r) is None]
    assert headings == ["Synthetic (2-D)", "Real"]
    assert not model.item(0).isEnabled()
    names = [combo.itemData(r) for r in range(model.rowCount()) if combo.itemData(r)]
    assert sorted(names) == sorted(DATASETS)
    assert combo.currentData() == "spirals"


def test_choosing_a_data_set_and_its_params(qtbot, data_panel, document) -> None:
    combo = data_panel.dataset
    combo.setCurrentIndex(combo.findData("circle"))
    assert document.project.data == BuiltinDataSource("circle")
    assert set(data_panel.param_editors) == {p.name for p in DATASETS["circle"].params}
    data_panel.param_editors["noise"].setValue(0.4)
    data_panel.param_editors["n_samples"].setValue(300)
    assert document.project.data.params == {"noise": 0.4, "n_samples": 300}
    assert DATASETS["circle"].help in data_panel.dataset_help.text()

    combo.setCurrentIndex(combo.findData("iris"))
    assert data_panel.param_editors == {}
    assert "4 features" in data_panel.dataset_help.text()
    for _ in range(4):
        document.undo_stack.undo()
    assert document.project.data.name == "spirals"
    assert combo.currentData() == "spirals"
    assert data_panel.param_editors["n_samples"].value() == 200


def test_panels_are_disabled_while_training(qtbot, training_panel, data_panel, document) -> None:
    document.set_locked(True)
    assert not training_panel.isEnabled() and not data_panel.isEnabled()
    document.set_locked(False)
    assert training_panel.isEnabled() and data_panel.isEnabled()


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_catalog_optimizer_is_in_the_picker_with_its_form(qtbot, training_panel, document, name) -> None:
    combo = training_panel.optimizer
    index = combo.findData(name)
    assert index >= 0, name
    assert combo.itemText(index) == OPTIMIZERS[name].label
    combo.setCurrentIndex(index)
    assert document.project.training.optimizer.name == name
    assert set(training_panel.optimizer_editors) == {p.name for p in OPTIMIZERS[name].params}
    assert OPTIMIZERS[name].help in training_panel.optimizer_help.text()


def test_test_fraction_is_edited_undone_and_its_problems_shown(qtbot, training_panel, document) -> None:
    panel = training_panel
    spin = panel.test_fraction
    assert spin.objectName() == "testFractionSpin" and spin.accessibleName() == "Test fraction"
    assert spin.value() == 0.0 and spin.maximum() < TRAINING.test_fraction.maximum + 1e-9
    spin.setValue(0.2)
    assert document.project.training.test_fraction == pytest.approx(0.2)
    assert "test_fraction" not in panel.problems.text()
    panel.validation_fraction.setValue(0.8)
    assert not panel.problems.isHidden() and "less than a tenth of the data" in panel.problems.text()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.training.test_fraction == 0.0 and spin.value() == 0.0
    assert "less than a tenth" not in panel.problems.text()
