"""The numpy forward pass agrees with the Keras model the builder makes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ffnn_studio.core.forward import (
    ForwardModel,
    GridEvaluator,
    LayerActivation,
    activations_for,
    data_extent,
    forward,
    plane_grid,
)
from ffnn_studio.core.spec import (
    DenseLayer,
    DropoutLayer,
    NetworkSpec,
    Project,
    Task,
)


def _project(*layers) -> Project:
    return Project(network=NetworkSpec(tuple(layers)))


def test_activations_follow_the_spec_and_the_task() -> None:
    p = _project(
        DenseLayer(4, "leaky_relu", alpha=0.2),
        DropoutLayer(0.5),
        DenseLayer(3, "elu"),
        DenseLayer(3, "step"),
    )
    acts = activations_for(p, Task.MULTICLASS)
    assert acts == (
        LayerActivation("leaky_relu", 0.2),
        LayerActivation("elu", 1.0),
        LayerActivation("step", None),
        LayerActivation("softmax", None),
    )
    assert activations_for(p, Task.REGRESSION)[-1].name == "linear"
    assert activations_for(p, Task.BINARY)[-1].name == "sigmoid"


def test_scaling_matches_keras_normalization_formula() -> None:
    w = [(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))]
    m = ForwardModel(w, [LayerActivation("linear")], mean=[1.0, -2.0], variance=[4.0, 0.0])
    out = m(np.array([[3.0, -2.0]]))
    # A zero variance divides by Keras's epsilon floor, not by zero.
    np.testing.assert_allclose(out, [[1.0, 0.0]])


def test_layers_returns_every_block_and_upto_stops_early() -> None:
    rng = np.random.default_rng(0)
    w = [(rng.normal(size=(2, 5)), rng.normal(size=5)), (rng.normal(size=(5, 1)), None)]
    m = ForwardModel(w, [LayerActivation("relu"), LayerActivation("linear")])
    x = rng.normal(size=(7, 2))
    layers = m.layers(x)
    assert [a.shape for a in layers] == [(7, 5), (7, 1)]
    assert (layers[0] >= 0).all()
    np.testing.assert_allclose(layers[1], layers[0] @ w[1][0].astype(np.float32), rtol=1e-5)
    assert len(m.layers(x, upto=0)) == 1
    out, per_layer = forward(w, m.activations, x, return_layers=True)
    np.testing.assert_array_equal(out, layers[-1])
    assert len(per_layer) == 2


def test_grid_evaluator_refuses_a_mismatched_snapshot() -> None:
    evaluator = GridEvaluator(np.zeros((5, 2)))
    with pytest.raises(ValueError):
        evaluator([(np.ones((3, 4)), None)], [LayerActivation("relu")])
    with pytest.raises(ValueError):
        evaluator([(np.ones((2, 4)), None)], [LayerActivation("relu"), LayerActivation("linear")])


def test_mismatched_snapshot_is_refused() -> None:
    with pytest.raises(ValueError):
        ForwardModel([(np.ones((2, 3)), None)], [LayerActivation("relu"), LayerActivation("linear")])
    with pytest.raises(ValueError):
        ForwardModel(
            [(np.ones((2, 3)), None), (np.ones((4, 1)), None)],
            [LayerActivation("relu"), LayerActivation("linear")],
        )


def test_grid_is_row_major_with_y_down_the_rows() -> None:
    xs, ys, pts = plane_grid((0.0, 1.0), (10.0, 12.0), (3, 2))
    assert pts.shape == (6, 2)
    img = pts[:, 0].reshape(len(ys), len(xs))
    np.testing.assert_allclose(img[0], xs)
    np.testing.assert_allclose(pts[:, 1].reshape(2, 3)[:, 0], ys)


def test_extent_has_a_margin() -> None:
    (x0, x1), (y0, y1) = data_extent([np.array([[0.0, 0.0], [10.0, 2.0]])], margin=0.1)
    assert (x0, x1) == pytest.approx((-1.0, 11.0))
    assert (y0, y1) == pytest.approx((-0.2, 2.2))


# ------------------------------------------------------------------ against Keras

CASES = {
    "multiclass leaky/elu/step/tanh/sigmoid": (
        (
            DenseLayer(9, "leaky_relu", alpha=0.2),
            DropoutLayer(0.3),
            DenseLayer(7, "elu", alpha=0.7),
            DenseLayer(6, "step"),
            DenseLayer(5, "tanh"),
            DenseLayer(4, "sigmoid"),
        ),
        Task.MULTICLASS,
        4,
    ),
    "binary relu/linear": ((DenseLayer(8, "relu"), DenseLayer(3, "linear", use_bias=False)), Task.BINARY, 2),
    "regression elu": ((DenseLayer(6, "elu"),), Task.REGRESSION, 0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_grid_output_matches_keras_predict(name: str) -> None:
    from ffnn_studio.engine.builder import build_model

    layers, task, n_classes = CASES[name]
    project = _project(*layers)
    if task is Task.REGRESSION:
        project = replace(project, training=replace(project.training, loss="mse"))
    mean = np.array([0.5, -1.0], np.float32)
    variance = np.array([2.0, 0.25], np.float32)
    built = build_model(
        project, n_features=2, task=task, n_classes=n_classes, mean=mean, variance=variance, compile=False
    )
    rng = np.random.default_rng(1)
    # Fresh weights with spread, so every activation works in both of its regimes.
    for block in built.blocks:
        kernel = block.dense.kernel
        kernel.assign(rng.normal(0.0, 1.0, size=tuple(kernel.shape)).astype(np.float32))
        if block.dense.bias is not None:
            bias = block.dense.bias
            bias.assign(rng.normal(0.0, 0.5, size=tuple(bias.shape)).astype(np.float32))
    snapshot = [
        (
            np.array(b.dense.kernel.numpy()),
            None if b.dense.bias is None else np.array(b.dense.bias.numpy()),
        )
        for b in built.blocks
    ]
    _, _, grid = plane_grid((-3.0, 4.0), (-4.0, 2.0), 100)
    model = ForwardModel(snapshot, activations_for(project, task), mean, variance)
    ours = model.layers(grid)
    theirs = built.model.predict(grid, batch_size=4096, verbose=0)
    assert ours[-1].shape == theirs.shape
    np.testing.assert_allclose(ours[-1], theirs, atol=1e-5)

    import keras

    probe = keras.Model(built.model.inputs, [b.activation_layer.output for b in built.blocks])
    per_layer = probe.predict(grid, batch_size=4096, verbose=0)
    for i, (a, b) in enumerate(zip(ours, per_layer, strict=True)):
        np.testing.assert_allclose(a, b, atol=1e-5, err_msg=f"block {i}")
    # The buffered grid evaluator computes exactly what ForwardModel does, block by block.
    evaluator = GridEvaluator(grid, mean, variance)
    acts = activations_for(project, task)
    for i, a in enumerate(ours):
        np.testing.assert_array_equal(evaluator(snapshot, acts, upto=i), a, err_msg=f"block {i}")
    first = evaluator(snapshot, acts).copy()
    np.testing.assert_array_equal(evaluator(snapshot, acts), first)  # reused buffers, same answer
    if name.startswith("multiclass"):
        step_out = ours[2]
        # The step layer really is binary here and both values occur.
        assert set(np.unique(step_out)) == {0.0, 1.0}
