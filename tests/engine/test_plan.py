"""The model plan: every catalog choice maps to Keras once, and builder and script agree."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core import (
    BuiltinDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.activation_math import curve_names
from ffnn_studio.core.catalog import (
    ACTIVATIONS,
    BOTH_REGULARIZERS,
    HIDDEN_ACTIVATIONS,
    INITIALIZERS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZERS,
    KerasCall,
)
from ffnn_studio.engine.codegen import generate_script
from ffnn_studio.engine.plan import Call, Custom, Setting, plan_model

keras = pytest.importorskip("keras")

TASK_DATA = {Task.BINARY: ("circle", 0), Task.MULTICLASS: ("blobs", 3), Task.REGRESSION: ("plane", 0)}


def _keras_class(path: str):
    head, *parts = path.split(".")
    assert head == "keras", path
    obj = keras
    for part in parts:
        obj = getattr(obj, part)
    return obj


def _catalog_calls() -> list[tuple[str, KerasCall]]:
    calls = [("both regularizers", BOTH_REGULARIZERS)]
    for table in (ACTIVATIONS, OPTIMIZERS, INITIALIZERS, REGULARIZERS):
        calls += [(e.name, e.keras) for e in table.values() if e.keras is not None]
    for loss in LOSSES.values():
        for task, side in loss.by_task:
            calls += [(f"{loss.name}/{task}", side.keras), (f"{loss.name}/{task} metric", side.metric)]
    return calls


@pytest.mark.parametrize(("owner", "call"), _catalog_calls(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_catalog_keras_class_exists_and_takes_its_keywords(owner: str, call: KerasCall) -> None:
    cls = _keras_class(call.path)
    keywords = set(inspect.signature(cls.__init__).parameters)
    used = {kw for _, kw in call.renamed} | {kw for kw, _ in call.fixed}
    assert used <= keywords, (owner, used - keywords)


def test_every_catalog_choice_has_its_keras_side_and_its_probe() -> None:
    for entry in ACTIVATIONS.values():
        # Either Dense takes it by name, or a layer that carries its parameters applies it.
        assert (entry.keras_name is None) != (entry.keras is None), entry.name
        if entry.params:
            assert entry.keras is not None, entry.name
        assert (entry.probe == "saturated") == (entry.saturation is not None), entry.name
    for table in (OPTIMIZERS, INITIALIZERS, REGULARIZERS):
        assert all(e.keras is not None for e in table.values())
    for task in Task:
        assert LOSSES["mse"].for_task(task.value) is not None
    # The numpy curves the inspector draws cover the same activations.
    assert curve_names() == set(ACTIVATIONS)


def test_the_session_probes_follow_the_catalog() -> None:
    from ffnn_studio.engine.training import session

    assert {"relu", "leaky_relu", "elu", "step"} == session.DEAD_ACTIVATIONS
    assert session.SATURATION == {"sigmoid": (0.5, 0.49), "tanh": (0.0, 0.98)}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_optimizer_hyper_parameter_reaches_keras_under_its_keyword(name: str) -> None:
    from ffnn_studio.engine.builder import make_optimizer

    entry = OPTIMIZERS[name]
    # Values off the defaults and inside the ranges, so a default silently used would show.
    params = {
        p.name: (not p.default) if p.kind == "bool" else float(p.default) * 0.5 + 0.01 for p in entry.params
    }
    training = TrainingSettings(optimizer=OptimizerSpec(name, params))
    optimizer = make_optimizer(training)
    assert type(optimizer) is _keras_class(entry.keras.path)
    config = optimizer.get_config()
    for p in entry.params:
        assert config[entry.keras.keyword(p.name)] == pytest.approx(params[p.name]), (name, p.name)
    plan = plan_model(Project(network=NetworkSpec((DenseLayer(2),)), training=training), Task.BINARY)
    assert all(isinstance(v, Setting) for _, v in plan.optimizer.kwargs)


def test_the_plan_names_the_step_as_a_custom_object() -> None:
    project = Project(network=NetworkSpec((DenseLayer(3, "step"), DenseLayer(3, "leaky_relu", alpha=0.2))))
    plan = plan_model(project, Task.BINARY)
    assert plan.custom_objects == ("ffnn_studio>step",)
    first, second = plan.layers
    assert first.dense.get("activation") == Custom("ffnn_studio>step") and first.activation is None
    assert second.dense.get("activation") is None
    assert isinstance(second.activation, Call) and second.activation.get("negative_slope") == 0.2


# ----------------------------------------------------------- builder and script agree


def _every_choice_network(shift: int) -> NetworkSpec:
    """Every hidden activation, every initializer (rotated by ``shift``), L1, L2, both, dropout."""
    inits = list(INITIALIZERS)
    layers: list = []
    for i, act in enumerate(HIDDEN_ACTIVATIONS):
        alpha = {"leaky_relu": 0.2, "elu": 0.7}.get(act)
        layers.append(
            DenseLayer(
                4 + i,
                act,
                alpha=alpha,
                kernel_initializer=inits[(i + shift) % len(inits)],
                l1=1e-4 if i % 2 else 0.0,
                l2=1e-3 if i % 3 == 0 else 0.0,
                use_bias=i != 1,
            )
        )
        if i == 2:
            layers.append(DropoutLayer(0.3))
    return NetworkSpec(tuple(layers))


def _cases() -> list[tuple[str, Task, str]]:
    """Every optimizer, and every loss on every task it applies to."""
    cases = [(name, Task.BINARY, "cross_entropy") for name in OPTIMIZERS]
    for loss in LOSSES.values():
        cases += [("adam", Task(task), loss.name) for task, _ in loss.by_task]
    return list(dict.fromkeys(cases))


def _script_module(source: str, folder: Path):
    path = folder / "generated.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_ffnn_plan_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("optimizer", "task", "loss"), _cases())
def test_builder_and_generated_script_make_the_same_model(
    optimizer: str, task: Task, loss: str, tmp_path: Path, keras_registry
) -> None:
    from ffnn_studio.engine.builder import build_model

    dataset, n_classes = TASK_DATA[task]
    shift = list(OPTIMIZERS).index(optimizer)
    project = Project(
        name="Same model",
        network=_every_choice_network(shift),
        data=BuiltinDataSource(dataset),
        training=TrainingSettings(loss=loss, optimizer=OptimizerSpec(optimizer), seed=5 + shift),
    )
    module = _script_module(generate_script(project), tmp_path)
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 2.0, size=(20, 2)).astype(np.float32)
    mean, variance = x.mean(axis=0), x.var(axis=0)
    studio = build_model(
        project, n_features=2, task=task, n_classes=n_classes, mean=mean, variance=variance
    ).model
    script = module.build_model(2, n_classes, keras.layers.Normalization(mean=mean, variance=variance, name="scaling"))
    # The whole architecture, layer by layer and argument by argument...
    assert script.get_config() == studio.get_config()
    # ...the optimizer, loss and metric it is compiled with (optimizer names count up)...
    ours, theirs = script.get_compile_config(), studio.get_compile_config()
    ours["optimizer"]["config"].pop("name"), theirs["optimizer"]["config"].pop("name")
    assert ours == theirs
    # ...and, from the same seed, the same initial weights.
    for ours, theirs in zip(script.get_weights(), studio.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
