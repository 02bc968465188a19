"""Project → model plan: the Keras classes, and their arguments, that make the model.

This is the one place that decides how the studio's choices become Keras: layer
names, activations (a name for ``Dense``, or a linear ``Dense`` and an
activation layer), initializers and their seeds, regularizers, the output
layer, the optimizer, the loss and the metric. ``engine.builder`` instantiates
the plan; ``engine.codegen`` writes the same plan out as source text, so the
generated script cannot drift from the built model.

Every Keras-side fact comes from the catalog entries; the plan is plain data
and this module imports neither TensorFlow nor Keras.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    BOTH_REGULARIZERS,
    INITIALIZERS,
    LOSSES,
    METRIC_NAMES,
    OPTIMIZERS,
    REGULARIZERS,
    SCHEDULES,
    KerasCall,
    KerasLoss,
    Param,
)
from ffnn_studio.core.naming import slugify
from ffnn_studio.core.schedule_math import cosine_decay_epochs, schedule_params
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    Project,
    Task,
    TrainingSettings,
    output_activation,
)

INPUT_NAME = "features"
SCALING_NAME = "scaling"
OUTPUT_NAME = "output"
#: Seed offsets: hidden layer i's initializer draws from seed + i, its dropout
#: from seed + 1000 + i, the output layer's initializer from seed + 999.
OUTPUT_SEED_OFFSET = 999
DROPOUT_SEED_OFFSET = 1000


@dataclass(frozen=True)
class Seed:
    """The project's seed plus ``offset``, so every layer draws its own numbers."""

    offset: int = 0


@dataclass(frozen=True)
class InitSeed:
    """The initial-weights seed plus ``offset`` (``TrainingSettings.weights_seed``)."""

    offset: int = 0


@dataclass(frozen=True)
class Steps:
    """``epochs`` epochs as optimizer steps: epochs × the run's steps per epoch."""

    epochs: int


@dataclass(frozen=True)
class DataValue:
    """A figure known only once the data is (``n_classes``)."""

    name: str


@dataclass(frozen=True)
class Custom:
    """A studio-registered Keras object, by its registered name ("ffnn_studio>step")."""

    registered_name: str

    @property
    def python_name(self) -> str:
        return self.registered_name.rpartition(">")[2]


@dataclass(frozen=True)
class Setting:
    """A training hyper-parameter's value; the generated script names it as a setting."""

    param: Param
    value: bool | int | float


@dataclass(frozen=True)
class Call:
    """A Keras constructor call as data: the class's public path and its arguments."""

    path: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()

    def get(self, keyword: str, default: Value = None) -> Value:
        return dict(self.kwargs).get(keyword, default)

    @property
    def class_name(self) -> str:
        return self.path.rpartition(".")[2]


#: An argument of a call: a literal, a seed, a data figure, a custom object,
#: a hyper-parameter or another call (an initializer inside a layer).
Value = (
    bool | int | float | str | None | Seed | InitSeed | Steps | DataValue | Custom | Setting | Call
)


@dataclass(frozen=True)
class DensePlan:
    """A hidden Dense layer, and the activation layer that follows it if any."""

    index: int
    layer: DenseLayer
    dense: Call
    #: Applies the activation after a linear Dense (where a name cannot carry α).
    activation: Call | None

    @property
    def name(self) -> str:
        return str(self.dense.get("name"))


@dataclass(frozen=True)
class DropoutPlan:
    index: int
    layer: DropoutLayer
    dropout: Call


LayerPlan = DensePlan | DropoutPlan


@dataclass(frozen=True)
class ModelPlan:
    """Everything the model is made of, in the order it is built."""

    name: str
    task: Task
    seed: int
    layers: tuple[LayerPlan, ...]
    output: Call
    optimizer: Call
    loss: Call
    metric: Call
    #: The loss and metric as the catalog describes them for this task.
    keras_loss: KerasLoss
    #: The initializers' seed (``TrainingSettings.weights_seed``); ``seed`` is dropout's.
    weights_seed: int = 0

    @property
    def schedule(self) -> Call | None:
        """The optimizer's learning-rate schedule, if it has one."""
        lr = self.optimizer.get("learning_rate")
        return lr if isinstance(lr, Call) else None

    @property
    def metric_name(self) -> str:
        return metric_name(self.task)

    @property
    def custom_objects(self) -> tuple[str, ...]:
        """Registered names of the studio's custom objects the model uses, in order."""
        found: list[str] = []
        for value in _walk(
            [*(p.dense for p in self.layers if isinstance(p, DensePlan)), self.output]
        ):
            if isinstance(value, Custom) and value.registered_name not in found:
                found.append(value.registered_name)
        return tuple(found)


def _walk(values) -> list[Value]:
    out: list[Value] = []
    for v in values:
        out.append(v)
        if isinstance(v, Call):
            out += _walk([*v.args, *(kw for _, kw in v.kwargs)])
    return out


def _call(keras: KerasCall, values: Mapping[str, Value], *extra: tuple[str, Value]) -> Call:
    """The catalog's Keras class with ``values`` (parameter name → value) as keywords."""
    kwargs = [(keras.keyword(name), value) for name, value in values.items()]
    kwargs += list(keras.fixed)
    kwargs += list(extra)
    return Call(keras.path, kwargs=tuple(kwargs))


def _coerce(param: Param, value: object) -> bool | int | float:
    if param.kind == "bool":
        return bool(value)
    if param.kind == "int":
        return int(value)  # type: ignore[call-overload]
    return float(value)  # type: ignore[arg-type]


def dense_name(spec_index: int) -> str:
    return f"dense_{spec_index + 1}"


def metric_name(task: Task) -> str:
    return METRIC_NAMES[task.value]


def model_name(name: str) -> str:
    """The Keras model's name: the project's name as ``core.names.slugify`` spells it."""
    return slugify(name, "ffnn")


def optimizer_call(training: TrainingSettings) -> Call:
    """The optimizer: the catalog's Keras class, each hyper-parameter one to one; a
    learning-rate schedule takes the learning rate's place (starting from it)."""
    entry = OPTIMIZERS[training.optimizer.name]
    assert entry.keras is not None, entry.name
    values = training.optimizer.resolved()
    settings: dict[str, Value] = {
        p.name: Setting(p, _coerce(p, values[p.name])) for p in entry.params
    }
    if "learning_rate" in settings:
        lr = settings["learning_rate"]
        schedule = schedule_call(training, lr)
        if schedule is not None:
            settings["learning_rate"] = schedule
    return _call(entry.keras, settings)


#: The studio's warm-up schedule (``engine.schedules``), for the schedules without their own.
WARMUP_SCHEDULE = "ffnn_studio>LinearWarmup"


def schedule_call(training: TrainingSettings, learning_rate: Value) -> Call | None:
    """The Keras schedule of ``training.lr_schedule`` starting from ``learning_rate``;
    None for a constant rate without warm-up.

    Epoch counts become steps (``Steps``). Cosine decay uses Keras's own warm-up
    (from 0 to the rate); step and exponential decay, and a constant rate, are
    wrapped in the studio's ``LinearWarmup``.
    """
    spec = training.lr_schedule
    entry = SCHEDULES[spec.name]
    p = schedule_params(spec)
    warm = int(spec.warmup_epochs)
    decay: Call | None = None
    if spec.name == "cosine":
        kwargs: list[tuple[str, Value]] = [
            ("initial_learning_rate", 0.0 if warm else learning_rate),
            ("decay_steps", Steps(cosine_decay_epochs(spec, training.epochs))),
            ("alpha", Setting(entry.param("alpha"), float(p["alpha"]))),
        ]
        if warm:
            kwargs += [("warmup_target", learning_rate), ("warmup_steps", Steps(warm))]
        assert entry.keras is not None
        return Call(entry.keras.path, kwargs=tuple(kwargs))
    if spec.name == "step":
        assert entry.keras is not None
        decay = Call(
            entry.keras.path,
            kwargs=(
                ("initial_learning_rate", learning_rate),
                ("decay_steps", Steps(int(p["every_epochs"]))),
                ("decay_rate", Setting(entry.param("factor"), float(p["factor"]))),
                ("staircase", True),
            ),
        )
    elif spec.name == "exponential":
        assert entry.keras is not None
        decay = Call(
            entry.keras.path,
            kwargs=(
                ("initial_learning_rate", learning_rate),
                ("decay_steps", Steps(1)),
                ("decay_rate", Setting(entry.param("decay_rate"), float(p["decay_rate"]))),
            ),
        )
    if not warm:
        return decay
    return Call(
        WARMUP_SCHEDULE,
        kwargs=(
            ("initial_learning_rate", learning_rate),
            ("warmup_steps", Steps(warm)),
            ("after", decay),
        ),
    )


def keras_loss(training: TrainingSettings, task: Task) -> KerasLoss:
    """The catalog's Keras loss and metric for the project's loss on ``task``."""
    found = LOSSES[training.loss].for_task(task.value)
    if found is None:  # validation rules this out
        raise ValueError(f"the loss {training.loss!r} does not apply to {task.value}")
    return found


def loss_call(training: TrainingSettings, task: Task) -> Call:
    return _call(keras_loss(training, task).keras, {})


def metric_call(training: TrainingSettings, task: Task) -> Call:
    """The task's metric, compiled under the task's metric name."""
    return _call(keras_loss(training, task).metric, {}, ("name", metric_name(task)))


def initializer_call(name: str, seed_offset: int) -> Call:
    """An initializer drawing from the initial-weights seed (not the shuffling seed)."""
    entry = INITIALIZERS[name]
    assert entry.keras is not None, name
    return _call(entry.keras, {}, ("seed", InitSeed(seed_offset)))


def regularizer_call(layer: DenseLayer) -> Call | None:
    """L1, L2, or L1L2 when the layer has both strengths; None without either."""
    strengths = {"l1": layer.l1, "l2": layer.l2}
    used = {name: float(v) for name, v in strengths.items() if v}
    if not used:
        return None
    if len(used) == 1:
        (name,) = used
        keras = REGULARIZERS[name].keras
        assert keras is not None, name
    else:
        keras = BOTH_REGULARIZERS
    return _call(keras, used)


def _dense_plan(index: int, layer: DenseLayer) -> DensePlan:
    entry = ACTIVATIONS[layer.activation]
    name = dense_name(index)
    # A Dense layer carries one activation parameter, α (None for activations without).
    alpha = layer.activation_alpha()
    params = {p.name: alpha for p in entry.params}
    kwargs: list[tuple[str, Value]] = []
    if entry.keras_name is not None:
        kwargs.append(
            ("activation", Custom(entry.keras_name) if entry.custom else entry.keras_name)
        )
    if not layer.use_bias:
        kwargs.append(("use_bias", False))
    kwargs.append(("kernel_initializer", initializer_call(layer.kernel_initializer, index)))
    regularizer = regularizer_call(layer)
    if regularizer is not None:
        kwargs.append(("kernel_regularizer", regularizer))
    kwargs.append(("name", name))
    dense = Call("keras.layers.Dense", args=(layer.units,), kwargs=tuple(kwargs))
    activation = (
        _call(entry.keras, params, ("name", f"{name}_act"))
        if entry.keras_name is None and entry.keras
        else None
    )
    return DensePlan(index, layer, dense, activation)


def _dropout_plan(index: int, layer: DropoutLayer) -> DropoutPlan:
    call = Call(
        "keras.layers.Dropout",
        args=(float(layer.rate),),
        kwargs=(("seed", Seed(DROPOUT_SEED_OFFSET + index)), ("name", f"dropout_{index + 1}")),
    )
    return DropoutPlan(index, layer, call)


def plan_model(project: Project, task: Task) -> ModelPlan:
    """The model ``project`` describes for ``task`` (the project must be valid)."""
    layers: list[LayerPlan] = []
    for i, layer in enumerate(project.network.layers):
        if isinstance(layer, DenseLayer):
            layers.append(_dense_plan(i, layer))
        elif isinstance(layer, DropoutLayer):
            layers.append(_dropout_plan(i, layer))
    out_entry = ACTIVATIONS[output_activation(task)]
    units: Value = DataValue("n_classes") if task is Task.MULTICLASS else 1
    output = Call(
        "keras.layers.Dense",
        args=(units,),
        kwargs=(
            ("activation", out_entry.keras_name),
            ("kernel_initializer", initializer_call("glorot_uniform", OUTPUT_SEED_OFFSET)),
            ("name", OUTPUT_NAME),
        ),
    )
    loss = keras_loss(project.training, task)
    return ModelPlan(
        name=model_name(project.name),
        task=task,
        seed=project.training.seed,
        layers=tuple(layers),
        output=output,
        optimizer=optimizer_call(project.training),
        loss=loss_call(project.training, task),
        metric=metric_call(project.training, task),
        keras_loss=loss,
        weights_seed=project.training.weights_seed,
    )
