"""The forward pass of a weight snapshot in numpy, without TensorFlow.

The decision boundary and the neuron activation maps evaluate the network on
a grid of the input plane several times a second while TensorFlow trains on
the worker thread. Asking Keras would mean crossing into the training thread
(or a second model); a 100×100 grid through a small MLP in numpy takes about
a millisecond, so the GUI thread evaluates the latest weights itself.

The arithmetic is the Keras model's (``engine.builder``): normalization
``(x − mean) / max(√variance, 1e-7)``, then for every Dense block
``f(x·W + b)`` in float32, Dropout being the identity at prediction time.

Contract: numpy only; must match the Keras model's output (tests check it).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ffnn_studio.core.activation_math import activate
from ffnn_studio.core.spec import Project, Task, output_activation

#: Keras's ``backend.epsilon()``, the floor of the normalization's divisor.
_EPSILON = 1e-7

WeightSnapshot = Sequence[tuple[np.ndarray, np.ndarray | None]]

_blas_lock = threading.Lock()
_blas_controller: Any = None


def prepare_blas_control() -> None:
    """Find the BLAS libraries ``single_threaded_blas`` limits (once).

    threadpoolctl walks every loaded shared library to find them: with
    TensorFlow loaded that took ~0.8 s, so the window calls this on a
    background thread after TensorFlow's import, not on the GUI thread.
    """
    global _blas_controller
    with _blas_lock:
        if _blas_controller is None:
            try:
                from threadpoolctl import ThreadpoolController

                _blas_controller = ThreadpoolController()
            except Exception:  # without threadpoolctl, products run as they are
                _blas_controller = False


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run numpy's matrix products on one thread inside the block.

    OpenBLAS splits even a 10 000×32 by 32×32 product over every core; while
    TensorFlow keeps those cores busy its threads spin and wait, and a 2 ms
    grid evaluation took 20–40 ms (measured on 2 cores). One thread is what
    these small products want, and it leaves the cores to training.
    """
    if _blas_controller is None:
        prepare_blas_control()
    if not _blas_controller:
        yield
        return
    with _blas_controller.limit(limits=1, user_api="blas"):
        yield


@dataclass(frozen=True)
class LayerActivation:
    """The activation a Dense block applies, with its α (Leaky ReLU, ELU) if any."""

    name: str
    alpha: float | None = None


def activations_for(project: Project, task: Task) -> tuple[LayerActivation, ...]:
    """The activations of the model ``project`` builds: hidden Dense layers, then the output."""
    hidden = tuple(
        LayerActivation(layer.activation, layer.activation_alpha())
        for layer in project.network.dense_layers
    )
    return (*hidden, LayerActivation(output_activation(task)))


class ForwardModel:
    """A weight snapshot with its activations and input scaling, callable on raw features."""

    def __init__(
        self,
        weights: WeightSnapshot,
        activations: Sequence[LayerActivation],
        mean: np.ndarray | None = None,
        variance: np.ndarray | None = None,
    ) -> None:
        if len(weights) != len(activations):
            raise ValueError(f"{len(weights)} weight pairs but {len(activations)} activations")
        if not weights:
            raise ValueError("a network has at least its output layer")
        self.kernels: list[np.ndarray] = []
        self.biases: list[np.ndarray | None] = []
        previous = None
        for kernel, bias in weights:
            k = np.asarray(kernel, dtype=np.float32)
            if k.ndim != 2 or (previous is not None and k.shape[0] != previous):
                raise ValueError(f"kernel of shape {k.shape} does not follow width {previous}")
            previous = k.shape[1]
            self.kernels.append(k)
            self.biases.append(None if bias is None else np.asarray(bias, dtype=np.float32))
        self.activations = tuple(activations)
        n = self.n_inputs
        self.mean = (
            np.zeros(n, np.float32) if mean is None else np.asarray(mean, np.float32).reshape(n)
        )
        var = np.ones(n, np.float32) if variance is None else np.asarray(variance, np.float32)
        self.scale = np.maximum(np.sqrt(var.reshape(n)), np.float32(_EPSILON))

    @property
    def n_inputs(self) -> int:
        return int(self.kernels[0].shape[0])

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """Raw features → the inputs of the first Dense layer."""
        x = np.asarray(x, dtype=np.float32)
        return (x - self.mean) / self.scale

    def layers(self, x: np.ndarray, upto: int | None = None) -> list[np.ndarray]:
        """Every Dense block's activations for raw features ``x`` (n, d); the output is last.

        ``upto`` stops after block ``upto`` (0-based), which is all a neuron's
        activation map needs.
        """
        a = self.scaled(x)
        out: list[np.ndarray] = []
        last = len(self.kernels) - 1 if upto is None else upto
        with single_threaded_blas():
            for i in range(last + 1):
                z = a @ self.kernels[i]
                bias = self.biases[i]
                if bias is not None:
                    z += bias
                act = self.activations[i]
                a = activate(act.name, z, act.alpha).astype(np.float32, copy=False)
                out.append(a)
        return out

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The network's output (probabilities or values) for raw features ``x``."""
        return self.layers(x)[-1]


def _activate_in_place(act: LayerActivation, z: np.ndarray) -> np.ndarray:
    """``activate`` writing into ``z`` where it can (same arithmetic, no new large arrays)."""
    name = act.name
    if name == "tanh":
        return np.tanh(z, out=z)
    if name == "relu":
        return np.maximum(z, 0, out=z)
    if name == "sigmoid":
        # activate's 0.5 * (1 + tanh(0.5 x)), operation for operation.
        np.multiply(z, 0.5, out=z)
        np.tanh(z, out=z)
        np.add(z, 1.0, out=z)
        return np.multiply(z, 0.5, out=z)
    if name == "linear":
        return z
    if name == "leaky_relu":
        alpha = act.alpha if act.alpha is not None else 0.01
        return np.multiply(z, alpha, out=z, where=z < 0)
    if name == "step":
        np.copyto(z, z >= 0)
        return z
    return activate(name, z, act.alpha).astype(np.float32, copy=False)


class GridEvaluator:
    """Evaluates weight snapshots on one fixed set of points, reusing its buffers.

    The decision boundary evaluates the same 10 000 grid points several times
    a second; scaling them once and writing every layer into preallocated
    arrays (no allocation, no page faults, few GIL hand-overs per call) makes
    an evaluation about twice as fast as ``ForwardModel`` (measured). The
    returned array is a buffer that the next call overwrites: copy it to keep it.
    """

    def __init__(
        self, points: np.ndarray, mean: np.ndarray | None = None, variance: np.ndarray | None = None
    ) -> None:
        pts = np.asarray(points, dtype=np.float32)
        n = pts.shape[1]
        mean_ = np.zeros(n, np.float32) if mean is None else np.asarray(mean, np.float32).reshape(n)
        var = np.ones(n, np.float32) if variance is None else np.asarray(variance, np.float32).reshape(n)
        scale = np.maximum(np.sqrt(var), np.float32(_EPSILON))
        self.points = pts
        self.scaled = np.ascontiguousarray((pts - mean_) / scale)
        self._buffers: dict[tuple[int, int], np.ndarray] = {}

    def _buffer(self, i: int, width: int) -> np.ndarray:
        key = (i, width)
        buf = self._buffers.get(key)
        if buf is None:
            buf = np.empty((len(self.scaled), width), dtype=np.float32)
            self._buffers[key] = buf
        return buf

    def __call__(
        self,
        weights: WeightSnapshot,
        activations: Sequence[LayerActivation],
        upto: int | None = None,
    ) -> np.ndarray:
        """Block ``upto``'s activations (default: the output) for every point."""
        if len(weights) != len(activations):
            raise ValueError(f"{len(weights)} weight pairs but {len(activations)} activations")
        last = len(weights) - 1 if upto is None else upto
        a = self.scaled
        with single_threaded_blas():
            for i in range(last + 1):
                kernel, bias = weights[i]
                k = np.asarray(kernel, dtype=np.float32)
                if k.ndim != 2 or k.shape[0] != a.shape[1]:
                    raise ValueError(f"kernel of shape {k.shape} does not follow width {a.shape[1]}")
                z = self._buffer(i, k.shape[1])
                np.matmul(a, k, out=z)
                if bias is not None:
                    np.add(z, np.asarray(bias, dtype=np.float32), out=z)
                a = _activate_in_place(activations[i], z)
        return a


def forward(
    weights: WeightSnapshot,
    activations: Sequence[LayerActivation],
    x: np.ndarray,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    *,
    return_layers: bool = False,
) -> np.ndarray | tuple[np.ndarray, list[np.ndarray]]:
    """The output for raw features ``x``; with ``return_layers`` also each block's activations."""
    layers = ForwardModel(weights, activations, mean, variance).layers(x)
    return (layers[-1], layers) if return_layers else layers[-1]


def plane_grid(
    x_range: tuple[float, float], y_range: tuple[float, float], resolution: int | tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points of a regular grid over a rectangle of the input plane.

    Returns ``(xs, ys, points)``: the column and row coordinates and the
    ``(rows·cols, 2)`` points in row-major order (row = y, column = x), so
    ``values.reshape(len(ys), len(xs))`` is an image with y going down the rows.
    """
    nx, ny = (resolution, resolution) if isinstance(resolution, int) else resolution
    xs = np.linspace(x_range[0], x_range[1], nx, dtype=np.float32)
    ys = np.linspace(y_range[0], y_range[1], ny, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    return xs, ys, points


def data_extent(
    arrays: Sequence[np.ndarray], margin: float = 0.1
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The x and y ranges covering the 2-D points of ``arrays``, widened by ``margin`` a side."""
    pts = [np.asarray(a, dtype=np.float64) for a in arrays if a is not None and len(a)]
    if not pts:
        return (-1.0, 1.0), (-1.0, 1.0)
    allp = np.concatenate(pts, axis=0)
    finite = allp[np.all(np.isfinite(allp[:, :2]), axis=1)]
    if not len(finite):
        return (-1.0, 1.0), (-1.0, 1.0)
    lo, hi = finite[:, :2].min(axis=0), finite[:, :2].max(axis=0)
    ranges = []
    for a, b in zip(lo, hi, strict=True):
        span = b - a
        if span <= 0:
            span = max(abs(a), 1.0)
        ranges.append((float(a - margin * span), float(b + margin * span)))
    return ranges[0], ranges[1]
