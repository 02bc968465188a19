"""Learning-rate schedules: Keras's own values in the session's history, the plot's
numpy twin, validation, the generated script, the project file and export."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.config import quick_start_enabled
from ffnn_studio.core.catalog import SCHEDULES
from ffnn_studio.core.project_file import load_project, save_project
from ffnn_studio.core.schedule_math import learning_rates
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    ScheduleSpec,
    Task,
    TrainingSettings,
)
from ffnn_studio.core.validation import validate_training
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.engine.builder import build_model, make_optimizer
from ffnn_studio.engine.codegen import generate_script
from ffnn_studio.engine.schedules import LinearWarmup

CASES = [
    ScheduleSpec("constant", {}, 2),
    ScheduleSpec("step", {"every_epochs": 3, "factor": 0.3}, 0),
    ScheduleSpec("step", {"every_epochs": 2}, 1),
    ScheduleSpec("exponential", {"decay_rate": 0.8}, 0),
    ScheduleSpec("exponential", {}, 3),
    ScheduleSpec("cosine", {"alpha": 0.1}, 0),
    ScheduleSpec("cosine", {}, 2),
]


def _project(schedule: ScheduleSpec, epochs: int = 8, **training) -> Project:
    return Project(
        name="scheduled",
        network=NetworkSpec((DenseLayer(6, "tanh"),)),
        data=BuiltinDataSource("circle", {"n_samples": 80}),
        training=TrainingSettings(
            epochs=epochs,
            batch_size=16,
            optimizer=OptimizerSpec("sgd", {"learning_rate": 0.2}),
            lr_schedule=schedule,
            **training,
        ),
    )


@pytest.mark.parametrize("schedule", CASES, ids=lambda s: f"{s.name}-warm{s.warmup_epochs}")
def test_the_plot_numbers_equal_the_keras_schedule_at_every_step(schedule: ScheduleSpec) -> None:
    spe, epochs = 4, 8
    optimizer = make_optimizer(_project(schedule, epochs).training, steps_per_epoch=spe)
    keras_schedule = optimizer._learning_rate
    steps = np.arange(0, epochs * spe + 6)
    keras_values = np.array([float(keras_schedule(int(t))) for t in steps])
    ours = learning_rates(schedule, 0.2, steps, steps_per_epoch=spe, epochs=epochs)
    np.testing.assert_allclose(ours, keras_values, rtol=1e-5, atol=1e-9)
    # Not a constant in disguise: every case moves the rate somewhere.
    assert keras_values.max() - keras_values.min() > 0.01


def test_a_constant_rate_without_warm_up_stays_a_number() -> None:
    optimizer = make_optimizer(_project(ScheduleSpec()).training, steps_per_epoch=4)
    assert float(optimizer.learning_rate) == pytest.approx(0.2)
    assert not hasattr(optimizer._learning_rate, "get_config") or not isinstance(
        optimizer._learning_rate, LinearWarmup
    )


@pytest.mark.parametrize(
    "schedule",
    [ScheduleSpec("step", {"every_epochs": 2, "factor": 0.5}, 1), ScheduleSpec("cosine", {"alpha": 0.1}, 2)],
    ids=["step-warm1", "cosine-warm2"],
)
def test_the_session_records_the_keras_schedule_of_each_epochs_last_step(schedule) -> None:
    from ffnn_studio.engine.training.session import TrainingSession

    project = _project(schedule, epochs=6)
    session = TrainingSession(project, prepare(load_dataset(project.data), 0.2, 0))
    # A scheduled run skips the numpy quick start (its optimizers know one constant
    # rate): every step runs through Keras's optimizer and its schedule.
    assert session._quick is None
    assert session.run().reason == "completed"
    recorded = session.history.column("learning_rate")
    spe = session.steps_per_epoch
    keras_schedule = session.model.optimizer._learning_rate
    last_steps = np.arange(1, 7) * spe - 1
    expected = [float(keras_schedule(int(t))) for t in last_steps]
    np.testing.assert_allclose(recorded, expected, rtol=1e-6)
    assert len(set(np.round(recorded, 7))) >= 3  # the rate moved over the run
    assert int(session.model.optimizer.iterations.numpy()) == 6 * spe


@pytest.mark.skipif(not quick_start_enabled(), reason="the quick start is switched off")
def test_an_unscheduled_run_keeps_the_quick_start() -> None:
    from ffnn_studio.engine.training.session import TrainingSession

    project = _project(ScheduleSpec(), epochs=1)
    session = TrainingSession(project, prepare(load_dataset(project.data), 0.2, 0))
    assert session._quick is not None


def test_validation_names_an_unknown_schedule_parameter_and_value() -> None:
    bad_name = validate_training(TrainingSettings(lr_schedule=ScheduleSpec("cyclic")), Task.BINARY)
    assert any("'cyclic' is an unknown schedule" in p.message for p in bad_name)
    assert all(name in bad_name[0].message for name in SCHEDULES)
    bad_param = validate_training(
        TrainingSettings(lr_schedule=ScheduleSpec("step", {"gamma": 0.1})), Task.BINARY
    )
    assert [p.where for p in bad_param] == ["Training › schedule › gamma"]
    assert "every_epochs, factor" in bad_param[0].message
    bad_value = validate_training(
        TrainingSettings(lr_schedule=ScheduleSpec("exponential", {"decay_rate": 1.5})), Task.BINARY
    )
    assert len(bad_value) == 1 and "decay_rate" in bad_value[0].where
    assert "1.5" in bad_value[0].message
    assert validate_training(TrainingSettings(lr_schedule=CASES[2]), Task.BINARY) == []


@pytest.mark.parametrize("schedule", CASES, ids=lambda s: f"{s.name}-warm{s.warmup_epochs}")
def test_a_scheduled_project_round_trips_through_its_file(tmp_path: Path, schedule) -> None:
    project = _project(schedule, init_seed=7)
    save_project(project, tmp_path / "p.ffnn")
    loaded = load_project(tmp_path / "p.ffnn")
    assert loaded.training.lr_schedule == schedule
    assert loaded.training.init_seed == 7
    assert loaded == project


def _without_modules(config):
    """A serialized config without the Python module names (the script's class lives elsewhere)."""
    if isinstance(config, dict):
        return {k: _without_modules(v) for k, v in config.items() if k != "module"}
    if isinstance(config, list):
        return [_without_modules(v) for v in config]
    return config


def _script_module(source: str, folder: Path):
    path = folder / "generated_schedule.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("_ffnn_schedule_generated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("schedule", [CASES[2], CASES[6]], ids=["step-warm1", "cosine-warm2"])
def test_the_generated_script_compiles_the_same_schedule(
    tmp_path: Path, schedule, keras_registry
) -> None:
    import keras

    project = _project(schedule)
    source = generate_script(project)
    assert "steps_per_epoch" in source
    module = _script_module(source, tmp_path)
    normalizer = keras.layers.Normalization(mean=[0.0, 0.0], variance=[1.0, 1.0], name="scaling")
    script = module.build_model(2, 2, normalizer, 5)
    studio = build_model(project, n_features=2, task=Task.BINARY, n_classes=2, steps_per_epoch=5).model
    ours, theirs = script.get_compile_config(), studio.get_compile_config()
    ours["optimizer"]["config"].pop("name"), theirs["optimizer"]["config"].pop("name")
    assert _without_modules(ours) == _without_modules(theirs)
    for t in (0, 3, 7, 22, 60):
        assert float(script.optimizer._learning_rate(t)) == pytest.approx(
            float(studio.optimizer._learning_rate(t)), rel=1e-6
        )


@pytest.mark.parametrize("schedule", [CASES[2], CASES[5]], ids=["step-warm1", "cosine"])
def test_an_exported_keras_file_keeps_the_schedule(tmp_path: Path, schedule) -> None:
    import keras

    from ffnn_studio.engine.export.formats import export_model

    project = _project(schedule)
    built = build_model(project, n_features=2, task=Task.BINARY, n_classes=2, steps_per_epoch=5)
    x = np.random.default_rng(0).normal(size=(32, 2)).astype(np.float32)
    built.model.fit(x, (x[:, :1] > 0).astype(np.float32), epochs=1, verbose=0)
    result = export_model(built.model, tmp_path / "m.keras", "keras", sample_x=x)
    assert result.needs_import == (schedule.warmup_epochs > 0)
    loaded = keras.models.load_model(tmp_path / "m.keras")  # compile=True: the optimizer too
    theirs, ours = loaded.optimizer._learning_rate, built.model.optimizer._learning_rate
    assert type(theirs) is type(ours)
    assert theirs.get_config() == ours.get_config()
    for t in (0, 4, 9, 30):
        assert float(theirs(t)) == pytest.approx(float(ours(t)), rel=1e-6)
