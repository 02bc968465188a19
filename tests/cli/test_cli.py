from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.cli import main
from ffnn_studio.core.catalog import DATASETS
from ffnn_studio.core.examples import default_project_path, example_path
from ffnn_studio.core.project_file import project_to_dict

PROJECT = {
    "format": "ffnn-studio-project",
    "schema_version": 1,
    "name": "tiny",
    "data": {"kind": "builtin", "name": "xor", "params": {"n_samples": 200}},
    "network": {"layers": [{"kind": "dense", "units": 8, "activation": "tanh"}]},
    "training": {"loss": "cross_entropy", "optimizer": {"name": "adam"}, "epochs": 2, "batch_size": 32},
}


def write(tmp_path: Path, doc: dict, name: str = "p.ffnn.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_datasets_lists_every_data_set(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in DATASETS:
        assert re.search(rf"^{name}\s", out, re.MULTILINE), name


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["train"], "name a project file"),
        (["train", "missing.ffnn.json"], "project file not found"),
        (["train", "--bogus"], "unrecognized arguments"),
        (["train", "--csv", "x.csv"], "--csv needs --target"),
        (["train", "--target", "y"], "--target goes with --csv"),
        (["export", "model.bin", "out.onnx"], "export reads a trained .keras model"),
        (["--train-epochs", "3"], "--train-epochs goes with --screenshot"),
        (["--size", "1280x800"], "--size goes with --screenshot"),
        (["--screenshot", "x.png", "--size", "big"], "'big' is not a window size"),
    ],
)
def test_usage_errors_exit_2_with_a_message(argv, fragment, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err
    assert "Traceback" not in err


def test_train_prints_the_test_scores_of_a_project_with_a_test_part(tmp_path, capsys) -> None:
    doc = json.loads(json.dumps(PROJECT))
    doc["schema_version"] = 2
    doc["training"]["test_fraction"] = 0.25
    assert main(["train", str(write(tmp_path, doc)), "--epochs", "2"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("Test scores:"))
    scores = dict(re.findall(r"(\w+) (-?[\d.]+)", line.removeprefix("Test scores:")))
    assert {"loss", "accuracy", "roc_auc"} <= set(scores) and 0 <= float(scores["accuracy"]) <= 1
    assert main(["train", str(write(tmp_path, PROJECT)), "--epochs", "1"]) == 0
    assert "Test scores:" not in capsys.readouterr().out


def test_bad_project_file_exits_2_naming_the_field(tmp_path, capsys) -> None:
    doc = json.loads(json.dumps(PROJECT))
    doc["network"]["layers"][0]["units"] = 0
    assert main(["train", str(write(tmp_path, doc))]) == 2
    err = capsys.readouterr().err
    assert "Layer 1 (Dense) › units" in err
    doc["network"]["layers"][0]["colour"] = "red"
    assert main(["train", str(write(tmp_path, doc))]) == 2
    assert "$.network.layers[0].colour" in capsys.readouterr().err


def test_process_exit_status_and_no_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.ffnn.json"
    bad.write_text("{ not json")
    proc = subprocess.run(
        [sys.executable, "-m", "ffnn_studio", "train", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "not valid JSON" in proc.stderr and "Traceback" not in proc.stderr


def test_train_prints_progress_and_writes_history(tmp_path, capsys) -> None:
    history = tmp_path / "h.csv"
    assert main(["train", str(write(tmp_path, PROJECT)), "--epochs", "3", "--history", str(history)]) == 0
    out = capsys.readouterr().out
    assert "Final scores:" in out and "val_accuracy" in out
    assert re.search(r"epoch\s+3/3", out)
    lines = history.read_text().strip().splitlines()
    assert len(lines) == 4  # header + 3 epochs


def test_default_project_is_an_example() -> None:
    assert default_project_path().exists()
    assert default_project_path() == example_path("spirals")


@pytest.mark.slow
def test_spirals_reach_095_and_the_export_reloads_in_plain_keras(tmp_path) -> None:
    model_path = tmp_path / "m.keras"
    proc = subprocess.run(
        [sys.executable, "-m", "ffnn_studio", "train", str(default_project_path()),
         "--epochs", "30", "--export", str(model_path), "--quiet"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    val_acc = float(re.search(r"val_accuracy (\d\.\d+)", proc.stdout).group(1))
    assert val_acc >= 0.95, proc.stdout
    assert model_path.exists()
    # The export reloaded the file and compared it with the trained model.
    assert "predictions match" in proc.stdout, proc.stdout
    # The studio's own predictions on a sample, then a plain Keras session's.
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.data import load_dataset

    x = load_dataset(load_project(default_project_path()).data).x[:64]
    np.save(tmp_path / "x.npy", x)
    code = (
        "import numpy as np, keras\n"
        "m = keras.models.load_model('m.keras')\n"
        "np.save('plain.npy', m.predict(np.load('x.npy'), verbose=0))\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path, capture_output=True)
    import keras

    studio = keras.models.load_model(model_path).predict(x, verbose=0)
    np.testing.assert_allclose(np.load(tmp_path / "plain.npy"), studio, atol=1e-6)
    assert project_to_dict(load_project(default_project_path()))["network"]["layers"]


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_data_set_trains_from_the_cli(name, tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FFNN_STUDIO_XLA", "0")  # one epoch: compiling would dominate
    entry = DATASETS[name]
    doc = json.loads(json.dumps(PROJECT))
    doc["data"] = {"kind": "builtin", "name": name, "params": {"n_samples": 100} if entry.synthetic else {}}
    doc["training"]["loss"] = "mse" if entry.task == "regression" else "cross_entropy"
    assert main(["train", str(write(tmp_path, doc)), "--epochs", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    metric = "mae" if entry.task == "regression" else "accuracy"
    assert re.search(rf"val_{metric} \d", out), out


def test_csv_on_the_command_line_picks_the_loss_from_the_task(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("FFNN_STUDIO_XLA", "0")
    files = Path(__file__).parents[1] / "data" / "files"
    args = ["train", "--csv", str(files / "regression.csv"), "--target", "price", "--epochs", "2"]
    assert main([*args, "--quiet"]) == 0
    assert "val_mae" in capsys.readouterr().out
    assert main(["train", "--csv", str(files / "flowers.csv"), "--target", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


def test_a_model_exported_from_a_csv_run_takes_raw_csv_rows(tmp_path) -> None:
    """The exported file (ONNX, no studio code) gives the studio's predictions on raw rows."""
    import pandas as pd

    from ffnn_studio.core.spec import CsvDataSource
    from ffnn_studio.data import load_dataset, prepare
    from ffnn_studio.engine.export.formats import export_session
    from ffnn_studio.engine.training.session import TrainingSession

    csv = Path(__file__).parents[1] / "data" / "files" / "flowers.csv"
    doc = json.loads(json.dumps(PROJECT))
    doc["data"] = {"kind": "csv", "path": str(csv), "target": "species"}
    project = load_project_from(tmp_path, doc)
    prepared = prepare(load_dataset(project.data), 0.25, 0)
    session = TrainingSession(project, prepared)
    assert session.run(5).reason == "completed"
    result = export_session(session, tmp_path / "flowers.onnx", "onnx")
    assert result.ok, result.message

    raw = pd.read_csv(csv)
    features = raw.drop(columns=["species"]).to_numpy(np.float32)
    code = (
        "import sys, numpy as np, onnxruntime as ort\n"
        "s = ort.InferenceSession(sys.argv[1])\n"
        "x = np.load(sys.argv[2])\n"
        "np.save(sys.argv[3], s.run(None, {s.get_inputs()[0].name: x})[0])\n"
        "assert 'ffnn_studio' not in sys.modules\n"
    )
    np.save(tmp_path / "x.npy", features)
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "flowers.onnx"), str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
        check=True,
        cwd=tmp_path,
    )
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), session.predict(features), atol=1e-5)
    assert isinstance(project.data, CsvDataSource)


def load_project_from(tmp_path: Path, doc: dict):
    from ffnn_studio.core.project_file import load_project

    return load_project(write(tmp_path, doc, "csv.ffnn.json"))


def test_a_csv_on_the_command_line_names_the_project_unless_its_file_did(tmp_path) -> None:
    import argparse

    from ffnn_studio.cli import _load_for_training

    csv = Path(__file__).parents[1] / "data" / "files" / "flowers.csv"
    ns = argparse.Namespace(project=None, csv=str(csv), target="species", epochs=None, seed=None)
    assert _load_for_training(ns).name == "Flowers"
    mine = json.loads(default_project_path().read_text())
    mine["name"] = "My study"
    path = tmp_path / "mine.ffnn.json"
    path.write_text(json.dumps(mine))
    ns.project = str(path)
    project = _load_for_training(ns)
    assert project.name == "My study" and project.data.target == "species"


def test_an_added_optimizer_trains_exports_and_scripts_from_the_cli(tmp_path, capsys) -> None:
    """Nadam, added as one catalog entry, reaches the project file, training, export and script."""
    doc = json.loads(json.dumps(PROJECT))
    doc["training"]["optimizer"] = {"name": "nadam", "params": {"learning_rate": 0.02, "beta_2": 0.99}}
    project = write(tmp_path, doc)
    model_path = tmp_path / "m.keras"
    assert main(["train", str(project), "--export", str(model_path), "--quiet"]) == 0
    assert "predictions match" in capsys.readouterr().out
    import keras

    optimizer = keras.models.load_model(model_path).optimizer
    assert isinstance(optimizer, keras.optimizers.Nadam)
    assert (float(optimizer.learning_rate), optimizer.beta_2) == pytest.approx((0.02, 0.99))

    script = tmp_path / "train.py"
    assert main(["export", str(project), str(script), "--format", "script"]) == 0
    source = script.read_text(encoding="utf-8")
    assert "return keras.optimizers.Nadam(" in source and "BETA_2 = 0.99" in source
    done = subprocess.run(
        [sys.executable, str(script), "scripted.keras"], capture_output=True, text=True, cwd=tmp_path, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"Epoch 2/2", done.stdout), done.stdout
    scripted = keras.models.load_model(tmp_path / "scripted.keras").optimizer
    assert isinstance(scripted, keras.optimizers.Nadam) and scripted.beta_2 == pytest.approx(0.99)

    doc["training"]["optimizer"]["params"]["beta_1"] = 1.0
    assert main(["train", str(write(tmp_path, doc, "bad.ffnn.json"))]) == 2
    assert "beta_1" in capsys.readouterr().err


# ------------------------------------------------------------------ robustness

_CHECK_BEFORE_TF = """
import json, sys
from ffnn_studio.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    rc = main(argv)
    results.append([rc, "tensorflow" in sys.modules])
    if results[-1][1]:
        break
print(json.dumps(results))
"""


def test_mistakes_are_refused_before_tensorflow_is_imported(tmp_path: Path) -> None:
    project = str(write(tmp_path, PROJECT))
    dup = tmp_path / "dup.csv"
    dup.write_text("a,y,y\n" + "".join(f"{i},{i % 2},{i % 2}\n" for i in range(40)))
    (tmp_path / "bad.keras").write_bytes(b"not a zip archive")
    huge = str(10**400)
    cases = [
        (["train", project, "--epochs", "0"], "epochs: must be in [1, 100 000], got 0"),
        (["train", project, "--epochs", "-1"], "got -1"),
        (["train", project, "--epochs", huge], "about 401 digits"),
        (["train", project, "--seed", huge], "seed: must be in"),
        (["train", "--csv", str(dup), "--target", "y"], "both named 'y'"),
        (["train", project, "--export", str(tmp_path / "nope" / "m.onnx")], "does not exist"),
        (["train", project, "--history", str(tmp_path / "nope" / "h.csv")], "does not exist"),
        (["export", str(tmp_path / "bad.keras"), str(tmp_path / "m.onnx")], "is not a Keras model"),
        (["export", project, str(tmp_path / "m.onnx"), "--epochs", "0"], "got 0"),
    ]
    proc = subprocess.run(
        [sys.executable, "-c", _CHECK_BEFORE_TF, json.dumps([argv for argv, _ in cases])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    assert results == [[2, False]] * len(cases), (results, proc.stderr[-2000:])
    for _, fragment in cases:
        assert fragment in proc.stderr
    assert "Traceback" not in proc.stderr and "Warning" not in proc.stderr


def _train_until_first_epoch(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    import threading

    doc = json.loads(json.dumps(PROJECT))
    doc["training"]["epochs"] = 100_000
    project = write(tmp_path, doc)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ffnn_studio", "train", str(project), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    watchdog = threading.Timer(240, proc.kill)  # never hang the suite
    watchdog.daemon = True
    watchdog.start()
    for line in proc.stdout:  # type: ignore[union-attr]
        if re.match(r"epoch\s+1/", line):
            return proc
    pytest.fail(f"no first epoch line; stderr: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]


def test_sigterm_stops_training_keeps_the_history_and_exits_143(tmp_path: Path) -> None:
    import signal

    proc = _train_until_first_epoch(tmp_path, "--history", "h.csv", "--export", "m.keras")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err[-2000:]
    assert "terminated" in err and "Traceback" not in err
    assert "Finished (stopped)" in out and "Not exported" in out
    assert (tmp_path / "h.csv").read_text().startswith("epoch")
    assert not (tmp_path / "m.keras").exists()


def test_ctrl_c_stops_training_prints_the_scores_and_exits_130(tmp_path: Path) -> None:
    import signal

    proc = _train_until_first_epoch(tmp_path)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted: stopping" in err and "Traceback" not in err
    assert "Finished (stopped)" in out and "Final scores" in out


def test_a_second_ctrl_c_ends_at_once_with_a_line_and_exit_130(tmp_path: Path) -> None:
    import signal

    proc = _train_until_first_epoch(tmp_path)
    proc.send_signal(signal.SIGINT)
    for line in proc.stderr:  # type: ignore[union-attr]
        if "stopping" in line:
            break
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
