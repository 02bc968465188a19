"""Undo commands: every edit replaces the document's frozen ``Project`` with a new one.

Contract: each command computes the project after the edit once, when it is
made, and keeps the project before it; redo and undo swap the two and tell
the document what changed (a row inserted, removed, moved or edited, a
training field, the data source) so views can update just that. Field edits
carry a merge key so that consecutive edits of one field (a spin box stepped
ten times) become one undo step. Imports Qt's undo framework and the core.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from ffnn_studio.core.catalog import DATASETS, LAYER_KINDS, LOSSES, OPTIMIZERS, TRAINING
from ffnn_studio.core.naming import follow_data
from ffnn_studio.core.spec import (
    LAYER_CLASSES,
    BuiltinDataSource,
    DataSource,
    LayerSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.validation import layer_label
from ffnn_studio.ui.document.document import (
    Change,
    DataSourceEdited,
    LayerEdited,
    LayerInserted,
    LayerMoved,
    LayerRemoved,
    TrainingEdited,
    inverse,
)

if TYPE_CHECKING:
    from ffnn_studio.ui.document.document import ProjectDocument

#: QUndoCommand.id() values; commands merge only with the same id *and* the same key.
_MERGE_LAYER_FIELD = 1
_MERGE_TRAINING_FIELD = 2
_MERGE_OPTIMIZER_PARAM = 3
_MERGE_DATA_PARAM = 4


class ProjectEditCommand(QUndoCommand):
    """Replaces the document's project; undo puts the previous one back.

    ``select_before``/``select_after`` are the layer rows to select after undo
    and redo (``None``: leave the selection alone). ``changes`` describe what
    redo changes; undo announces their inverses in reverse order.
    """

    merge_id: int = -1

    def __init__(
        self,
        document: ProjectDocument,
        after: Project,
        text: str,
        *,
        select_after: int | None = None,
        merge_key: tuple[Any, ...] | None = None,
        changes: tuple[Change, ...] = (),
    ) -> None:
        super().__init__(text)
        self.changes = changes
        self.document = document
        self.before = document.project
        self.after = after
        self.select_before = document.current_layer if select_after is not None else None
        self.select_after = select_after
        self.merge_key = merge_key

    def redo(self) -> None:
        self.document.replace_project(self.after, self.select_after, self.changes)

    def undo(self) -> None:
        undo_changes = tuple(inverse(c) for c in reversed(self.changes))
        self.document.replace_project(self.before, self.select_before, undo_changes)

    def id(self) -> int:
        return self.merge_id if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ProjectEditCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self.select_after = other.select_after
        # Stepping a value back to where it started leaves nothing to undo.
        self.setObsolete(self.after == self.before)
        return True


def _layers(document: ProjectDocument) -> list[LayerSpec]:
    return list(document.project.network.layers)


def _with_layers(project: Project, layers: list[LayerSpec]) -> Project:
    return replace(project, network=project.network.with_layers(layers))


def _check_row(layers: list[LayerSpec], row: int) -> None:
    if not 0 <= row < len(layers):
        raise IndexError(f"no layer at row {row} (the stack has {len(layers)})")


class InsertLayerCommand(ProjectEditCommand):
    """Inserts a layer (a new one of a kind, or a given spec) at a row."""

    def __init__(self, document: ProjectDocument, row: int, layer: LayerSpec) -> None:
        layers = _layers(document)
        row = max(0, min(row, len(layers)))
        layers.insert(row, layer)
        label = LAYER_KINDS[layer.kind].label
        super().__init__(
            document,
            _with_layers(document.project, layers),
            f"Add {label} layer",
            select_after=row,
            changes=(LayerInserted(row),),
        )

    @classmethod
    def new_of_kind(cls, document: ProjectDocument, row: int, kind: str) -> InsertLayerCommand:
        return cls(document, row, LAYER_CLASSES[kind]())


class RemoveLayerCommand(ProjectEditCommand):
    def __init__(self, document: ProjectDocument, row: int) -> None:
        layers = _layers(document)
        _check_row(layers, row)
        removed = layers.pop(row)
        super().__init__(
            document,
            _with_layers(document.project, layers),
            f"Delete {layer_label(row, removed)}",
            select_after=min(row, len(layers) - 1),
            changes=(LayerRemoved(row),),
        )


class DuplicateLayerCommand(ProjectEditCommand):
    """Inserts a copy of a layer right below it."""

    def __init__(self, document: ProjectDocument, row: int) -> None:
        layers = _layers(document)
        _check_row(layers, row)
        layers.insert(row + 1, layers[row])
        super().__init__(
            document,
            _with_layers(document.project, layers),
            f"Duplicate {layer_label(row, layers[row])}",
            select_after=row + 1,
            changes=(LayerInserted(row + 1),),
        )


class MoveLayerCommand(ProjectEditCommand):
    """Moves the layer at ``source`` so that it ends up at row ``target``."""

    def __init__(self, document: ProjectDocument, source: int, target: int) -> None:
        layers = _layers(document)
        _check_row(layers, source)
        _check_row(layers, target)
        layer = layers.pop(source)
        layers.insert(target, layer)
        super().__init__(
            document,
            _with_layers(document.project, layers),
            f"Move {layer_label(source, layer)} to position {target + 1}",
            select_after=target,
            changes=(LayerMoved(source, target),) if source != target else (),
        )


class EditLayerCommand(ProjectEditCommand):
    """Sets one field of one layer (``units``, ``activation``, ``rate``, ...)."""

    merge_id = _MERGE_LAYER_FIELD

    def __init__(self, document: ProjectDocument, row: int, field: str, value: object) -> None:
        layers = _layers(document)
        _check_row(layers, row)
        old = layers[row]
        changes: dict[str, object] = {field: value}
        # α belongs to the activation: a new activation starts from its own default.
        if field == "activation" and hasattr(old, "alpha"):
            changes["alpha"] = None
        layers[row] = replace(old, **changes)
        super().__init__(
            document,
            _with_layers(document.project, layers),
            f"Change {field.replace('_', ' ')} of {layer_label(row, old)}",
            select_after=row,
            merge_key=("layer", row, field),
            changes=(LayerEdited(row, field),),
        )


class EditTrainingCommand(ProjectEditCommand):
    """Sets one field of the training settings (loss, epochs, batch size, ...)."""

    merge_id = _MERGE_TRAINING_FIELD

    def __init__(self, document: ProjectDocument, field: str, value: object) -> None:
        project = document.project
        training = replace(project.training, **{field: value})
        label = getattr(TRAINING, field).label if hasattr(TRAINING, field) else field
        if field == "loss":
            label = f"loss to {LOSSES[str(value)].label}" if value in LOSSES else "loss"
        super().__init__(
            document,
            replace(project, training=training),
            f"Change {label.replace('_', ' ').lower()}",
            merge_key=("training", field),
            changes=(TrainingEdited(field),),
        )


class SetOptimizerCommand(ProjectEditCommand):
    """Switches the optimizer; its hyper-parameters start at the catalog defaults."""

    def __init__(self, document: ProjectDocument, name: str) -> None:
        project = document.project
        training = replace(project.training, optimizer=OptimizerSpec(name))
        super().__init__(
            document,
            replace(project, training=training),
            f"Use optimizer {OPTIMIZERS[name].label}",
            changes=(TrainingEdited("optimizer"),),
        )


class EditOptimizerParamCommand(ProjectEditCommand):
    merge_id = _MERGE_OPTIMIZER_PARAM

    def __init__(self, document: ProjectDocument, name: str, value: float | bool) -> None:
        project = document.project
        optimizer = project.training.optimizer
        params = {**optimizer.params, name: value}
        training = replace(project.training, optimizer=replace(optimizer, params=params))
        entry = OPTIMIZERS.get(optimizer.name)
        label = entry.param(name).label if entry else name
        super().__init__(
            document,
            replace(project, training=training),
            f"Change {label}",
            merge_key=("optimizer", optimizer.name, name),
            changes=(TrainingEdited("optimizer"),),
        )


def _adapted_training(project: Project, data: DataSource) -> TrainingSettings:
    """The training settings fitted to a new data source's task.

    Cross-entropy needs class labels: a regression data set switches the loss
    to mean squared error in the same undo step.
    """
    task = replace(project, data=data).known_task()
    if task is Task.REGRESSION and project.training.loss == "cross_entropy":
        return replace(project.training, loss="mse")
    return project.training


class SetDataSourceCommand(ProjectEditCommand):
    """Replaces the data source (a built-in data set by name, or a CSV source)."""

    def __init__(self, document: ProjectDocument, data: DataSource) -> None:
        project = document.project
        training = _adapted_training(project, data)
        text = f"Use data set {data.describe()}"
        if training.loss != project.training.loss:
            text += " (loss → mean squared error)"
        # A name the person did not give follows the data (export header, file names, script).
        renamed = follow_data(replace(project, training=training), data)
        changes: tuple[Change, ...] = (DataSourceEdited(),)
        if training != project.training:
            changes += (TrainingEdited("loss"),)
        super().__init__(document, renamed, text, changes=changes)

    @classmethod
    def builtin(cls, document: ProjectDocument, name: str) -> SetDataSourceCommand:
        return cls(document, BuiltinDataSource(name))


class EditDataParamCommand(ProjectEditCommand):
    """Sets one parameter (samples, noise, seed) of the built-in data set."""

    merge_id = _MERGE_DATA_PARAM

    def __init__(self, document: ProjectDocument, name: str, value: float | int) -> None:
        project = document.project
        data = project.data
        if not isinstance(data, BuiltinDataSource):
            raise TypeError("only a built-in data set has generator parameters")
        new = replace(data, params={**data.params, name: value})
        entry = DATASETS.get(data.name)
        label = entry.param(name).label if entry else name
        super().__init__(
            document,
            replace(project, data=new),
            f"Change {label.lower()} of {data.describe()}",
            merge_key=("data", data.name, name),
            changes=(DataSourceEdited(),),
        )
