"""``ffnn-studio predict`` and ``evaluate`` on exported models with a text column."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ffnn_studio.cli import main

pytest.importorskip("keras")

from ffnn_studio.engine.export.formats import export_session
from ffnn_studio.engine.inference import load_predictor
from tests.engine.test_inference import _rows, _session, _write_csv


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    session = _session(_write_csv(folder / "train.csv"))
    out = {"folder": folder}
    for fmt, name in (("keras", "m.keras"), ("savedmodel", "m_saved"), ("onnx", "m.onnx")):
        result = export_session(session, folder / name)
        assert result.ok, result.message
        out[fmt] = result.path
    return out


@pytest.mark.parametrize("fmt", ["keras", "savedmodel", "onnx"])
def test_predict_writes_the_model_s_own_outputs(exported, fmt, tmp_path: Path, capsys) -> None:
    source = tmp_path / "rows.csv"
    rows = _rows(30)
    rows.to_csv(source, index=False)
    target = tmp_path / "out.csv"
    assert main(["predict", str(exported[fmt]), str(source), "-o", str(target)]) == 0
    assert "wrote 30 rows" in capsys.readouterr().err
    out = pd.read_csv(target)
    expected = load_predictor(exported["onnx"]).predict(rows)
    np.testing.assert_allclose(out[["P(big)", "P(small)"]].to_numpy(), expected.outputs, atol=1e-5)
    assert out["predicted"].tolist() == list(expected.labels)
    assert out["color"].tolist() == rows["color"].tolist()


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: f.drop(columns=["size"]), "lacks the model's column 'size'"),
        (lambda f: f.assign(color=["teal", *f["color"][1:]]), "'teal' on row 1"),
        (lambda f: f.assign(size=[*f["size"][:3], "n/a?", *f["size"][4:]]), "row 4"),
    ],
)
def test_bad_input_exits_2_naming_the_column_or_row(
    exported, change, fragment, tmp_path: Path, capsys
) -> None:
    source = tmp_path / "rows.csv"
    change(_rows(10)).to_csv(source, index=False)
    target = tmp_path / "out.csv"
    assert main(["predict", str(exported["keras"]), str(source), "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.csv"]


def test_a_model_without_metadata_is_refused(tmp_path: Path, capsys) -> None:
    model = tmp_path / "plain.onnx"
    model.write_bytes(b"not a model")
    source = tmp_path / "rows.csv"
    _rows(3).to_csv(source, index=False)
    assert main(["predict", str(model), str(source), "-o", str(tmp_path / "o.csv")]) == 2
    assert "no FFNN Studio metadata" in capsys.readouterr().err


def test_evaluate_prints_scores_and_the_confusion_matrix(exported, tmp_path: Path, capsys) -> None:
    data = _write_csv(tmp_path / "test.csv", n=50, seed=4)
    assert main(["evaluate", str(exported["savedmodel"]), str(data), "--target", "kind", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["rows"] == 50
    assert 0.0 <= scores["accuracy"] <= 1.0
    assert np.array(scores["confusion_matrix"]).shape == (2, 2)
    assert sum(map(sum, scores["confusion_matrix"])) == 50
    assert main(["evaluate", str(exported["keras"]), str(data), "--target", "kind"]) == 0
    text = capsys.readouterr().out
    assert f"accuracy: {scores['accuracy']:.4f}" in text
    assert "confusion matrix" in text and "precision" in text
    assert main(["evaluate", str(exported["keras"]), str(data), "--target", "kinds"]) == 2
    assert "target column 'kinds' not found" in capsys.readouterr().err
