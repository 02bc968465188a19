"""Schema version 2: what a version-1 file becomes, and the new training settings' round trip."""

from __future__ import annotations

import json

import pytest

from ffnn_studio.core import StudioError, TrainingSettings
from ffnn_studio.core.project_file import SCHEMA_VERSION, dumps, loads, project_to_dict
from ffnn_studio.core.spec import Project, ScheduleSpec
from ffnn_studio.core.validation import validate_training

V1_FILE = {
    "format": "ffnn-studio-project",
    "schema_version": 1,
    "name": "Old",
    "data": {"kind": "builtin", "name": "circle", "params": {}},
    "network": {"layers": [{"kind": "dense", "units": 4, "activation": "relu"}]},
    "training": {
        "loss": "cross_entropy",
        "optimizer": {"name": "sgd", "params": {"learning_rate": 0.1}},
        "epochs": 12,
        "batch_size": 16,
        "validation_fraction": 0.25,
        "seed": 5,
        "early_stopping": True,
        "patience": 3,
        "restore_best_weights": False,
    },
}


def test_a_version_1_file_opens_with_the_defaults_of_the_new_settings() -> None:
    training = loads(json.dumps(V1_FILE)).training
    assert (training.epochs, training.batch_size, training.seed) == (12, 16, 5)
    assert training.validation_fraction == 0.25
    assert training.test_fraction == 0.0
    assert training.init_seed is None
    assert training.weights_seed == 5
    assert training.lr_schedule == ScheduleSpec()
    assert training.strategy == "default"


def test_a_version_1_file_is_saved_as_the_current_version() -> None:
    saved = json.loads(dumps(loads(json.dumps(V1_FILE))))
    assert SCHEMA_VERSION == 2
    assert saved["schema_version"] == SCHEMA_VERSION
    assert saved["training"]["test_fraction"] == 0.0
    assert saved["training"]["lr_schedule"] == {"name": "constant", "params": {}, "warmup_epochs": 0}


def test_a_version_1_file_may_not_use_settings_of_version_2() -> None:
    doc = json.loads(json.dumps(V1_FILE))
    doc["training"]["test_fraction"] = 0.2
    with pytest.raises(StudioError) as info:
        loads(json.dumps(doc))
    assert "test_fraction" in str(info.value)


def test_the_new_settings_round_trip() -> None:
    training = TrainingSettings(
        test_fraction=0.15,
        init_seed=42,
        lr_schedule=ScheduleSpec("cosine", {"alpha": 0.1}, warmup_epochs=3),
        strategy="mirrored",
    )
    project = Project(training=training)
    again = loads(dumps(project))
    assert again.training == training
    assert again.training.weights_seed == 42
    assert project_to_dict(project)["training"]["init_seed"] == 42


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"test_fraction": 0.6}, "test_fraction"),
        ({"validation_fraction": 0.5, "test_fraction": 0.45}, "test_fraction"),
        ({"strategy": "everywhere"}, "strategy"),
        ({"init_seed": -1}, "init_seed"),
        ({"lr_schedule": ScheduleSpec(warmup_epochs=-2)}, "warmup_epochs"),
    ],
)
def test_impossible_new_settings_are_named(changes: dict, field: str) -> None:
    problems = validate_training(TrainingSettings(**changes), None)
    assert any(field in (p.field or "") or field in p.where for p in problems), problems


def test_possible_new_settings_pass() -> None:
    training = TrainingSettings(validation_fraction=0.2, test_fraction=0.2, init_seed=3, strategy="multi-worker")
    assert validate_training(training, None) == []
