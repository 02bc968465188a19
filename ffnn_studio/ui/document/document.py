"""The window's one document: the project, its file, its undo stack, its dirty flag.

Contract: the document owns the current ``Project``; views read ``project``
and never keep a copy. Edits arrive as undo commands through ``push``, which
refuses them while a training run holds the document locked. Every
replacement of the project emits ``changed`` (for coarse listeners), preceded
by the fine-grained signals of what the edit changed (``layerInserted``,
``layerRemoved``, ``layerMoved``, ``layerChanged``, ``trainingChanged``,
``dataSourceChanged``), which item models use to insert, move or update rows
instead of resetting. A replacement without a description (open, new) emits
only ``changed``. Imports Qt and the core; no engine, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QUndoCommand, QUndoStack

from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import EXTENSION, load_project, save_project
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DataSource,
    Project,
    Task,
    output_activation,
    output_units,
)
from ffnn_studio.core.validation import Problem, size_warnings, validate_project

if TYPE_CHECKING:
    from ffnn_studio.data.dataset import Dataset

# ------------------------------------------------------------------ what an edit changed


@dataclass(frozen=True)
class LayerInserted:
    """A layer now sits at ``row``; the rows from there on moved down by one."""

    row: int


@dataclass(frozen=True)
class LayerRemoved:
    """The layer at ``row`` is gone; the rows below it moved up by one."""

    row: int


@dataclass(frozen=True)
class LayerMoved:
    """The layer at ``source`` now sits at ``target`` (both rows of the stack)."""

    source: int
    target: int


@dataclass(frozen=True)
class LayerEdited:
    """One field of the layer at ``row`` changed; no row moved."""

    row: int
    field: str


@dataclass(frozen=True)
class TrainingEdited:
    """A training setting changed (``"optimizer"`` for the optimizer or its parameters)."""

    field: str


@dataclass(frozen=True)
class DataSourceEdited:
    """The data source or one of its parameters changed."""


Change = LayerInserted | LayerRemoved | LayerMoved | LayerEdited | TrainingEdited | DataSourceEdited


def inverse(change: Change) -> Change:
    """The change that undoes ``change``."""
    if isinstance(change, LayerInserted):
        return LayerRemoved(change.row)
    if isinstance(change, LayerRemoved):
        return LayerInserted(change.row)
    if isinstance(change, LayerMoved):
        return LayerMoved(change.target, change.source)
    return change


LOCKED_MESSAGE = "Training is running: stop it (or wait until it ends) to change the project."


@dataclass(frozen=True)
class DataShape:
    """What the data set fixes about the network: input width and output layer."""

    n_features: int
    task: Task
    n_classes: int

    @property
    def output_units(self) -> int:
        return output_units(self.task, self.n_classes)

    @property
    def output_activation(self) -> str:
        return output_activation(self.task)


def _load_shape(source: DataSource, base_dir: Path | None) -> DataShape:
    """Load (or generate a few rows of) the data set to learn its shape."""
    if isinstance(source, BuiltinDataSource):
        entry = DATASETS.get(source.name)
        if entry is not None and entry.synthetic:
            # The generators are plain numpy; 20 rows tell the shape without
            # importing the real-data loaders (scikit-learn) at start-up.
            from ffnn_studio.data.synthetic import GENERATORS

            ds = GENERATORS[source.name](20, 0.0, 0)
            return DataShape(ds.n_features, ds.task, ds.n_classes)
    from ffnn_studio.data.loading import load_dataset

    ds = load_dataset(source, base_dir)
    return DataShape(ds.n_features, ds.task, ds.n_classes)


class ProjectDocument(QObject):
    """The current project with its path, undo stack and selection."""

    #: The project was replaced (an edit, undo/redo, new or open); emitted last.
    changed = Signal()
    #: A layer was inserted at this row (before ``changed``).
    layerInserted = Signal(int)
    #: The layer at this row was removed (before ``changed``).
    layerRemoved = Signal(int)
    #: The layer at the first row moved to the second (before ``changed``).
    layerMoved = Signal(int, int)
    #: A field (the second argument) of the layer at this row changed (before ``changed``).
    layerChanged = Signal(int, str)
    #: A training setting changed, by field name (before ``changed``).
    trainingChanged = Signal(str)
    #: The data source changed (before ``changed``).
    dataSourceChanged = Signal()
    #: A different project was loaded (new/open): plots and runs start over.
    loaded = Signal()
    #: Path or display name changed.
    pathChanged = Signal()
    dirtyChanged = Signal(bool)
    #: The selected layer row (-1: none).
    currentLayerChanged = Signal(int)
    lockedChanged = Signal(bool)
    #: An edit was refused; the message says why.
    editRefused = Signal(str)

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = project if project is not None else Project()
        self._path: Path | None = None
        self._current_layer = 0 if self._project.network.layers else -1
        self._locked = False
        self._shape_cache: tuple[str, DataShape | StudioError] | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        #: Weights the next fresh run starts from (a model opened from a .keras file,
        #: ``engine.model_import.LoadedWeights``); taken by that run.
        self.initial_weights: Any = None

    @Slot(bool)
    def _on_clean_changed(self, clean: bool) -> None:
        self.dirtyChanged.emit(not clean)

    # ------------------------------------------------------------------ state

    @property
    def project(self) -> Project:
        return self._project

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def base_dir(self) -> Path | None:
        """The folder relative CSV paths resolve against: the project file's."""
        return self._path.resolve().parent if self._path else None

    @property
    def display_name(self) -> str:
        """The file name without ``.ffnn.json``, or the project's name when unsaved."""
        if self._path is None:
            # Follows the project's name: it changes with the data until the person names it.
            return self._project.name or "Untitled"
        name = self._path.name
        return name[: -len(EXTENSION)] if name.endswith(EXTENSION) else self._path.stem

    @property
    def dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def locked(self) -> bool:
        return self._locked

    @property
    def current_layer(self) -> int:
        return self._current_layer

    def set_current_layer(self, row: int) -> None:
        n = len(self._project.network.layers)
        row = row if 0 <= row < n else -1
        if row != self._current_layer:
            self._current_layer = row
            self.currentLayerChanged.emit(row)

    def set_locked(self, locked: bool) -> None:
        """Lock (a run is using the project) or unlock the document for edits."""
        if locked != self._locked:
            self._locked = locked
            self.lockedChanged.emit(locked)

    def problems(self) -> list[Problem]:
        """Validation problems of the project, with the task the data set really has."""
        shape = self.data_shape()
        if not isinstance(shape, DataShape):
            return validate_project(self._project)
        return validate_project(
            self._project, shape.task, n_inputs=shape.n_features, n_outputs=shape.output_units
        )

    def size_warnings(self) -> list[Problem]:
        """Notes on a network large enough to train slowly (training is not refused)."""
        shape = self.data_shape()
        if not isinstance(shape, DataShape):
            return size_warnings(self._project.network)
        return size_warnings(
            self._project.network, n_inputs=shape.n_features, n_outputs=shape.output_units
        )

    def _shape_key(self, source: DataSource) -> str:
        # Data sources hold dicts (unhashable): their repr is the cache key.
        return repr((source, self.base_dir))

    def remember_dataset(self, source: DataSource, dataset: Dataset) -> None:
        """Learn the shape of ``source`` from a data set already read (the CSV import
        dialog's), so the views need not read the file again."""
        shape = DataShape(dataset.n_features, dataset.task, dataset.n_classes)
        self._shape_cache = (self._shape_key(source), shape)

    def data_shape(self) -> DataShape | StudioError:
        """The data set's input width and output, or why it cannot be read."""
        key = self._shape_key(self._project.data)
        if self._shape_cache is None or self._shape_cache[0] != key:
            try:
                shape: DataShape | StudioError = _load_shape(self._project.data, self.base_dir)
            except StudioError as exc:
                shape = exc
            self._shape_cache = (key, shape)
        return self._shape_cache[1]

    # ------------------------------------------------------------------ edits

    def push(self, command: QUndoCommand) -> bool:
        """Apply an edit as an undoable command; refused (False) while locked."""
        if self._locked:
            self.editRefused.emit(LOCKED_MESSAGE)
            return False
        self.undo_stack.push(command)
        return True

    def replace_project(
        self, project: Project, select: int | None = None, changes: tuple[Change, ...] = ()
    ) -> None:
        """Swap in a project; only undo commands call this. ``changes`` says what the
        edit changed (empty: unknown, listeners start over)."""
        self._project = project
        n = len(project.network.layers)
        if select is not None:
            self._current_layer = select if 0 <= select < n else -1
        elif self._current_layer >= n:
            self._current_layer = n - 1
        for change in changes:
            self._announce(change)
        self.changed.emit()
        # Emitted even when the row is the same: a model reset cleared the view's selection.
        self.currentLayerChanged.emit(self._current_layer)

    def _announce(self, change: Change) -> None:
        if isinstance(change, LayerInserted):
            self.layerInserted.emit(change.row)
        elif isinstance(change, LayerRemoved):
            self.layerRemoved.emit(change.row)
        elif isinstance(change, LayerMoved):
            self.layerMoved.emit(change.source, change.target)
        elif isinstance(change, LayerEdited):
            self.layerChanged.emit(change.row, change.field)
        elif isinstance(change, TrainingEdited):
            self.trainingChanged.emit(change.field)
        else:
            self.dataSourceChanged.emit()

    # ------------------------------------------------------------------ files

    def reset(self, project: Project, path: Path | None = None) -> None:
        """Start over with ``project`` (from ``path``, or unsaved): empty undo stack, clean."""
        self.undo_stack.clear()
        self._project = project
        self.initial_weights = None
        self._path = Path(path) if path is not None else None
        self._current_layer = 0 if project.network.layers else -1
        self.undo_stack.setClean()
        self.pathChanged.emit()
        self.loaded.emit()
        self.changed.emit()
        self.currentLayerChanged.emit(self._current_layer)
        self.dirtyChanged.emit(False)

    def open(self, path: str | Path) -> None:
        """Load a project file; raises ``StudioError`` and keeps the current project on failure."""
        path = Path(path)
        project = load_project(path)
        self.reset(project, path)

    def open_model(self, project: Project, weights: Any) -> None:
        """Start over with a model opened from a file: its project, unsaved, and its weights."""
        self.reset(project)
        self.initial_weights = weights
        # Nothing of it is in a project file yet: dirty until saved.
        self.undo_stack.resetClean()

    def restore(self, project: Project, path: Path | None) -> None:
        """Open ``project`` as unsaved changes to the file at ``path`` (recovered after a
        crash): dirty, keeping ``path``, and one undo step back to the file's contents."""
        base: Project | None = None
        if path is not None:
            try:
                base = load_project(path)
            except StudioError:
                base = None  # the file is gone or damaged: the changes are all there is
        self.reset(base if base is not None else project, path)
        if base is not None and base != project:
            from ffnn_studio.ui.document.commands import ProjectEditCommand

            self.push(ProjectEditCommand(self, project, "Restore unsaved changes"))
        else:
            # Nothing to undo to, but the changes are not in any file: dirty until saved.
            self.undo_stack.resetClean()

    def save(self, path: str | Path | None = None) -> Path:
        """Write the project (to ``path``, or where it came from); marks it clean."""
        target = Path(path) if path is not None else self._path
        if target is None:
            raise ValueError("an unsaved project needs a path; use Save As")
        if not target.name.endswith(EXTENSION):
            target = target.with_name(target.name + EXTENSION)
        try:
            save_project(self._project, target)
        except OSError as exc:
            raise StudioError(f"could not save {target}: {exc.strerror or exc}") from exc
        if target != self._path:
            self._path = target
            self.pathChanged.emit()
        self.undo_stack.setClean()
        return target
