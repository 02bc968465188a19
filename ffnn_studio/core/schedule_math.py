"""Learning-rate schedules in numpy, for the Training panel's plot of the run's rates.

Contract: numpy only; must agree with the Keras schedules ``engine.plan`` makes
(tests compare both at every step).
"""

from __future__ import annotations

import numpy as np

from ffnn_studio.core.catalog import SCHEDULES
from ffnn_studio.core.spec import ScheduleSpec


def schedule_params(schedule: ScheduleSpec) -> dict[str, float | int | bool]:
    """The schedule's parameters: catalog defaults overlaid with the explicit ones."""
    entry = SCHEDULES[schedule.name]
    values = dict(entry.defaults())
    values.update(schedule.params)
    return values


def cosine_decay_epochs(schedule: ScheduleSpec, epochs: int) -> int:
    """Epochs the cosine decays over: the run's, less the warm-up (at least one)."""
    return max(1, int(epochs) - int(schedule.warmup_epochs))


def learning_rates(
    schedule: ScheduleSpec,
    learning_rate: float,
    steps: np.ndarray,
    *,
    steps_per_epoch: int,
    epochs: int,
) -> np.ndarray:
    """The learning rate the optimizer uses at each of ``steps`` (0-based update counts)."""
    t = np.asarray(steps, dtype=np.float64)
    spe = max(1, int(steps_per_epoch))
    warm = int(schedule.warmup_epochs) * spe
    p = schedule_params(schedule)
    lr = float(learning_rate)
    if schedule.name == "cosine":
        decay = cosine_decay_epochs(schedule, epochs) * spe
        s = np.minimum(np.maximum(t - warm, 0.0), decay)
        alpha = float(p["alpha"])
        after = lr * ((1 - alpha) * 0.5 * (1 + np.cos(np.pi * s / decay)) + alpha)
    else:
        s = np.maximum(t - warm, 0.0)
        if schedule.name == "step":
            after = lr * float(p["factor"]) ** np.floor(s / (int(p["every_epochs"]) * spe))
        elif schedule.name == "exponential":
            after = lr * float(p["decay_rate"]) ** (s / spe)
        else:
            after = np.full_like(t, lr)
    if warm:
        return np.where(t < warm, lr * t / warm, after)
    return after
