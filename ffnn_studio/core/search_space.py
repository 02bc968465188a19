"""The hyper-parameter search space: which settings a search may vary, how they are
written (``learning_rate=1e-4:1e-1:log``, ``units=16,32,64``), and how a trial's
values become a project.

Contract: plain Python on the core's specs and catalog; knows no sampler (the
engine's search turns these specs into Optuna distributions), no Qt, no
TensorFlow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ffnn_studio.core.catalog import (
    DROPOUT_RATE,
    HIDDEN_ACTIVATIONS,
    OPTIMIZERS,
    TRAINING,
    UNITS,
    Param,
)
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import DenseLayer, DropoutLayer, LayerSpec, OptimizerSpec, Project

ValueType = Literal["int", "float", "str"]
Value = int | float | str


@dataclass(frozen=True)
class Searchable:
    """One setting a search may vary: its value type and valid values."""

    name: str
    label: str
    type: ValueType
    help: str
    #: The valid range of a number (the catalog's); None for a choice among names.
    param: Param | None = None
    #: The valid names of a choice.
    names: tuple[str, ...] = ()
    #: Whether ranges are sampled on a log scale unless told otherwise (the window's default).
    log_default: bool = False
    #: A typical range or choice, as the window proposes it.
    example: str = ""


_LR = Param("learning_rate", "Learning rate", "float", 0.001, 0.0, 10.0, min_inclusive=False)
_LAYERS = Param("layers", "Hidden layers", "int", 2, 1, 32)
_L1 = Param("l1", "L1 strength λ", "float", 0.0, 0.0, 1.0)
_L2 = Param("l2", "L2 strength λ", "float", 0.0, 0.0, 1.0)

SEARCHABLE: dict[str, Searchable] = {
    s.name: s
    for s in (
        Searchable(
            "learning_rate", "Learning rate", "float", "The optimizer's step size.",
            _LR, log_default=True, example="1e-4:1e-1:log",
        ),
        Searchable(
            "units", "Units (every hidden layer)", "int",
            "Neurons of every hidden Dense layer; units_1, units_2, … set one layer each.",
            UNITS, log_default=True, example="8:128:log",
        ),
        Searchable(
            "layers", "Hidden layers", "int",
            "Number of hidden Dense layers: extra ones copy the last (with its dropout), "
            "fewer drop the deepest.",
            _LAYERS, example="1:4",
        ),
        Searchable(
            "activation", "Activation", "str", "The activation of every hidden Dense layer.",
            names=HIDDEN_ACTIVATIONS, example="relu,tanh,elu",
        ),
        Searchable(
            "dropout", "Dropout rate", "float",
            "The rate of every Dropout layer (one is added after each hidden Dense layer "
            "if the network has none).",
            DROPOUT_RATE, example="0:0.5",
        ),
        Searchable(
            "l1", "L1", "float", "L1 strength of every hidden Dense layer.",
            _L1, log_default=True, example="1e-6:1e-2:log",
        ),
        Searchable(
            "l2", "L2", "float", "L2 strength of every hidden Dense layer.",
            _L2, log_default=True, example="1e-6:1e-2:log",
        ),
        Searchable(
            "batch_size", "Batch size", "int", "Rows per optimizer step.",
            TRAINING.batch_size, example="16,32,64,128",
        ),
        Searchable(
            "optimizer", "Optimizer", "str",
            "The optimizer (its learning rate is kept, its other settings are the defaults).",
            names=tuple(OPTIMIZERS), example="sgd,rmsprop,adam",
        ),
    )
}
#: ``units_1`` … the units of one hidden Dense layer (1-based).
_UNITS_I = re.compile(r"units_([1-9][0-9]?)")


def searchable(name: str) -> Searchable:
    """The searchable setting called ``name`` (``units_3`` is one layer's units)."""
    if name in SEARCHABLE:
        return SEARCHABLE[name]
    m = _UNITS_I.fullmatch(name)
    if m:
        i = int(m.group(1))
        return replace(
            SEARCHABLE["units"], name=name, label=f"Units of hidden layer {i}",
            help=f"Neurons of hidden Dense layer {i} (counted from the input).",
        )
    known = ", ".join([*SEARCHABLE, "units_1, units_2, …"])
    raise StudioError(f"unknown search parameter {name!r}; searchable: {known}")


@dataclass(frozen=True)
class ParamSpec:
    """One searched setting: a range (``low``..``high``, linear or log) or a list of choices."""

    name: str
    type: ValueType
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Value, ...] = ()

    @property
    def is_range(self) -> bool:
        return self.low is not None

    def text(self) -> str:
        """The spec as it is written: ``name=lo:hi[:log]`` or ``name=a,b,c``."""
        if self.is_range:
            return f"{self.name}={_num(self.low)}:{_num(self.high)}" + (":log" if self.log else "")
        return f"{self.name}=" + ",".join(_num(c) if not isinstance(c, str) else c for c in self.choices)

    def grid_values(self) -> tuple[Value, ...]:
        """Every value a grid search tries: the choices, or each whole number of a short linear range."""
        if not self.is_range:
            return self.choices
        assert self.low is not None and self.high is not None
        if self.type == "int" and not self.log and self.high - self.low < 64:
            return tuple(range(int(self.low), int(self.high) + 1))
        raise StudioError(
            f"{self.name}: a grid search needs a list of values, e.g. "
            f"{self.name}={_grid_example(self)} (a range is sampled only by random or TPE)"
        )


def _num(v: float | int | None) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v)) if abs(v) >= 1 or v == 0 else f"{v:g}"
    return f"{v:g}"


def _grid_example(spec: ParamSpec) -> str:
    assert spec.low is not None and spec.high is not None
    lo, hi = spec.low, spec.high
    mid = math.sqrt(lo * hi) if spec.log and lo > 0 else (lo + hi) / 2
    values = [lo, mid, hi]
    if spec.type == "int":
        return ",".join(str(round(v)) for v in values)
    return ",".join(f"{v:.3g}" for v in values)


def _number(text: str, spec_name: str, item: Searchable) -> int | float:
    try:
        value = float(text)
    except ValueError:
        raise StudioError(f"{spec_name}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise StudioError(f"{spec_name}: {text!r} is not a finite number")
    if item.type == "int":
        if not value.is_integer():
            raise StudioError(f"{spec_name}: {text!r} is not a whole number")
        value = int(value)
    assert item.param is not None
    why = item.param.check(value)
    if why:
        raise StudioError(f"{spec_name}: {text} is out of range: {item.label.lower()} {why}")
    return value


def parse_param(text: str) -> ParamSpec:
    """``name=lo:hi[:log]`` or ``name=a,b,c`` as a ``ParamSpec``; a clear StudioError otherwise."""
    name, sep, rest = text.strip().partition("=")
    name, rest = name.strip(), rest.strip()
    if not sep or not name or not rest:
        raise StudioError(
            f"search parameter {text!r}: write NAME=LOW:HIGH, NAME=LOW:HIGH:log or NAME=A,B,C "
            "(e.g. learning_rate=1e-4:1e-1:log, units=16,32,64)"
        )
    item = searchable(name)
    if ":" in rest:
        if item.param is None:
            raise StudioError(
                f"{name}: takes a list of choices, not a range, e.g. {name}={item.example}"
            )
        parts = [p.strip() for p in rest.split(":")]
        if len(parts) not in (2, 3) or not all(parts):
            raise StudioError(f"{name}: a range is LOW:HIGH or LOW:HIGH:log, got {rest!r}")
        if len(parts) == 3 and parts[2].lower() != "log":
            raise StudioError(
                f"{name}: the third part of a range must be 'log' (or leave it out), got {parts[2]!r}"
            )
        log = len(parts) == 3
        low, high = _number(parts[0], name, item), _number(parts[1], name, item)
        if low >= high:
            raise StudioError(f"{name}: the low end {parts[0]} must be below the high end {parts[1]}")
        if log and low <= 0:
            raise StudioError(f"{name}: a log range must start above 0, got {parts[0]}")
        return ParamSpec(name, item.type, low, high, log)
    parts = [p.strip() for p in rest.split(",")]
    if not all(parts):
        raise StudioError(f"{name}: an empty choice in {rest!r}")
    choices: list[Value] = []
    for p in parts:
        if item.param is None:
            if p not in item.names:
                raise StudioError(
                    f"{name}: {p!r} is not one of the choices: {', '.join(item.names)}"
                )
            value: Value = p
        else:
            value = _number(p, name, item)
        if value in choices:
            raise StudioError(f"{name}: the choice {p} is given twice")
        choices.append(value)
    return ParamSpec(name, item.type, choices=tuple(choices))


def parse_space(texts: Iterable[str]) -> tuple[ParamSpec, ...]:
    """Every ``--param`` text parsed; each name at most once, at least one."""
    specs = tuple(parse_param(t) for t in texts)
    if not specs:
        raise StudioError("a search needs at least one parameter, e.g. --param learning_rate=1e-4:1e-1:log")
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise StudioError(f"{s.name} is given twice in the search space")
        seen.add(s.name)
    return specs


def grid_size(specs: Sequence[ParamSpec]) -> int:
    """How many trials a grid search over ``specs`` has."""
    return math.prod(len(s.grid_values()) for s in specs)


# --------------------------------------------------------------------------- applying


def _blocks(layers: Sequence[LayerSpec]) -> tuple[list[LayerSpec], list[list[LayerSpec]]]:
    """(layers before the first Dense, [each Dense with the Dropout layers after it])."""
    head: list[LayerSpec] = []
    blocks: list[list[LayerSpec]] = []
    for layer in layers:
        if isinstance(layer, DenseLayer):
            blocks.append([layer])
        elif blocks:
            blocks[-1].append(layer)
        else:
            head.append(layer)
    return head, blocks


def apply_params(project: Project, values: Mapping[str, Value]) -> Project:
    """The project with a trial's values in place (see ``SEARCHABLE`` for what each name sets)."""
    for name in values:
        searchable(name)  # an unknown name is a mistake, never silently ignored
    head, blocks = _blocks(project.network.layers)
    if "layers" in values:
        n = int(values["layers"])
        if not blocks:
            blocks = [[DenseLayer()]]
        while len(blocks) < n:
            blocks.append(list(blocks[-1]))
        blocks = blocks[:n]
    if "dropout" in values and not any(isinstance(x, DropoutLayer) for b in blocks for x in b):
        blocks = [[*b, DropoutLayer()] for b in blocks]

    def dense(i: int, layer: DenseLayer) -> DenseLayer:
        changes: dict[str, object] = {}
        units = values.get(f"units_{i + 1}", values.get("units"))
        if units is not None:
            changes["units"] = int(units)
        if "activation" in values:
            changes["activation"] = str(values["activation"])
            changes["alpha"] = None  # the new activation's own default α
        for reg in ("l1", "l2"):
            if reg in values:
                changes[reg] = float(values[reg])
        return replace(layer, **changes) if changes else layer

    layers: list[LayerSpec] = list(head)
    for i, block in enumerate(blocks):
        for layer in block:
            if isinstance(layer, DenseLayer):
                layers.append(dense(i, layer))
            elif isinstance(layer, DropoutLayer) and "dropout" in values:
                layers.append(replace(layer, rate=float(values["dropout"])))
            else:
                layers.append(layer)

    training = project.training
    optimizer = training.optimizer
    if "optimizer" in values and values["optimizer"] != optimizer.name:
        optimizer = OptimizerSpec(str(values["optimizer"]), {"learning_rate": optimizer.learning_rate})
    if "learning_rate" in values:
        optimizer = replace(optimizer, params={**optimizer.params, "learning_rate": float(values["learning_rate"])})
    changes: dict[str, object] = {"optimizer": optimizer}
    if "batch_size" in values:
        changes["batch_size"] = int(values["batch_size"])
    return replace(
        project,
        network=project.network.with_layers(layers),
        training=replace(training, **changes),
    )


def format_value(name: str, value: Value) -> str:
    """A trial's value as the trials table and the command line show it."""
    if isinstance(value, str):
        return value
    if searchable(name).type == "int":
        return str(int(value))
    return f"{value:.4g}"


def format_params(values: Mapping[str, Value]) -> str:
    """``learning_rate=0.0031 units=64``."""
    return " ".join(f"{k}={format_value(k, v)}" for k, v in values.items())
