"""Open a ``.keras`` model as a project: its layers become the stack, its weights start the first run.

Accepted: the studio's own exports (the embedded metadata gives the project,
the data and the raw columns) and plain Keras Sequential or functional MLPs
made of ``Dense``, ``Dropout`` and ``Normalization`` layers (plus the
activation layers the studio itself writes after a linear Dense: ``LeakyReLU``,
``ELU``, ``Activation``). The last Dense is the output layer; its activation
tells the task (sigmoid with one unit: binary; softmax: multi-class; linear:
regression). Any other layer is refused with a message naming the layer and
its class.

The weights travel as ``LoadedWeights``: the kernels and biases of every
Dense, hidden layers then output, and the Normalization statistics (zero mean
and unit variance without one). A run starts from them in two steps:
``prepared(data)`` gives the split data the model's own scaling (so the
weights see the inputs they were trained on), and ``apply(session)`` writes
the kernels into the freshly built session's Dense layers.

Contract: no Qt; imports the core and (lazily) Keras.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
)

SUPPORTED = "Dense, Dropout and Normalization layers"
#: Keras activation function names → the studio's activation names.
_ACTIVATIONS = {
    "relu": "relu",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "linear": "linear",
    "elu": "elu",
    "leaky_relu": "leaky_relu",
    "step": "step",
}
#: Keras's defaults when ``elu``/``leaky_relu`` are given by name in a Dense.
_NAMED_ALPHA = {"elu": 1.0, "leaky_relu": 0.2}


@dataclass(frozen=True, eq=False)
class LoadedWeights:
    """A model's trained Dense weights and input scaling, to start a run from."""

    #: (kernel, bias or None) per Dense layer, hidden layers in order, then the output.
    dense: tuple[tuple[np.ndarray, np.ndarray | None], ...]
    mean: np.ndarray
    variance: np.ndarray
    source: str

    @property
    def n_features(self) -> int:
        return int(self.dense[0][0].shape[0])

    def prepared(self, data: Any) -> Any:
        """``data`` (a ``PreparedData``) with the model's scaling; refuses another width."""
        if data.n_features != self.n_features:
            raise StudioError(
                f"the model opened from {self.source} takes {self.n_features} input features, "
                f"but the data set has {data.n_features}; choose data of the same width"
            )
        return dataclasses.replace(
            data, mean=self.mean.astype(np.float32), variance=self.variance.astype(np.float32)
        )

    def apply(self, session: Any) -> None:
        """Write the kernels and biases into ``session``'s Dense layers (shapes must agree)."""
        blocks = session.built.blocks
        if len(blocks) != len(self.dense):
            raise StudioError(
                f"the network has {len(blocks)} Dense layers but the model opened from "
                f"{self.source} has {len(self.dense)}; open it again to train its layers"
            )
        for block, (kernel, bias) in zip(blocks, self.dense, strict=True):
            dense = block.dense
            if tuple(dense.kernel.shape) != kernel.shape or (dense.bias is None) != (bias is None):
                raise StudioError(
                    f"layer '{block.info.name}' has weights of shape "
                    f"{tuple(dense.kernel.shape)}, the opened model's {kernel.shape}: the "
                    "network was changed after opening, so the loaded weights do not fit"
                )
            dense.kernel.assign(kernel)
            if bias is not None:
                dense.bias.assign(bias)
        # The session keeps a copy of the weights for restoring after a diverged chunk.
        backup = getattr(session, "_backup", None)
        state = getattr(session, "_state_vars", None)
        if backup is not None and state is not None:
            for copy, var in zip(backup, state, strict=True):
                copy.assign(var)
        with session._weights_lock:
            session._weights_cache = None


@dataclass(frozen=True, eq=False)
class OpenedModel:
    """A ``.keras`` file read as a project and the weights its first run starts from."""

    project: Project
    weights: LoadedWeights
    task: Task
    n_classes: int
    #: The studio's embedded metadata, or None for a plain Keras model.
    metadata: dict[str, Any] | None


def _refuse(layer: Any, why: str = "") -> StudioError:
    detail = f" ({why})" if why else ""
    return StudioError(
        f"layer '{layer.name}' ({type(layer).__name__}) is not supported{detail}: FFNN Studio "
        f"opens feed-forward networks made of {SUPPORTED}"
    )


def _activation_name(layer: Any) -> str:
    fn = getattr(layer, "activation", None)
    name = getattr(fn, "__name__", str(fn))
    return name


def _regularization(layer: Any) -> tuple[float, float]:
    reg = getattr(layer, "kernel_regularizer", None)
    if reg is None:
        return 0.0, 0.0
    l1 = float(getattr(reg, "l1", 0.0) or 0.0)
    l2 = float(getattr(reg, "l2", 0.0) or 0.0)
    return l1, l2


def _read_layers(model: Any, source: str) -> tuple[list[Any], list[Any], Any]:
    """(hidden specs with their Dense layers, output Dense, Normalization or None)."""
    import keras

    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise StudioError(
            f"{source} has {len(model.inputs)} inputs and {len(model.outputs)} outputs; FFNN "
            "Studio opens networks with one input and one output"
        )
    if len(model.inputs[0].shape) != 2:
        raise StudioError(
            f"{source} takes inputs of shape {tuple(model.inputs[0].shape)}; FFNN Studio opens "
            "networks that take a flat row of features"
        )
    steps: list[tuple[str, Any]] = []  # ("dense", layer) / ("dropout", layer) / ("act", name)
    normalization = None
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer, keras.layers.Normalization):
            if normalization is not None or steps:
                raise _refuse(layer, "a Normalization layer must come first, and only once")
            if getattr(layer, "invert", False):
                raise _refuse(layer, "an inverted Normalization")
            normalization = layer
        elif isinstance(layer, keras.layers.Dense):
            steps.append(("dense", layer))
        elif isinstance(layer, keras.layers.Dropout):
            steps.append(("dropout", layer))
        elif isinstance(layer, (keras.layers.LeakyReLU, keras.layers.ELU, keras.layers.Activation)):
            if not steps or steps[-1][0] != "dense" or _activation_name(steps[-1][1]) != "linear":
                raise _refuse(layer, "an activation layer must follow a linear Dense layer")
            steps.append(("act", layer))
        else:
            raise _refuse(layer)
    denses = [layer for kind, layer in steps if kind == "dense"]
    if not denses:
        raise StudioError(f"{source} has no Dense layer: there is no network to open")
    output = denses[-1]
    if steps[-1][1] is not output:
        raise _refuse(steps[-1][1], "the network must end with its output Dense layer")
    hidden: list[Any] = []
    for i, (kind, layer) in enumerate(steps[:-1]):
        if kind == "dropout":
            hidden.append((DropoutLayer(float(layer.rate)), None))
        elif kind == "dense":
            after = steps[i + 1] if i + 1 < len(steps) else None
            l1, l2 = _regularization(layer)
            name = _activation_name(layer)
            alpha: float | None = None
            if after is not None and after[0] == "act":
                name, alpha = _layer_activation(after[1])
            if name not in _ACTIVATIONS:
                raise _refuse(layer, f"activation '{name}'")
            if alpha is None:
                alpha = _NAMED_ALPHA.get(name)
            spec = DenseLayer(
                int(layer.units), _ACTIVATIONS[name], alpha=alpha, use_bias=bool(layer.use_bias),
                l1=l1, l2=l2,
            )
            hidden.append((spec, layer))
    return hidden, [output], normalization


def _layer_activation(layer: Any) -> tuple[str, float | None]:
    import keras

    if isinstance(layer, keras.layers.LeakyReLU):
        return "leaky_relu", float(layer.negative_slope)
    if isinstance(layer, keras.layers.ELU):
        return "elu", float(layer.alpha)
    return _activation_name(layer), None


def _task_of(output: Any) -> tuple[Task, int]:
    name, units = _activation_name(output), int(output.units)
    if name == "sigmoid" and units == 1:
        return Task.BINARY, 2
    if name == "softmax" and units >= 2:
        return Task.MULTICLASS, units
    if name == "linear" and units == 1:
        return Task.REGRESSION, 0
    raise _refuse(
        output,
        f"an output layer of {units} {name} units; the studio's output layers are 1 sigmoid "
        "unit (binary), softmax units (multi-class) or 1 linear unit (regression)",
    )


def _numpy(value: Any) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def open_keras_model(path: str | os.PathLike[str]) -> OpenedModel:
    """Read a ``.keras`` file as a project and its weights (``StudioError`` naming what is wrong)."""
    import keras

    import ffnn_studio.engine.activations  # noqa: F401  (registers the step activation)
    from ffnn_studio.engine.export.formats import check_keras_source
    from ffnn_studio.engine.inference import encoded_model, model_metadata
    from ffnn_studio.engine.quiet import quiet_native_logs

    path = check_keras_source(path)
    with quiet_native_logs():
        try:
            model = keras.models.load_model(path, compile=False)
        except Exception as exc:
            text = str(exc).strip().splitlines()
            raise StudioError(
                f"could not load {path.name} as a Keras model: {text[0] if text else exc!r}"
            ) from exc
    model = encoded_model(model)
    hidden, (output,), normalization = _read_layers(model, path.name)
    task, n_classes = _task_of(output)
    n_features = int(model.inputs[0].shape[-1])
    if normalization is not None:
        mean = np.broadcast_to(_numpy(normalization.mean).reshape(-1), (n_features,)).copy()
        variance = np.broadcast_to(_numpy(normalization.variance).reshape(-1), (n_features,)).copy()
    else:
        mean, variance = np.zeros(n_features), np.ones(n_features)
    dense = tuple(
        (_numpy(layer.kernel).copy(), None if layer.bias is None else _numpy(layer.bias).copy())
        for layer in [d for _, d in hidden if d is not None] + [output]
    )
    weights = LoadedWeights(dense, mean, variance, path.name)
    network = NetworkSpec(tuple(spec for spec, _ in hidden))

    meta = model_metadata(path, "keras")
    if meta and isinstance(meta.get("project"), dict):
        from ffnn_studio.core.project_file import project_from_dict

        try:
            project = project_from_dict(meta["project"], path.parent)
        except StudioError:
            project = None
        units = [layer.units for layer in network.dense_layers]
        if project is not None and [d.units for d in project.network.dense_layers] == units:
            return OpenedModel(project, weights, task, n_classes, meta)
    project = Project(
        name=Path(path).stem.replace("_", " "),
        network=network,
        data=_builtin_for(task, n_features, n_classes),
        description=f"Opened from {path.name}: {len(dense)} Dense layers, {n_features} inputs.",
    )
    return OpenedModel(project, weights, task, n_classes, meta)


#: (features, classes) of the built-in sets: the synthetic ones are planar, two classes but
#: "blobs" (three); classes 0 means regression.
_BUILTIN_SHAPES = {
    "blobs": (2, 3),
    "iris": (4, 3),
    "wine": (13, 3),
    "breast_cancer": (30, 2),
    "digits": (64, 10),
    "diabetes": (10, 0),
}


def _builtin_for(task: Task, n_features: int, n_classes: int) -> BuiltinDataSource:
    """A built-in data set of the model's width, task and classes, when there is one."""
    from ffnn_studio.core.catalog import DATASETS

    for entry in DATASETS.values():
        default = (2, 2 if entry.task == "binary" else 0)
        if entry.task == task.value and _BUILTIN_SHAPES.get(entry.name, default) == (
            n_features,
            n_classes,
        ):
            return BuiltinDataSource(entry.name)
    return BuiltinDataSource()
