"""Frozen dataclasses that describe a project: network, data source, training.

Edits never mutate a spec; they build a new one with ``dataclasses.replace``
(the window's undo commands swap whole specs).

Contract: frozen values only, no behaviour that needs a library; no Qt, no
TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import ClassVar, Literal

from ffnn_studio.core.catalog import ACTIVATIONS, DATASETS, OPTIMIZERS


class Task(StrEnum):
    """What the network predicts; decides the output layer and the loss."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not Task.REGRESSION


@dataclass(frozen=True)
class DenseLayer:
    """A fully connected hidden layer."""

    kind: ClassVar[str] = "dense"

    units: int = 16
    activation: str = "relu"
    #: Leaky ReLU's negative slope or ELU's α; ``None`` means the catalog default.
    alpha: float | None = None
    use_bias: bool = True
    kernel_initializer: str = "glorot_uniform"
    l1: float = 0.0
    l2: float = 0.0

    def activation_alpha(self) -> float | None:
        """α in force: the explicit one, or the activation's default, or None."""
        entry = ACTIVATIONS.get(self.activation)
        if entry is None or not entry.params:
            return None
        return self.alpha if self.alpha is not None else float(entry.params[0].default)

    def describe(self) -> str:
        """A one-line summary for lists: "Dense 16 · ReLU · L2 0.001"."""
        entry = ACTIVATIONS.get(self.activation)
        parts = [f"Dense {self.units}", entry.label if entry else self.activation]
        if self.l1:
            parts.append(f"L1 {self.l1:g}")
        if self.l2:
            parts.append(f"L2 {self.l2:g}")
        return " · ".join(parts)


@dataclass(frozen=True)
class DropoutLayer:
    """Randomly zeroes a fraction of the previous layer's outputs while training."""

    kind: ClassVar[str] = "dropout"

    rate: float = 0.2

    def describe(self) -> str:
        return f"Dropout {self.rate:g}"


LayerSpec = DenseLayer | DropoutLayer
LAYER_CLASSES: dict[str, type[DenseLayer] | type[DropoutLayer]] = {
    "dense": DenseLayer,
    "dropout": DropoutLayer,
}


@dataclass(frozen=True)
class NetworkSpec:
    """The ordered hidden layers. Input width and output layer come from the data."""

    layers: tuple[LayerSpec, ...] = ()

    def with_layers(self, layers: list[LayerSpec] | tuple[LayerSpec, ...]) -> NetworkSpec:
        return replace(self, layers=tuple(layers))

    @property
    def dense_layers(self) -> tuple[DenseLayer, ...]:
        return tuple(layer for layer in self.layers if isinstance(layer, DenseLayer))


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by catalog name with its hyper-parameters (missing → defaults)."""

    name: str = "adam"
    params: dict[str, float | bool] = field(default_factory=dict)

    def resolved(self) -> dict[str, float | bool]:
        """All hyper-parameters: catalog defaults overlaid with the explicit ones."""
        entry = OPTIMIZERS.get(self.name)
        values = dict(entry.defaults()) if entry else {}
        values.update(self.params)
        return values

    @property
    def learning_rate(self) -> float:
        return float(self.resolved().get("learning_rate", 0.0))


LossName = Literal["mse", "cross_entropy"]


@dataclass(frozen=True)
class ScheduleSpec:
    """The learning rate over the run: a schedule by name with its parameters, and a warm-up.

    ``name`` "constant" keeps the optimizer's learning rate; the other names
    and their parameters are the schedule catalog's.
    """

    name: str = "constant"
    params: dict[str, float | int | bool] = field(default_factory=dict)
    warmup_epochs: int = 0


@dataclass(frozen=True)
class TrainingSettings:
    """Loss, optimizer and the run's schedule."""

    loss: str = "cross_entropy"
    optimizer: OptimizerSpec = field(default_factory=OptimizerSpec)
    epochs: int = 100
    batch_size: int = 32
    validation_fraction: float = 0.2
    seed: int = 0
    early_stopping: bool = False
    patience: int = 10
    restore_best_weights: bool = True
    #: Held out from training, early stopping and best-epoch choice; scored at the end.
    test_fraction: float = 0.0
    #: Seed of the initial weights alone; None: they follow ``seed``.
    init_seed: int | None = None
    lr_schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    #: A ``STRATEGIES`` key: where the run trains.
    strategy: str = "default"

    @property
    def weights_seed(self) -> int:
        """The seed the initial weights are drawn from."""
        return self.seed if self.init_seed is None else self.init_seed


@dataclass(frozen=True)
class BuiltinDataSource:
    """A data set that ships with the studio, by catalog name, with its parameters."""

    kind: ClassVar[str] = "builtin"

    name: str = "spirals"
    params: dict[str, float | int] = field(default_factory=dict)

    def resolved_params(self) -> dict[str, float | int | bool]:
        entry = DATASETS.get(self.name)
        values = dict(entry.defaults()) if entry else {}
        values.update(self.params)
        return values

    def describe(self) -> str:
        entry = DATASETS.get(self.name)
        return entry.label if entry else self.name


MissingPolicy = Literal["drop", "mean"]


@dataclass(frozen=True)
class CsvDataSource:
    """A CSV file: its path (relative to the project file when saved) and column choices."""

    kind: ClassVar[str] = "csv"

    path: str = ""
    target: str = ""
    #: Feature columns; ``None`` means every column except the target.
    features: tuple[str, ...] | None = None
    #: ``None`` means inferred from the target column.
    task: Task | None = None
    missing: str = "drop"
    #: ``None`` means detected from the file.
    delimiter: str | None = None
    #: ``None`` means detected from the file.
    has_header: bool | None = None

    def describe(self) -> str:
        return f"CSV {self.path} → {self.target}"


DataSource = BuiltinDataSource | CsvDataSource


@dataclass(frozen=True)
class Project:
    """Everything one project file holds."""

    name: str = "Untitled"
    network: NetworkSpec = field(default_factory=NetworkSpec)
    data: DataSource = field(default_factory=BuiltinDataSource)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    description: str = ""

    def known_task(self) -> Task | None:
        """The task if it follows from the spec alone (CSV tasks may need the data)."""
        if isinstance(self.data, BuiltinDataSource):
            entry = DATASETS.get(self.data.name)
            return Task(entry.task) if entry else None
        return self.data.task


def output_activation(task: Task) -> str:
    """The output layer's activation for a task."""
    return {Task.BINARY: "sigmoid", Task.MULTICLASS: "softmax", Task.REGRESSION: "linear"}[task]


def output_units(task: Task, n_classes: int) -> int:
    """The output layer's width for a task."""
    return n_classes if task is Task.MULTICLASS else 1
