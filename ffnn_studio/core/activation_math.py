"""Activations and their derivatives in numpy, for the inspector's curves and
for evaluating a weight snapshot without TensorFlow (decision boundaries).

Contract: numpy only; must agree with the engine's Keras activations (tests
check it).
"""

from __future__ import annotations

import numpy as np

from ffnn_studio.core.catalog import ACTIVATIONS


def _alpha(name: str, alpha: float | None) -> float:
    if alpha is not None:
        return float(alpha)
    params = ACTIVATIONS[name].params
    return float(params[0].default) if params else 0.0


def activate(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """f(x) for the catalog activation ``name`` (softmax over the last axis)."""
    if name == "step":
        return (x >= 0).astype(x.dtype)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free form of 1/(1+e^-x)
    if name == "tanh":
        return np.tanh(x)
    if name == "relu":
        return np.maximum(x, 0)
    if name == "leaky_relu":
        return np.where(x >= 0, x, _alpha(name, alpha) * x)
    if name == "elu":
        return np.where(x >= 0, x, _alpha(name, alpha) * np.expm1(np.minimum(x, 0)))
    if name == "linear":
        return x
    if name == "softmax":
        z = np.exp(x - x.max(axis=-1, keepdims=True))
        return z / z.sum(axis=-1, keepdims=True)
    raise KeyError(name)


def derivative(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """f'(x) as mathematics defines it (the step's is 0; training uses a straight-through one)."""
    if name == "step":
        return np.zeros_like(x)
    if name == "sigmoid":
        s = activate("sigmoid", x)
        return s * (1 - s)
    if name == "tanh":
        return 1 - np.tanh(x) ** 2
    if name == "relu":
        return (x > 0).astype(x.dtype)
    if name == "leaky_relu":
        return np.where(x >= 0, 1.0, _alpha(name, alpha)).astype(x.dtype)
    if name == "elu":
        a = _alpha(name, alpha)
        return np.where(x >= 0, 1.0, a * np.exp(np.minimum(x, 0))).astype(x.dtype)
    if name == "linear":
        return np.ones_like(x)
    if name == "softmax":
        # The diagonal of the Jacobian, for the 1-D curve the inspector draws.
        s = activate("softmax", x)
        return s * (1 - s)
    raise KeyError(name)
