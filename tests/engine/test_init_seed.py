"""The initial-weights seed: runs pinned to it start equal while their shuffling differs."""

from __future__ import annotations

import numpy as np

from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset, prepare


def _project(seed: int, init_seed: int | None) -> Project:
    return Project(
        network=NetworkSpec((DenseLayer(8, "relu"), DropoutLayer(0.2), DenseLayer(4, "tanh"))),
        data=BuiltinDataSource("circle", {"n_samples": 60}),
        training=TrainingSettings(epochs=2, batch_size=16, seed=seed, init_seed=init_seed),
    )


def _session(project: Project):
    from ffnn_studio.engine.training.session import TrainingSession

    # The same split for both: only the seeds under test differ.
    return TrainingSession(project, prepare(load_dataset(project.data), 0.2, 0))


def test_runs_pinned_to_one_initial_weights_seed_start_equal_and_shuffle_differently() -> None:
    a, b = _session(_project(1, 5)), _session(_project(2, 5))
    for (ka, ba), (kb, bb) in zip(a.weights_snapshot(), b.weights_snapshot(), strict=True):
        np.testing.assert_array_equal(ka, kb)
        np.testing.assert_array_equal(ba, bb)
    assert not np.array_equal(a._epoch_order(0), b._epoch_order(0))
    # Dropout draws from the run's seed, not the weights'.
    assert a.model.get_layer("dropout_2").seed != b.model.get_layer("dropout_2").seed
    a.run(), b.run()
    # Different shuffling: after training they have moved apart.
    assert not np.array_equal(a.weights_snapshot()[0][0], b.weights_snapshot()[0][0])


def test_unpinned_initial_weights_follow_the_seed() -> None:
    a, b = _session(_project(1, None)), _session(_project(2, None))
    assert not np.array_equal(a.weights_snapshot()[0][0], b.weights_snapshot()[0][0])
    pinned = _session(_project(2, 1))
    # Pinned to 1, a seed-2 run starts where the unpinned seed-1 run starts.
    np.testing.assert_array_equal(a.weights_snapshot()[0][0], pinned.weights_snapshot()[0][0])
