"""Spec → compiled ``keras.Model``.

The model is a plain Keras functional model so that it saves, loads and
exports with Keras's own tools:

    Input → Normalization (statistics of the training part) → hidden layers → output

Each hidden Dense layer is ``Dense(units, activation)``; Leaky ReLU and ELU,
whose α Keras's named activations cannot carry, become ``Dense`` (linear)
followed by a ``LeakyReLU``/``ELU`` layer. The step activation is the
registered custom function in ``engine.activations``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ffnn_studio.core.reports import LayerInfo
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    Project,
    Task,
    TrainingSettings,
    output_activation,
    output_units,
)
from ffnn_studio.core.validation import check_project

OUTPUT_NAME = "output"


def dense_name(spec_index: int) -> str:
    return f"dense_{spec_index + 1}"


@dataclass(frozen=True)
class DenseBlock:
    """A trainable Dense layer with the activation applied to its output."""

    info: LayerInfo
    dense: object  # keras.layers.Dense
    #: The layer whose output is the activation (the Dense itself, or its activation layer).
    activation_layer: object


@dataclass(frozen=True)
class BuiltModel:
    model: object  # keras.Model
    #: Hidden Dense layers in stack order, then the output layer.
    blocks: tuple[DenseBlock, ...]
    task: Task
    n_classes: int

    @property
    def layer_infos(self) -> tuple[LayerInfo, ...]:
        return tuple(b.info for b in self.blocks)


def make_optimizer(training: TrainingSettings):
    """The Keras optimizer for the spec's optimizer, hyper-parameters one to one."""
    import keras

    p = training.optimizer.resolved()
    lr = float(p["learning_rate"])
    name = training.optimizer.name
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if name == "momentum":
        return keras.optimizers.SGD(
            learning_rate=lr, momentum=float(p["momentum"]), nesterov=bool(p["nesterov"])
        )
    if name == "adagrad":
        return keras.optimizers.Adagrad(
            learning_rate=lr, initial_accumulator_value=float(p["initial_accumulator_value"])
        )
    if name == "rmsprop":
        return keras.optimizers.RMSprop(
            learning_rate=lr, rho=float(p["rho"]), momentum=float(p["momentum"])
        )
    if name == "adam":
        return keras.optimizers.Adam(
            learning_rate=lr, beta_1=float(p["beta_1"]), beta_2=float(p["beta_2"])
        )
    raise ValueError(f"unknown optimizer {name!r}")  # validation rules this out


def make_loss(training: TrainingSettings, task: Task):
    """The Keras loss for the spec's loss and the task's target encoding."""
    import keras

    if training.loss == "mse":
        return keras.losses.MeanSquaredError()
    if task is Task.BINARY:
        return keras.losses.BinaryCrossentropy()
    if task is Task.MULTICLASS:
        return keras.losses.SparseCategoricalCrossentropy()
    raise ValueError("cross-entropy needs a classification task")  # validation rules this out


def metric_name(task: Task) -> str:
    return "mae" if task is Task.REGRESSION else "accuracy"


def make_metric(training: TrainingSettings, task: Task):
    import keras

    if task is Task.REGRESSION:
        return keras.metrics.MeanAbsoluteError(name="mae")
    if task is Task.BINARY:
        return keras.metrics.BinaryAccuracy(name="accuracy")
    if training.loss == "mse":
        return keras.metrics.CategoricalAccuracy(name="accuracy")
    return keras.metrics.SparseCategoricalAccuracy(name="accuracy")


def encode_targets(y: np.ndarray, task: Task, loss: str, n_classes: int) -> np.ndarray:
    """Targets in the form the loss expects (binary/regression: (n, 1); one-hot for MSE)."""
    if task is Task.MULTICLASS:
        labels = np.asarray(y, dtype=np.int32)
        if loss == "mse":
            return np.eye(n_classes, dtype=np.float32)[labels]
        return labels
    return np.asarray(y, dtype=np.float32).reshape(-1, 1)


def _activation_layers(layer: DenseLayer, name: str):
    """(Dense activation argument, extra activation layer or None)."""
    import keras

    from ffnn_studio.engine.activations import step

    act = layer.activation
    if act == "leaky_relu":
        return None, keras.layers.LeakyReLU(
            negative_slope=layer.activation_alpha(), name=f"{name}_act"
        )
    if act == "elu":
        return None, keras.layers.ELU(alpha=layer.activation_alpha(), name=f"{name}_act")
    if act == "step":
        return step, None
    return act, None


def build_model(
    project: Project,
    *,
    n_features: int,
    task: Task,
    n_classes: int = 0,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    compile: bool = True,
) -> BuiltModel:
    """Build (and compile) the model the project describes for data of this shape.

    ``mean``/``variance`` are the training part's feature statistics; they
    become a ``Normalization`` layer so the model takes raw features.
    """
    import keras

    check_project(project, task, n_inputs=n_features, n_outputs=output_units(task, n_classes))
    keras.utils.set_random_seed(project.training.seed)
    inputs = keras.Input(shape=(n_features,), name="features")
    if mean is None:
        mean = np.zeros(n_features, dtype=np.float32)
    if variance is None:
        variance = np.ones(n_features, dtype=np.float32)
    x = keras.layers.Normalization(
        mean=np.asarray(mean, dtype=np.float32),
        variance=np.asarray(variance, dtype=np.float32),
        name="scaling",
    )(inputs)
    blocks: list[DenseBlock] = []
    for i, layer in enumerate(project.network.layers):
        if isinstance(layer, DenseLayer):
            name = dense_name(i)
            act, extra = _activation_layers(layer, name)
            reg = (
                keras.regularizers.L1L2(l1=layer.l1, l2=layer.l2)
                if (layer.l1 or layer.l2)
                else None
            )
            dense = keras.layers.Dense(
                layer.units,
                activation=act,
                use_bias=layer.use_bias,
                kernel_initializer=_initializer(layer.kernel_initializer, project.training.seed + i),
                kernel_regularizer=reg,
                name=name,
            )
            x = dense(x)
            if extra is not None:
                x = extra(x)
            info = LayerInfo(i, name, layer.units, layer.activation)
            blocks.append(DenseBlock(info, dense, extra if extra is not None else dense))
        elif isinstance(layer, DropoutLayer):
            x = keras.layers.Dropout(
                layer.rate, seed=project.training.seed + 1000 + i, name=f"dropout_{i + 1}"
            )(x)
    units = output_units(task, n_classes)
    out_act = output_activation(task)
    dense = keras.layers.Dense(
        units,
        activation=out_act,
        kernel_initializer=keras.initializers.GlorotUniform(seed=project.training.seed + 999),
        name=OUTPUT_NAME,
    )
    outputs = dense(x)
    blocks.append(DenseBlock(LayerInfo(None, OUTPUT_NAME, units, out_act), dense, dense))
    model = keras.Model(inputs, outputs, name=_model_name(project.name))
    if compile:
        model.compile(
            optimizer=make_optimizer(project.training),
            loss=make_loss(project.training, task),
            metrics=[make_metric(project.training, task)],
        )
    return BuiltModel(model, tuple(blocks), task, n_classes)


def _initializer(name: str, seed: int):
    import keras

    if name == "random_normal":
        return keras.initializers.RandomNormal(stddev=0.05, seed=seed)
    return keras.initializers.get({"class_name": name, "config": {"seed": seed}})


def _model_name(name: str) -> str:
    cleaned = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")
    return cleaned or "ffnn"
