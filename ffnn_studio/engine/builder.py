"""Spec → compiled ``keras.Model``, made from the plan of ``engine.plan``.

The model is a plain Keras functional model so that it saves, loads and
exports with Keras's own tools:

    Input → Normalization (statistics of the training part) → hidden layers → output

Which Keras classes make it, with which arguments, the plan decides (the code
generator writes the same plan as source); this module only instantiates it.
The step activation is the registered custom function in ``engine.activations``.

Contract: the one place that turns a spec into Keras layers for training.
Imports Keras, the core and the step activation; never Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ffnn_studio.core.catalog import LOSSES
from ffnn_studio.core.reports import LayerInfo
from ffnn_studio.core.spec import Project, Task, TrainingSettings, output_activation, output_units
from ffnn_studio.core.validation import check_project
from ffnn_studio.engine.plan import (
    INPUT_NAME,
    OUTPUT_NAME,
    SCALING_NAME,
    Call,
    Custom,
    DataValue,
    DensePlan,
    InitSeed,
    Seed,
    Setting,
    Steps,
    Value,
    loss_call,
    metric_call,
    optimizer_call,
    plan_model,
)

# Re-exported: the session and the window name layers and metrics as the plan does.
from ffnn_studio.engine.plan import dense_name as dense_name
from ffnn_studio.engine.plan import metric_name as metric_name


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


def instantiate(
    value: Value,
    *,
    seed: int = 0,
    data: Mapping[str, object] | None = None,
    weights_seed: int | None = None,
):
    """The Keras object a plan value stands for (calls are made, seeds resolved).

    ``weights_seed`` (default: ``seed``) resolves the initializers' seeds; ``data``
    holds the figures known from the data ("n_classes", "steps_per_epoch").
    """
    if isinstance(value, Call):
        cls = _keras_attribute(value.path)
        make = partial(instantiate, seed=seed, data=data, weights_seed=weights_seed)
        args = [make(a) for a in value.args]
        kwargs = {k: make(v) for k, v in value.kwargs}
        return cls(*args, **kwargs)
    if isinstance(value, Seed):
        return seed + value.offset
    if isinstance(value, InitSeed):
        return (seed if weights_seed is None else weights_seed) + value.offset
    if isinstance(value, Steps):
        return value.epochs * int((data or {}).get("steps_per_epoch", 1))  # type: ignore[call-overload]
    if isinstance(value, Setting):
        return value.value
    if isinstance(value, DataValue):
        return (data or {})[value.name]
    if isinstance(value, Custom):
        from ffnn_studio.engine.activations import CUSTOM_OBJECTS

        return CUSTOM_OBJECTS[value.registered_name]
    return value


def _keras_attribute(path: str):
    """``keras.optimizers.Adam`` → the class, looked up on the imported ``keras``
    (``ffnn_studio>Name``: one of the studio's registered schedules)."""
    import keras

    if path.startswith("ffnn_studio>"):
        from ffnn_studio.engine.schedules import CUSTOM_SCHEDULES

        return CUSTOM_SCHEDULES[path]

    head, *parts = path.split(".")
    if head != "keras":
        raise ValueError(f"not a Keras path: {path!r}")
    obj = keras
    for part in parts:
        obj = getattr(obj, part)
    return obj


def make_optimizer(training: TrainingSettings, steps_per_epoch: int = 1):
    """The Keras optimizer for the spec's optimizer, hyper-parameters one to one (and
    its learning-rate schedule, counted in steps of ``steps_per_epoch`` an epoch)."""
    return instantiate(optimizer_call(training), data={"steps_per_epoch": steps_per_epoch})


def make_loss(training: TrainingSettings, task: Task):
    """The Keras loss for the spec's loss and the task's target encoding."""
    return instantiate(loss_call(training, task))


def make_metric(training: TrainingSettings, task: Task):
    return instantiate(metric_call(training, task))


def encode_targets(y: np.ndarray, task: Task, loss: str, n_classes: int) -> np.ndarray:
    """Targets in the form the loss expects (binary/regression: (n, 1); one-hot for MSE)."""
    if task is Task.MULTICLASS:
        labels = np.asarray(y, dtype=np.int32)
        keras_side = LOSSES[loss].for_task(task.value)
        if keras_side is not None and keras_side.one_hot:
            return np.eye(n_classes, dtype=np.float32)[labels]
        return labels
    return np.asarray(y, dtype=np.float32).reshape(-1, 1)


def build_model_for(project: Project, data: Any, *, steps_per_epoch: int = 1) -> BuiltModel:
    """``build_model`` for prepared data: anything with ``n_features``, ``task``,
    ``n_classes`` and the training part's ``mean`` and ``variance`` (a
    ``PreparedData``, or a streamed file's first-pass plan)."""
    return build_model(
        project,
        n_features=data.n_features,
        task=data.task,
        n_classes=data.n_classes,
        mean=data.mean,
        variance=data.variance,
        steps_per_epoch=steps_per_epoch,
    )


def build_model(
    project: Project,
    *,
    n_features: int,
    task: Task,
    n_classes: int = 0,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    compile: bool = True,
    steps_per_epoch: int = 1,
) -> BuiltModel:
    """Build (and compile) the model the project describes for data of this shape.

    ``mean``/``variance`` are the training part's feature statistics; they
    become a ``Normalization`` layer so the model takes raw features.
    ``steps_per_epoch`` turns a learning-rate schedule's epochs into steps.
    """
    import keras

    check_project(project, task, n_inputs=n_features, n_outputs=output_units(task, n_classes))
    keras.utils.set_random_seed(project.training.seed)
    inputs = keras.Input(shape=(n_features,), name=INPUT_NAME)
    if mean is None:
        mean = np.zeros(n_features, dtype=np.float32)
    if variance is None:
        variance = np.ones(n_features, dtype=np.float32)
    x = keras.layers.Normalization(
        mean=np.asarray(mean, dtype=np.float32),
        variance=np.asarray(variance, dtype=np.float32),
        name=SCALING_NAME,
    )(inputs)
    plan = plan_model(project, task)
    seed = plan.seed
    make = partial(
        instantiate,
        seed=seed,
        data={"n_classes": n_classes, "steps_per_epoch": steps_per_epoch},
        weights_seed=plan.weights_seed,
    )
    blocks: list[DenseBlock] = []
    for step in plan.layers:
        if isinstance(step, DensePlan):
            dense = make(step.dense)
            x = dense(x)
            extra = make(step.activation) if step.activation is not None else None
            if extra is not None:
                x = extra(x)
            layer = step.layer
            info = LayerInfo(step.index, step.name, layer.units, layer.activation)
            blocks.append(DenseBlock(info, dense, extra if extra is not None else dense))
        else:
            x = make(step.dropout)(x)
    dense = make(plan.output)
    outputs = dense(x)
    blocks.append(
        DenseBlock(LayerInfo(None, OUTPUT_NAME, dense.units, output_activation(task)), dense, dense)
    )
    model = keras.Model(inputs, outputs, name=plan.name)
    if compile:
        model.compile(
            optimizer=make(plan.optimizer), loss=make(plan.loss), metrics=[make(plan.metric)]
        )
    return BuiltModel(model, tuple(blocks), task, n_classes)
