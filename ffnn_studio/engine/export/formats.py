"""Export a trained model to a file, reload it with that format's own runtime, compare.

Formats (``FORMATS``): ``keras`` (``.keras``), ``savedmodel`` (a folder),
``tflite`` (``.tflite``), ``onnx`` (``.onnx``) and ``h5`` (legacy ``.h5``).

Every export follows the same steps:

1. write the model to a temporary file (or folder) beside the target;
2. load that temporary copy back with the format's own runtime
   (``keras.models.load_model``; ``tf.saved_model.load`` and its
   ``serving_default`` signature; the LiteRT ``Interpreter``; an
   ``onnxruntime.InferenceSession``) and run it on ``sample_x``;
3. compare with the live model: if the largest absolute difference exceeds
   ``TOLERANCE`` (or the copy cannot be loaded back) the temporary copy is
   deleted, the target is left as it was, and the result says ``ok=False``;
4. otherwise write the metadata sidecar to a temporary file too, and move
   both over the previous pair together (``core.atomic.replace_together``):
   if either move fails, the previous model and sidecar are put back.

So a failed export never leaves a file behind nor removes the previous export,
and a file that does not reproduce the model is never left looking like a success.

Why a pair and a hash: the model file is self-describing (its metadata is
embedded, below) and the sidecar is a convenience copy that also records the
check's result. Two files cannot be renamed in one step; a process killed
between the two renames leaves the new model beside the old sidecar. The
sidecar therefore records the SHA-256 of the model it describes
(``model_sha256``), and ``read_metadata`` refuses a sidecar that does not
match its model instead of describing the wrong one.

Before writing, the free space of the target's folder is compared with an
estimate of the file's size (``estimated_bytes``): the HDF5 library can crash
the process when the disk fills up under it, so a full disk is refused first.

Metadata (feature and class names, task, the project spec, library versions,
export time, input/output names and the check's result) is written for every
format to a sidecar ``<file name>.meta.json`` beside the export, e.g.
``model.onnx`` → ``model.onnx.meta.json``, ``model/`` (SavedModel) →
``model.meta.json``. It is also embedded where the format has a place for it:
``ffnn_studio.json`` inside the ``.keras`` zip, the ``ffnn_studio_metadata``
attribute of the ``.h5`` root, ``metadata_props["ffnn_studio"]`` of the ONNX
model, and ``assets.extra/ffnn_studio.json`` inside the SavedModel folder.
The embedded copies lack the check's result (they are written before it).

Only ``.keras`` and ``.h5`` files of a network with step units need FFNN
Studio to load (``import ffnn_studio.engine.activations`` registers the step activation); the
result's ``needs_import`` says so. SavedModel, TFLite and ONNX hold the step
as plain operations and load without it.

Export runs fine on a worker thread. It must not run while the same model is
training.

Contract: owns writing, reloading and checking each format, and the metadata
beside the file. Imports the core, the builder's step activation and
(lazily) TensorFlow, Keras, tf2onnx, onnxruntime and LiteRT; never Qt.
Registers the step activation (``engine.activations``) before loading a
model.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ffnn_studio.core.atomic import new_temporary, remove_path, replace_together
from ffnn_studio.core.errors import StudioError
from ffnn_studio.engine.quiet import quiet_native_logs

#: Largest absolute difference between the live model and the reloaded export
#: that still counts as the same model.
TOLERANCE = 1e-4
#: At most this many rows of ``sample_x`` are used for the check.
MAX_CHECK_ROWS = 512
META_SUFFIX = ".meta.json"
#: Name of the metadata embedded inside .keras zips and SavedModel folders.
EMBEDDED_NAME = "ffnn_studio.json"
METADATA_FORMAT = "ffnn-studio-export"
#: 2: ``input_columns`` (the raw columns and their encoding), ``target``, and an
#: ``input`` contract per format (.keras and SavedModel take raw columns).
METADATA_VERSION = 2

#: ``progress(fraction, message)``, fraction in [0, 1].
ExportProgress = Callable[[float, str], None]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: its name, how it is shown, and its file extension."""

    name: str
    label: str
    #: The extension a file of this format has ("" for SavedModel, a folder).
    extension: str
    description: str
    #: Extensions accepted for this format when reading a path.
    extensions: tuple[str, ...] = ()

    @property
    def is_folder(self) -> bool:
        return not self.extension


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat(
            "keras",
            "Keras (.keras)",
            ".keras",
            "Keras's native format: architecture, weights and optimizer state; "
            "load with keras.models.load_model.",
            (".keras",),
        ),
        ExportFormat(
            "savedmodel",
            "TensorFlow SavedModel (folder)",
            "",
            "A folder for TensorFlow Serving and tf.saved_model.load; "
            "inference only, no Python code needed.",
        ),
        ExportFormat(
            "tflite",
            "TensorFlow Lite (.tflite)",
            ".tflite",
            "A compact flat buffer for phones and microcontrollers (LiteRT).",
            (".tflite",),
        ),
        ExportFormat(
            "onnx",
            "ONNX (.onnx)",
            ".onnx",
            "The open exchange format; runs in onnxruntime and many other engines.",
            (".onnx",),
        ),
        ExportFormat(
            "h5",
            "Legacy Keras HDF5 (.h5)",
            ".h5",
            "The older Keras file format, for tools that still expect it.",
            (".h5", ".hdf5"),
        ),
    )
}

_BY_EXTENSION = {ext: f.name for f in FORMATS.values() for ext in f.extensions}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and how well the written file reproduces the model."""

    path: Path
    format: str
    #: Largest |reloaded − live| over the check rows; None if the file could not be reloaded.
    max_abs_diff: float | None
    ok: bool
    message: str
    #: Files written beside ``path`` (the metadata sidecar); empty when not ok.
    extra_files: tuple[Path, ...] = ()
    #: True when loading the file needs ``import ffnn_studio.engine.activations``
    #: (.keras/.h5 with step units).
    needs_import: bool = False
    seconds: float = 0.0
    #: Input and output names of the exported model, as its runtime sees them.
    signature: Mapping[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ formats


def _formats_text() -> str:
    parts = []
    for f in FORMATS.values():
        where = "a folder (path without extension)" if f.is_folder else "/".join(f.extensions)
        parts.append(f"{f.name} ({where})")
    return ", ".join(parts)


def format_for_path(path: str | os.PathLike[str], explicit: str | None = None) -> str:
    """The export format for ``path``: ``explicit`` if given, else from the extension.

    A path without extension, or an existing folder, means SavedModel. An
    explicit format must agree with a recognised extension (``model.onnx``
    cannot be written as ``keras``).
    """
    p = Path(path)
    ext = p.suffix.lower()
    from_ext = "savedmodel" if p.is_dir() or not ext else _BY_EXTENSION.get(ext)
    if explicit is not None:
        name = explicit.strip().lower().replace("_", "").replace("-", "")
        aliases = {"tf": "savedmodel", "tfsavedmodel": "savedmodel", "hdf5": "h5", "lite": "tflite"}
        name = aliases.get(name, name)
        if name not in FORMATS:
            raise StudioError(
                f"unknown export format '{explicit}'; choose one of: {_formats_text()}"
            )
        if ext and from_ext is not None and from_ext != name and not p.is_dir():
            raise StudioError(
                f"{p.name} ends in {p.suffix} (a {FORMATS[from_ext].label} file) but the "
                f"format asked for is {FORMATS[name].label}; change the extension or the format"
            )
        return name
    if from_ext is None:
        raise StudioError(
            f"cannot tell the export format from the extension '{p.suffix}' of {p.name}; "
            f"use one of: {_formats_text()}"
        )
    return from_ext


def metadata_path(path: str | os.PathLike[str]) -> Path:
    """The sidecar of an export: ``model.onnx`` → ``model.onnx.meta.json``; folder ``m`` → ``m.meta.json``."""
    p = Path(path)
    return p.with_name(p.name + META_SUFFIX)


def _check_target(path: Path, fmt: ExportFormat) -> None:
    sidecar = metadata_path(path)
    if sidecar.is_dir():
        raise StudioError(
            f"{sidecar} is a folder, but the export's metadata file goes there; "
            "rename or remove that folder, or choose another name"
        )
    if fmt.is_folder:
        if path.exists() and not path.is_dir():
            raise StudioError(f"{path} is a file; a SavedModel is written as a folder")
        if path.is_dir() and any(path.iterdir()) and not (path / "saved_model.pb").exists():
            # Replacing it would delete whatever the folder holds.
            raise StudioError(
                f"folder {path} already exists and is not a SavedModel; choose a new folder name"
            )
    else:
        if path.is_dir():
            raise StudioError(f"{path} is a folder; choose a file name ending in {fmt.extension}")
        if fmt.name in ("keras", "h5") and path.suffix.lower() not in fmt.extensions:
            # Keras refuses to load these files under any other extension.
            raise StudioError(
                f"a {fmt.label} file must end in {' or '.join(fmt.extensions)}, got {path.name}"
            )


# ------------------------------------------------------------------ metadata


def _library_versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    import ffnn_studio

    return {
        "ffnn_studio": ffnn_studio.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    }


def build_metadata(
    project: Any = None,
    *,
    task: Any = None,
    feature_names: Sequence[str] = (),
    class_names: Sequence[str] = (),
    base_dir: Path | None = None,
    input_schema: Any = None,
    target: str | None = None,
) -> dict[str, Any]:
    """The caller's part of an export's metadata: what the inputs and outputs mean, and the project.

    ``project`` is a ``core.spec.Project`` (stored as its project-file JSON);
    CSV paths in it are made relative to ``base_dir`` when given;
    ``input_schema`` (a ``data.schema.InputSchema``) records the raw columns.
    """
    from ffnn_studio.core.project_file import project_to_dict

    out: dict[str, Any] = {
        "task": str(task) if task is not None else None,
        "feature_names": [str(n) for n in feature_names],
        "class_names": [str(n) for n in class_names],
    }
    if target:
        out["target"] = str(target)
    if input_schema is not None:
        out["input_columns"] = input_schema.to_dict()
    if project is not None:
        out["project"] = project_to_dict(project, base_dir)
    return out


def _output_meaning(task: str | None, class_names: Sequence[str]) -> str:
    if task == "binary":
        positive = f" '{class_names[1]}'" if len(class_names) == 2 else ""
        return f"probability of class 1{positive} (sigmoid)"
    if task == "multiclass":
        return "probability of each class, in class_names order (softmax)"
    if task == "regression":
        return "the predicted value"
    return "the model's output"


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (Path, os.PathLike)):
        return os.fspath(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def _dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default) + "\n"


def _full_metadata(
    metadata: Mapping[str, Any],
    fmt: ExportFormat,
    target: Path,
    model: Any,
    needs_import: bool,
) -> dict[str, Any]:
    n_outputs = int(model.outputs[0].shape[-1])
    out: dict[str, Any] = {
        "format": METADATA_FORMAT,
        "schema_version": METADATA_VERSION,
        "model_file": target.name,
        "model_format": fmt.name,
        "exported_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "versions": _library_versions(),
        "needs_import": "ffnn_studio.engine.activations" if needs_import else None,
        "input": _input_contract(model, metadata),
        "output": {
            "shape": [None, n_outputs],
            "dtype": "float32",
            "meaning": _output_meaning(metadata.get("task"), metadata.get("class_names") or ()),
        },
    }
    # The caller's keys (task, feature_names, class_names, project, ...) come
    # first in the file; the export's own facts win on a clash.
    return {**{k: v for k, v in metadata.items() if k not in out}, **out}


def _input_contract(model: Any, metadata: Mapping[str, Any]) -> dict[str, Any]:
    """What the exported model takes: raw columns by name, or one float32 feature matrix."""
    if _is_raw(model):
        from ffnn_studio.data.schema import InputSchema
        from ffnn_studio.engine.inference import input_names

        schema = InputSchema.from_dict(metadata.get("input_columns") or {})
        names = input_names(schema)
        return {
            "kind": "raw_columns",
            "columns": [
                {
                    "column": c.name,
                    "input": names[c.name],
                    "shape": [None, 1],
                    "dtype": "string" if c.kind == "categorical" else "float32",
                }
                for c in schema.columns
            ],
            "meaning": "the CSV's raw columns, one input each (text as strings, numbers as "
            "float32); the categorical encoding and the scaling are inside the model. Fill "
            "missing values first as input_columns says (the number's 'fill', the category "
            "'(missing)'); a category not in input_columns is an error",
        }
    n_features = int(model.inputs[0].shape[-1])
    meaning = "raw (unscaled) features in feature_names order; the scaling is inside the model"
    columns = (metadata.get("input_columns") or {}).get("columns") or []
    if any(c.get("kind") == "categorical" for c in columns):
        meaning = (
            "the features in feature_names order: numbers raw (unscaled), each text column "
            "one-hot encoded over its input_columns categories ('color=red' is 1 where the "
            "column is 'red'); missing values filled as input_columns says. The scaling is "
            "inside the model"
        )
    return {"kind": "features", "shape": [None, n_features], "dtype": "float32", "meaning": meaning}


def _is_raw(model: Any) -> bool:
    """True for a model with one input per raw column (``engine.inference.raw_input_model``)."""
    return isinstance(getattr(model, "input", None), dict) or len(model.inputs) > 1


class _HdfWarningFilter(logging.Filter):
    """Drops Keras's "HDF5 is legacy" warning: the user chose .h5 deliberately."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "HDF5 file" not in record.getMessage()


# ------------------------------------------------------------------ writers


def _input_name(model: Any) -> str:
    name = getattr(model.inputs[0], "name", None)
    return name if isinstance(name, str) and re.fullmatch(r"[A-Za-z_][\w]*", name) else "features"


def _write_keras(model: Any, tmp: Path, embedded: str) -> None:
    model.save(tmp)
    with zipfile.ZipFile(tmp, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(EMBEDDED_NAME, embedded)


def _write_h5(model: Any, tmp: Path, embedded: str) -> None:
    import h5py
    import keras

    absl_logger = logging.getLogger("absl")
    quiet = _HdfWarningFilter()
    absl_logger.addFilter(quiet)
    try:
        keras.saving.save_model(model, tmp)
    finally:
        absl_logger.removeFilter(quiet)
    with h5py.File(tmp, "a") as f:
        f.attrs["ffnn_studio_metadata"] = embedded


def _export_saved_model(model: Any, folder: Path) -> None:
    model.export(os.fspath(folder), format="tf_saved_model", verbose=False)


def _write_savedmodel(model: Any, tmp: Path, embedded: str) -> None:
    _export_saved_model(model, tmp)
    extra = tmp / "assets.extra"
    extra.mkdir(exist_ok=True)
    (extra / EMBEDDED_NAME).write_text(embedded, encoding="utf-8")


def _write_tflite(model: Any, tmp: Path, embedded: str) -> None:
    import tensorflow as tf

    # From a SavedModel: TFLiteConverter.from_concrete_functions gave NaN
    # outputs here, and from_keras_model prints the SavedModel it writes.
    with tempfile.TemporaryDirectory(prefix="ffnn-tflite-") as scratch:
        saved = Path(scratch) / "saved_model"
        _export_saved_model(model, saved)
        converter = tf.lite.TFLiteConverter.from_saved_model(os.fspath(saved))
        flatbuffer = converter.convert()
    with open(tmp, "wb") as fh:
        fh.write(flatbuffer)
        fh.flush()
        os.fsync(fh.fileno())


def _write_onnx(model: Any, tmp: Path, embedded: str) -> None:
    import tensorflow as tf
    import tf2onnx

    # tf2onnx.convert.from_keras, not Keras's own model.export(format="onnx"):
    # the latter passes tf2onnx a function whose captured constants (the
    # Normalization layer's mean and variance) become extra graph inputs, so
    # the ONNX model cannot run on features alone. from_keras folds them in.
    n_features = int(model.inputs[0].shape[-1])
    spec = tf.TensorSpec((None, n_features), tf.float32, name=_input_name(model))
    proto, _ = tf2onnx.convert.from_keras(model, input_signature=[spec], output_path=None)
    entry = proto.metadata_props.add()
    entry.key = "ffnn_studio"
    entry.value = embedded
    with open(tmp, "wb") as fh:
        fh.write(proto.SerializeToString())
        fh.flush()
        os.fsync(fh.fileno())


_WRITERS: dict[str, Callable[[Any, Path, str], None]] = {
    "keras": _write_keras,
    "h5": _write_h5,
    "savedmodel": _write_savedmodel,
    "tflite": _write_tflite,
    "onnx": _write_onnx,
}


# ------------------------------------------------------------------ readers (the check)


def _run_keras(tmp: Path, x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    import keras

    import ffnn_studio.engine.activations  # noqa: F401  (registers the step activation)

    loaded = keras.models.load_model(tmp, compile=False)
    out = np.asarray(loaded(x, training=False))
    output_names = getattr(loaded, "output_names", None) or [loaded.layers[-1].name]
    inputs: Any = [t.name for t in loaded.inputs] if _is_raw(loaded) else loaded.inputs[0].name
    return out, {"input": inputs, "output": output_names[0]}


def _run_savedmodel(tmp: Path, x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    import tensorflow as tf

    loaded = tf.saved_model.load(os.fspath(tmp))
    fn = loaded.signatures["serving_default"]
    names = list(fn.structured_input_signature[1].keys())
    if isinstance(x, dict):
        outputs = fn(**{k: tf.constant(v) for k, v in x.items()})
        input_name: Any = names
    else:
        (input_name,) = names
        outputs = fn(**{input_name: tf.constant(x)})
    (output_name,) = outputs.keys()
    return np.asarray(outputs[output_name]), {
        "signature": "serving_default",
        "input": input_name,
        "output": output_name,
    }


def _run_tflite(tmp: Path, x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    from ai_edge_litert.interpreter import Interpreter

    # From bytes rather than the path: the interpreter would keep the file
    # mapped, and a mapped file cannot be renamed on Windows.
    interpreter = Interpreter(model_content=tmp.read_bytes())
    (inp,) = interpreter.get_input_details()
    interpreter.resize_tensor_input(inp["index"], list(x.shape))
    interpreter.allocate_tensors()
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    (out,) = interpreter.get_output_details()
    result = np.array(interpreter.get_tensor(out["index"]))
    return result, {"signature": "serving_default", "input": inp["name"], "output": out["name"]}


def _run_onnx(tmp: Path, x: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        tmp.read_bytes(), sess_options=options, providers=["CPUExecutionProvider"]
    )
    (inp,) = session.get_inputs()
    (out,) = session.get_outputs()
    (result,) = session.run([out.name], {inp.name: x})
    return np.asarray(result), {"input": inp.name, "output": out.name}


_READERS: dict[str, Callable[[Path, np.ndarray], tuple[np.ndarray, dict[str, Any]]]] = {
    "keras": _run_keras,
    "h5": _run_keras,
    "savedmodel": _run_savedmodel,
    "tflite": _run_tflite,
    "onnx": _run_onnx,
}


# ------------------------------------------------------------------ export


def uses_step(model: Any) -> bool:
    """True if a layer of ``model`` uses the studio's custom step activation."""
    from ffnn_studio.engine.activations import step

    return any(getattr(layer, "activation", None) is step for layer in model.layers)


def uses_studio_schedule(model: Any) -> bool:
    """True if the model's optimizer follows one of the studio's own schedules (a warm-up)."""
    from ffnn_studio.engine.schedules import CUSTOM_SCHEDULES

    optimizer = getattr(model, "optimizer", None)
    schedule = getattr(optimizer, "_learning_rate", None)
    return isinstance(schedule, tuple(CUSTOM_SCHEDULES.values()))


def _short(exc: BaseException, limit: int = 400) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _write_failure(
    exc: Exception, target: Path, fmt: ExportFormat, native: list[str]
) -> StudioError:
    import tensorflow as tf

    if isinstance(exc, StudioError):
        return exc
    if isinstance(
        exc,
        (
            tf.errors.PermissionDeniedError,
            tf.errors.ResourceExhaustedError,
            tf.errors.UnavailableError,
        ),
    ):
        return StudioError(f"could not write {target}: {_short(exc)}")
    detail = _short(exc)
    if native:
        detail += f" ({native[-1]})"
    return StudioError(f"could not convert the model to {fmt.label}: {detail}")


class _CheckFailed(Exception):
    """Raised when the written copy does not reproduce the model; the copy is discarded."""


def _discard_all(*paths: Path | None) -> None:
    for path in paths:
        if path is not None:
            remove_path(path)


def _reference(model: Any, x: np.ndarray) -> np.ndarray:
    return np.asarray(model(x, training=False), dtype=np.float32)


def _compare(expected: np.ndarray, got: np.ndarray) -> float:
    if got.shape != expected.shape:
        raise ValueError(f"output shape {got.shape} differs from the model's {expected.shape}")
    if not got.size:
        return 0.0
    diff = np.abs(got.astype(np.float64) - expected.astype(np.float64))
    # NaN compares false with everything: report it as an infinite difference.
    return float(np.max(diff)) if np.all(np.isfinite(diff)) else float("inf")


#: Bytes per parameter a model file may take: float32 weights plus, for
#: .keras and .h5, the optimizer's state (up to two slots per weight).
_BYTES_PER_PARAMETER = {"keras": 12, "h5": 12}
#: Headers, graph and metadata on top of the weights.
_FILE_OVERHEAD = 4 * 1024 * 1024


def estimated_bytes(model: Any, fmt: str) -> int:
    """An upper estimate of the size of ``model`` written in format ``fmt``."""
    return int(model.count_params()) * _BYTES_PER_PARAMETER.get(fmt, 4) + _FILE_OVERHEAD


def _check_free_space(target: Path, model: Any, fmt: str) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # the write itself will tell
    # The model, its temporary copy's metadata, and a margin for the file system.
    needed = 2 * estimated_bytes(model, fmt)
    if free < needed:
        raise StudioError(
            f"not enough free space to export to {target}: about {_mb(needed)} needed, "
            f"{_mb(free)} free in {folder}; free some space or choose another folder"
        )


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1024**2:,.1f} MB"


def content_hash(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, or of a folder's files and their relative paths (SavedModel)."""
    path = Path(path)
    digest = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if file != path:
            digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        with open(file, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _write_synced(path: Path, text: str) -> None:
    with open(path, "wb") as fh:
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())


def export_model(
    model: Any,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    sample_x: np.ndarray,
    metadata: Mapping[str, Any] | None = None,
    progress: ExportProgress | None = None,
) -> ExportResult:
    """Write ``model`` to ``path`` in format ``fmt``, reload it and check its predictions.

    ``sample_x`` holds raw feature rows (its first ``MAX_CHECK_ROWS`` are used);
    ``metadata`` is the caller's part of the metadata (see ``build_metadata``).
    Returns ``ok=False`` (and writes nothing) when the reloaded file differs from
    the model by more than ``TOLERANCE`` or cannot be loaded back. Raises
    ``StudioError`` when the file cannot be written or converted; nothing is
    left behind then either.
    """
    started = time.perf_counter()
    target = Path(path)
    name = format_for_path(target, fmt)
    info = FORMATS[name]
    _check_target(target, info)
    report = progress or (lambda fraction, message: None)

    if _is_raw(model):
        if name not in ("keras", "savedmodel"):
            raise StudioError(
                f"a model that takes raw columns exports to .keras or SavedModel; {info.label} "
                "takes the encoded features (export the trained model without its preprocessing)"
            )
        # One array per raw column: numbers as float32, text as strings.
        x: Any = {k: np.asarray(v)[:MAX_CHECK_ROWS] for k, v in dict(sample_x).items()}
        n_rows = len(next(iter(x.values()))) if x else 0
        if not n_rows:
            raise StudioError("the check needs sample rows, got none")
    else:
        x = np.ascontiguousarray(np.asarray(sample_x, dtype=np.float32)[:MAX_CHECK_ROWS])
        n_features = int(model.inputs[0].shape[-1])
        if x.ndim != 2 or x.shape[1] != n_features or not len(x):
            raise StudioError(
                f"the check needs sample rows with {n_features} features, got an array of shape "
                f"{x.shape}"
            )
        n_rows = len(x)
    expected = _reference(model, x)
    step_units = uses_step(model)
    needs_import = name in ("keras", "h5") and (step_units or uses_studio_schedule(model))
    meta = _full_metadata(metadata or {}, info, target, model, needs_import)
    embedded = _dumps(meta)

    _check_free_space(target, model, name)
    sidecar = metadata_path(target)
    diff: float | None = None
    signature: dict[str, Any] = {}
    failure: str | None = None
    tmp = new_temporary(target, suffix=info.extension, directory=info.is_folder)
    side_tmp: Path | None = None
    try:
        report(0.05, f"Writing {info.label}…")
        with quiet_native_logs() as native:
            try:
                _WRITERS[name](model, tmp, embedded)
            except OSError:
                raise  # becomes "could not write <target>: <reason>" below
            except Exception as exc:
                raise _write_failure(exc, target, info, native) from exc
        report(0.6, "Loading the written file back to check it…")
        with quiet_native_logs():
            try:
                got, signature = _READERS[name](tmp, x)
                diff = _compare(expected, got)
            except Exception as exc:
                failure = f"the written file could not be loaded back: {_short(exc)}"
                raise _CheckFailed from exc
        if not diff <= TOLERANCE:
            failure = (
                f"the reloaded file's predictions differ from the model's by up to "
                f"{diff:.3g} (allowed: {TOLERANCE:g})"
            )
            raise _CheckFailed
        report(0.9, "Writing the metadata…")
        meta["check"] = {
            "max_abs_diff": diff,
            "tolerance": TOLERANCE,
            "rows": n_rows,
            "runtime": _runtime_name(name),
        }
        meta["signature"] = signature
        meta["model_sha256"] = content_hash(tmp)
        side_tmp = new_temporary(sidecar, suffix=".json")
        _write_synced(side_tmp, _dumps(meta))
        replace_together([(tmp, target), (side_tmp, sidecar)])
    except _CheckFailed:
        _discard_all(tmp, side_tmp)
        report(1.0, "Export failed")
        kept = f"; {target.name} was left as it was." if target.exists() else "."
        return ExportResult(
            target,
            name,
            diff,
            False,
            f"Export to {info.label} failed: {failure}. Nothing was written{kept}",
            needs_import=needs_import,
            seconds=time.perf_counter() - started,
            signature=signature,
        )
    except OSError as exc:
        _discard_all(tmp, side_tmp)
        kept = f"; {target.name} was left as it was" if target.exists() else ""
        raise StudioError(f"could not write {target}: {exc.strerror or exc}{kept}") from exc
    except BaseException:
        _discard_all(tmp, side_tmp)
        raise
    report(1.0, "Export finished")
    message = (
        f"Exported to {info.label}: {target}. Reloaded with {_runtime_name(name)}; "
        f"predictions match within {diff:.2g} (max |difference| over {n_rows} rows)."
    )
    if needs_import:
        what = (
            "The network uses step units, a custom activation"
            if step_units
            else "The optimizer's learning-rate warm-up is the studio's own schedule"
        )
        message += (
            f" {what}: run `import ffnn_studio.engine.activations` before keras.models.load_model."
        )
    return ExportResult(
        target,
        name,
        diff,
        True,
        message,
        (sidecar,),
        needs_import,
        time.perf_counter() - started,
        signature,
    )


def export_session(
    session: Any,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    progress: ExportProgress | None = None,
    base_dir: Path | None = None,
) -> ExportResult:
    """Export a ``TrainingSession``'s model, checked on its own data, with its project as metadata.

    The check uses the validation rows first, then training rows. Refuses while
    the session is training (the weights would change under the export).
    """
    if getattr(session, "running", False):
        raise StudioError("training is running; stop or pause it before exporting")
    from ffnn_studio.engine.inference import RAW_FORMATS, raw_input_model, sample_raw_inputs

    data = session.data
    sample = np.concatenate([data.x_val, data.x_train])[:MAX_CHECK_ROWS]
    schema = data.dataset.input_schema
    source = getattr(session.project, "data", None)
    metadata = build_metadata(
        session.project,
        task=data.task,
        feature_names=data.feature_names,
        class_names=data.class_names,
        base_dir=base_dir,
        input_schema=schema,
        target=getattr(source, "target", None),
    )
    epochs = getattr(session, "epochs_completed", None)
    if epochs is not None:
        metadata["epochs_trained"] = int(epochs)
    model, sample_x = session.model, sample
    if schema.has_categories and format_for_path(path, fmt) in RAW_FORMATS:
        # .keras and SavedModel take the CSV's raw rows: the encoding goes in front.
        model, sample_x = raw_input_model(model, schema), sample_raw_inputs(schema, sample)
    return export_model(model, path, fmt, sample_x=sample_x, metadata=metadata, progress=progress)


def export_keras_file(
    source: str | os.PathLike[str],
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    progress: ExportProgress | None = None,
) -> ExportResult:
    """Convert a trained ``.keras`` file to another format (with the same checks).

    The metadata embedded by an earlier export is carried over. Without the
    training data at hand, the check runs on rows drawn around the statistics
    of the model's Normalization layer (its training data's mean and spread).
    """
    import keras

    import ffnn_studio.engine.activations  # noqa: F401  (registers the step activation)

    source = check_keras_source(source)
    try:
        model = keras.models.load_model(source, compile=False)
    except Exception as exc:
        raise StudioError(f"could not load {source.name} as a Keras model: {_short(exc)}") from exc
    metadata: dict[str, Any] = {}
    with contextlib.suppress(KeyError, OSError, ValueError, zipfile.BadZipFile):
        with zipfile.ZipFile(source) as zf:
            embedded = json.loads(zf.read(EMBEDDED_NAME))
        own = {"format", "schema_version", "model_file", "model_format", "exported_at"}
        own |= {"versions", "needs_import", "input", "output", "check", "signature"}
        metadata = {k: v for k, v in embedded.items() if k not in own}
    if _is_raw(model):
        from ffnn_studio.engine.inference import (
            RAW_FORMATS,
            encoded_model,
            sample_raw_inputs,
            schema_from_metadata,
        )

        inner = encoded_model(model)
        rows = _typical_rows(inner)
        if format_for_path(path, fmt) not in RAW_FORMATS:
            return export_model(inner, path, fmt, sample_x=rows, metadata=metadata, progress=progress)
        sample = sample_raw_inputs(schema_from_metadata(metadata), rows)
        return export_model(model, path, fmt, sample_x=sample, metadata=metadata, progress=progress)
    return export_model(
        model, path, fmt, sample_x=_typical_rows(model), metadata=metadata, progress=progress
    )


def check_keras_source(source: str | os.PathLike[str]) -> Path:
    """``source`` if it can be a trained ``.keras`` model (checked without TensorFlow)."""
    source = Path(source)
    if source.suffix.lower() != ".keras":
        raise StudioError(f"{source.name}: a trained model is read from a .keras file")
    if not source.is_file():
        raise StudioError(f"model file not found: {source}")
    try:
        is_zip = zipfile.is_zipfile(source)
    except OSError as exc:
        raise StudioError(f"could not read {source}: {exc.strerror or exc}") from exc
    if not is_zip:
        raise StudioError(
            f"{source.name} is not a Keras model: a .keras file is a zip archive, and this one "
            "is damaged or another kind of file"
        )
    return source


def check_export_target(path: str | os.PathLike[str], fmt: str | None = None) -> str:
    """The export format for ``path``, after checking the target can be written (no TensorFlow)."""
    target = Path(path)
    name = format_for_path(target, fmt)
    _check_target(target, FORMATS[name])
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise StudioError(f"cannot export to {target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise StudioError(f"cannot export to {target}: folder {parent} is not writable")
    return name


def _typical_rows(model: Any, n: int = 256, seed: int = 0) -> np.ndarray:
    """Rows spread like the training data, read off the model's Normalization layer."""
    import keras

    n_features = int(model.inputs[0].shape[-1])
    mean = np.zeros(n_features)
    std = np.ones(n_features)
    for layer in model.layers:
        if isinstance(layer, keras.layers.Normalization):
            mean = np.reshape(keras.ops.convert_to_numpy(layer.mean), -1)[:n_features]
            variance = np.reshape(keras.ops.convert_to_numpy(layer.variance), -1)[:n_features]
            std = np.sqrt(np.maximum(variance, 0.0))
            break
    rng = np.random.default_rng(seed)
    return (mean + std * rng.standard_normal((n, n_features))).astype(np.float32)


def _runtime_name(fmt: str) -> str:
    return {
        "keras": "keras.models.load_model",
        "h5": "keras.models.load_model",
        "savedmodel": "tf.saved_model.load",
        "tflite": "the LiteRT interpreter",
        "onnx": "onnxruntime",
    }[fmt]


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The sidecar metadata of an export (``StudioError`` if it is missing or unreadable)."""
    sidecar = metadata_path(path)
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise StudioError(f"no metadata file {sidecar.name} beside {Path(path).name}") from exc
    except (OSError, ValueError, RecursionError) as exc:
        raise StudioError(f"could not read {sidecar}: {_short(exc, 200)}") from exc
    expected = meta.get("model_sha256") if isinstance(meta, dict) else None
    if expected is not None:
        try:
            actual = content_hash(path)
        except OSError as exc:
            raise StudioError(f"could not read {path}: {exc.strerror or exc}") from exc
        if actual != expected:
            raise StudioError(
                f"{sidecar.name} describes another version of {Path(path).name} (an export "
                "was interrupted between writing the two); the model file's embedded metadata "
                "is its own: export again to write a matching metadata file"
            )
    return meta
