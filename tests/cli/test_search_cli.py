"""``ffnn-studio search``: headless searches, their messages, and workers sharing one study."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ffnn_studio.cli import main

pytest.importorskip("optuna")

PROJECT = {
    "format": "ffnn-studio-project",
    "schema_version": 2,
    "name": "tiny",
    "data": {"kind": "builtin", "name": "xor", "params": {"n_samples": 100}},
    "network": {"layers": [{"kind": "dense", "units": 8, "activation": "tanh"}]},
    "training": {"loss": "cross_entropy", "optimizer": {"name": "adam"}, "epochs": 2, "batch_size": 32},
}


def write_project(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.ffnn.json"
    path.write_text(json.dumps(PROJECT))
    return path


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ([], "a search needs at least one parameter"),
        (["--param", "lr=1:2"], "unknown search parameter 'lr'"),
        (["--param", "units=8:4"], "the low end 8 must be below the high end 4"),
        (["--param", "learning_rate=1e-3:1e-1"], "give a trial budget or a time budget"),
        (["--param", "learning_rate=1e-3:1e-1", "--sampler", "grid"], "a grid search needs a list of values"),
        (["--param", "units=4,8", "--trials", "0"], "the trial budget must be at least 1"),
        (["--param", "units=4,8", "--trials", "2", "--storage", "ftp://x/y"], "not a database URL"),
        (["--param", "units=4,8", "--sampler", "bayes"], "invalid choice: 'bayes'"),
    ],
)
def test_mistakes_exit_2_with_a_message(extra, fragment, tmp_path, capsys):
    assert main(["search", str(write_project(tmp_path)), *extra]) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err
    assert not (tmp_path / "tiny.search.log").exists()


def test_a_search_prints_its_trials_and_the_best_and_resumes(tmp_path, capsys):
    project = write_project(tmp_path)
    argv = ["search", str(project), "--param", "units=4,8", "--sampler", "grid", "--pruner", "none"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"Best trial \d: validation loss \d\.\d+  units=(4|8)", out), out
    assert "every grid point is tried" not in out and "trial budget is reached" in out
    assert (tmp_path / "tiny.search.log").exists()
    assert main([*argv, "--trials", "3", "--sampler", "random", "--seed", "5", "--pruner", "halving"]) == 0
    out = capsys.readouterr().out
    assert "This run: 1 trial;" in out and "holds 3 complete" in out, out


def test_a_sqlite_storage_url_works_too(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    argv = ["search", str(write_project(tmp_path)), "--param", "learning_rate=1e-3:1e-1:log",
            "--trials", "2", "--storage", url, "--study", "lr", "--quiet"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "holds 2 complete" in out and f"Study stored in {url} (study 'lr')" in out
    assert (tmp_path / "studies.db").exists() and not (tmp_path / "tiny.search.log").exists()


@pytest.mark.multiprocess
def test_two_workers_share_one_study_and_its_budget(tmp_path):
    """Two processes on one journal file run the budget's trials between them, each trial once."""
    project = write_project(tmp_path)
    storage = tmp_path / "shared.search.log"
    budget = 6
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "ffnn_studio", "search", str(project), "--param", "learning_rate=1e-3:1e-1:log",
             "--trials", str(budget), "--sampler", "random", "--seed", str(seed), "--storage", str(storage),
             # No pruner: which trial the median prunes depends on how the workers interleave.
             "--epochs", "2", "--pruner", "none"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=env,
        )
        for seed in (1, 2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    for w, (out, err) in zip(workers, outputs, strict=True):
        assert w.returncode == 0, out + err
    ran = [[int(n) for n in re.findall(r"^trial (\d+) \(", out, re.MULTILINE)] for out, _ in outputs]
    together = sorted(ran[0] + ran[1])
    assert together == list(range(budget)), ran  # every trial number once, none twice, none beyond
    from ffnn_studio.engine.search import load_study

    study = load_study(str(storage))
    assert study is not None
    assert [r.number for r in study.records] == list(range(budget))
    assert all(r.state == "complete" for r in study.records)


def test_a_test_objective_needs_the_projects_test_part(tmp_path, capsys):
    pytest.importorskip("tensorflow")
    path = write_project(tmp_path)
    argv = ["search", str(path), "--param", "units=4,8", "--sampler", "grid", "--objective", "test_loss"]
    assert main(argv) == 2
    assert "a test objective needs a test split: set the test fraction above 0" in capsys.readouterr().err
    assert not (tmp_path / "tiny.search.log").exists()
    with_test = json.loads(json.dumps(PROJECT))
    with_test["training"]["test_fraction"] = 0.2
    path.write_text(json.dumps(with_test))
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert re.search(r"Best trial \d: test loss \d\.\d+  units=(4|8)", out), out
