"""``train --folds K`` and ``lr-find`` on the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ffnn_studio.cli import main

PROJECT = {
    "format": "ffnn-studio-project",
    "schema_version": 2,
    "name": "tiny",
    "data": {"kind": "builtin", "name": "gaussians", "params": {"n_samples": 90}},
    "network": {"layers": [{"kind": "dense", "units": 8, "activation": "tanh"}]},
    "training": {"loss": "cross_entropy", "optimizer": {"name": "adam"}, "epochs": 2, "batch_size": 16},
}


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "p.ffnn.json"
    path.write_text(json.dumps(PROJECT))
    return path


def test_train_with_folds_prints_each_fold_and_mean_std(tmp_path, capsys) -> None:
    history = tmp_path / "folds.csv"
    assert main(["train", str(_write(tmp_path)), "--folds", "3", "--history", str(history)]) == 0
    out = capsys.readouterr().out
    assert [line.split(":")[0] for line in out.splitlines() if line.startswith("fold ")] == [
        "fold 1/3",
        "fold 2/3",
        "fold 3/3",
    ]
    assert "3-fold stratified cross-validation" in out
    assert "Mean ± std over 3 folds: val_loss" in out and "val_accuracy" in out
    rows = list(csv.DictReader(history.open()))
    assert [r["fold"] for r in rows] == ["1", "1", "2", "2", "3", "3"]


@pytest.mark.parametrize(
    ("extra", "fragment"), [(["--folds", "1"], "from 2 to 20"), (["--folds", "3", "--export", "m.keras"], "--export")]
)
def test_bad_fold_options_exit_2(tmp_path, capsys, extra, fragment) -> None:
    assert main(["train", str(_write(tmp_path)), *extra]) == 2
    assert fragment in capsys.readouterr().err


def test_lr_find_prints_a_suggestion_and_writes_the_curve(tmp_path, capsys) -> None:
    curve = tmp_path / "curve.csv"
    assert main(["lr-find", str(_write(tmp_path)), "--csv", str(curve), "--steps", "60"]) == 0
    out = capsys.readouterr().out
    assert "Suggested learning rate:" in out and "the project uses 0.001" in out
    rows = list(csv.DictReader(curve.open()))
    assert 10 < len(rows) <= 60
    assert float(rows[0]["learning_rate"]) == pytest.approx(1e-6)
    suggested = float(out.split("Suggested learning rate: ")[1].split()[0])
    assert min(float(r["learning_rate"]) for r in rows) < suggested < 1.0
