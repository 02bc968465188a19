"""Use a trained model: raw rows in, predictions out, from a live session or an exported file.

Design. Training stays on numeric arrays: the session's model takes the
encoded features (numbers, and one 0/1 column per category of a text
column) and normalizes them itself with its ``Normalization`` layer, so the
compiled chunk loop and the quick path never see text. The categorical
encoding is recorded in the data set's ``InputSchema`` (``data.schema``).
For the ``.keras`` and SavedModel exports ``raw_input_model`` puts Keras
preprocessing layers in front of the trained model: one input per raw column
(float32 for numbers, string for text), a ``StringLookup`` with
``output_mode="one_hot"`` per text column, and a ``Concatenate`` in feature
order; the trained model itself is nested unchanged, so its weights are the
trained ones. These exports therefore take the CSV's rows as they are.
TFLite, ONNX and ``.h5`` keep the numeric input (string lookup tables have no
portable kernel in those runtimes); their sidecar's ``input_columns`` says how
a raw row becomes that input, and ``Predictor`` applies it.

Missing values are handled before the model, by the training policy
(``clean_frame``): under "mean" a missing number takes the training mean and
missing text the category "(missing)"; under "drop" the row gets no
prediction. A category the model never saw is refused, naming the row.

``predict_rows`` is the one entry point for a table of rows; ``predict_csv``
streams a file through it in chunks; ``evaluate_frame`` scores predictions
with scikit-learn.

Contract: no Qt. Imports the core, the data layer, and (lazily) TensorFlow,
Keras and the export runtimes.
"""

from __future__ import annotations

import csv
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ffnn_studio.core.atomic import new_temporary, remove_path, replace_together
from ffnn_studio.core.errors import StudioError, clip
from ffnn_studio.data.schema import InputSchema, RawColumn, clean_frame, encode_clean

#: Rows per chunk when a CSV file is streamed through a model.
CHUNK_ROWS = 20_000
#: Name prefix of the preprocessing layers ``raw_input_model`` adds.
LOOKUP_PREFIX = "lookup_"
RAW_MODEL_SUFFIX = "_raw_rows"
#: Formats whose export takes raw rows (text columns as strings).
RAW_FORMATS = ("keras", "savedmodel")

Progress = Callable[[float], None]


class PredictionCancelled(Exception):
    """The caller's ``cancelled()`` returned True; nothing was written."""


# ------------------------------------------------------------------ raw-row model


def input_names(schema: InputSchema) -> dict[str, str]:
    """Column name → the model input's name (letters, digits and _ only; unique)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for column in schema.columns:
        base = re.sub(r"\W", "_", column.name, flags=re.ASCII).strip("_") or "column"
        if not re.match(r"[A-Za-z]", base):
            base = f"c_{base}"
        name, k = base, 2
        while name.lower() in taken:
            name, k = f"{base}_{k}", k + 1
        taken.add(name.lower())
        names[column.name] = name
    return names


def raw_input_model(model: Any, schema: InputSchema) -> Any:
    """The trained ``model`` with the categorical encoding in front: it takes raw columns.

    Returns ``model`` itself when every column is numeric (a raw row already is
    its feature vector).
    """
    if not schema.has_categories:
        return model
    import keras

    names = input_names(schema)
    inputs: dict[str, Any] = {}
    parts = []
    for column in schema.columns:
        name = names[column.name]
        if column.kind == "numeric":
            inputs[name] = keras.Input(shape=(1,), dtype="float32", name=name)
            parts.append(inputs[name])
        else:
            inputs[name] = keras.Input(shape=(1,), dtype="string", name=name)
            lookup = keras.layers.StringLookup(
                vocabulary=list(column.categories),
                num_oov_indices=0,
                output_mode="one_hot",
                name=f"{LOOKUP_PREFIX}{name}",
            )
            parts.append(keras.ops.cast(lookup(inputs[name]), "float32"))
    joined = keras.layers.Concatenate(name="encoded_features")(parts)
    return keras.Model(inputs, model(joined), name=f"{model.name}{RAW_MODEL_SUFFIX}")


def encoded_model(model: Any) -> Any:
    """The model behind ``raw_input_model``'s preprocessing (or ``model`` itself)."""
    import keras

    if isinstance(getattr(model, "input", None), dict) or len(model.inputs) > 1:
        for layer in model.layers:
            if isinstance(layer, keras.Model):
                return layer
    return model


def raw_inputs(schema: InputSchema, clean: pd.DataFrame) -> dict[str, np.ndarray]:
    """Typed raw values (``clean_frame``) as the raw-row model's inputs, by input name."""
    names = input_names(schema)
    out: dict[str, np.ndarray] = {}
    for column in schema.columns:
        values = clean[column.name].to_numpy()
        if column.kind == "numeric":
            out[names[column.name]] = values.astype(np.float32).reshape(-1, 1)
        else:
            out[names[column.name]] = values.astype(str).reshape(-1, 1)
    return out


def sample_raw_inputs(schema: InputSchema, x: np.ndarray) -> dict[str, np.ndarray]:
    """Encoded feature rows as raw-model inputs (one-hot blocks decoded to their category)."""
    return raw_inputs(schema, schema.decode(x))


# ------------------------------------------------------------------ predictions


@dataclass(frozen=True, eq=False)
class Predictions:
    """A model's outputs for a table of rows; rows without a prediction hold NaN."""

    #: (n, k) probabilities per class (classification) or (n, 1) values (regression).
    outputs: np.ndarray
    #: True where the row got a prediction (False: dropped for a missing value).
    kept: np.ndarray
    task: str
    class_names: tuple[str, ...]

    @property
    def is_classification(self) -> bool:
        return self.task in ("binary", "multiclass")

    @property
    def class_index(self) -> np.ndarray:
        """The predicted class per row (-1 where there is no prediction)."""
        index = np.argmax(np.nan_to_num(self.outputs, nan=-1.0), axis=1)
        return np.where(self.kept, index, -1)

    @property
    def labels(self) -> np.ndarray:
        """The predicted class name per row (None where there is no prediction)."""
        names = np.asarray([*self.class_names, None], dtype=object)
        return names[self.class_index]

    @property
    def values(self) -> np.ndarray:
        """The predicted value per row (regression; NaN where there is no prediction)."""
        return self.outputs[:, 0]

    def columns(self) -> dict[str, np.ndarray]:
        """The prediction columns a CSV gets: the label and one probability per class, or the value."""
        if not self.is_classification:
            return {"predicted": self.values}
        out: dict[str, np.ndarray] = {"predicted": self.labels}
        for k, name in enumerate(self.class_names):
            out[f"P({name})"] = self.outputs[:, k]
        return out


def _probabilities(raw: np.ndarray, task: str) -> np.ndarray:
    raw = np.asarray(raw, dtype=np.float64).reshape(len(raw), -1)
    if task == "binary":
        p = raw[:, :1]
        return np.hstack([1.0 - p, p])
    return raw


class Predictor:
    """A trained model with what it needs to read raw rows: its input schema, task and classes."""

    def __init__(
        self,
        run: Callable[[pd.DataFrame], np.ndarray],
        schema: InputSchema,
        task: str,
        class_names: tuple[str, ...] = (),
        target: str | None = None,
        source: str = "model",
    ) -> None:
        self._run = run
        self.schema = schema
        self.task = task
        self.class_names = tuple(class_names)
        self.target = target
        self.source = source

    def predict(
        self, frame: pd.DataFrame, *, first_row: int = 1, decimal: str = "."
    ) -> Predictions:
        """Predictions for raw rows (extra columns ignored; the schema's columns required)."""
        clean, kept = clean_frame(self.schema, frame, first_row=first_row, decimal=decimal)
        n_out = len(self.class_names) if self.task in ("binary", "multiclass") else 1
        outputs = np.full((len(frame), n_out), np.nan)
        if kept.any():
            got = _probabilities(self._run(clean[kept]), self.task)
            if got.shape[1] != n_out:
                raise StudioError(
                    f"{self.source} gives {got.shape[1]} outputs, but its metadata names "
                    f"{n_out} classes"
                )
            outputs[kept] = got
        return Predictions(outputs, kept, self.task, self.class_names)


def _encoded_runner(model: Any, schema: InputSchema) -> Callable[[pd.DataFrame], np.ndarray]:
    def run(clean: pd.DataFrame) -> np.ndarray:
        x = encode_clean(schema, clean)
        return np.asarray(model(x, training=False))

    return run


def predictor_for_session(session: Any) -> Predictor:
    """A ``Predictor`` over a ``TrainingSession``'s live model and its data's encoding."""
    data = session.data
    dataset = data.dataset
    source = getattr(getattr(session, "project", None), "data", None)
    target = getattr(source, "target", None)
    return Predictor(
        _encoded_runner(session.model, dataset.input_schema),
        dataset.input_schema,
        data.task.value,
        data.class_names,
        target or None,
        "the trained model",
    )


def predict_rows(model_or_session: Any, dataframe: pd.DataFrame) -> Predictions:
    """Predictions for a table of raw rows, as the CSV had them (text columns as text).

    ``model_or_session`` is a ``TrainingSession`` (its live model), a
    ``Predictor`` (``load_predictor``), or the path of an exported model.
    Extra columns are ignored; missing ones, text in a numeric column and
    unknown categories raise ``StudioError`` naming the column and the row.
    """
    if isinstance(model_or_session, Predictor):
        predictor = model_or_session
    elif isinstance(model_or_session, (str, os.PathLike)):
        predictor = load_predictor(model_or_session)
    else:
        predictor = predictor_for_session(model_or_session)
    return predictor.predict(dataframe)


# ------------------------------------------------------------------ exported models


def _embedded_metadata(path: Path, fmt: str) -> dict[str, Any] | None:
    from ffnn_studio.engine.export.formats import EMBEDDED_NAME

    try:
        if fmt == "keras":
            with zipfile.ZipFile(path) as zf:
                return json.loads(zf.read(EMBEDDED_NAME))
        if fmt == "savedmodel":
            return json.loads((path / "assets.extra" / EMBEDDED_NAME).read_text(encoding="utf-8"))
        if fmt == "onnx":
            import onnx

            model = onnx.load(os.fspath(path), load_external_data=False)
            for entry in model.metadata_props:
                if entry.key == "ffnn_studio":
                    return json.loads(entry.value)
        if fmt == "h5":
            import h5py

            with h5py.File(path, "r") as f:
                text = f.attrs.get("ffnn_studio_metadata")
            return json.loads(text) if text else None
    except Exception:
        # A damaged or foreign file has no readable metadata; the caller says so.
        return None
    return None


def model_metadata(path: str | os.PathLike[str], fmt: str) -> dict[str, Any] | None:
    """An export's metadata: its sidecar, else the copy embedded in the model file."""
    from ffnn_studio.engine.export.formats import metadata_path, read_metadata

    path = Path(path)
    if metadata_path(path).is_file():
        return read_metadata(path)
    return _embedded_metadata(path, fmt)


def schema_from_metadata(meta: Mapping[str, Any]) -> InputSchema:
    """The input schema an export's metadata records (older exports: numeric feature names)."""
    if isinstance(meta.get("input_columns"), Mapping):
        return InputSchema.from_dict(meta["input_columns"])
    return InputSchema.numeric(list(meta.get("feature_names") or ()))


def _keras_runner(path: Path, schema: InputSchema) -> Callable[[pd.DataFrame], np.ndarray]:
    import keras

    import ffnn_studio.engine.activations  # noqa: F401  (registers the step activation)

    try:
        model = keras.models.load_model(path, compile=False)
    except Exception as exc:
        raise StudioError(f"could not load {path.name} as a Keras model: {_first_line(exc)}") from exc
    if isinstance(model.input, dict) or len(model.inputs) > 1:
        return lambda clean: np.asarray(model(raw_inputs(schema, clean), training=False))
    return _encoded_runner(model, schema)


def _savedmodel_runner(path: Path, schema: InputSchema) -> Callable[[pd.DataFrame], np.ndarray]:
    import tensorflow as tf

    loaded = tf.saved_model.load(os.fspath(path))
    fn = loaded.signatures["serving_default"]
    specs = fn.structured_input_signature[1]

    raw = len(specs) > 1 or any(spec.dtype == tf.string for spec in specs.values())

    def run(clean: pd.DataFrame) -> np.ndarray:
        if raw:
            feeds = {k: tf.constant(v) for k, v in raw_inputs(schema, clean).items()}
        else:
            (name,) = specs
            feeds = {name: tf.constant(encode_clean(schema, clean))}
        outputs = fn(**feeds)
        (out,) = outputs.values()
        return np.asarray(out)

    return run


def _tflite_runner(path: Path, schema: InputSchema) -> Callable[[pd.DataFrame], np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=path.read_bytes())
    (inp,) = interpreter.get_input_details()
    (out,) = interpreter.get_output_details()

    def run(clean: pd.DataFrame) -> np.ndarray:
        x = encode_clean(schema, clean)
        interpreter.resize_tensor_input(inp["index"], list(x.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(inp["index"], x)
        interpreter.invoke()
        return np.array(interpreter.get_tensor(out["index"]))

    return run


def _onnx_runner(path: Path, schema: InputSchema) -> Callable[[pd.DataFrame], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        path.read_bytes(), sess_options=options, providers=["CPUExecutionProvider"]
    )
    (inp,) = session.get_inputs()
    (out,) = session.get_outputs()
    return lambda clean: np.asarray(
        session.run([out.name], {inp.name: encode_clean(schema, clean)})[0]
    )


_RUNNERS = {
    "keras": _keras_runner,
    "h5": _keras_runner,
    "savedmodel": _savedmodel_runner,
    "tflite": _tflite_runner,
    "onnx": _onnx_runner,
}


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return clip(lines[0] if lines else type(exc).__name__, 300)


def load_predictor(path: str | os.PathLike[str]) -> Predictor:
    """A ``Predictor`` for an exported model (any format) described by its studio metadata."""
    from ffnn_studio.engine.export.formats import format_for_path
    from ffnn_studio.engine.quiet import quiet_native_logs

    path = Path(path)
    if not path.exists():
        raise StudioError(f"model not found: {path}")
    fmt = format_for_path(path)
    meta = model_metadata(path, fmt)
    if not meta or not meta.get("task"):
        raise StudioError(
            f"{path.name} has no FFNN Studio metadata (the {path.name}.meta.json file beside "
            "it, or the copy inside it), so its columns and classes are unknown; export the "
            "model from the studio, or open the .keras file in the studio"
        )
    schema = schema_from_metadata(meta)
    with quiet_native_logs():
        run = _RUNNERS[fmt](path, schema)
    return Predictor(
        run,
        schema,
        str(meta["task"]),
        tuple(str(c) for c in meta.get("class_names") or ()),
        meta.get("target"),
        path.name,
    )


# ------------------------------------------------------------------ CSV files


@dataclass(frozen=True)
class PredictionSummary:
    """What ``predict_csv`` wrote."""

    path: Path
    rows: int
    #: Rows left without a prediction (a missing value under the "drop" policy).
    skipped: int


def _csv_chunks(path: Path, chunk_rows: int) -> tuple[Any, Iterator[pd.DataFrame], Any]:
    from ffnn_studio.data.csv_format import EXTRA_NA_VALUES, check_size, detect_layout

    if not path.is_file():
        raise StudioError(f"CSV file not found: {path}")
    check_size(path)
    layout = detect_layout(path)
    handle = path.open("rb")
    try:
        reader = pd.read_csv(
            handle,
            sep=layout.delimiter,
            header=0 if layout.has_header else None,
            names=list(layout.columns),
            dtype=str,
            na_values=list(EXTRA_NA_VALUES),
            keep_default_na=True,
            skip_blank_lines=True,
            encoding="utf-8-sig",
            engine="c",
            chunksize=chunk_rows,
        )
    except Exception:
        handle.close()
        raise
    return layout, reader, handle


def _read_errors(path: Path):
    from ffnn_studio.data.csv_format import utf8_error

    class _Guard:
        def __enter__(self) -> None:
            return None

        def __exit__(self, kind, exc, tb) -> bool:
            if isinstance(exc, UnicodeDecodeError):
                raise utf8_error(path) from None
            if isinstance(exc, pd.errors.ParserError):
                raise StudioError(f"cannot read {path.name}: {exc}") from None
            return False

    return _Guard()


def read_table(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str]:
    """A whole CSV file as text cells (missing markers as NaN), and its decimal mark."""
    path = Path(path)
    with _read_errors(path):
        layout, reader, handle = _csv_chunks(path, CHUNK_ROWS)
        with handle, reader:
            parts = list(reader)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=layout.columns)
    return frame, layout.decimal


def predict_csv(
    model: Predictor | Any,
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> PredictionSummary:
    """Stream ``source`` through the model in chunks and write the rows plus their predictions.

    The output holds the input rows in order, then ``predicted`` and, for a
    classifier, one ``P(class)`` column per class. It is written to a
    temporary file and moved over ``target`` at the end: an error or
    ``cancelled()`` (raises ``PredictionCancelled``) leaves ``target`` as it was.
    """
    predictor = model if isinstance(model, Predictor) else predictor_for_session(model)
    source, target = Path(source), Path(target)
    if source.resolve() == target.resolve():
        raise StudioError(f"the predictions cannot overwrite the input file {source.name}")
    report = progress or (lambda fraction: None)
    size = source.stat().st_size if source.is_file() else 1
    tmp = new_temporary(target, suffix=".csv")
    rows = skipped = 0
    try:
        with _read_errors(source):
            layout, reader, handle = _csv_chunks(source, chunk_rows)
            with handle, reader, open(tmp, "w", encoding="utf-8", newline="") as out:
                header = True
                for chunk in reader:
                    if cancelled is not None and cancelled():
                        raise PredictionCancelled
                    result = predictor.predict(chunk, first_row=rows + 1, decimal=layout.decimal)
                    table = chunk.assign(**result.columns())
                    table.to_csv(out, index=False, header=header, quoting=csv.QUOTE_MINIMAL)
                    header = False
                    rows += len(chunk)
                    skipped += int((~result.kept).sum())
                    report(min(handle.tell() / max(size, 1), 0.99))
                if header:
                    # No data rows: still write the header the output would have.
                    empty = pd.DataFrame(columns=list(layout.columns))
                    empty.assign(**predictor.predict(empty).columns()).to_csv(out, index=False)
                out.flush()
                os.fsync(out.fileno())
        replace_together([(tmp, target)])
    except OSError as exc:
        remove_path(tmp)
        raise StudioError(f"could not write {target}: {exc.strerror or exc}") from exc
    except BaseException:
        remove_path(tmp)
        raise
    report(1.0)
    return PredictionSummary(target, rows, skipped)


# ------------------------------------------------------------------ evaluation


def _targets(predictor: Predictor, values: pd.Series, first_row: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The target column as class indices or floats, and the mask of rows that have one."""
    present = ~values.isna().to_numpy(dtype=bool)
    text = values.astype(object).map(lambda v: str(v).strip() if isinstance(v, str) else v)
    present &= (text.astype(str) != "").to_numpy(dtype=bool)
    name = clip(str(values.name), 40)
    if predictor.task == "regression":
        numbers = pd.to_numeric(text.where(present), errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(present & ~np.isfinite(numbers))
        if len(bad):
            raise StudioError(
                f"target column '{name}' must hold numbers, but has "
                f"'{clip(str(values.iloc[bad[0]]), 30)}' on row {bad[0] + first_row}"
            )
        return numbers, present
    index = {c: k for k, c in enumerate(predictor.class_names)}

    def code(value: object) -> int:
        key = str(value)
        if key in index:
            return index[key]
        number = pd.to_numeric(key, errors="coerce")
        if np.isfinite(number) and float(number).is_integer() and str(int(number)) in index:
            return index[str(int(number))]
        return -1

    codes = np.array([code(v) if p else -1 for v, p in zip(text, present, strict=True)])
    bad = np.flatnonzero(present & (codes < 0))
    if len(bad):
        known = ", ".join(f"'{c}'" for c in predictor.class_names[:10])
        raise StudioError(
            f"target column '{name}' has '{clip(str(values.iloc[bad[0]]), 30)}' on row "
            f"{bad[0] + first_row}, not a class of the model; its classes are: {known}"
        )
    return codes, present


def evaluate_frame(predictor: Predictor, frame: pd.DataFrame, target: str, *, decimal: str = ".") -> dict[str, Any]:
    """Scores of the model's predictions for ``frame`` against its ``target`` column (sklearn.metrics)."""
    from sklearn import metrics

    if target not in frame.columns:
        raise StudioError(
            f"target column '{clip(target, 40)}' not found; the columns are: "
            + ", ".join(f"'{clip(str(c), 30)}'" for c in frame.columns[:20])
        )
    y, has_target = _targets(predictor, frame[target])
    features = frame.drop(columns=[target])
    result = predictor.predict(features, decimal=decimal)
    used = has_target & result.kept
    if not used.any():
        raise StudioError("no row has both a target value and a prediction")
    out: dict[str, Any] = {
        "task": predictor.task,
        "rows": int(used.sum()),
        "rows_without_target": int((~has_target).sum()),
        "rows_without_prediction": int((has_target & ~result.kept).sum()),
    }
    if predictor.task == "regression":
        true, pred = y[used], result.values[used]
        out["r2"] = float(metrics.r2_score(true, pred)) if len(true) > 1 else None
        out["mae"] = float(metrics.mean_absolute_error(true, pred))
        out["rmse"] = float(np.sqrt(metrics.mean_squared_error(true, pred)))
        return out
    k = len(predictor.class_names)
    labels = list(range(k))
    true = y[used].astype(int)
    proba = result.outputs[used]
    pred = result.class_index[used]
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, pred, labels=labels, zero_division=0
    )
    out["accuracy"] = float(metrics.accuracy_score(true, pred))
    out["per_class"] = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(predictor.class_names)
    }
    clipped = np.clip(proba, 1e-7, 1.0)
    out["log_loss"] = float(
        metrics.log_loss(true, clipped / clipped.sum(axis=1, keepdims=True), labels=labels)
    )
    present = np.unique(true)
    if len(present) < 2:
        out["auc"] = None
    elif k == 2:
        out["auc"] = float(metrics.roc_auc_score(true, proba[:, 1]))
    elif len(present) == k:
        out["auc"] = float(
            metrics.roc_auc_score(true, proba / proba.sum(axis=1, keepdims=True), multi_class="ovr")
        )
    else:
        out["auc"] = None
    out["classes"] = list(predictor.class_names)
    out["confusion_matrix"] = metrics.confusion_matrix(true, pred, labels=labels).tolist()
    return out


def evaluate_csv(model: Predictor | Any, path: str | os.PathLike[str], target: str) -> dict[str, Any]:
    """``evaluate_frame`` over a whole CSV file."""
    predictor = model if isinstance(model, Predictor) else predictor_for_session(model)
    frame, decimal = read_table(path)
    return evaluate_frame(predictor, frame, target, decimal=decimal)


__all__ = [
    "CHUNK_ROWS",
    "PredictionCancelled",
    "PredictionSummary",
    "Predictions",
    "Predictor",
    "RawColumn",
    "encoded_model",
    "evaluate_csv",
    "evaluate_frame",
    "input_names",
    "load_predictor",
    "predict_csv",
    "predict_rows",
    "predictor_for_session",
    "raw_input_model",
    "read_table",
]
