"""Checks a project against the catalog, with messages a person can act on.

Every problem names where it is (``Layer 2 (Dense) › units``) and what is
wrong; the window shows them inline, the CLI prints them.

Contract: reads the catalog; returns ``Problem`` values or raises
``StudioError``. No Qt, no TensorFlow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    DATASETS,
    DROPOUT_RATE,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZERS,
    SCHEDULES,
    STRATEGIES,
    TRAINING,
    UNITS,
    Param,
)
from ffnn_studio.core.errors import StudioError, clip
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    LayerSpec,
    NetworkSpec,
    Project,
    ScheduleSpec,
    Task,
    TrainingSettings,
)


@dataclass(frozen=True)
class Problem:
    """One validation failure: where it is and what is wrong."""

    where: str
    message: str
    #: Position in ``NetworkSpec.layers`` when the problem is about a layer.
    layer: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def layer_label(index: int, layer: LayerSpec) -> str:
    """``Layer 2 (Dense)``: 1-based, as the layer stack shows it."""
    return f"Layer {index + 1} ({layer.kind.capitalize()})"


def _check_param(problems: list[Problem], where: str, param: Param, value: object, **kw) -> None:
    why = param.check(value)
    if why:
        problems.append(Problem(f"{where} › {param.name}", why, field=param.name, **kw))


def _choice(name: str, options: dict) -> str:
    return f"unknown {name}; choose one of: {', '.join(options)}"


def validate_layer(index: int, layer: LayerSpec) -> list[Problem]:
    """Problems of one hidden layer at position ``index``."""
    problems: list[Problem] = []
    where = layer_label(index, layer)
    if isinstance(layer, DenseLayer):
        _check_param(problems, where, UNITS, layer.units, layer=index)
        entry = ACTIVATIONS.get(layer.activation)
        if entry is None:
            problems.append(
                Problem(
                    f"{where} › activation",
                    f"'{clip(layer.activation, 60)}' is an {_choice('activation', ACTIVATIONS)}",
                    layer=index,
                    field="activation",
                )
            )
        elif not entry.hidden:
            problems.append(
                Problem(
                    f"{where} › activation",
                    f"{entry.label} belongs only in the output layer; a hidden layer needs "
                    "an element-wise activation such as ReLU or tanh",
                    layer=index,
                    field="activation",
                )
            )
        elif layer.alpha is not None:
            if entry.params:
                _check_param(problems, where, entry.params[0], layer.alpha, layer=index)
            else:
                problems.append(
                    Problem(
                        f"{where} › alpha",
                        f"{entry.label} has no α parameter; remove it",
                        layer=index,
                        field="alpha",
                    )
                )
        if layer.kernel_initializer not in INITIALIZERS:
            problems.append(
                Problem(
                    f"{where} › kernel_initializer",
                    f"'{clip(layer.kernel_initializer, 60)}' is an {_choice('initializer', INITIALIZERS)}",
                    layer=index,
                    field="kernel_initializer",
                )
            )
        if not isinstance(layer.use_bias, bool):
            problems.append(
                Problem(
                    f"{where} › use_bias", "must be true or false", layer=index, field="use_bias"
                )
            )
        for reg in REGULARIZERS.values():
            param = reg.params[0]
            _check_param(problems, where, param, getattr(layer, param.name), layer=index)
    elif isinstance(layer, DropoutLayer):
        _check_param(problems, where, DROPOUT_RATE, layer.rate, layer=index)
    else:  # pragma: no cover - the type union is closed
        problems.append(Problem(f"Layer {index + 1}", f"unknown layer type {type(layer).__name__}"))
    return problems


def validate_network(
    network: NetworkSpec, n_inputs: int | None = None, n_outputs: int | None = None
) -> list[Problem]:
    """Problems of the layer stack as a whole and of each layer (widths as in ``network_size``)."""
    problems: list[Problem] = size_problems(network, n_inputs, n_outputs)
    if not network.dense_layers:
        problems.append(
            Problem(
                "Network",
                "has no Dense layer; add at least one hidden Dense layer "
                "(drag one from the palette)",
            )
        )
    for i, layer in enumerate(network.layers):
        problems.extend(validate_layer(i, layer))
    for i, layer in enumerate(network.layers):
        if isinstance(layer, DropoutLayer) and i + 1 < len(network.layers):
            nxt = network.layers[i + 1]
            if isinstance(nxt, DropoutLayer):
                problems.append(
                    Problem(
                        layer_label(i + 1, nxt),
                        "follows another Dropout layer; merge them into one rate",
                        layer=i + 1,
                    )
                )
    return problems


# ------------------------------------------------------------------ size

#: Training memory per parameter: the float32 weight, its gradient, two
#: optimizer slots, the best-weights copy and the compiled graph's temporaries.
BYTES_PER_PARAMETER = 32
#: Training memory per layer, whatever its width: the compiled graph and its
#: probes (a 300-layer stack of small layers took 2.7 GB).
BYTES_PER_LAYER = 9 * 1024 * 1024
#: Keras builds a deeper stack recursively and fails near 1,000 layers.
MAX_LAYERS = 256
#: Above this many layers a network still trains, but compiling it takes long.
WARN_LAYERS = 64
#: Refuse a network whose estimated training memory exceeds this share of the
#: machine's memory; warn above the smaller share.
HARD_MEMORY_SHARE = 0.5
WARN_MEMORY_SHARE = 0.125
#: Assumed when the machine's memory cannot be read.
FALLBACK_MEMORY_BYTES = 8 * 1024**3


def machine_memory_bytes() -> int:
    """The machine's physical memory in bytes (``FALLBACK_MEMORY_BYTES`` if unknown)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return FALLBACK_MEMORY_BYTES
    return total if total > 0 else FALLBACK_MEMORY_BYTES


@dataclass(frozen=True)
class NetworkSize:
    """How big a network is, and what training it is estimated to take."""

    parameters: int
    layers: int
    memory_bytes: int


def network_size(
    network: NetworkSpec, n_inputs: int | None = None, n_outputs: int | None = None
) -> NetworkSize:
    """Parameters (weights and biases, output layer included) and estimated training memory.

    Without the data's width (``None``) one input and one output are assumed,
    which gives a lower bound.
    """
    width = max(int(n_inputs or 1), 1)
    parameters = 2 * width + 1  # the scaling layer's mean and variance
    layers = 1
    for layer in network.layers:
        layers += 1
        # Widths out of range are problems of their own (UNITS); they add nothing here.
        if isinstance(layer, DenseLayer) and UNITS.check(layer.units) is None:
            units = int(layer.units)
            parameters += width * units + (units if layer.use_bias is not False else 0)
            width = units
    outputs = max(int(n_outputs or 1), 1)
    parameters += width * outputs + outputs
    memory = parameters * BYTES_PER_PARAMETER + layers * BYTES_PER_LAYER
    return NetworkSize(parameters, len(network.layers), memory)


def _gb(n_bytes: float) -> str:
    return f"{n_bytes / 1024**3:.1f} GB"


def _size_text(size: NetworkSize) -> str:
    return (
        f"{size.layers:,} layers and {size.parameters:,} parameters take about "
        f"{_gb(size.memory_bytes)} to train"
    )


def size_problems(
    network: NetworkSpec, n_inputs: int | None = None, n_outputs: int | None = None
) -> list[Problem]:
    """Problems of a network too large to train on this machine (refused)."""
    size = network_size(network, n_inputs, n_outputs)
    problems: list[Problem] = []
    if size.layers > MAX_LAYERS:
        problems.append(
            Problem(
                "Network",
                f"has {size.layers:,} layers; the studio trains at most {MAX_LAYERS} "
                "(Keras cannot build much deeper stacks)",
            )
        )
    limit = HARD_MEMORY_SHARE * machine_memory_bytes()
    if size.memory_bytes > limit:
        problems.append(
            Problem(
                "Network",
                f"is too large for this machine: {_size_text(size)}, more than the "
                f"{_gb(limit)} allowed (half of its {_gb(machine_memory_bytes())} of memory); "
                "use fewer or narrower layers",
            )
        )
    return problems


def size_warnings(
    network: NetworkSpec, n_inputs: int | None = None, n_outputs: int | None = None
) -> list[Problem]:
    """Notes on a network large enough to train slowly or use much memory (not refused)."""
    size = network_size(network, n_inputs, n_outputs)
    if size_problems(network, n_inputs, n_outputs):
        return []
    warnings: list[Problem] = []
    limit = WARN_MEMORY_SHARE * machine_memory_bytes()
    if size.memory_bytes > limit:
        warnings.append(
            Problem(
                "Network",
                f"is large: {_size_text(size)} (over {_gb(limit)}, an eighth of this "
                "machine's memory); training will be slow",
            )
        )
    elif size.layers > WARN_LAYERS:
        warnings.append(
            Problem(
                "Network",
                f"is deep: {size.layers:,} layers take long to compile before the first epoch",
            )
        )
    return warnings


def validate_schedule(schedule: ScheduleSpec) -> list[Problem]:
    """Problems of the learning-rate schedule: an unknown name, parameter or value."""
    problems: list[Problem] = []
    entry = SCHEDULES.get(schedule.name)
    if entry is None:
        problems.append(
            Problem(
                "Training › schedule",
                f"'{clip(schedule.name, 60)}' is an {_choice('schedule', SCHEDULES)}",
                field="lr_schedule",
            )
        )
        return problems
    known = {p.name for p in entry.params}
    for name, value in schedule.params.items():
        if name not in known:
            takes = f"it takes: {', '.join(sorted(known))}" if known else "it takes none"
            problems.append(
                Problem(
                    f"Training › schedule › {clip(name, 60)}",
                    f"{entry.label} has no parameter '{clip(name, 60)}'; {takes}",
                    field=name,
                )
            )
        else:
            _check_param(problems, f"Training › {entry.label}", entry.param(name), value)
    return problems


def validate_training(training: TrainingSettings, task: Task | None) -> list[Problem]:
    """Problems of the loss, optimizer and schedule (``task`` None: not yet known)."""
    problems: list[Problem] = []
    if training.loss not in LOSSES:
        problems.append(
            Problem(
                "Training › loss",
                f"'{clip(training.loss, 60)}' is an {_choice('loss', LOSSES)}",
                field="loss",
            )
        )
    elif training.loss == "cross_entropy" and task is Task.REGRESSION:
        problems.append(
            Problem(
                "Training › loss",
                "cross-entropy needs class labels, but this data set is a regression task; "
                "use mean squared error",
                field="loss",
            )
        )
    opt = OPTIMIZERS.get(training.optimizer.name)
    if opt is None:
        problems.append(
            Problem(
                "Training › optimizer",
                f"'{clip(training.optimizer.name, 60)}' is an {_choice('optimizer', OPTIMIZERS)}",
                field="optimizer",
            )
        )
    else:
        known = {p.name for p in opt.params}
        for name, value in training.optimizer.params.items():
            if name not in known:
                problems.append(
                    Problem(
                        f"Training › optimizer › {clip(name, 60)}",
                        f"{opt.label} has no parameter '{clip(name, 60)}'; it takes: {', '.join(sorted(known))}",
                        field=name,
                    )
                )
            else:
                _check_param(problems, f"Training › {opt.label}", opt.param(name), value)
    for param in (
        TRAINING.epochs,
        TRAINING.batch_size,
        TRAINING.validation_fraction,
        TRAINING.test_fraction,
        TRAINING.seed,
        TRAINING.patience,
    ):
        _check_param(problems, "Training", param, getattr(training, param.name))
    if training.init_seed is not None:
        _check_param(problems, "Training", TRAINING.init_seed, training.init_seed)
    _check_param(
        problems, "Training › schedule", TRAINING.warmup_epochs, training.lr_schedule.warmup_epochs
    )
    problems += validate_schedule(training.lr_schedule)
    if training.strategy not in STRATEGIES:
        problems.append(
            Problem(
                "Training › strategy",
                f"'{clip(training.strategy, 60)}' is an unknown strategy; use one of: "
                f"{', '.join(STRATEGIES)}",
                field="strategy",
            )
        )
    held_out = training.validation_fraction + training.test_fraction
    if training.test_fraction > 0 and held_out > 0.9:
        problems.append(
            Problem(
                "Training › test_fraction",
                f"validation ({training.validation_fraction:g}) and test ({training.test_fraction:g}) "
                "fractions together leave less than a tenth of the data to train on; lower one of them",
                field="test_fraction",
            )
        )
    if training.early_stopping and training.validation_fraction == 0:
        problems.append(
            Problem(
                "Training › early_stopping",
                "needs a validation set; set the validation fraction above 0",
                field="early_stopping",
            )
        )
    return problems


def validate_data_source(project: Project) -> list[Problem]:
    """Problems of the data source that show without reading any data."""
    problems: list[Problem] = []
    data = project.data
    if isinstance(data, BuiltinDataSource):
        entry = DATASETS.get(data.name)
        if entry is None:
            problems.append(
                Problem(
                    "Data › name", f"'{clip(data.name, 60)}' is an {_choice('data set', DATASETS)}"
                )
            )
            return problems
        known = {p.name for p in entry.params}
        for name, value in data.params.items():
            if name not in known:
                takes = ", ".join(sorted(known)) or "no parameters"
                problems.append(
                    Problem(
                        f"Data › {clip(name, 60)}",
                        f"{entry.label} has no parameter '{clip(name, 60)}'; it takes: {takes}",
                    )
                )
            else:
                _check_param(problems, f"Data › {entry.label}", entry.param(name), value)
    elif isinstance(data, CsvDataSource):
        if not data.path:
            problems.append(Problem("Data › path", "no CSV file chosen"))
        if not data.target:
            problems.append(Problem("Data › target", "no target column chosen"))
        if data.missing not in ("drop", "mean"):
            problems.append(
                Problem(
                    "Data › missing",
                    f"'{clip(data.missing, 60)}' is not a policy; use 'drop' or 'mean'",
                )
            )
    return problems


def validate_project(
    project: Project,
    task: Task | None = None,
    *,
    n_inputs: int | None = None,
    n_outputs: int | None = None,
) -> list[Problem]:
    """Every problem of a project; ``task`` overrides what the spec alone tells.

    ``n_inputs``/``n_outputs`` (the data's width, when known) make the size check exact.
    """
    task = task or project.known_task()
    return [
        *validate_data_source(project),
        *validate_network(project.network, n_inputs, n_outputs),
        *validate_training(project.training, task),
    ]


def check_project(
    project: Project,
    task: Task | None = None,
    *,
    n_inputs: int | None = None,
    n_outputs: int | None = None,
) -> None:
    """Raise ``StudioError`` listing every problem, if there is any."""
    problems = validate_project(project, task, n_inputs=n_inputs, n_outputs=n_outputs)
    if problems:
        lines = "\n".join(f"  • {p}" for p in problems)
        raise StudioError(f"the project has {len(problems)} problem(s):\n{lines}")
