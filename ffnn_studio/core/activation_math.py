"""Activations and their derivatives in numpy, for the inspector's curves and
for evaluating a weight snapshot without TensorFlow (decision boundaries).

One (f, f′) pair per catalog activation, looked up by the catalog's name; a
test checks that every catalog activation has its pair.

Contract: numpy only; must agree with the engine's Keras activations (tests
check it).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn_studio.core.catalog import ACTIVATIONS

_Curve = Callable[[np.ndarray, float], np.ndarray]


def _sigmoid(x: np.ndarray, _a: float) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free form of 1/(1+e^-x)


def _softmax(x: np.ndarray, _a: float) -> np.ndarray:
    z = np.exp(x - x.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _sigmoid_slope(x: np.ndarray, a: float) -> np.ndarray:
    s = _sigmoid(x, a)
    return s * (1 - s)


def _softmax_slope(x: np.ndarray, a: float) -> np.ndarray:
    # The diagonal of the Jacobian, for the 1-D curve the inspector draws.
    s = _softmax(x, a)
    return s * (1 - s)


#: name → (f(x, α), f′(x, α)); α is the activation's parameter (0 where it has none).
_CURVES: dict[str, tuple[_Curve, _Curve]] = {
    "step": (
        lambda x, _a: (x >= 0).astype(x.dtype),
        lambda x, _a: np.zeros_like(x),
    ),
    "sigmoid": (_sigmoid, _sigmoid_slope),
    "tanh": (
        lambda x, _a: np.tanh(x),
        lambda x, _a: 1 - np.tanh(x) ** 2,
    ),
    "relu": (
        lambda x, _a: np.maximum(x, 0),
        lambda x, _a: (x > 0).astype(x.dtype),
    ),
    "leaky_relu": (
        lambda x, a: np.where(x >= 0, x, a * x),
        lambda x, a: np.where(x >= 0, 1.0, a).astype(x.dtype),
    ),
    "elu": (
        lambda x, a: np.where(x >= 0, x, a * np.expm1(np.minimum(x, 0))),
        lambda x, a: np.where(x >= 0, 1.0, a * np.exp(np.minimum(x, 0))).astype(x.dtype),
    ),
    "linear": (
        lambda x, _a: x,
        lambda x, _a: np.ones_like(x),
    ),
    "softmax": (_softmax, _softmax_slope),
}


def _alpha(name: str, alpha: float | None) -> float:
    if alpha is not None:
        return float(alpha)
    params = ACTIVATIONS[name].params
    return float(params[0].default) if params else 0.0


def activate(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """f(x) for the catalog activation ``name`` (softmax over the last axis)."""
    f, _ = _CURVES[name]
    return f(x, _alpha(name, alpha))


def derivative(name: str, x: np.ndarray, alpha: float | None = None) -> np.ndarray:
    """f'(x) as mathematics defines it (the step's is 0; training uses a straight-through one)."""
    _, df = _CURVES[name]
    return df(x, _alpha(name, alpha))


def curve_names() -> frozenset[str]:
    """The activations this module can draw (every catalog activation)."""
    return frozenset(_CURVES)
