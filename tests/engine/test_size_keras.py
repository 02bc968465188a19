"""The spec's parameter count equals the built Keras model's own ``count_params()``."""

from __future__ import annotations

import numpy as np
import pytest

from ffnn_studio.core.size import size_breakdown
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
    TrainingSettings,
    output_units,
)
from ffnn_studio.engine.builder import build_model

NETWORKS = [
    ((DenseLayer(1, "linear"),), 1, Task.BINARY, 2),
    ((DenseLayer(16, "relu"),), 2, Task.BINARY, 2),
    (
        (DenseLayer(32, "tanh"), DropoutLayer(0.3), DenseLayer(7, "sigmoid", use_bias=False)),
        5,
        Task.MULTICLASS,
        4,
    ),
    (
        (DenseLayer(3, "elu", l2=0.01), DenseLayer(64, "leaky_relu"), DenseLayer(1, "step")),
        13,
        Task.REGRESSION,
        0,
    ),
]


@pytest.mark.parametrize(("layers", "n_features", "task", "n_classes"), NETWORKS)
def test_parameter_count_matches_keras(layers, n_features, task, n_classes) -> None:
    loss = "mse" if task is Task.REGRESSION else "cross_entropy"
    project = Project(network=NetworkSpec(layers), training=TrainingSettings(loss=loss))
    built = build_model(
        project,
        n_features=n_features,
        task=task,
        n_classes=n_classes,
        compile=False,
        mean=np.zeros(n_features, np.float32),
        variance=np.ones(n_features, np.float32),
    )
    size = size_breakdown(project.network, n_features, output_units(task, n_classes))
    assert size.parameters == built.model.count_params()
    dense_params = [b.dense.count_params() for b in built.blocks]
    expected = [s.parameters for s in size.layers if s.parameters] + [size.output.parameters]
    assert expected == dense_params
    assert size.multiply_adds == sum(int(np.prod(b.dense.kernel.shape)) for b in built.blocks)
