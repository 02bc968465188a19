"""Using a trained model: raw rows (text columns included) through every export, CSV predictions, scores."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from ffnn_studio.core import (
    CsvDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    TrainingSettings,
)
from ffnn_studio.data import prepare, read_csv_dataset
from ffnn_studio.engine.builder import build_model_for, encode_targets
from ffnn_studio.engine.export.formats import export_session, read_metadata
from ffnn_studio.engine.inference import (
    PredictionCancelled,
    evaluate_csv,
    load_predictor,
    predict_csv,
    predict_rows,
    predictor_for_session,
)

keras = pytest.importorskip("keras")

FILE_NAMES = {
    "keras": "m.keras",
    "savedmodel": "m_folder",
    "tflite": "m.tflite",
    "onnx": "m.onnx",
    "h5": "m.h5",
}


def _write_csv(path: Path, n: int = 120, seed: int = 0, missing: bool = False) -> Path:
    rng = np.random.default_rng(seed)
    size = rng.uniform(0, 10, n).round(2)
    color = rng.choice(["red", "green", "blue"], n)
    kind = np.where((size > 5) ^ (color == "red"), "big", "small")
    frame = pd.DataFrame({"size": size, "color": color, "note": "x", "kind": kind})
    if missing:
        frame.loc[3, "size"] = np.nan
        frame.loc[5, "color"] = np.nan
    frame.to_csv(path, index=False)
    return path


def _session(csv_path: Path, missing: str = "mean", task=None) -> SimpleNamespace:
    source = CsvDataSource(
        path=str(csv_path), target="kind", features=("size", "color"), missing=missing, task=task
    )
    project = Project(
        name="colors",
        network=NetworkSpec((DenseLayer(8, "relu"),)),
        training=TrainingSettings(
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.05}), epochs=3, batch_size=16
        ),
        data=source,
    )
    dataset = read_csv_dataset(source)
    data = prepare(dataset, 0.25, 0)
    built = build_model_for(project, data)
    built.model.fit(
        data.x_train,
        encode_targets(data.y_train, data.task, project.training.loss, data.n_classes),
        epochs=5,
        verbose=0,
    )
    return SimpleNamespace(
        model=built.model, project=project, data=data, running=False, epochs_completed=5
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> SimpleNamespace:
    folder = tmp_path_factory.mktemp("colors")
    session = _session(_write_csv(folder / "train.csv"))
    session.folder = folder
    return session


@pytest.fixture(scope="module")
def exports(trained) -> dict[str, Path]:
    out = {}
    for fmt, name in FILE_NAMES.items():
        result = export_session(trained, trained.folder / name)
        assert result.ok, result.message
        out[fmt] = result.path
    return out


def _rows(n: int = 9, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "extra": np.arange(n),
            "color": rng.choice(["red", "green", "blue"], n),
            "size": rng.uniform(0, 10, n).round(2).astype(str),
        }
    )


def _expected(trained, rows: pd.DataFrame) -> np.ndarray:
    """The live model's outputs for ``rows``, one-hot encoded by hand in feature order."""
    names = trained.data.feature_names
    assert names == ("size", "color=blue", "color=green", "color=red")
    x = np.column_stack(
        [rows["size"].astype(float)] + [(rows["color"] == c).astype(float) for c in ("blue", "green", "red")]
    ).astype(np.float32)
    p = np.asarray(trained.model(x, training=False))[:, 0]
    return np.column_stack([1 - p, p])


def test_the_csv_s_text_column_is_recorded_as_raw_column_with_its_categories(trained) -> None:
    schema = trained.data.dataset.input_schema
    assert schema.column_names == ("size", "color")
    assert schema.columns[1].categories == ("blue", "green", "red")
    assert schema.columns[0].fill == pytest.approx(
        pd.read_csv(trained.folder / "train.csv")["size"].mean(), rel=1e-6
    )


def test_predict_rows_on_a_session_matches_the_model_on_encoded_rows(trained) -> None:
    rows = _rows()
    got = predict_rows(trained, rows)
    np.testing.assert_allclose(got.outputs, _expected(trained, rows), atol=1e-6)
    assert list(got.labels) == [trained.data.class_names[k] for k in _expected(trained, rows).argmax(1)]


@pytest.mark.parametrize("fmt", list(FILE_NAMES))
def test_every_export_format_predicts_raw_rows_with_a_text_column(trained, exports, fmt) -> None:
    rows = _rows()
    got = predict_rows(load_predictor(exports[fmt]), rows)
    np.testing.assert_allclose(got.outputs, _expected(trained, rows), atol=1e-5)


def test_keras_and_savedmodel_exports_take_the_raw_columns_themselves(trained, exports) -> None:
    """Without the studio: text goes in as strings, the encoding is inside the model."""
    rows = _rows()
    expected = _expected(trained, rows)[:, 1:]
    script = textwrap.dedent(
        f"""
        import json, sys, numpy as np
        import keras, tensorflow as tf
        size = np.array({rows["size"].astype(float).tolist()!r}, np.float32).reshape(-1, 1)
        color = np.array({rows["color"].tolist()!r}).reshape(-1, 1)
        m = keras.models.load_model({str(exports["keras"])!r})
        a = np.asarray(m({{"size": size, "color": color}})).tolist()
        fn = tf.saved_model.load({str(exports["savedmodel"])!r}).signatures["serving_default"]
        b = np.asarray(list(fn(size=tf.constant(size), color=tf.constant(color)).values())[0]).tolist()
        print(json.dumps([a, b, "ffnn_studio" in sys.modules]))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    a, b, imported = json.loads(done.stdout.strip().splitlines()[-1])
    assert not imported
    np.testing.assert_allclose(np.array(a), expected, atol=1e-5)
    np.testing.assert_allclose(np.array(b), expected, atol=1e-5)


def test_the_sidecar_states_each_format_s_input_contract(exports) -> None:
    keras_meta = read_metadata(exports["keras"])
    assert keras_meta["schema_version"] == 2
    assert keras_meta["target"] == "kind"
    assert keras_meta["input"]["kind"] == "raw_columns"
    assert [(c["column"], c["dtype"]) for c in keras_meta["input"]["columns"]] == [
        ("size", "float32"),
        ("color", "string"),
    ]
    for fmt in ("tflite", "onnx", "h5"):
        meta = read_metadata(exports[fmt])
        assert meta["input"]["kind"] == "features"
        assert meta["input"]["shape"] == [None, 4]
        assert "one-hot" in meta["input"]["meaning"]
        assert meta["input_columns"]["columns"][1]["categories"] == ["blue", "green", "red"]


def test_predict_csv_writes_the_rows_in_order_with_label_and_probabilities(
    trained, exports, tmp_path: Path
) -> None:
    source = tmp_path / "new.csv"
    rows = _rows(50)
    rows.to_csv(source, index=False)
    fractions: list[float] = []
    summary = predict_csv(
        load_predictor(exports["onnx"]), source, tmp_path / "out.csv", progress=fractions.append, chunk_rows=7
    )
    assert summary.rows == 50 and summary.skipped == 0
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns) == ["extra", "color", "size", "predicted", "P(big)", "P(small)"]
    assert out["extra"].tolist() == list(range(50))
    expected = _expected(trained, rows)
    np.testing.assert_allclose(out[["P(big)", "P(small)"]].to_numpy(), expected, atol=1e-5)
    assert out["predicted"].tolist() == [("big", "small")[k] for k in expected.argmax(1)]
    assert fractions[-1] == 1.0 and len(fractions) > 3


def test_a_cancelled_prediction_keeps_the_previous_output(trained, tmp_path: Path) -> None:
    source = tmp_path / "new.csv"
    _rows(40).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    calls = iter([False, True])
    with pytest.raises(PredictionCancelled):
        predict_csv(trained, source, target, cancelled=lambda: next(calls), chunk_rows=10)
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.csv", "out.csv"]


def test_missing_columns_are_refused_naming_them(trained) -> None:
    with pytest.raises(StudioError, match=r"lacks the model's column 'color'"):
        predict_rows(trained, _rows().drop(columns=["color"]))


def test_text_in_a_numeric_column_names_column_and_row(trained) -> None:
    rows = _rows()
    rows.loc[4, "size"] = "large"
    with pytest.raises(StudioError, match=r"column 'size' must hold numbers, but has 'large' on row 5"):
        predict_rows(trained, rows)


def test_an_unknown_category_names_column_value_and_row(trained) -> None:
    rows = _rows()
    rows.loc[2, "color"] = "purple"
    with pytest.raises(StudioError, match=r"column 'color' has the value 'purple' on row 3.*'blue'"):
        predict_rows(trained, rows)


def test_missing_values_follow_the_training_policy(tmp_path: Path) -> None:
    csv_path = _write_csv(tmp_path / "train.csv", missing=True)
    mean_session = _session(csv_path, missing="mean")
    rows = _rows(4)
    rows.loc[1, "size"] = np.nan
    rows.loc[2, "color"] = np.nan
    got = predict_rows(mean_session, rows)
    assert got.kept.all()
    schema = mean_session.data.dataset.input_schema
    filled = rows.copy()
    filled.loc[1, "size"] = repr(schema.columns[0].fill)
    filled.loc[2, "color"] = "(missing)"
    x = np.column_stack(
        [filled["size"].astype(float)]
        + [(filled["color"] == c).astype(float) for c in schema.columns[1].categories]
    ).astype(np.float32)
    np.testing.assert_allclose(
        got.outputs[:, 1], np.asarray(mean_session.model(x))[:, 0], atol=1e-6
    )

    drop_session = _session(csv_path, missing="drop")
    got = predict_rows(drop_session, rows)
    assert got.kept.tolist() == [True, False, False, True]
    assert np.isnan(got.outputs[1]).all() and list(got.labels)[1] is None


def test_evaluate_scores_with_scikit_learn(trained, tmp_path: Path) -> None:
    from sklearn import metrics

    path = _write_csv(tmp_path / "test.csv", n=60, seed=9)
    scores = evaluate_csv(trained, path, "kind")
    frame = pd.read_csv(path)
    result = predictor_for_session(trained).predict(frame)
    true = (frame["kind"] == "small").astype(int).to_numpy()
    assert scores["accuracy"] == pytest.approx(metrics.accuracy_score(true, result.class_index))
    assert scores["auc"] == pytest.approx(metrics.roc_auc_score(true, result.outputs[:, 1]))
    assert np.array(scores["confusion_matrix"]).sum() == 60
    assert set(scores["per_class"]) == {"big", "small"}
    with pytest.raises(StudioError, match="target column 'nope' not found"):
        evaluate_csv(trained, path, "nope")
    frame.loc[7, "kind"] = "medium"
    frame.to_csv(path, index=False)
    with pytest.raises(StudioError, match="'medium' on row 8, not a class"):
        evaluate_csv(trained, path, "kind")
