from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    StudioError,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.catalog import HIDDEN_ACTIVATIONS, OPTIMIZERS
from ffnn_studio.engine.builder import build_model, encode_targets

keras = pytest.importorskip("keras")


def all_activations_network() -> NetworkSpec:
    layers = []
    for i, act in enumerate(HIDDEN_ACTIVATIONS):
        layers.append(DenseLayer(6, act, l1=1e-4 if i % 2 else 0.0, l2=1e-3 if i % 3 == 0 else 0.0))
        if i == 2:
            layers.append(DropoutLayer(0.1))
    return NetworkSpec(tuple(layers))


def toy_data(task: Task, n: int = 64, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    if task is Task.BINARY:
        y = (x[:, 0] + x[:, 1] > 0).astype(np.int32)
    elif task is Task.MULTICLASS:
        y = np.digitize(x[:, 0], [-0.5, 0.5]).astype(np.int32)
    else:
        y = (x[:, 0] * 2 - x[:, 2]).astype(np.float32)
    return x, y


TASK_LOSSES = [
    (Task.BINARY, "cross_entropy"),
    (Task.BINARY, "mse"),
    (Task.MULTICLASS, "cross_entropy"),
    (Task.MULTICLASS, "mse"),
    (Task.REGRESSION, "mse"),
]


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(("task", "loss"), TASK_LOSSES)
def test_every_activation_optimizer_and_loss_trains_a_step(optimizer: str, task: Task, loss: str) -> None:
    project = Project(
        network=all_activations_network(),
        training=TrainingSettings(loss=loss, optimizer=OptimizerSpec(optimizer), seed=1),
    )
    n_classes = 3 if task is Task.MULTICLASS else (2 if task is Task.BINARY else 0)
    built = build_model(project, n_features=3, task=task, n_classes=n_classes)
    model = built.model
    x, y = toy_data(task)
    before = [w.numpy().copy() for w in model.trainable_weights]
    logs = model.train_on_batch(x, encode_targets(y, task, loss, n_classes), return_dict=True)
    assert np.isfinite(logs["loss"])
    after = [w.numpy() for w in model.trainable_weights]
    # Every Dense kernel moved, including the ones below the step layer.
    moved = [not np.allclose(a, b) for a, b in zip(before, after, strict=True)]
    assert sum(moved) >= len(HIDDEN_ACTIVATIONS), moved
    assert [b.info.activation for b in built.blocks[:-1]] == list(HIDDEN_ACTIVATIONS)
    out = model.predict(x[:4], verbose=0)
    assert out.shape == (4, 3 if task is Task.MULTICLASS else 1)
    if task is Task.MULTICLASS:
        np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_optimizer_hyper_parameters_map_one_to_one() -> None:
    from ffnn_studio.engine.builder import make_optimizer

    opt = make_optimizer(
        TrainingSettings(optimizer=OptimizerSpec("rmsprop", {"learning_rate": 0.02, "rho": 0.8, "momentum": 0.5}))
    )
    assert isinstance(opt, keras.optimizers.RMSprop)
    assert (float(opt.learning_rate), opt.rho, opt.momentum) == pytest.approx((0.02, 0.8, 0.5))
    opt = make_optimizer(TrainingSettings(optimizer=OptimizerSpec("momentum", {"nesterov": True})))
    assert isinstance(opt, keras.optimizers.SGD) and opt.nesterov and opt.momentum == pytest.approx(0.9)
    opt = make_optimizer(TrainingSettings(optimizer=OptimizerSpec("adagrad", {"initial_accumulator_value": 0.3})))
    assert opt.initial_accumulator_value == pytest.approx(0.3)
    opt = make_optimizer(TrainingSettings(optimizer=OptimizerSpec("adam", {"beta_1": 0.8, "beta_2": 0.99})))
    assert (opt.beta_1, opt.beta_2) == pytest.approx((0.8, 0.99))


def test_alpha_reaches_keras() -> None:
    project = Project(network=NetworkSpec((DenseLayer(4, "leaky_relu", alpha=0.25), DenseLayer(4, "elu", alpha=0.5))))
    model = build_model(project, n_features=2, task=Task.BINARY, n_classes=2).model
    assert model.get_layer("dense_1_act").negative_slope == pytest.approx(0.25)
    assert model.get_layer("dense_2_act").alpha == pytest.approx(0.5)


def test_invalid_network_is_refused_before_keras() -> None:
    with pytest.raises(StudioError, match="no Dense layer"):
        build_model(Project(), n_features=2, task=Task.BINARY)


def test_step_units_learn_a_linearly_separable_problem() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    y = (x[:, 0] - 0.5 * x[:, 1] > 0.2).astype(np.int32)
    project = Project(
        network=NetworkSpec((DenseLayer(8, "step"),)),
        training=TrainingSettings(optimizer=OptimizerSpec("adam", {"learning_rate": 0.05}), seed=0),
    )
    model = build_model(project, n_features=2, task=Task.BINARY, n_classes=2).model
    target = encode_targets(y, Task.BINARY, "cross_entropy", 2)
    first = model.evaluate(x, target, verbose=0, return_dict=True)["accuracy"]
    model.fit(x, target, epochs=30, batch_size=32, verbose=0)
    acc = model.evaluate(x, target, verbose=0, return_dict=True)["accuracy"]
    assert acc >= 0.95 and acc > first
    hidden = keras.Model(model.inputs, model.get_layer("dense_1").output).predict_on_batch(x[:50])
    assert set(np.unique(hidden)) <= {0.0, 1.0}


def test_saved_model_with_step_loads_after_the_documented_import(tmp_path: Path) -> None:
    project = Project(network=NetworkSpec((DenseLayer(5, "step"), DenseLayer(3, "leaky_relu"))))
    model = build_model(project, n_features=2, task=Task.BINARY, n_classes=2, mean=np.array([1.0, 2.0]), variance=np.array([4.0, 9.0])).model
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    path = tmp_path / "m.keras"
    model.save(path)
    np.save(tmp_path / "x.npy", x)
    code = (
        "import sys, numpy as np, keras\n"
        "import ffnn_studio.engine.activations\n"
        f"m = keras.models.load_model({str(path)!r})\n"
        f"np.save({str(tmp_path / 'y.npy')!r}, m.predict(np.load({str(tmp_path / 'x.npy')!r}), verbose=0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), model.predict(x, verbose=0), atol=1e-6)

    # Without it the step is unknown: the registration is explicit, not a side effect
    # of importing the package.
    code = (
        "import keras, ffnn_studio\n"
        f"keras.models.load_model({str(path)!r})\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode != 0 and "step" in done.stderr


def test_importing_the_package_is_cheap() -> None:
    code = (
        "import sys, ffnn_studio\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'PySide6') if m in sys.modules)\n"
        "hooks = [f for f in sys.meta_path if type(f).__module__.startswith('ffnn_studio')]\n"
        "print('HEAVY', heavy, 'HOOKS', len(hooks))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "HEAVY [] HOOKS 0" in done.stdout


def test_builder_and_script_name_the_model_alike() -> None:
    """The built model and the generated script's model carry the same name."""
    from ffnn_studio.engine.codegen.script import generate_script

    project = Project(name="Two spirals", network=NetworkSpec((DenseLayer(3, "relu"),)))
    model = build_model(project, n_features=2, task=Task.BINARY, n_classes=2).model
    assert model.name == "two_spirals"
    (line,) = [ln for ln in generate_script(project).splitlines() if "keras.Model(" in ln]
    assert "two_spirals" in line
