"""Code generation: the script is plain Keras, lint-clean, and rebuilds the studio's run."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from ffnn_studio.core import (
    BuiltinDataSource,
    CsvDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.catalog import DATASETS, HIDDEN_ACTIVATIONS, INITIALIZERS, OPTIMIZERS
from ffnn_studio.engine.codegen.script import generate_script, write_script

keras = pytest.importorskip("keras")

ALLOWED_IMPORTS = {"argparse", "keras", "numpy", "os", "pandas", "sklearn", "tensorflow"}


def load_script(source: str, folder: Path, name: str = "generated") -> ModuleType:
    """Import generated source as a module (its main() does not run)."""
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"_ffnn_generated_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def every_layer_network() -> NetworkSpec:
    """Each hidden activation once, every initializer, L1/L2 mixes, a bias-free layer, dropout."""
    inits = list(INITIALIZERS)
    layers: list = []
    for i, act in enumerate(HIDDEN_ACTIVATIONS):
        alpha = {"leaky_relu": 0.15, "elu": 0.6}.get(act)
        layers.append(
            DenseLayer(
                5 + i,
                act,
                alpha=alpha,
                kernel_initializer=inits[i % len(inits)],
                l1=1e-4 if i % 2 else 0.0,
                l2=1e-3 if i % 3 == 0 else 0.0,
                use_bias=i != 2,
            )
        )
        if i == 1:
            layers.append(DropoutLayer(0.25))
    return NetworkSpec(tuple(layers))


def project_for(data, **training) -> Project:
    return Project(
        name="Generated test",
        description='A "quoted" description with a backslash \\ and """ triple quotes.',
        network=every_layer_network(),
        data=data,
        training=TrainingSettings(**training),
    )


def imported_modules(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[0])
    return names


def write_csv(folder: Path) -> Path:
    """A small CSV with a text target, a categorical feature and missing values."""
    rng = np.random.default_rng(3)
    rows = ["age,income,city,smoker,outcome"]
    cities = ["paris", "berlin", " rome ", ""]
    for i in range(60):
        age = "" if i % 17 == 5 else str(int(rng.integers(18, 80)))
        income = "NA" if i % 13 == 7 else f"{rng.normal(40000, 9000):.2f}"
        city = cities[i % 4]
        smoker = "?" if i % 11 == 3 else ("yes" if i % 3 else "no")
        outcome = ["low", "high", "medium"][i % 3]
        rows.append(f"{age},{income},{city},{smoker},{outcome}")
    path = folder / "people.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------- plain and tidy


def test_the_script_imports_only_plain_libraries() -> None:
    for data in (BuiltinDataSource("spirals"), BuiltinDataSource("iris")):
        source = generate_script(project_for(data))
        assert imported_modules(source) <= ALLOWED_IMPORTS
        assert "ffnn_studio" not in "".join(
            line for line in source.splitlines() if "import" in line
        )


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args], capture_output=True, text=True, timeout=120
    )


def test_generated_scripts_pass_ruff_check_and_format(tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    csv_path = write_csv(tmp_path)
    projects = {
        "synthetic_step": project_for(
            BuiltinDataSource("spirals"), early_stopping=True, loss="mse"
        ),
        "real_multiclass": project_for(
            BuiltinDataSource("digits"), optimizer=OptimizerSpec("momentum", {"nesterov": True})
        ),
        "regression": project_for(
            BuiltinDataSource("multi_gaussian"), loss="mse", optimizer=OptimizerSpec("adagrad")
        ),
        "real_regression": project_for(
            BuiltinDataSource("diabetes"), loss="mse", optimizer=OptimizerSpec("rmsprop")
        ),
        "csv": project_for(
            CsvDataSource(os.fspath(csv_path), "outcome", missing="mean"),
            optimizer=OptimizerSpec("sgd"),
        ),
    }
    folder = tmp_path / "scripts"
    folder.mkdir()
    for name, project in projects.items():
        write_script(project, folder / f"{name}.py")
    # Ruff's default rules, whatever configuration surrounds the file...
    done = _ruff("check", "--isolated", os.fspath(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    # ...a stricter set (the studio's own, with line length 88)...
    done = _ruff(
        "check",
        "--isolated",
        "--select",
        "E,F,W,I,UP,B,SIM,RUF",
        "--ignore",
        "RUF001,RUF002,RUF003",
        "--line-length",
        "88",
        os.fspath(folder),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # ...and laid out the way the formatter would write it.
    done = _ruff("format", "--isolated", "--check", "--diff", os.fspath(folder))
    assert done.returncode == 0, done.stdout + done.stderr


def test_names_and_descriptions_cannot_break_the_source(tmp_path: Path) -> None:
    project = Project(
        name='Ünïcode "name" \\ with """ quotes',
        description="Line one.\nLine two with ''' and \"\"\" inside.",
        network=NetworkSpec((DenseLayer(3, "relu"),)),
        data=BuiltinDataSource("xor"),
    )
    source = generate_script(project)
    ast.parse(source)
    module = load_script(source, tmp_path)
    assert module.__doc__.startswith('Ünïcode "name" \\ with """ quotes')


# --------------------------------------------------------------------- same data


@pytest.mark.parametrize("name", list(DATASETS))
def test_the_script_loads_the_same_data_as_the_studio(name: str, tmp_path: Path) -> None:
    from ffnn_studio.data import load_dataset

    entry = DATASETS[name]
    params = {"n_samples": 123, "noise": 0.37, "seed": 11} if entry.synthetic else {}
    project = Project(
        network=NetworkSpec((DenseLayer(4, "relu"),)),
        data=BuiltinDataSource(name, params),
        training=TrainingSettings(loss="mse" if entry.task == "regression" else "cross_entropy"),
    )
    module = load_script(generate_script(project), tmp_path)
    x, y, feature_names, class_names = module.load_data()
    dataset = load_dataset(project.data)
    np.testing.assert_array_equal(x, dataset.x)
    np.testing.assert_array_equal(y, dataset.y)
    assert x.dtype == dataset.x.dtype and y.dtype == dataset.y.dtype
    assert list(feature_names) == list(dataset.feature_names)
    assert list(class_names) == list(dataset.class_names)


@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_the_script_reads_a_csv_like_the_studio(
    missing: str, tmp_path: Path, keras_registry
) -> None:
    from ffnn_studio.data import load_dataset

    csv_path = write_csv(tmp_path)
    source = CsvDataSource(os.fspath(csv_path), "outcome", missing=missing)
    module = load_script(generate_script(project_for(source)), tmp_path)
    x, y, feature_names, class_names, columns = module.load_data(module.CSV_PATH)
    dataset = load_dataset(source)
    assert list(feature_names) == list(dataset.feature_names)
    assert "city=rome" in feature_names  # stripped, as the studio strips text
    np.testing.assert_allclose(x, dataset.x, rtol=1e-6)
    np.testing.assert_array_equal(y, dataset.y)
    assert list(class_names) == list(dataset.class_names) == ["high", "low", "medium"]
    assert [name for name, _ in columns] == [c.name for c in dataset.input_schema.columns]
    assert dict(columns)["city"] == list(dataset.input_schema.columns[2].categories)


def test_a_csv_script_bakes_in_the_detected_layout(tmp_path: Path) -> None:
    from ffnn_studio.data import load_dataset

    path = tmp_path / "plain.csv"
    path.write_text("1,5;2,0;0\n2,5;1,0;1\n0,5;3,5;0\n3,0;0,5;1\n", encoding="utf-8")
    source = CsvDataSource(os.fspath(path), "column 3", task=Task.BINARY, delimiter=";")
    script = generate_script(
        Project(network=NetworkSpec((DenseLayer(2),)), data=source, training=TrainingSettings()),
        csv_path="data/plain.csv",
    )
    assert 'CSV_PATH = "data/plain.csv"' in script
    assert 'sep=";"' in script and 'decimal=","' in script and "header=None" in script
    module = load_script(script, tmp_path)
    x, y, _, class_names, _ = module.load_data(path)
    dataset = load_dataset(source)
    np.testing.assert_allclose(x, dataset.x)
    np.testing.assert_array_equal(y, dataset.y)
    assert class_names == ["0", "1"]


def test_a_csv_without_a_task_is_read_to_infer_it(tmp_path: Path) -> None:
    csv_path = write_csv(tmp_path)
    script = generate_script(project_for(CsvDataSource(os.fspath(csv_path), "outcome")))
    assert "Task: multiclass" in script
    missing = CsvDataSource(os.fspath(tmp_path / "gone.csv"), "outcome")
    with pytest.raises(StudioError, match="choose the task"):
        generate_script(project_for(missing))
    # With the task given, the file need not exist yet.
    gone = CsvDataSource(os.fspath(tmp_path / "gone.csv"), "y", task=Task.REGRESSION)
    script = generate_script(project_for(gone, loss="mse"))
    assert "Task: regression" in script


# --------------------------------------------------------------------- same network


def _studio_and_script_models(project: Project, task: Task, n_classes: int, tmp_path: Path):
    from ffnn_studio.engine.builder import build_model

    module = load_script(generate_script(project), tmp_path)
    rng = np.random.default_rng(0)
    x = rng.normal(2.0, 3.0, size=(50, 2)).astype(np.float32)
    mean, variance = x.mean(axis=0), x.var(axis=0)
    studio = build_model(
        project, n_features=2, task=task, n_classes=n_classes, mean=mean, variance=variance
    ).model
    normalizer = keras.layers.Normalization(mean=mean, variance=variance, name="scaling")
    script = module.build_model(2, n_classes, normalizer)
    return studio, script, x


def _penalties(config: dict) -> tuple[float, float]:
    """(λ₁, λ₂) of a layer's kernel regularizer; (0, 0) without one."""
    regularizer = config.get("kernel_regularizer")
    if regularizer is None:
        return (0.0, 0.0)
    values = regularizer["config"]
    return (values.get("l1", 0.0), values.get("l2", 0.0))


def test_the_script_builds_the_studios_network(tmp_path: Path, keras_registry) -> None:
    project = project_for(BuiltinDataSource("circle"), seed=7)
    studio, script, x = _studio_and_script_models(project, Task.BINARY, 0, tmp_path)
    assert [type(layer).__name__ for layer in script.layers] == [
        type(layer).__name__ for layer in studio.layers
    ]
    for ours, theirs in zip(script.layers, studio.layers, strict=True):
        assert ours.name == theirs.name
        config, expected = ours.get_config(), theirs.get_config()
        for key in ("units", "use_bias", "negative_slope", "alpha", "rate", "seed"):
            assert config.get(key) == expected.get(key), (ours.name, key)
        assert config.get("kernel_initializer") == expected.get("kernel_initializer")
        # L2(λ) is L1L2(0, λ): compare the penalties, not the class chosen to write them.
        assert _penalties(config) == pytest.approx(_penalties(expected), rel=1e-6), ours.name
        activation = config.get("activation")
        if isinstance(activation, dict):  # the step function, serialized by name
            assert activation["config"] == expected["activation"]["config"] == "ffnn_studio>step"
        else:
            assert activation == expected.get("activation"), ours.name
        # Same initializers with the same seeds: the very same initial weights.
        for w_ours, w_theirs in zip(ours.get_weights(), theirs.get_weights(), strict=True):
            np.testing.assert_array_equal(w_ours, w_theirs)
    np.testing.assert_allclose(script(x), studio(x), atol=1e-6)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_the_script_compiles_the_same_optimizer(optimizer: str, tmp_path: Path) -> None:
    entry = OPTIMIZERS[optimizer]
    # Non-default values, so a default silently used would show.
    params = {
        p.name: (not p.default) if p.kind == "bool" else float(p.default) * 0.5 + 0.01
        for p in entry.params
    }
    project = Project(
        network=NetworkSpec((DenseLayer(3, "tanh"),)),
        data=BuiltinDataSource("gaussians"),
        training=TrainingSettings(optimizer=OptimizerSpec(optimizer, params)),
    )
    studio, script, _ = _studio_and_script_models(project, Task.BINARY, 0, tmp_path)
    ours, theirs = script.optimizer.get_config(), studio.optimizer.get_config()
    ours.pop("name"), theirs.pop("name")
    assert type(script.optimizer) is type(studio.optimizer)
    assert ours == theirs


@pytest.mark.parametrize(
    ("dataset", "task", "n_classes", "loss"),
    [
        ("gaussians", Task.BINARY, 0, "cross_entropy"),
        ("gaussians", Task.BINARY, 0, "mse"),
        ("blobs", Task.MULTICLASS, 3, "cross_entropy"),
        ("blobs", Task.MULTICLASS, 3, "mse"),
        ("plane", Task.REGRESSION, 0, "mse"),
    ],
)
def test_the_script_compiles_the_same_loss_and_metric(
    dataset: str, task: Task, n_classes: int, loss: str, tmp_path: Path
) -> None:
    project = Project(
        network=NetworkSpec((DenseLayer(3, "relu"),)),
        data=BuiltinDataSource(dataset),
        training=TrainingSettings(loss=loss),
    )
    studio, script, _ = _studio_and_script_models(project, task, n_classes, tmp_path)
    assert type(script.loss) is type(studio.loss)
    assert script.layers[-1].units == studio.layers[-1].units
    assert (
        script.layers[-1].get_config()["activation"] == studio.layers[-1].get_config()["activation"]
    )
    metric = {
        (Task.BINARY, "cross_entropy"): "BinaryAccuracy",
        (Task.BINARY, "mse"): "BinaryAccuracy",
        (Task.MULTICLASS, "cross_entropy"): "SparseCategoricalAccuracy",
        (Task.MULTICLASS, "mse"): "CategoricalAccuracy",
        (Task.REGRESSION, "mse"): "MeanAbsoluteError",
    }[(task, loss)]
    assert f"keras.metrics.{metric}(" in generate_script(project)
    assert ("to_categorical" in generate_script(project)) == (
        task is Task.MULTICLASS and loss == "mse"
    )


# --------------------------------------------------------------------- it trains


def _studio_validation_score(project: Project) -> float:
    """Accuracy on the validation part after the studio trains ``project``."""
    from ffnn_studio.data import load_dataset, prepare
    from ffnn_studio.engine.builder import build_model_for, encode_targets

    t = project.training
    data = prepare(load_dataset(project.data), t.validation_fraction, t.seed)
    try:
        from ffnn_studio.engine.training.session import TrainingSession
    except ImportError:  # the session is not there yet: the builder's model, fitted plainly
        TrainingSession = None
    if TrainingSession is not None:
        session = TrainingSession(project, data)
        session.run()
        predictions = session.predict(data.x_val)
    else:
        built = build_model_for(project, data)
        callbacks = []
        if t.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    patience=t.patience, restore_best_weights=t.restore_best_weights
                )
            )
        encode = lambda y: encode_targets(y, data.task, t.loss, data.n_classes)  # noqa: E731
        built.model.fit(
            data.x_train,
            encode(data.y_train),
            validation_data=(data.x_val, encode(data.y_val)),
            epochs=t.epochs,
            batch_size=t.batch_size,
            callbacks=callbacks,
            verbose=0,
        )
        predictions = built.model.predict(data.x_val, verbose=0)
    if data.task is Task.BINARY:
        labels = (np.asarray(predictions).reshape(-1) >= 0.5).astype(int)
    else:
        labels = np.argmax(predictions, axis=1)
    return float(np.mean(labels == data.y_val))


def _run_script(project: Project, folder: Path) -> tuple[float, Path, str]:
    script = write_script(project, folder / "train.py")
    output = folder / "trained.keras"
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, os.fspath(script), os.fspath(output)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = re.search(r"validation\s+loss (\d+\.\d+)\s+accuracy (\d+\.\d+)", done.stdout)
    assert found, done.stdout
    return float(found.group(2)), output, done.stdout


@pytest.mark.parametrize(
    "project",
    [
        Project(
            name="Circle with step units",
            network=NetworkSpec(
                (
                    DenseLayer(16, "leaky_relu", alpha=0.1, l2=1e-4),
                    DropoutLayer(0.1),
                    DenseLayer(8, "step"),
                )
            ),
            data=BuiltinDataSource("circle", {"n_samples": 400}),
            training=TrainingSettings(
                epochs=12,
                optimizer=OptimizerSpec("adam", {"learning_rate": 0.02}),
                early_stopping=True,
                patience=4,
            ),
        ),
        Project(
            name="Iris by squared error",
            network=NetworkSpec(
                (DenseLayer(16, "elu", alpha=0.5, kernel_initializer="he_normal"),)
            ),
            data=BuiltinDataSource("iris"),
            training=TrainingSettings(
                loss="mse",
                epochs=25,
                batch_size=16,
                optimizer=OptimizerSpec("momentum", {"learning_rate": 0.05}),
                seed=3,
            ),
        ),
    ],
    ids=["binary-step", "multiclass-mse"],
)
def test_the_script_trains_as_well_as_the_studio(
    project: Project, tmp_path: Path, keras_registry
) -> None:
    script_score, output, stdout = _run_script(project, tmp_path)
    studio_score = _studio_validation_score(project)
    assert studio_score >= 0.8
    assert script_score >= 0.8, stdout
    assert abs(script_score - studio_score) <= 0.15, (script_score, studio_score)
    assert "Final scores" in stdout and "Saved the trained model" in stdout
    # The saved model is a plain .keras file: it loads and predicts as scored.
    model = keras.models.load_model(output)
    assert model.input_shape[-1] in (2, 4)


def test_a_csv_script_saves_a_model_that_takes_the_csv_s_raw_rows(
    tmp_path: Path, keras_registry
) -> None:
    csv_path = write_csv(tmp_path)
    project = Project(
        name="people",
        network=NetworkSpec((DenseLayer(4, "relu"),)),
        data=CsvDataSource(os.fspath(csv_path), "outcome", missing="mean"),
        training=TrainingSettings(epochs=2),
    )
    script = write_script(project, tmp_path / "train.py")
    output = tmp_path / "trained.keras"
    done = subprocess.run(
        [sys.executable, os.fspath(script), os.fspath(output)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"),
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    module = load_script(script.read_text(), tmp_path)
    x, _, _, _, columns = module.load_data(os.fspath(csv_path))
    model = keras.models.load_model(output)
    assert sorted(model.input) == ["age", "city", "income", "smoker"]
    # The raw rows, decoded back from the one-hot blocks, go in as text.
    raw, at = {}, 0
    for name, categories in columns:
        if categories is None:
            raw[name] = x[:, at : at + 1]
            at += 1
        else:
            block = x[:, at : at + len(categories)]
            raw[name] = np.asarray(categories)[block.argmax(1)].reshape(-1, 1)
            at += len(categories)
    inner = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    np.testing.assert_allclose(np.asarray(model(raw)), np.asarray(inner(x)), atol=1e-6)


def test_the_script_keeps_tensorflows_start_up_lines_off_the_terminal(tmp_path: Path) -> None:
    project = Project(
        name="Quiet",
        network=NetworkSpec((DenseLayer(4, "relu"),)),
        data=BuiltinDataSource("spirals", {"n_samples": 60}),
        training=TrainingSettings(epochs=1, batch_size=30),
    )
    script = write_script(project, tmp_path / "train.py")
    # No TF_CPP_MIN_LOG_LEVEL: the script must be quiet on its own.
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run(
        [sys.executable, os.fspath(script), os.fspath(tmp_path / "quiet.keras")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Final scores" in done.stdout
    assert "cuInit" not in done.stderr and "cuda" not in done.stderr.lower()
    assert done.stderr == "", done.stderr[-3000:]


# --------------------------------------------------------------------- writing


def test_write_script_is_atomic(tmp_path: Path) -> None:
    project = project_for(BuiltinDataSource("xor"))
    path = write_script(project, tmp_path / "train.py")
    text = path.read_text(encoding="utf-8")
    assert "python train.py" in text
    assert text == generate_script(project, script_name="train.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]
    if os.name == "posix":  # readable like any new file, not mkstemp's owner-only 0600
        umask = os.umask(0o022)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(StudioError, match="does not exist"):
        write_script(project, tmp_path / "missing" / "train.py")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.py"]


def test_invalid_projects_are_refused() -> None:
    bad = Project(network=NetworkSpec((DenseLayer(0, "relu"),)), data=BuiltinDataSource("xor"))
    with pytest.raises(StudioError):
        generate_script(bad)


@pytest.mark.parametrize(
    ("source", "loss"),
    [(BuiltinDataSource("iris"), "cross_entropy"), (BuiltinDataSource("plane", {"n_samples": 90}), "mse")],
)
def test_the_script_holds_out_the_studios_test_rows(source, loss, tmp_path: Path) -> None:
    from ffnn_studio.data import load_dataset, prepare

    project = project_for(source, loss=loss, test_fraction=0.2, validation_fraction=0.25, seed=4)
    module = load_script(generate_script(project), tmp_path)
    data = load_dataset(source)
    prepared = prepare(data, 0.25, 4, 0.2)
    # Row numbers as the one feature: the parts show which rows they hold.
    rows = np.arange(data.n_samples)
    x_train, x_val, x_test, _, _, y_test = module.split(rows, data.y)
    np.testing.assert_array_equal(x_test, prepared.test_index)
    np.testing.assert_array_equal(x_val, prepared.val_index)
    np.testing.assert_array_equal(x_train, prepared.train_index)
    np.testing.assert_array_equal(y_test, prepared.y_test)


def test_a_script_with_a_test_part_is_tidy_and_prints_its_test_score(tmp_path: Path) -> None:
    pytest.importorskip("ruff")
    project = project_for(BuiltinDataSource("iris"), test_fraction=0.2, epochs=2)
    script = write_script(project, tmp_path / "train.py")
    for args in (("check", "--isolated", "--line-length", "88", "--select", "E,F,W,I,UP,B,SIM,RUF",
                  "--ignore", "RUF001,RUF002,RUF003"), ("format", "--isolated", "--check", "--diff")):
        done = _ruff(*args, os.fspath(script))
        assert done.returncode == 0, done.stdout + done.stderr
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(
        [sys.executable, os.fspath(script), os.fspath(tmp_path / "m.keras")],
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "90 training rows, 30 validation rows, 30 test rows" in done.stdout
    assert re.search(r"^\s+test\s+loss \d+\.\d+\s+accuracy \d+\.\d+$", done.stdout, re.MULTILINE), done.stdout
