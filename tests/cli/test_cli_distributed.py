"""``train --strategy``, ``--backup-dir`` and ``--stream`` on the command line."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ffnn_studio.cli import main


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["train", "--strategy", "bogus"], "invalid choice"),
        (["train", "P", "--backup-dir", "b"], "--backup-dir goes with --strategy"),
        (["train", "P", "--strategy", "multi-worker"], "TF_CONFIG"),
        (["train", "--stream", "--csv", "d.csv", "--target", "y", "--export", "m.keras"], "--export"),
        (["train", "--stream"], "--stream reads a CSV file"),
    ],
)
def test_strategy_and_stream_mistakes_exit_2(argv, fragment, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TF_CONFIG", raising=False)
    from ffnn_studio.core.examples import default_project_path

    argv = [str(default_project_path()) if a == "P" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_a_bad_tf_config_is_named(tmp_path, monkeypatch, capsys):
    from ffnn_studio.core.examples import default_project_path

    monkeypatch.setenv("TF_CONFIG", "{not json")
    assert main(["train", str(default_project_path()), "--strategy", "multi-worker"]) == 2
    assert "TF_CONFIG is not JSON" in capsys.readouterr().err


def test_stream_trains_a_csv_and_writes_the_history(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 2))
    colour = rng.choice(["red", "blue"], 3000)
    y = ((x[:, 0] + (colour == "red")) > 0.5).astype(int)
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "colour": colour, "y": y}).to_csv(path, index=False)
    history = tmp_path / "h.csv"
    status = main(["train", "--csv", str(path), "--target", "y", "--stream", "--epochs", "3", "--history", str(history)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "3,000 rows, 4 features, task binary" in out
    lines = history.read_text().splitlines()
    assert len(lines) == 4
    losses = [float(line.split(",")[1]) for line in lines[1:]]
    accuracy = [float(line.split(",")[4]) for line in lines[1:]]
    assert losses[-1] < losses[0] and accuracy[-1] > 0.85


def test_a_project_trains_mirrored_from_the_command_line(tmp_path, capsys):
    project = {
        "format": "ffnn-studio-project",
        "schema_version": 2,
        "name": "tiny",
        "data": {"kind": "builtin", "name": "xor", "params": {"n_samples": 200}},
        "network": {"layers": [{"kind": "dense", "units": 8, "activation": "tanh"}]},
        "training": {"loss": "cross_entropy", "optimizer": {"name": "adam"}, "epochs": 3, "batch_size": 32},
    }
    path = tmp_path / "p.ffnn.json"
    path.write_text(json.dumps(project))
    history = tmp_path / "h.csv"
    backup = tmp_path / "backup"
    argv = ["train", str(path), "--strategy", "mirrored", "--backup-dir", str(backup), "--history", str(history)]
    assert main(argv) == 0
    assert "Final scores" in capsys.readouterr().out
    assert len(history.read_text().splitlines()) == 4
    assert not backup.exists()  # a completed run drops its backup
