"""The learning-rate range test: its suggestion, its curve, and the weights it leaves alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)
from ffnn_studio.data import load_dataset, prepare
from ffnn_studio.data.dataset import Dataset
from ffnn_studio.engine.builder import build_model, encode_targets
from ffnn_studio.engine.lr_finder import (
    SETTLE_STEPS,
    find_learning_rate,
    learning_rate_ramp,
    range_test,
    smooth_losses,
)


def _project(optimizer: str = "sgd") -> Project:
    return Project(
        network=NetworkSpec((DenseLayer(16, "tanh"),)),
        data=BuiltinDataSource("plane", {"n_samples": 400}),
        training=TrainingSettings(
            loss="mse", batch_size=32, optimizer=OptimizerSpec(optimizer), seed=1
        ),
    )


def _line_data():
    """A known problem: y = 3·x₁ − 2·x₂ plus a little noise, fitted by plain SGD."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 2)).astype(np.float32)
    y = (3 * x[:, 0] - 2 * x[:, 1] + 0.1 * rng.normal(size=400)).astype(np.float32)
    return prepare(Dataset("line", x, y, Task.REGRESSION, ("a", "b"), ()), 0.2, 0)


LINE = Project(
    network=NetworkSpec((DenseLayer(8, "linear"),)),
    training=TrainingSettings(loss="mse", batch_size=32, optimizer=OptimizerSpec("sgd")),
)


@pytest.fixture(scope="module")
def line_result():
    data = _line_data()
    built = build_model(
        LINE, n_features=2, task=Task.REGRESSION, mean=data.mean, variance=data.variance
    )
    y = encode_targets(data.y_train, Task.REGRESSION, "mse", 0)
    # Up to 10, so that plain SGD on this problem surely explodes at the end.
    return data, range_test(built.model, data.x_train, y, batch_size=32, end=10.0)


def test_the_ramp_rises_exponentially_from_1e_6_to_1() -> None:
    rates = learning_rate_ramp(100)
    assert rates[0] == pytest.approx(1e-6) and rates[-1] == pytest.approx(1.0)
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, ratios[0])


def test_the_suggestion_is_where_the_smoothed_loss_falls_fastest(line_result) -> None:
    _data, result = line_result
    rates, raw = result.learning_rates, result.losses
    # The curve, smoothed here as fastai does: an EMA with bias correction.
    avg, smoothed = 0.0, []
    for i, loss in enumerate(raw):
        avg = 0.98 * avg + 0.02 * loss
        smoothed.append(avg / (1 - 0.98 ** (i + 1)))
    np.testing.assert_allclose(result.smoothed, smoothed, rtol=1e-12)
    # The regression's loss falls over the ramp, then explodes at the largest rates.
    assert result.diverged
    assert min(smoothed) < 0.5 * smoothed[0]
    usable = len(raw) - 1  # the last point is the explosion
    # The slope per decade across about half a decade either side, past the settling steps.
    logs = np.log10(rates)
    w = max(3, round(usable / 12))
    slopes = {
        i: (smoothed[i + w] - smoothed[i - w]) / (logs[i + w] - logs[i - w])
        for i in range(max(SETTLE_STEPS, w), usable - w)
    }
    steepest = min(slopes, key=slopes.get)
    assert slopes[steepest] < 0
    assert result.suggestion_index == steepest
    assert result.suggestion == pytest.approx(rates[steepest])
    # It lies in the falling part: lower loss a little later, before the minimum.
    assert steepest < int(np.argmin(smoothed))
    assert smoothed[steepest + w] < smoothed[steepest] < smoothed[steepest - w]
    assert 1e-4 < result.suggestion < 1.0


def test_the_suggested_rate_trains_faster_than_a_much_smaller_one(line_result) -> None:
    data, result = line_result
    y = encode_targets(data.y_train, Task.REGRESSION, "mse", 0)
    finals = {}
    for name, lr in (("suggested", result.suggestion), ("smaller", result.suggestion / 100)):
        optimizer = OptimizerSpec("sgd", {"learning_rate": lr})
        project = replace(LINE, training=replace(LINE.training, optimizer=optimizer))
        model = build_model(
            project, n_features=2, task=Task.REGRESSION, mean=data.mean, variance=data.variance
        ).model
        model.fit(data.x_train, y, epochs=3, batch_size=32, verbose=0, shuffle=False)
        finals[name] = float(model.evaluate(data.x_train, y, verbose=0)[0])
    assert finals["suggested"] < 0.5 * finals["smaller"]


def test_the_projects_range_test_runs_from_its_initial_weights() -> None:
    project = _project()
    data = prepare(load_dataset(project.data), 0.2, 0)
    result = find_learning_rate(project, data, steps=30)
    assert len(result.losses) == 30 and not result.cancelled
    assert "learning_rate,loss,smoothed_loss" in result.to_csv_text()
    assert len(result.to_csv_text().splitlines()) == 31


def test_the_range_test_puts_the_weights_and_the_optimizer_back() -> None:
    project = _project("adam")
    data = prepare(load_dataset(project.data), 0.2, 0)
    built = build_model(
        project, n_features=2, task=Task.REGRESSION, mean=data.mean, variance=data.variance
    )
    y = encode_targets(data.y_train, Task.REGRESSION, "mse", 0)
    built.model.fit(data.x_train, y, epochs=1, verbose=0)  # a trained model, optimizer state too
    before = [v.numpy().copy() for v in built.model.variables]
    opt_before = [v.numpy().copy() for v in built.model.optimizer.variables]
    result = range_test(built.model, data.x_train, y, batch_size=32, steps=40)
    assert len(result.losses) > 10
    for v, old in zip(built.model.variables, before, strict=True):
        np.testing.assert_array_equal(v.numpy(), old)
    for v, old in zip(built.model.optimizer.variables, opt_before, strict=True):
        np.testing.assert_array_equal(v.numpy(), old)
    # The run really moved them meanwhile: predictions equal the untouched model's.
    assert built.model.optimizer.iterations.numpy() == opt_before[0]


def test_a_cancelled_range_test_stops_and_still_restores() -> None:
    project = _project()
    data = prepare(load_dataset(project.data), 0.2, 0)
    built = build_model(project, n_features=2, task=Task.REGRESSION)
    y = encode_targets(data.y_train, Task.REGRESSION, "mse", 0)
    before = [v.numpy().copy() for v in built.model.trainable_variables]
    seen: list[float] = []
    result = range_test(
        built.model,
        data.x_train,
        y,
        batch_size=32,
        progress=seen.append,
        cancelled=lambda: len(seen) >= 7,
    )
    assert result.cancelled and len(result.losses) == 7
    assert seen[-1] == pytest.approx(7 / 100)
    for v, old in zip(built.model.trainable_variables, before, strict=True):
        np.testing.assert_array_equal(v.numpy(), old)


def test_smoothing_removes_the_bias_of_the_first_steps() -> None:
    np.testing.assert_allclose(smooth_losses(np.full(5, 2.0)), 2.0)
