"""The document and its undo commands, without widgets."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    Project,
    Task,
)
from ffnn_studio.ui.document.commands import (
    DuplicateLayerCommand,
    EditDataParamCommand,
    EditLayerCommand,
    EditOptimizerParamCommand,
    EditTrainingCommand,
    InsertLayerCommand,
    MoveLayerCommand,
    RemoveLayerCommand,
    SetDataSourceCommand,
    SetOptimizerCommand,
)
from ffnn_studio.ui.document.document import DataShape, ProjectDocument
from tests.ui.window_fixtures import (
    layer_kinds,
)


def test_insert_remove_duplicate_move_and_undo_all(document: ProjectDocument) -> None:
    original = document.project
    document.push(InsertLayerCommand.new_of_kind(document, 1, "dense"))
    assert layer_kinds(document) == ["dense", "dense", "dropout", "dense"]
    assert document.project.network.layers[1] == DenseLayer()
    assert document.current_layer == 1

    document.push(RemoveLayerCommand(document, 2))
    assert layer_kinds(document) == ["dense", "dense", "dense"]

    document.push(DuplicateLayerCommand(document, 0))
    layers = document.project.network.layers
    assert len(layers) == 4 and layers[0] == layers[1] == DenseLayer(8, "relu")
    assert document.current_layer == 1

    document.push(MoveLayerCommand(document, 3, 0))
    assert document.project.network.layers[0] == DenseLayer(4, "tanh")
    assert document.current_layer == 0

    stack = document.undo_stack
    assert stack.count() == 4
    while stack.canUndo():
        stack.undo()
    assert document.project == original
    while stack.canRedo():
        stack.redo()
    assert document.project.network.layers[0] == DenseLayer(4, "tanh")
    assert len(document.project.network.layers) == 4


def test_changed_signal_fires_per_edit(qtbot, document: ProjectDocument) -> None:
    with qtbot.waitSignal(document.changed, timeout=1000):
        document.push(InsertLayerCommand.new_of_kind(document, 0, "dropout"))
    with qtbot.waitSignal(document.changed, timeout=1000):
        document.undo_stack.undo()


def test_consecutive_edits_of_one_field_merge(document: ProjectDocument) -> None:
    stack = document.undo_stack
    for units in (9, 10, 11, 12):
        document.push(EditLayerCommand(document, 0, "units", units))
    assert stack.count() == 1
    assert document.project.network.layers[0].units == 12
    stack.undo()
    assert document.project.network.layers[0].units == 8


def test_edits_of_different_fields_or_layers_do_not_merge(document: ProjectDocument) -> None:
    document.push(EditLayerCommand(document, 0, "units", 9))
    document.push(EditLayerCommand(document, 0, "activation", "tanh"))
    document.push(EditLayerCommand(document, 2, "activation", "relu"))
    document.push(EditLayerCommand(document, 0, "units", 10))
    assert document.undo_stack.count() == 4


def test_edit_stepped_back_to_start_leaves_nothing_to_undo(document: ProjectDocument) -> None:
    document.push(EditLayerCommand(document, 0, "units", 9))
    document.push(EditLayerCommand(document, 0, "units", 8))
    assert document.undo_stack.count() == 0
    assert not document.dirty


def test_first_edit_after_save_starts_a_new_undo_step(document: ProjectDocument, tmp_path) -> None:
    document.push(EditLayerCommand(document, 0, "units", 9))
    document.save(tmp_path / "a.ffnn.json")
    document.push(EditLayerCommand(document, 0, "units", 10))
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    assert not document.dirty and document.project.network.layers[0].units == 9


def test_changing_activation_resets_alpha(document: ProjectDocument) -> None:
    document.push(EditLayerCommand(document, 0, "activation", "leaky_relu"))
    document.push(EditLayerCommand(document, 0, "alpha", 0.2))
    document.push(EditLayerCommand(document, 0, "activation", "elu"))
    layer = document.project.network.layers[0]
    assert layer.alpha is None and layer.activation_alpha() == 1.0


def test_training_optimizer_and_data_commands(document: ProjectDocument) -> None:
    original = document.project
    document.push(EditTrainingCommand(document, "epochs", 50))
    document.push(EditTrainingCommand(document, "epochs", 60))
    document.push(SetOptimizerCommand(document, "momentum"))
    document.push(EditOptimizerParamCommand(document, "learning_rate", 0.05))
    document.push(EditOptimizerParamCommand(document, "learning_rate", 0.1))
    document.push(EditDataParamCommand(document, "noise", 0.3))
    p = document.project
    assert p.training.epochs == 60
    assert p.training.optimizer.name == "momentum"
    assert p.training.optimizer.params == {"learning_rate": 0.1}
    assert p.data.params["noise"] == 0.3
    assert document.undo_stack.count() == 4
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
    assert document.project == original


def test_regression_data_set_switches_cross_entropy_to_mse(document: ProjectDocument) -> None:
    assert document.project.training.loss == "cross_entropy"
    document.push(SetDataSourceCommand.builtin(document, "plane"))
    assert document.project.data == BuiltinDataSource("plane")
    assert document.project.training.loss == "mse"
    assert "mean squared error" in document.undo_stack.undoText()
    document.undo_stack.undo()
    assert document.project.training.loss == "cross_entropy"
    assert document.project.data.name == "spirals"


def test_locked_document_refuses_edits(qtbot, document: ProjectDocument) -> None:
    document.set_locked(True)
    before = document.project
    with qtbot.waitSignal(document.editRefused, timeout=1000) as blocker:
        assert not document.push(RemoveLayerCommand(document, 0))
    assert "Training is running" in blocker.args[0]
    assert document.project == before and document.undo_stack.count() == 0
    document.set_locked(False)
    assert document.push(RemoveLayerCommand(document, 0))


def test_dirty_follows_the_clean_index(qtbot, document: ProjectDocument, tmp_path) -> None:
    assert not document.dirty
    with qtbot.waitSignal(document.dirtyChanged, timeout=1000) as blocker:
        document.push(InsertLayerCommand.new_of_kind(document, 0, "dense"))
    assert blocker.args == [True] and document.dirty
    document.undo_stack.undo()
    assert not document.dirty
    document.undo_stack.redo()
    document.save(tmp_path / "x.ffnn.json")
    assert not document.dirty


def test_save_and_open_round_trip(document: ProjectDocument, tmp_path) -> None:
    document.push(EditLayerCommand(document, 0, "l2", 0.001))
    target = document.save(tmp_path / "round")
    assert target.name == "round.ffnn.json" and document.path == target
    assert document.display_name == "round"
    other = ProjectDocument()
    other.open(target)
    assert other.project == document.project
    assert other.path == target and not other.dirty and other.undo_stack.count() == 0


def test_open_failure_keeps_the_project(document: ProjectDocument, tmp_path) -> None:
    bad = tmp_path / "bad.ffnn.json"
    bad.write_text('{"format": "ffnn-studio-project", "schema_version": 1}')
    before = document.project
    with pytest.raises(StudioError, match="required field"):
        document.open(bad)
    assert document.project == before and document.path is None


def test_reset_clears_history_and_selects_first_layer(qtbot, document: ProjectDocument) -> None:
    document.push(RemoveLayerCommand(document, 0))
    with qtbot.waitSignal(document.loaded, timeout=1000):
        document.reset(Project(name="Empty"))
    assert document.undo_stack.count() == 0 and not document.dirty
    assert document.current_layer == -1
    assert document.display_name == "Empty"


def test_data_shape_of_builtin_and_missing_csv(document: ProjectDocument, tmp_path) -> None:
    shape = document.data_shape()
    assert shape == DataShape(2, Task.BINARY, 2)
    assert shape.output_units == 1 and shape.output_activation == "sigmoid"
    document.push(SetDataSourceCommand.builtin(document, "blobs"))
    shape = document.data_shape()
    assert isinstance(shape, DataShape)
    assert (shape.task, shape.output_units, shape.output_activation) == (Task.MULTICLASS, 3, "softmax")
    document.push(SetDataSourceCommand(document, CsvDataSource(str(tmp_path / "none.csv"), "y")))
    assert isinstance(document.data_shape(), StudioError)


def test_problems_use_the_data_sets_task(document: ProjectDocument) -> None:
    document.push(EditLayerCommand(document, 0, "activation", "softmax"))
    problems = document.problems()
    assert [(p.layer, p.field) for p in problems] == [(0, "activation")]
    document.undo_stack.undo()
    assert document.problems() == []


def test_commands_reject_bad_rows(document: ProjectDocument) -> None:
    with pytest.raises(IndexError):
        RemoveLayerCommand(document, 7)
    with pytest.raises(IndexError):
        MoveLayerCommand(document, 0, 3)
    # Inserting clamps: a drop below the end appends.
    document.push(InsertLayerCommand(document, 99, DropoutLayer(0.5)))
    assert document.project.network.layers[-1] == DropoutLayer(0.5)
    assert replace(document.project, name="x").network == document.project.network


def test_remembered_dataset_gives_the_shape_without_reading(document: ProjectDocument, tmp_path) -> None:
    from ffnn_studio.data.dataset import Dataset

    source = CsvDataSource(str(tmp_path / "never_written.csv"), "y")
    dataset = Dataset("t", np.zeros((6, 3)), np.array([0, 1, 2, 0, 1, 2]), Task.MULTICLASS, ("a", "b", "c"), ("p", "q", "r"))
    document.remember_dataset(source, dataset)
    document.push(SetDataSourceCommand(document, source))
    assert document.data_shape() == DataShape(3, Task.MULTICLASS, 3)


def _record_changes(document: ProjectDocument) -> list[tuple]:
    seen: list[tuple] = []
    document.layerInserted.connect(lambda row: seen.append(("inserted", row)))
    document.layerRemoved.connect(lambda row: seen.append(("removed", row)))
    document.layerMoved.connect(lambda a, b: seen.append(("moved", a, b)))
    document.layerChanged.connect(lambda row, field: seen.append(("layer", row, field)))
    document.trainingChanged.connect(lambda field: seen.append(("training", field)))
    document.dataSourceChanged.connect(lambda: seen.append(("data",)))
    document.changed.connect(lambda: seen.append(("changed",)))
    return seen


@pytest.mark.parametrize(
    ("make", "redo", "undo"),
    [
        (lambda d: InsertLayerCommand.new_of_kind(d, 1, "dense"), ("inserted", 1), ("removed", 1)),
        (lambda d: RemoveLayerCommand(d, 1), ("removed", 1), ("inserted", 1)),
        (lambda d: DuplicateLayerCommand(d, 0), ("inserted", 1), ("removed", 1)),
        (lambda d: MoveLayerCommand(d, 0, 2), ("moved", 0, 2), ("moved", 2, 0)),
        (lambda d: EditLayerCommand(d, 2, "units", 7), ("layer", 2, "units"), ("layer", 2, "units")),
        (lambda d: EditTrainingCommand(d, "epochs", 9), ("training", "epochs"), ("training", "epochs")),
        (lambda d: SetOptimizerCommand(d, "sgd"), ("training", "optimizer"), ("training", "optimizer")),
        (
            lambda d: EditOptimizerParamCommand(d, "learning_rate", 0.5),
            ("training", "optimizer"),
            ("training", "optimizer"),
        ),
        (lambda d: EditDataParamCommand(d, "noise", 0.3), ("data",), ("data",)),
    ],
)
def test_each_command_says_what_it_changed_before_changed(document, make, redo, undo) -> None:
    seen = _record_changes(document)
    document.push(make(document))
    assert seen == [redo, ("changed",)]
    seen.clear()
    document.undo_stack.undo()
    assert seen == [undo, ("changed",)]


def test_a_data_set_that_changes_the_loss_says_both(document) -> None:
    seen = _record_changes(document)
    document.push(SetDataSourceCommand.builtin(document, "plane"))
    assert document.project.training.loss == "mse"
    assert seen == [("data",), ("training", "loss"), ("changed",)]
    seen.clear()
    document.undo_stack.undo()
    assert seen == [("training", "loss"), ("data",), ("changed",)]


def test_opening_a_project_says_only_changed(document) -> None:
    seen = _record_changes(document)
    document.reset(Project())
    assert seen == [("changed",)]


def test_opening_a_fifo_is_refused_at_once_and_keeps_the_project(tmp_path) -> None:
    import os

    document = ProjectDocument()
    before = document.project
    fifo = tmp_path / "pipe.ffnn.json"
    os.mkfifo(fifo)  # reading it without a cap would freeze the GUI thread
    with pytest.raises(StudioError, match="not a regular file"):
        document.open(fifo)
    assert document.project == before and document.path is None


def test_size_is_checked_with_the_data_s_width_and_warned_about(monkeypatch) -> None:
    from ffnn_studio.core import validation
    from ffnn_studio.core.spec import NetworkSpec

    monkeypatch.setattr(validation, "machine_memory_bytes", lambda: 64 * 1024**3)
    wide = (DenseLayer(4096, "relu"),)
    # 3 features: the 4096-wide layer is small; 500,000 features make it 2 G parameters.
    project = replace(Project(), network=NetworkSpec(wide))
    document = ProjectDocument(project)
    monkeypatch.setattr(document, "data_shape", lambda: DataShape(3, Task.BINARY, 2))
    assert document.problems() == [] and document.size_warnings() == []
    monkeypatch.setattr(document, "data_shape", lambda: DataShape(500_000, Task.BINARY, 2))
    assert any("too large for this machine" in p.message for p in document.problems())
    monkeypatch.setattr(document, "data_shape", lambda: DataShape(100_000, Task.BINARY, 2))
    assert document.problems() == []
    assert "is large" in document.size_warnings()[0].message
