"""The studio's learning-rate warm-up as a Keras schedule, and reading a schedule's rates.

Keras's ``CosineDecay`` has a linear warm-up of its own; the other schedules
get theirs from ``LinearWarmup``, registered as ``ffnn_studio>LinearWarmup`` so
a saved model's optimizer loads again (``import ffnn_studio.engine.activations``
imports this module too).

Contract: imports Keras (and TensorFlow for the rate reader); never Qt.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn_studio.engine.quiet import import_tensorflow

import_tensorflow()
import keras  # noqa: E402  (after TensorFlow's quiet import)
from keras import ops  # noqa: E402


@keras.saving.register_keras_serializable(package="ffnn_studio", name="LinearWarmup")
class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    """Rises linearly from 0 to ``initial_learning_rate`` over ``warmup_steps``, then
    follows ``after`` (counted from the warm-up's end), or stays constant without one.

    The same convention as ``CosineDecay``'s warm-up: step t < warmup_steps has
    rate initial · t / warmup_steps.
    """

    def __init__(self, initial_learning_rate, warmup_steps, after=None, name="LinearWarmup"):
        self.initial_learning_rate = initial_learning_rate
        self.warmup_steps = warmup_steps
        if isinstance(after, dict):  # from a saved config
            after = keras.optimizers.schedules.deserialize(after)
        self.after = after
        self.name = name

    def __call__(self, step):
        lr = ops.convert_to_tensor(self.initial_learning_rate)
        dtype = lr.dtype
        t = ops.cast(step, dtype)
        warm = ops.cast(self.warmup_steps, dtype)
        rising = lr * t / ops.maximum(warm, 1.0)
        if self.after is None:
            later = lr
        else:
            later = ops.cast(self.after(ops.maximum(t - warm, 0.0)), dtype)
        return ops.where(t < warm, rising, later)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "warmup_steps": self.warmup_steps,
            "after": None
            if self.after is None
            else keras.optimizers.schedules.serialize(self.after),
            "name": self.name,
        }


#: The schedule classes the studio registers, by registered name.
CUSTOM_SCHEDULES = {"ffnn_studio>LinearWarmup": LinearWarmup}


def rate_reader(optimizer) -> Callable[[np.ndarray], np.ndarray] | None:
    """A function: optimizer step counts → the learning rates the optimizer's schedule
    gives there (Keras's own schedule evaluated, one call for many steps); None for a
    constant learning rate."""
    import tensorflow as tf

    schedule = getattr(optimizer, "_learning_rate", None)
    if not isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return None

    @tf.function(input_signature=[tf.TensorSpec([None], tf.int64)])
    def rates(steps):
        return tf.map_fn(
            lambda s: tf.cast(schedule(s), tf.float32), steps, fn_output_signature=tf.float32
        )

    def read(steps: np.ndarray) -> np.ndarray:
        steps = np.asarray(steps, dtype=np.int64).ravel()
        if steps.size == 0:
            return np.zeros(0, np.float32)
        return rates(tf.constant(steps)).numpy()

    return read
