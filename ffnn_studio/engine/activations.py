"""The studio's custom activation: the binary step with a straight-through gradient.

Contract: importing this module imports Keras and registers the step with it
as ``ffnn_studio>step``; nothing else does that implicitly. Code that loads a
studio ``.keras`` or ``.h5`` file (the export check, conversion, the command
line, a user's own script) imports this module first::

    import ffnn_studio.engine.activations
    model = keras.models.load_model("model.keras")
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="ffnn_studio", name="step")
def step(x):
    """1 where x ≥ 0, else 0, trained with a straight-through gradient.

    The true derivative of a step is zero almost everywhere, so plain
    backpropagation through it never moves the weights below it. Following
    the straight-through estimator (Hinton 2012; Bengio, Léonard & Courville
    2013), the forward pass is the exact step, while the backward pass uses
    the gradient of clip(x, -1, 1): 1 for |x| < 1 and 0 outside. Units far
    from their threshold get no gradient, which keeps training stable.
    """
    surrogate = ops.clip(x, -1.0, 1.0)
    hard = ops.cast(ops.greater_equal(x, 0.0), x.dtype)
    return surrogate + ops.stop_gradient(hard - surrogate)


# A saved optimizer's warm-up schedule loads after this one import, like the step.
import ffnn_studio.engine.schedules  # noqa: E402,F401

#: The studio's custom activations by registered name, as the catalog names them.
CUSTOM_OBJECTS = {"ffnn_studio>step": step}
