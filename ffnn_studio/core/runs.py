"""Run records: what one finished training run was, and the runs file beside a project.

A project ``NAME.ffnn.json`` keeps its runs in ``NAME.ffnn.runs.json``: each
run's name, the project spec it trained, its per-epoch history, final scores
and duration. The file is written atomically and read strictly; a file that
cannot be read raises ``RunsFileError`` and is left alone (``backup_sidecar``
moves it aside before new runs are written over it).

Contract: owns the runs file format; writes through ``core.atomic``. No Qt,
no TensorFlow.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    DATASETS,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    SCHEDULES,
)
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import EXTENSION, project_from_dict, project_to_dict
from ffnn_studio.core.run_history import kept_epochs
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DataSource,
    DenseLayer,
    DropoutLayer,
    LayerSpec,
    OptimizerSpec,
    Project,
    ScheduleSpec,
    TrainingSettings,
)

RUNS_FORMAT = "ffnn-studio-runs"
#: 2: a long run's history may be thinned (``core.run_history``): its "history"
#: then has "epochs", the 1-based epoch of each point. Version 1 kept every epoch.
RUNS_SCHEMA_VERSION = 2
RUNS_SUFFIX = ".runs.json"
#: The per-epoch curves a runs file keeps of each run (a subset of the session history's columns).
RUN_CURVES: tuple[str, ...] = ("loss", "val_loss", "metric", "val_metric")

#: The optimizers "Compare optimizers" trains, in order.
COMPARE_OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
#: The hidden activations "Compare activations" trains, in order.
COMPARE_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "step")


class RunsFileError(StudioError):
    """The runs file beside a project cannot be read."""


@dataclass(frozen=True)
class DataOrigin:
    """The data a run trained on: a built-in data set by name, or a CSV file and its target."""

    kind: str  # "builtin" or "csv"
    #: The data set's name, or the CSV file's path (absolute when known).
    name: str
    target: str = ""

    @property
    def label(self) -> str:
        """"Two spirals", "wine.csv → target"."""
        if self.kind == "csv":
            return f"{Path(self.name.replace(chr(92), '/')).name} → {self.target}"
        entry = DATASETS.get(self.name)
        return entry.label if entry else self.name


def data_origin(data: DataSource, base_dir: Path | None = None) -> DataOrigin:
    """Where ``data`` comes from (a relative CSV path resolved against ``base_dir``)."""
    if isinstance(data, CsvDataSource):
        path = Path(data.path)
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return DataOrigin("csv", str(path), data.target)
    return DataOrigin("builtin", data.name)


@dataclass(frozen=True, eq=False)
class RunRecord:
    """One finished training run: its settings, history and scores."""

    number: int
    name: str
    project: Project
    #: Per-epoch columns of ``RUN_CURVES``, float64, NaN where a value is missing.
    history: Mapping[str, np.ndarray]
    duration_s: float = 0.0
    metric_name: str = "accuracy"
    finish_reason: str = "completed"
    #: ISO 8601 time the run finished.
    finished_at: str = ""
    #: Runs trained together by a comparison share a group ("Compare optimizers #1").
    group: str = ""
    #: What the comparison varied for this run ("SGD", "tanh").
    variant: str = ""
    #: The data it trained on; None when not known (a runs file from before it was recorded).
    data: DataOrigin | None = None
    #: The 1-based epoch of each history point: every epoch (None) or, for a long run
    #: read from the runs file, the epochs kept of it (``core.run_history``).
    epoch_numbers: np.ndarray | None = None
    #: Scores on the test part after training ("loss", the metric, ...); None without one.
    test_scores: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        n = max((len(v) for v in self.history.values()), default=0)
        hist = {}
        for name in RUN_CURVES:
            values = np.asarray(self.history.get(name, ()), dtype=np.float64).ravel()
            if len(values) < n:
                values = np.concatenate([values, np.full(n - len(values), math.nan)])
            hist[name] = values
        numbers = np.arange(1, n + 1) if self.epoch_numbers is None else np.asarray(self.epoch_numbers)
        if numbers.shape != (n,):
            raise ValueError(f"{len(numbers)} epoch numbers for {n} history points")
        # A record is what the runs file keeps: a long run's curves thinned here already,
        # so the window's list of runs costs a bounded amount per run, not 32 B an epoch.
        keep = kept_epochs(hist)
        if len(keep) < n:
            hist = {name: values[keep] for name, values in hist.items()}
            numbers = numbers[keep]
        object.__setattr__(self, "history", hist)
        object.__setattr__(self, "epoch_numbers", numbers.astype(np.int64))

    @property
    def epochs(self) -> int:
        """Epochs the run trained (its last epoch's number)."""
        return int(self.epoch_numbers[-1]) if len(self.epoch_numbers) else 0

    def final(self, column: str) -> float | None:
        """The last finite value of a history column, or None."""
        values = self.history[column]
        finite = values[np.isfinite(values)]
        return float(finite[-1]) if finite.size else None

    def test_score(self, name: str) -> float | None:
        """One score on the test part ("loss", the metric, "accuracy", ...), or None."""
        return None if self.test_scores is None else self.test_scores.get(name)

    def best_epoch(self) -> int | None:
        """The epoch (1-based) with the lowest validation loss, or None."""
        val = self.history["val_loss"]
        if not np.isfinite(val).any():
            return None
        return int(self.epoch_numbers[int(np.nanargmin(val))])

    def settings_summary(self) -> str:
        return settings_summary(self.project)


# --------------------------------------------------------------------- naming


def optimizer_label(optimizer: OptimizerSpec) -> str:
    """"Adam lr 0.01"."""
    entry = OPTIMIZERS.get(optimizer.name)
    label = entry.label if entry else optimizer.name
    return f"{label} lr {optimizer.learning_rate:g}"


def run_name(number: int, project: Project) -> str:
    """"Run 3 · Adam lr 0.01"."""
    return f"Run {number} · {optimizer_label(project.training.optimizer)}"


def data_label(run: RunRecord) -> str:
    """The run's data for a list: "Two spirals", "wine.csv → target", or "data unknown"."""
    return run.data.label if run.data is not None else "data unknown"


def run_labels(runs: Sequence[RunRecord]) -> list[str]:
    """The runs' names, each with its data when the runs did not all train on the same data."""
    if len({r.data for r in runs}) <= 1:
        return [r.name for r in runs]
    return [f"{r.name} · {data_label(r)}" for r in runs]


def _layer_short(layer: LayerSpec) -> str:
    if isinstance(layer, DropoutLayer):
        return f"drop {layer.rate:g}"
    text = f"{layer.units} {layer.activation}"
    if layer.l1:
        text += f" L1 {layer.l1:g}"
    if layer.l2:
        text += f" L2 {layer.l2:g}"
    return text


def settings_summary(project: Project, *, optimizer: bool = True) -> str:
    """The settings a run list shows: "32 tanh → 16 tanh · Adam lr 0.01 · cross-entropy · batch 32 · seed 0"."""
    layers = " → ".join(_layer_short(layer) for layer in project.network.layers) or "no hidden layer"
    t = project.training
    loss = LOSSES[t.loss].label if t.loss in LOSSES else t.loss
    parts = [layers]
    if optimizer:
        parts.append(optimizer_label(t.optimizer))
    parts += [loss.lower(), f"batch {t.batch_size}", f"seed {t.seed}"]
    return " · ".join(parts)


# --------------------------------------------------------------------- differences


def _fmt(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if value is None:
        return "default"
    return str(value)


def _optimizer_name(name: str) -> str:
    entry = OPTIMIZERS.get(name)
    return entry.label if entry else name


def _layer_diff(i: int, a: LayerSpec, b: LayerSpec) -> list[str]:
    where = f"layer {i + 1}"
    if type(a) is not type(b):
        return [f"{where}: {a.describe()} → {b.describe()}"]
    if isinstance(a, DropoutLayer):
        return [] if a.rate == b.rate else [f"{where} dropout rate: {a.rate:g} → {b.rate:g}"]  # type: ignore[union-attr]
    assert isinstance(b, DenseLayer)
    out = []
    for f in fields(DenseLayer):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if f.name == "alpha":
            # An α only means something for Leaky ReLU/ELU; compare the one in force.
            va, vb = a.activation_alpha(), b.activation_alpha()
            if va is None or vb is None or a.activation != b.activation:
                continue
        if va != vb:
            label = f.name.replace("_", " ")
            out.append(f"{where} {label}: {_fmt(va)} → {_fmt(vb)}")
    return out


def diff_projects(a: Project, b: Project) -> list[str]:
    """What changed from ``a`` to ``b``, one line per setting ("optimizer: Adam → SGD")."""
    out: list[str] = []
    # Data source.
    if type(a.data) is not type(b.data):
        out.append(f"data: {a.data.describe()} → {b.data.describe()}")
    elif isinstance(a.data, BuiltinDataSource) and isinstance(b.data, BuiltinDataSource):
        if a.data.name != b.data.name:
            out.append(f"data: {a.data.describe()} → {b.data.describe()}")
        else:
            pa, pb = a.data.resolved_params(), b.data.resolved_params()
            for key in sorted(set(pa) | set(pb)):
                if pa.get(key) != pb.get(key):
                    out.append(f"data {key.replace('_', ' ')}: {_fmt(pa.get(key))} → {_fmt(pb.get(key))}")
    elif isinstance(a.data, CsvDataSource) and isinstance(b.data, CsvDataSource):
        for f in fields(CsvDataSource):
            va, vb = getattr(a.data, f.name), getattr(b.data, f.name)
            if va != vb:
                out.append(f"data {f.name}: {_fmt(va)} → {_fmt(vb)}")
    # Network.
    la, lb = a.network.layers, b.network.layers
    if len(la) != len(lb):
        out.append(f"hidden layers: {len(la)} → {len(lb)}")
    for i in range(min(len(la), len(lb))):
        out.extend(_layer_diff(i, la[i], lb[i]))
    for i in range(len(lb), len(la)):
        out.append(f"layer {i + 1} removed: {la[i].describe()}")
    for i in range(len(la), len(lb)):
        out.append(f"layer {i + 1} added: {lb[i].describe()}")
    # Training.
    ta, tb = a.training, b.training
    if ta.loss != tb.loss:
        out.append(f"loss: {ta.loss} → {tb.loss}")
    if ta.optimizer.name != tb.optimizer.name:
        out.append(f"optimizer: {_optimizer_name(ta.optimizer.name)} → {_optimizer_name(tb.optimizer.name)}")
    pa, pb = ta.optimizer.resolved(), tb.optimizer.resolved()
    for key in [k for k in pa if k in pb]:
        if pa[key] != pb[key]:
            out.append(f"{key.replace('_', ' ')}: {_fmt(pa[key])} → {_fmt(pb[key])}")
    if ta.optimizer.name == tb.optimizer.name:
        for key in sorted(set(pa) ^ set(pb)):
            out.append(f"{key.replace('_', ' ')}: {_fmt(pa.get(key))} → {_fmt(pb.get(key))}")
    for f in fields(ta):
        if f.name in ("loss", "optimizer", "init_seed", "lr_schedule"):
            continue
        va, vb = getattr(ta, f.name), getattr(tb, f.name)
        if va != vb:
            out.append(f"{f.name.replace('_', ' ')}: {_fmt(va)} → {_fmt(vb)}")
    out.extend(_weights_seed_diff(ta, tb))
    out.extend(_schedule_diff(ta.lr_schedule, tb.lr_schedule))
    return out


def _weights_seed_text(t: TrainingSettings) -> str:
    return f"{t.weights_seed} (the seed's)" if t.init_seed is None else str(t.init_seed)


def _weights_seed_diff(ta: TrainingSettings, tb: TrainingSettings) -> list[str]:
    """The initial weights' seed as each run used it (following the seed or pinned)."""
    # What counts is the seed the weights came from: pinning a run to the seed it
    # followed anyway changes nothing.
    if ta.weights_seed == tb.weights_seed:
        return []
    return [f"initial-weights seed: {_weights_seed_text(ta)} → {_weights_seed_text(tb)}"]


def _schedule_text(spec: ScheduleSpec, params: Mapping[str, object]) -> str:
    """"Step decay (every epochs 10, factor 0.5)"."""
    entry = SCHEDULES.get(spec.name)
    label = entry.label if entry else spec.name
    if not params:
        return label
    shown = ", ".join(f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in sorted(params.items()))
    return f"{label} ({shown})"


def _schedule_diff(a: ScheduleSpec, b: ScheduleSpec) -> list[str]:
    """The learning-rate schedule's name, each resolved parameter and the warm-up."""
    out: list[str] = []
    ea, eb = SCHEDULES.get(a.name), SCHEDULES.get(b.name)
    pa = {**(ea.defaults() if ea else {}), **a.params}
    pb = {**(eb.defaults() if eb else {}), **b.params}
    if a.name != b.name:
        # Another schedule: each side with every parameter it runs with.
        out.append(f"learning-rate schedule: {_schedule_text(a, pa)} → {_schedule_text(b, pb)}")
    else:
        for key in sorted(set(pa) | set(pb)):
            if pa.get(key) != pb.get(key):
                out.append(
                    f"schedule {key.replace('_', ' ')}: {_fmt(pa.get(key))} → {_fmt(pb.get(key))}"
                )
    if a.warmup_epochs != b.warmup_epochs:
        out.append(f"warm-up epochs: {a.warmup_epochs} → {b.warmup_epochs}")
    return out


def diff_runs(a: RunRecord, b: RunRecord) -> list[str]:
    """What changed from run ``a`` to run ``b``: their data first, then ``diff_projects``."""
    changes = diff_projects(a.project, b.project)
    if a.data != b.data and (a.data is None or b.data is None or a.data.label != b.data.label):
        # The projects' own data lines say less (a path relative to each file, or nothing).
        changes = [line for line in changes if not line.startswith("data")]
        before, after = (r.data.label if r.data is not None else "unknown" for r in (a, b))
        changes.insert(0, f"data: {before} → {after}")
    return changes


# --------------------------------------------------------------------- comparisons


def optimizer_variants(
    project: Project, names: Iterable[str] = COMPARE_OPTIMIZERS
) -> list[tuple[str, Project]]:
    """The project once per optimizer, each with its catalog defaults; nothing else changes.

    Every variant is pinned to the project's initial weights (``init_seed``), so
    all of them start from the same weights.
    """
    out = []
    for name in names:
        training = replace(
            _pinned(project).training, optimizer=OptimizerSpec(name=name, params={})
        )
        out.append((_optimizer_name(name), replace(project, training=training)))
    return out


def _pinned(project: Project) -> Project:
    """The project with its initial-weights seed fixed to the one it uses now."""
    training = replace(project.training, init_seed=project.training.weights_seed)
    return replace(project, training=training)


def activation_variants(
    project: Project, names: Iterable[str] = COMPARE_ACTIVATIONS
) -> list[tuple[str, Project]]:
    """The project once per activation, set on every hidden Dense layer (α at its default),
    each pinned to the project's initial weights."""
    out = []
    for name in names:
        if name not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"{name!r} is not a hidden-layer activation")
        layers = tuple(
            replace(layer, activation=name, alpha=None) if isinstance(layer, DenseLayer) else layer
            for layer in project.network.layers
        )
        variant = replace(_pinned(project), network=project.network.with_layers(layers))
        out.append((ACTIVATIONS[name].label, variant))
    return out


# --------------------------------------------------------------------- the runs file


def sidecar_path(project_path: str | os.PathLike[str]) -> Path:
    """``NAME.ffnn.json`` → ``NAME.ffnn.runs.json`` (beside it)."""
    path = Path(project_path)
    name = path.name
    stem = name[: -len(".json")] if name.endswith(EXTENSION) else name
    return path.with_name(stem + RUNS_SUFFIX)


def _json_floats(values: np.ndarray) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in values.tolist()]


def _origin_to_dict(origin: DataOrigin | None, base_dir: Path | None) -> dict[str, str] | None:
    if origin is None:
        return None
    name = origin.name
    if origin.kind == "csv" and base_dir is not None and os.path.isabs(name):
        # Relative to the runs file's folder, like the project's own CSV path.
        with contextlib.suppress(ValueError):  # another drive on Windows: keep it absolute
            name = Path(os.path.relpath(name, base_dir)).as_posix()
    return {"kind": origin.kind, "name": name, "target": origin.target}


def _history_to_dict(run: RunRecord) -> dict[str, Any]:
    """The curves (thinned beyond ``RUN_HISTORY_POINTS`` epochs: then with their epoch numbers)."""
    out: dict[str, Any] = {c: _json_floats(run.history[c]) for c in RUN_CURVES}
    numbers = run.epoch_numbers
    if not np.array_equal(numbers, np.arange(1, len(numbers) + 1)):
        out["epochs"] = numbers.tolist()
    return out


def run_to_dict(run: RunRecord, base_dir: Path | None = None) -> dict[str, Any]:
    return {
        "number": run.number,
        "name": run.name,
        "finished_at": run.finished_at,
        "duration_s": run.duration_s,
        "finish_reason": run.finish_reason,
        "metric_name": run.metric_name,
        "group": run.group,
        "variant": run.variant,
        "data": _origin_to_dict(run.data, base_dir),
        "final": {c: run.final(c) for c in RUN_CURVES},
        "history": _history_to_dict(run),
        "test": None if run.test_scores is None else {k: float(v) for k, v in run.test_scores.items()},
        "project": project_to_dict(run.project, base_dir),
    }


def runs_to_dict(runs: Sequence[RunRecord], base_dir: Path | None = None) -> dict[str, Any]:
    return {
        "format": RUNS_FORMAT,
        "schema_version": RUNS_SCHEMA_VERSION,
        "runs": [run_to_dict(r, base_dir) for r in runs],
    }


def _expect(cond: bool, where: str, what: str) -> None:
    if not cond:
        raise RunsFileError(what, where=where)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def run_from_dict(data: object, where: str, base_dir: Path | None = None) -> RunRecord:
    _expect(isinstance(data, dict), where, "expected an object")
    assert isinstance(data, dict)
    for key, kind, check in (
        ("number", "a whole number", lambda v: isinstance(v, int) and not isinstance(v, bool)),
        ("name", "text", lambda v: isinstance(v, str)),
        ("duration_s", "a number", _number),
        ("history", "an object", lambda v: isinstance(v, dict)),
        ("project", "an object", lambda v: isinstance(v, dict)),
    ):
        _expect(key in data, where, f"missing '{key}'")
        _expect(check(data[key]), f"{where}.{key}", f"expected {kind}")
    for key in ("finished_at", "finish_reason", "metric_name", "group", "variant"):
        _expect(isinstance(data.get(key, ""), str), f"{where}.{key}", "expected text")
    history: dict[str, np.ndarray] = {}
    for column in RUN_CURVES:
        values = data["history"].get(column, [])
        _expect(isinstance(values, list), f"{where}.history.{column}", "expected a list")
        for i, v in enumerate(values):
            _expect(v is None or _number(v), f"{where}.history.{column}[{i}]", "expected a number or null")
        history[column] = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    numbers = data["history"].get("epochs")
    if numbers is not None:
        at = f"{where}.history.epochs"
        _expect(isinstance(numbers, list), at, "expected a list of epoch numbers")
        whole = all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in numbers)
        _expect(whole, at, "expected whole numbers from 1")
        _expect(all(a < b for a, b in pairwise(numbers)), at, "expected increasing epoch numbers")
        for column in RUN_CURVES:
            _expect(len(history[column]) == len(numbers), f"{where}.history.{column}",
                    f"expected {len(numbers)} values, one per epoch in 'epochs'")
        numbers = np.array(numbers, dtype=np.int64)
    origin = data.get("data")
    if origin is not None:
        _expect(isinstance(origin, dict), f"{where}.data", "expected an object or null")
        for key in ("kind", "name", "target"):
            _expect(isinstance(origin.get(key, ""), str), f"{where}.data.{key}", "expected text")
        _expect(origin.get("kind") in ("builtin", "csv"), f"{where}.data.kind", 'expected "builtin" or "csv"')
        name = origin.get("name", "")
        if origin["kind"] == "csv" and name and base_dir is not None and not os.path.isabs(name):
            name = os.path.normpath(base_dir / name)
        origin = DataOrigin(origin["kind"], name, origin.get("target", ""))
    # Files written before there was a test part have no "test": the run had none.
    test = data.get("test")
    if test is not None:
        _expect(isinstance(test, dict), f"{where}.test", "expected an object or null")
        for key, value in test.items():
            _expect(_number(value), f"{where}.test.{key}", "expected a number")
        test = {str(k): float(v) for k, v in test.items()}
    try:
        project = project_from_dict(data["project"], base_dir)
    except StudioError as exc:
        inner = f"{where}.project" + (f" ({exc.where})" if exc.where else "")
        raise RunsFileError(exc.message, where=inner) from exc
    return RunRecord(
        number=data["number"],
        name=data["name"],
        project=project,
        history=history,
        duration_s=float(data["duration_s"]),
        metric_name=data.get("metric_name", "accuracy"),
        finish_reason=data.get("finish_reason", "completed"),
        finished_at=data.get("finished_at", ""),
        group=data.get("group", ""),
        variant=data.get("variant", ""),
        data=origin,
        epoch_numbers=numbers,
        test_scores=test,
    )


def runs_from_dict(data: object, base_dir: Path | None = None) -> list[RunRecord]:
    _expect(isinstance(data, dict), "$", "a runs file holds a JSON object")
    assert isinstance(data, dict)
    _expect(data.get("format") == RUNS_FORMAT, "$.format", f'not an FFNN Studio runs file (expected "format": "{RUNS_FORMAT}")')
    version = data.get("schema_version")
    _expect(isinstance(version, int) and not isinstance(version, bool), "$.schema_version", "missing or not a whole number")
    _expect(
        version <= RUNS_SCHEMA_VERSION,  # type: ignore[operator]
        "$.schema_version",
        f"written by a newer FFNN Studio (schema version {version}); update FFNN Studio to read it",
    )
    runs = data.get("runs")
    _expect(isinstance(runs, list), "$.runs", "expected a list of runs")
    return [run_from_dict(item, f"$.runs[{i}]", base_dir) for i, item in enumerate(runs)]  # type: ignore[arg-type]


def load_runs(project_path: str | os.PathLike[str]) -> list[RunRecord]:
    """The runs saved beside ``project_path``; [] when there is no runs file.

    Raises ``RunsFileError`` (a ``StudioError``) naming the file when it
    cannot be read; the caller warns and leaves the file alone.
    """
    path = sidecar_path(project_path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RunsFileError(f"could not read it: {exc.strerror or exc}", where=path.name) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RunsFileError(f"not a text file (not UTF-8 at byte {exc.start})", where=path.name) from exc
    except json.JSONDecodeError as exc:
        raise RunsFileError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", where=path.name
        ) from exc
    try:
        return runs_from_dict(data, path.resolve().parent)
    except RunsFileError as exc:
        raise RunsFileError(exc.message, where=f"{path.name} {exc.where}") from exc


def save_runs(project_path: str | os.PathLike[str], runs: Sequence[RunRecord]) -> Path:
    """Write ``runs`` beside ``project_path`` atomically; returns the runs file's path."""
    path = sidecar_path(project_path)
    text = json.dumps(runs_to_dict(runs, path.resolve().parent), indent=1, ensure_ascii=False)
    atomic_write_text(path, text + "\n")
    return path


def backup_sidecar(project_path: str | os.PathLike[str]) -> Path | None:
    """Move an existing runs file aside (``….runs.json.bak``, numbered if taken); its new path."""
    path = sidecar_path(project_path)
    if not path.exists():
        return None
    target = path.with_name(path.name + ".bak")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.bak{n}")
    try:
        os.replace(path, target)
    except OSError as exc:
        raise StudioError(f"could not back up {path.name}: {exc.strerror or exc}") from exc
    return target


def next_run_number(runs: Iterable[RunRecord]) -> int:
    """The number after the largest one in ``runs`` (1 for none)."""
    return max((r.number for r in runs), default=0) + 1
