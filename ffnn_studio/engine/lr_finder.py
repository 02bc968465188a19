"""The learning-rate range test (Smith 2017; fastai's ``lr_find``).

A short run whose learning rate rises exponentially, step by step, from about
1e-6 to 1, recording the loss of every batch. The smoothed loss against the
learning rate (log axis) falls where the rate is large enough to learn and
rises again, steeply, where it is too large. The suggestion is the rate where
the smoothed loss falls fastest (the steepest descent per decade), taken from
the part of the curve before the loss exploded.

The range test trains a fresh optimizer of the project's kind on the model it
is given and puts every variable of the model back afterwards, so the model's
weights (and its own optimizer) are as they were.

Contract: imports TensorFlow/Keras (load it off the GUI thread), the builder
and the core; never Qt. Progress and cancel come in as plain callables.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import Project
from ffnn_studio.engine.builder import build_model_for, encode_targets
from ffnn_studio.engine.quiet import import_tensorflow

#: The range of the test: from a rate too small to matter to one too large for most nets.
START_LR = 1e-6
END_LR = 1.0
#: Batches of the test (fastai's default).
STEPS = 100
#: The loss's exponential moving average weight (fastai's), with bias correction.
BETA = 0.98
#: The test stops once the smoothed loss exceeds this many times its lowest value.
DIVERGE_FACTOR = 4.0
#: Steps the suggestion never falls in: the average is still settling there.
SETTLE_STEPS = 10
#: The slope at a point is measured across this share of the steps either side
#: (100 steps over six decades: 8 steps, half a decade), at least 3 steps.
SLOPE_HALF_SHARE = 1 / 12


@dataclass(frozen=True)
class LrFinderResult:
    """The range test's curve and its suggestion."""

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    #: The suggested learning rate (steepest descent of the smoothed loss), or None.
    suggestion: float | None
    suggestion_index: int | None
    #: True if the test stopped because the loss exploded.
    diverged: bool
    cancelled: bool = False

    def to_csv_text(self) -> str:
        lines = ["learning_rate,loss,smoothed_loss"]
        for lr, loss, smooth in zip(self.learning_rates, self.losses, self.smoothed, strict=True):
            lines.append(f"{lr:.9g},{loss:.9g},{smooth:.9g}")
        return "\n".join(lines) + "\n"


def learning_rate_ramp(
    steps: int = STEPS, start: float = START_LR, end: float = END_LR
) -> np.ndarray:
    """``steps`` learning rates rising exponentially from ``start`` to ``end``."""
    return np.geomspace(start, end, int(steps))


def smooth_losses(losses: np.ndarray, beta: float = BETA) -> np.ndarray:
    """The exponential moving average of ``losses`` with bias correction."""
    out = np.empty(len(losses))
    avg = 0.0
    for i, loss in enumerate(np.asarray(losses, dtype=np.float64)):
        avg = beta * avg + (1 - beta) * loss
        out[i] = avg / (1 - beta ** (i + 1))
    return out


def slope_half_width(n: int) -> int:
    """Steps either side of a point across which ``steepest_descent`` measures its slope."""
    return max(3, round(n * SLOPE_HALF_SHARE))


def steepest_descent(learning_rates: np.ndarray, smoothed: np.ndarray) -> int | None:
    """The index where the smoothed loss falls fastest per decade of learning rate, or None
    if it never falls.

    The slope at step i is measured across ``slope_half_width`` steps either side (about
    half a decade): step-to-step differences of a noisy loss swing wildly, and their
    extremes say nothing about the rate. The first ``SETTLE_STEPS`` are skipped.
    """
    s = np.asarray(smoothed, dtype=np.float64)
    logs = np.log10(np.asarray(learning_rates, dtype=np.float64))
    w = slope_half_width(len(s))
    lo = max(SETTLE_STEPS, w)
    if len(s) - w <= lo:
        return None
    i = np.arange(lo, len(s) - w)
    slope = (s[i + w] - s[i - w]) / (logs[i + w] - logs[i - w])
    slope[~np.isfinite(slope)] = np.inf
    best = int(np.argmin(slope))
    return int(i[best]) if slope[best] < 0 else None


def range_test(
    model: Any,
    x: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    steps: int = STEPS,
    start: float = START_LR,
    end: float = END_LR,
    seed: int = 0,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LrFinderResult:
    """Run the range test on ``model`` (compiled; ``y`` encoded for its loss) and put its
    variables back afterwards."""
    tf = import_tensorflow()

    n = int(x.shape[0])
    if n == 0:
        raise StudioError("the training part of the data set has no rows")
    batch = max(1, min(int(batch_size), n))
    rates = learning_rate_ramp(steps, start, end)
    saved = [v.numpy().copy() for v in model.variables]
    config = model.optimizer.get_config()
    config["learning_rate"] = float(rates[0])  # a plain rate in place of any schedule
    optimizer = type(model.optimizer).from_config(config)
    loss_fn = model.loss
    tv = model.trainable_variables
    optimizer.build(tv)
    xs, ys = tf.constant(np.asarray(x, dtype=np.float32)), tf.constant(y)

    @tf.function
    def train_step(rows):
        xb, yb = tf.gather(xs, rows), tf.gather(ys, rows)
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
            if model.losses:
                loss = loss + tf.add_n(model.losses)
        optimizer.apply(tape.gradient(loss, tv), tv)
        return loss

    rng = np.random.default_rng(seed)
    order, at = rng.permutation(n), 0
    losses: list[float] = []
    diverged = was_cancelled = False
    best = math.inf
    try:
        for i, lr in enumerate(rates):
            if cancelled is not None and cancelled():
                was_cancelled = True
                break
            if at + batch > n:
                order, at = rng.permutation(n), 0
            rows = order[at : at + batch]
            at += batch
            optimizer.learning_rate = float(lr)
            loss = float(train_step(tf.constant(rows, dtype=tf.int32)).numpy())
            losses.append(loss)
            smooth = smooth_losses(np.array(losses))[-1]
            if progress is not None:
                progress((i + 1) / len(rates))
            if not math.isfinite(smooth) or (i >= SETTLE_STEPS and smooth > DIVERGE_FACTOR * best):
                diverged = True
                break
            best = min(best, smooth)
    finally:
        for v, value in zip(model.variables, saved, strict=True):
            v.assign(value)
    raw = np.array(losses, dtype=np.float64)
    shown_rates = rates[: len(raw)]
    smoothed = smooth_losses(raw)
    # The suggestion comes from the curve before it exploded: the last point is past it.
    usable = len(raw) - 1 if diverged else len(raw)
    index = steepest_descent(shown_rates[:usable], smoothed[:usable])
    return LrFinderResult(
        learning_rates=shown_rates,
        losses=raw,
        smoothed=smoothed,
        suggestion=None if index is None else float(shown_rates[index]),
        suggestion_index=index,
        diverged=diverged,
        cancelled=was_cancelled,
    )


def find_learning_rate(
    project: Project,
    data: Any,
    *,
    steps: int = STEPS,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LrFinderResult:
    """The range test for ``project`` on ``data`` (a ``PreparedData``), from the project's
    initial weights; nothing of a trained model is touched."""
    built = build_model_for(project, data)
    y = encode_targets(data.y_train, data.task, project.training.loss, int(data.n_classes))
    return range_test(
        built.model,
        np.asarray(data.x_train, dtype=np.float32),
        y,
        batch_size=project.training.batch_size,
        steps=steps,
        seed=project.training.seed,
        progress=progress,
        cancelled=cancelled,
    )
