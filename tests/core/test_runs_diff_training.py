"""The runs view's settings diff names exactly the training settings that differed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ffnn_studio.core.runs import activation_variants, diff_projects, optimizer_variants
from ffnn_studio.core.spec import (
    DenseLayer,
    NetworkSpec,
    Project,
    ScheduleSpec,
    TrainingSettings,
)

BASE = Project(network=NetworkSpec((DenseLayer(8),)), training=TrainingSettings(seed=3))


def _with(**training) -> Project:
    return replace(BASE, training=replace(BASE.training, **training))


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (_with(init_seed=9), ["initial-weights seed: 3 (the seed's) → 9"]),
        # Pinning to the seed the weights followed anyway changes nothing.
        (_with(init_seed=3), []),
        # A new seed moves the weights too, unless they are pinned.
        (_with(seed=4), ["seed: 3 → 4", "initial-weights seed: 3 (the seed's) → 4 (the seed's)"]),
        (_with(seed=4, init_seed=3), ["seed: 3 → 4"]),
        (
            _with(lr_schedule=ScheduleSpec("cosine")),
            ["learning-rate schedule: Constant → Cosine decay (alpha 0)"],
        ),
        (
            _with(lr_schedule=ScheduleSpec("step", {"factor": 0.1}, 2)),
            [
                "learning-rate schedule: Constant → Step decay (every epochs 10, factor 0.1)",
                "warm-up epochs: 0 → 2",
            ],
        ),
    ],
)
def test_the_diff_lists_each_changed_training_setting_once(other: Project, expected) -> None:
    assert diff_projects(BASE, other) == expected


def test_the_diff_of_schedule_parameters_compares_defaults_with_explicit_values() -> None:
    a = _with(lr_schedule=ScheduleSpec("step", {}))
    # The default made explicit is no change; a changed value is one line.
    assert diff_projects(a, _with(lr_schedule=ScheduleSpec("step", {"factor": 0.5}))) == []
    assert diff_projects(a, _with(lr_schedule=ScheduleSpec("step", {"every_epochs": 4}))) == [
        "schedule every epochs: 10 → 4"
    ]


def test_comparison_variants_start_from_the_projects_initial_weights() -> None:
    for _label, variant in [*optimizer_variants(BASE), *activation_variants(BASE)]:
        assert variant.training.weights_seed == BASE.training.weights_seed
        assert variant.training.init_seed == 3
        # ...so even a later change of the seed leaves their starting weights alone.
        moved = replace(variant, training=replace(variant.training, seed=11))
        assert moved.training.weights_seed == 3
