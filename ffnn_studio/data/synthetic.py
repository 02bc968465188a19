"""Synthetic two-dimensional data sets in the spirit of TensorFlow Playground.

Every generator is a pure function of ``(n_samples, noise, seed)``: the same
arguments always give the same arrays. Inputs lie roughly in [-6, 6].

What ``noise`` means:

- classification sets (circle, xor, gaussians, spirals, blobs): the standard
  deviation of Gaussian jitter added to each input coordinate, in input units.
  Labels come from the clean pattern, so large noise makes classes overlap.
- regression sets (plane, multi_gaussian): the standard deviation of Gaussian
  noise added to the target, whose clean values lie in about [-1, 1].

Classes are balanced (sizes differ by at most one) and the rows are shuffled.

Contract: numpy only; no Qt, no TensorFlow, no scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ffnn_studio.core.spec import Task
from ffnn_studio.data.dataset import Dataset

FEATURE_NAMES = ("x1", "x2")
#: Half-width of the square the Playground-like patterns fill.
RADIUS = 5.0

Generator = Callable[[int, float, int], Dataset]


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def _classification(
    name: str,
    parts: list[np.ndarray],
    class_names: tuple[str, ...],
    noise: float,
    rng: np.random.Generator,
) -> Dataset:
    """Stack per-class point clouds, jitter them, shuffle the rows."""
    x = np.concatenate(parts)
    y = np.concatenate([np.full(len(p), k, dtype=np.int32) for k, p in enumerate(parts)])
    x = x + rng.normal(0.0, noise, size=x.shape)
    order = rng.permutation(len(x))
    return Dataset(
        name=name,
        x=x[order].astype(np.float32),
        y=y[order],
        task=Task.BINARY if len(class_names) == 2 else Task.MULTICLASS,
        feature_names=FEATURE_NAMES,
        class_names=class_names,
    )


def _polar(rng: np.random.Generator, r: np.ndarray) -> np.ndarray:
    angle = rng.uniform(0.0, 2 * np.pi, size=len(r))
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def circle(n_samples: int, noise: float, seed: int) -> Dataset:
    """A disc (radius < 2.5) of class "inside" within a ring (3.5–5) of class "outside"."""
    rng = np.random.default_rng(seed)
    n_out, n_in = _class_sizes(n_samples, 2)
    outside = _polar(rng, rng.uniform(0.7 * RADIUS, RADIUS, size=n_out))
    inside = _polar(rng, rng.uniform(0.0, 0.5 * RADIUS, size=n_in))
    return _classification("circle", [outside, inside], ("outside", "inside"), noise, rng)


def xor(n_samples: int, noise: float, seed: int) -> Dataset:
    """Points in the four quadrants; class "1" where exactly one coordinate is positive."""
    rng = np.random.default_rng(seed)
    parts = []
    for label, n in enumerate(_class_sizes(n_samples, 2)):
        # Keep a margin around the axes so the clean classes are separable.
        magnitude = rng.uniform(0.3, RADIUS, size=(n, 2))
        sign_1 = rng.choice([-1.0, 1.0], size=n)
        # Class 0: same signs (x1·x2 > 0); class 1: opposite signs.
        sign_2 = sign_1 if label == 0 else -sign_1
        parts.append(magnitude * np.column_stack([sign_1, sign_2]))
    return _classification("xor", parts, ("0", "1"), noise, rng)


def gaussians(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two unit-variance Gaussian clusters centred at (-2, -2) ("A") and (2, 2) ("B")."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-2.0, -2.0], [2.0, 2.0]])
    parts = [
        rng.normal(centre, 1.0, size=(n, 2))
        for centre, n in zip(centres, _class_sizes(n_samples, 2), strict=True)
    ]
    return _classification("gaussians", parts, ("A", "B"), noise, rng)


def spirals(n_samples: int, noise: float, seed: int) -> Dataset:
    """Two interleaved spirals of 1.75 turns each, out to radius 5."""
    rng = np.random.default_rng(seed)
    parts = []
    for label, n in enumerate(_class_sizes(n_samples, 2)):
        # Evenly spaced along the arm (like Playground), so the pattern is crisp.
        t = np.linspace(0.0, 1.0, n, endpoint=False)
        r = t * RADIUS
        angle = 1.75 * 2 * np.pi * t + label * np.pi
        parts.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
    return _classification("spirals", parts, ("A", "B"), noise, rng)


def blobs(n_samples: int, noise: float, seed: int) -> Dataset:
    """Three unit-variance Gaussian clusters on a circle of radius 3."""
    rng = np.random.default_rng(seed)
    angles = np.pi / 2 + np.arange(3) * 2 * np.pi / 3
    centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    parts = [
        rng.normal(centre, 1.0, size=(n, 2))
        for centre, n in zip(centres, _class_sizes(n_samples, 3), strict=True)
    ]
    return _classification("blobs", parts, ("A", "B", "C"), noise, rng)


def _regression(
    name: str, surface: Callable[[np.ndarray], np.ndarray], n_samples: int, noise: float, seed: int
) -> Dataset:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-RADIUS, RADIUS, size=(n_samples, 2))
    y = surface(x) + rng.normal(0.0, noise, size=n_samples)
    return Dataset(
        name=name,
        x=x.astype(np.float32),
        y=y.astype(np.float32),
        task=Task.REGRESSION,
        feature_names=FEATURE_NAMES,
        class_names=(),
    )


def _plane_surface(x: np.ndarray) -> np.ndarray:
    return 0.12 * x[:, 0] - 0.06 * x[:, 1] + 0.1


#: (centre x1, centre x2, sign) of the bumps of the multi-Gaussian surface.
_BUMPS = np.array(
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)
_BUMP_WIDTH = 1.5


def _multi_gaussian_surface(x: np.ndarray) -> np.ndarray:
    d2 = (x[:, None, 0] - _BUMPS[None, :, 0]) ** 2 + (x[:, None, 1] - _BUMPS[None, :, 1]) ** 2
    return (_BUMPS[None, :, 2] * np.exp(-d2 / (2 * _BUMP_WIDTH**2))).sum(axis=1)


def plane(n_samples: int, noise: float, seed: int) -> Dataset:
    """y = 0.12·x1 − 0.06·x2 + 0.1 plus noise; x uniform in [-5, 5]²."""
    return _regression("plane", _plane_surface, n_samples, noise, seed)


def multi_gaussian(n_samples: int, noise: float, seed: int) -> Dataset:
    """y = a sum of six Gaussian bumps of alternating sign plus noise; x uniform in [-5, 5]²."""
    return _regression("multi_gaussian", _multi_gaussian_surface, n_samples, noise, seed)


GENERATORS: dict[str, Generator] = {
    "circle": circle,
    "xor": xor,
    "gaussians": gaussians,
    "spirals": spirals,
    "blobs": blobs,
    "plane": plane,
    "multi_gaussian": multi_gaussian,
}
