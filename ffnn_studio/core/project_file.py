"""The project file: versioned JSON (``*.ffnn.json``), read strictly, written atomically.

Reading rejects unknown fields and values of the wrong type with a message
naming the field and its JSON path (``$.network.layers[1].units``); ranges
and choices are then checked by ``validation``. A file written by a newer
schema version is refused rather than half-understood.

In memory, a CSV data source's path is absolute; in the file it is stored
relative to the project file's folder, so a project folder can be moved.

Contract: owns the file format and its versions; writes through
``core.atomic``. No Qt, no TensorFlow.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.errors import StudioError, clip
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DataSource,
    DenseLayer,
    DropoutLayer,
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    Project,
    ScheduleSpec,
    Task,
    TrainingSettings,
)

FORMAT = "ffnn-studio-project"
#: Version 2 added the training settings ``test_fraction``, ``init_seed``,
#: ``lr_schedule`` and ``strategy``; a version-1 file reads with their defaults
#: (no test split, weights from the seed, a constant learning rate, the default
#: strategy), so it trains exactly as before.
SCHEMA_VERSION = 2
EXTENSION = ".ffnn.json"
#: Larger files are refused before reading: a project is a few KB, and reading
#: e.g. /dev/zero or a huge file by mistake must not fill the memory.
MAX_PROJECT_BYTES = 10 * 1024 * 1024


# --------------------------------------------------------------------- writing


def _layer_to_dict(layer: LayerSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": layer.kind}
    out.update({f.name: getattr(layer, f.name) for f in fields(layer)})
    return out


def _data_to_dict(data: DataSource, base_dir: Path | None) -> dict[str, Any]:
    if isinstance(data, BuiltinDataSource):
        return {"kind": "builtin", "name": data.name, "params": dict(data.params)}
    path = data.path
    if base_dir is not None and path and os.path.isabs(path):
        with contextlib.suppress(ValueError):  # another drive on Windows: keep it absolute
            path = os.path.relpath(path, base_dir)
    return {
        "kind": "csv",
        "path": Path(path).as_posix() if path else "",
        "target": data.target,
        "features": list(data.features) if data.features is not None else None,
        "task": str(data.task) if data.task is not None else None,
        "missing": data.missing,
        "delimiter": data.delimiter,
        "has_header": data.has_header,
    }


def project_to_dict(project: Project, base_dir: Path | None = None) -> dict[str, Any]:
    """The JSON-ready form; CSV paths are made relative to ``base_dir``."""
    t = project.training
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "name": project.name,
        "description": project.description,
        "data": _data_to_dict(project.data, base_dir),
        "network": {"layers": [_layer_to_dict(layer) for layer in project.network.layers]},
        "training": {
            "loss": t.loss,
            "optimizer": {"name": t.optimizer.name, "params": dict(t.optimizer.params)},
            "epochs": t.epochs,
            "batch_size": t.batch_size,
            "validation_fraction": t.validation_fraction,
            "seed": t.seed,
            "early_stopping": t.early_stopping,
            "patience": t.patience,
            "restore_best_weights": t.restore_best_weights,
            "test_fraction": t.test_fraction,
            "init_seed": t.init_seed,
            "lr_schedule": {
                "name": t.lr_schedule.name,
                "params": dict(t.lr_schedule.params),
                "warmup_epochs": t.lr_schedule.warmup_epochs,
            },
            "strategy": t.strategy,
        },
    }


def dumps(project: Project, base_dir: Path | None = None) -> str:
    return json.dumps(project_to_dict(project, base_dir), indent=2, ensure_ascii=False) + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> None:
    """Write ``project`` to ``path`` atomically."""
    path = Path(path)
    atomic_write_text(path, dumps(project, path.resolve().parent))


# --------------------------------------------------------------------- reading


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "true/false", int: "a whole number", float: "a number", str: "text"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


def _digits(value: object) -> str:
    if isinstance(value, int):
        return f"about {int(abs(value).bit_length() * 0.30103) + 1} digits"
    return clip(repr(value), 40)


class _Reader:
    """Strict accessors that raise ``StudioError`` naming the JSON path."""

    def fail(self, path: str, message: str) -> StudioError:
        return StudioError(message, where=path)

    def obj(
        self, value: object, path: str, allowed: set[str], required: set[str] = frozenset()
    ) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_type_name(value)}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(
                f"{path}.{clip(unknown[0], 60)}",
                f"unknown field '{clip(unknown[0], 60)}'; allowed here: {', '.join(sorted(allowed))}",
            )
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(f"{path}.{missing[0]}", f"required field '{missing[0]}' is missing")
        return value

    def string(self, value: object, path: str, *, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(path, f"expected text, got {_type_name(value)}")
        _check_encodable(self, value, path)
        return value

    def integer(self, value: object, path: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(
                path, f"expected a whole number, got {_type_name(value)} {clip(repr(value), 60)}"
            )
        return value

    def number(self, value: object, path: str, *, optional: bool = False) -> float | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(
                path, f"expected a number, got {_type_name(value)} {clip(repr(value), 60)}"
            )
        try:
            return float(value)
        except OverflowError:
            raise self.fail(path, f"the number is too large ({_digits(value)})") from None

    def boolean(self, value: object, path: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(
                path, f"expected true or false, got {_type_name(value)} {clip(repr(value), 60)}"
            )
        return value

    def scalars(self, value: object, path: str) -> dict[str, float | int | bool]:
        if not isinstance(value, dict):
            raise self.fail(path, f"expected an object, got {_type_name(value)}")
        out: dict[str, float | int | bool] = {}
        for key, item in value.items():
            _check_encodable(self, key, path)
            if isinstance(item, (bool, int, float)):
                out[key] = item
            else:
                raise self.fail(
                    f"{path}.{clip(key, 60)}",
                    f"expected a number or true/false, got {_type_name(item)}",
                )
        return out


def _check_encodable(r: _Reader, text: str, path: str) -> None:
    """Refuse half of a UTF-16 pair: JSON can escape one ("\\ud800"), but no UTF-8
    file can hold it, so the project could never be saved again."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise r.fail(
            path,
            f"text holds an unpaired surrogate (\\u{ord(text[exc.start]):04x}) at character {exc.start + 1}",
        ) from None


def _read_layer(r: _Reader, value: object, path: str) -> LayerSpec:
    if not isinstance(value, dict):
        raise r.fail(path, f"expected an object, got {_type_name(value)}")
    kind = value.get("kind")
    if kind == "dense":
        d = r.obj(
            value,
            path,
            {"kind", "units", "activation", "alpha", "use_bias", "kernel_initializer", "l1", "l2"},
            {"kind", "units", "activation"},
        )
        defaults = DenseLayer()
        return DenseLayer(
            units=r.integer(d["units"], f"{path}.units"),
            activation=r.string(d["activation"], f"{path}.activation"),
            alpha=r.number(d.get("alpha"), f"{path}.alpha", optional=True),
            use_bias=r.boolean(d.get("use_bias", defaults.use_bias), f"{path}.use_bias"),
            kernel_initializer=r.string(
                d.get("kernel_initializer", defaults.kernel_initializer),
                f"{path}.kernel_initializer",
            ),
            l1=r.number(d.get("l1", 0.0), f"{path}.l1"),
            l2=r.number(d.get("l2", 0.0), f"{path}.l2"),
        )
    if kind == "dropout":
        d = r.obj(value, path, {"kind", "rate"}, {"kind", "rate"})
        return DropoutLayer(rate=r.number(d["rate"], f"{path}.rate"))
    raise r.fail(
        f"{path}.kind", f"unknown layer kind {clip(repr(kind), 60)}; use 'dense' or 'dropout'"
    )


def _read_data(r: _Reader, value: object, path: str, base_dir: Path | None) -> DataSource:
    if not isinstance(value, dict):
        raise r.fail(path, f"expected an object, got {_type_name(value)}")
    kind = value.get("kind")
    if kind == "builtin":
        d = r.obj(value, path, {"kind", "name", "params"}, {"kind", "name"})
        return BuiltinDataSource(
            name=r.string(d["name"], f"{path}.name"),
            params=r.scalars(d.get("params", {}), f"{path}.params"),
        )
    if kind == "csv":
        d = r.obj(
            value,
            path,
            {"kind", "path", "target", "features", "task", "missing", "delimiter", "has_header"},
            {"kind", "path", "target"},
        )
        csv_path = r.string(d["path"], f"{path}.path")
        if csv_path and base_dir is not None and not os.path.isabs(csv_path):
            csv_path = os.path.normpath(base_dir / csv_path)
        features = d.get("features")
        if features is not None:
            if not isinstance(features, list):
                raise r.fail(
                    f"{path}.features",
                    f"expected a list of column names, got {_type_name(features)}",
                )
            features = tuple(r.string(f, f"{path}.features[{i}]") for i, f in enumerate(features))
        task = r.string(d.get("task"), f"{path}.task", optional=True)
        if task is not None and task not in {t.value for t in Task}:
            raise r.fail(
                f"{path}.task",
                f"unknown task {clip(repr(task), 60)}; use binary, multiclass or regression",
            )
        delimiter = r.string(d.get("delimiter"), f"{path}.delimiter", optional=True)
        has_header = d.get("has_header")
        if has_header is not None:
            has_header = r.boolean(has_header, f"{path}.has_header")
        return CsvDataSource(
            path=csv_path,
            target=r.string(d["target"], f"{path}.target"),
            features=features,
            task=Task(task) if task else None,
            missing=r.string(d.get("missing", "drop"), f"{path}.missing"),
            delimiter=delimiter,
            has_header=has_header,
        )
    raise r.fail(
        f"{path}.kind", f"unknown data source kind {clip(repr(kind), 60)}; use 'builtin' or 'csv'"
    )


_TRAINING_V1 = {
    "loss",
    "optimizer",
    "epochs",
    "batch_size",
    "validation_fraction",
    "seed",
    "early_stopping",
    "patience",
    "restore_best_weights",
}
_TRAINING_V2 = _TRAINING_V1 | {"test_fraction", "init_seed", "lr_schedule", "strategy"}


def _read_schedule(r: _Reader, value: object, path: str) -> ScheduleSpec:
    d = r.obj(value, path, {"name", "params", "warmup_epochs"}, {"name"})
    return ScheduleSpec(
        name=r.string(d["name"], f"{path}.name"),
        params=r.scalars(d.get("params", {}), f"{path}.params"),
        warmup_epochs=r.integer(d.get("warmup_epochs", 0), f"{path}.warmup_epochs"),
    )


def _read_training(r: _Reader, value: object, path: str, version: int) -> TrainingSettings:
    d = r.obj(value, path, _TRAINING_V1 if version < 2 else _TRAINING_V2, {"loss", "optimizer"})
    defaults = TrainingSettings()
    o = r.obj(d["optimizer"], f"{path}.optimizer", {"name", "params"}, {"name"})
    optimizer = OptimizerSpec(
        name=r.string(o["name"], f"{path}.optimizer.name"),
        params=r.scalars(o.get("params", {}), f"{path}.optimizer.params"),
    )
    return TrainingSettings(
        loss=r.string(d["loss"], f"{path}.loss"),
        optimizer=optimizer,
        epochs=r.integer(d.get("epochs", defaults.epochs), f"{path}.epochs"),
        batch_size=r.integer(d.get("batch_size", defaults.batch_size), f"{path}.batch_size"),
        validation_fraction=r.number(
            d.get("validation_fraction", defaults.validation_fraction),
            f"{path}.validation_fraction",
        ),
        seed=r.integer(d.get("seed", defaults.seed), f"{path}.seed"),
        early_stopping=r.boolean(
            d.get("early_stopping", defaults.early_stopping), f"{path}.early_stopping"
        ),
        patience=r.integer(d.get("patience", defaults.patience), f"{path}.patience"),
        restore_best_weights=r.boolean(
            d.get("restore_best_weights", defaults.restore_best_weights),
            f"{path}.restore_best_weights",
        ),
        test_fraction=r.number(
            d.get("test_fraction", defaults.test_fraction), f"{path}.test_fraction"
        ),
        init_seed=(
            None if d.get("init_seed") is None else r.integer(d["init_seed"], f"{path}.init_seed")
        ),
        lr_schedule=(
            _read_schedule(r, d["lr_schedule"], f"{path}.lr_schedule")
            if "lr_schedule" in d
            else ScheduleSpec()
        ),
        strategy=r.string(d.get("strategy", defaults.strategy), f"{path}.strategy"),
    )


def project_from_dict(data: object, base_dir: Path | None = None) -> Project:
    """Build a ``Project`` from parsed JSON; relative CSV paths resolve against ``base_dir``."""
    r = _Reader()
    if not isinstance(data, dict):
        raise r.fail("$", f"a project file holds a JSON object, got {_type_name(data)}")
    if data.get("format") != FORMAT:
        raise r.fail("$.format", f'not an FFNN Studio project (expected "format": "{FORMAT}")')
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise r.fail("$.schema_version", "missing or not a whole number")
    if version > SCHEMA_VERSION:
        raise r.fail(
            "$.schema_version",
            f"this file was written by a newer FFNN Studio (schema version {clip(version, 24)}; this "
            f"version reads up to {SCHEMA_VERSION}); update FFNN Studio to open it",
        )
    if version < 1:
        raise r.fail("$.schema_version", f"invalid schema version {clip(version, 24)}")
    d = r.obj(
        data,
        "$",
        {"format", "schema_version", "name", "description", "data", "network", "training"},
        {"format", "schema_version", "data", "network", "training"},
    )
    net = r.obj(d["network"], "$.network", {"layers"}, {"layers"})
    layers_value = net["layers"]
    if not isinstance(layers_value, list):
        raise r.fail("$.network.layers", f"expected a list, got {_type_name(layers_value)}")
    layers = tuple(
        _read_layer(r, item, f"$.network.layers[{i}]") for i, item in enumerate(layers_value)
    )
    return Project(
        name=r.string(d.get("name", "Untitled"), "$.name"),
        description=r.string(d.get("description", ""), "$.description"),
        network=NetworkSpec(layers),
        data=_read_data(r, d["data"], "$.data", base_dir),
        training=_read_training(r, d["training"], "$.training", version),
    )


def loads(text: str, base_dir: Path | None = None) -> Project:
    """Parse project-file JSON text (a leading byte-order mark is fine)."""
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StudioError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    except RecursionError as exc:
        raise StudioError(
            "the JSON is nested too deeply to be a project file (lists or objects inside "
            "each other over a thousand levels)"
        ) from exc
    except ValueError as exc:
        # Python refuses integer literals of more than 4,300 digits.
        raise StudioError(f"not a usable JSON number: {clip(exc, 160)}") from exc
    return project_from_dict(data, base_dir)


def read_project_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of a project file: a regular file of at most ``limit`` bytes, checked before reading.

    Opened without blocking, so a FIFO or a device named as the project is
    refused instead of hanging the caller (the window's GUI thread reads
    projects through here).
    """
    path = Path(path)
    limit = MAX_PROJECT_BYTES if limit is None else limit
    shown = clip(path, 160)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError as exc:
        raise StudioError(f"project file not found: {shown}") from exc
    except IsADirectoryError as exc:
        raise StudioError(f"{shown} is a folder, not a project file") from exc
    except OSError as exc:
        raise StudioError(f"could not read {shown}: {exc.strerror or exc}") from exc
    with contextlib.closing(_Fd(fd)):
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise StudioError(f"{shown} is a folder, not a project file")
        if not stat.S_ISREG(info.st_mode):
            raise StudioError(
                f"{shown} is not a regular file (a device, pipe or socket); "
                "a project file is a *.ffnn.json file"
            )
        if info.st_size > limit:
            raise StudioError(
                f"{path.name} is {_size_text(info.st_size)}; a project file is a few KB "
                f"(at most {_size_text(limit)} are read): is it really a project file?"
            )
        try:
            # One byte more than allowed tells a file that grew since fstat.
            raw = _read_at_most(fd, limit + 1)
        except OSError as exc:
            raise StudioError(f"could not read {shown}: {exc.strerror or exc}") from exc
    if len(raw) > limit:
        raise StudioError(f"{path.name} is larger than {_size_text(limit)}; not a project file")
    return raw


class _Fd:
    """A raw file descriptor that ``contextlib.closing`` closes."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def close(self) -> None:
        os.close(self.fd)


def _read_at_most(fd: int, limit: int) -> bytes:
    parts: list[bytes] = []
    left = limit
    while left > 0:
        block = os.read(fd, min(left, 1 << 20))
        if not block:
            break
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def _size_text(n_bytes: int) -> str:
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:.1f} KB"
    if n_bytes < 1024**3:
        return f"{n_bytes / 1024**2:.1f} MB"
    return f"{n_bytes / 1024**3:.1f} GB"


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and check the structure of a project file (ranges: see ``validation``)."""
    path = Path(path)
    raw = read_project_bytes(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise StudioError(
            f"{path.name} is not a text project file (not UTF-8 at byte {exc.start})"
        ) from exc
    try:
        return loads(text, path.resolve().parent)
    except StudioError as exc:
        where = f"{clip(path.name, 80)} {exc.where}" if exc.where else clip(path.name, 80)
        raise StudioError(exc.message, where=where) from exc
