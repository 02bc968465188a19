"""A run's per-epoch curves thinned for the runs file: the shape kept, the size bounded.

Every epoch of every run in the runs file made a 10,000-epoch run cost about
0.8 MB of JSON, and the file holds every run of a project. Beyond
``RUN_HISTORY_POINTS`` epochs a run keeps, in each of evenly sized buckets of
epochs, the epochs where any curve has its minimum or maximum there, plus the
first, the last and the best (lowest validation loss) epoch: a plot of the
kept points shows the same envelope, the same final values and the same best
epoch as the full history.
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise

import numpy as np

#: Runs up to this many epochs keep every one; longer ones about this many points.
RUN_HISTORY_POINTS = 2000


def kept_epochs(curves: Mapping[str, np.ndarray], budget: int = RUN_HISTORY_POINTS) -> np.ndarray:
    """Indices (0-based, increasing) of the epochs to keep of ``curves`` (equal-length columns)."""
    n = max((len(v) for v in curves.values()), default=0)
    if n <= budget:
        return np.arange(n)
    # Two picks (minimum and maximum) per curve and bucket.
    n_buckets = max(1, budget // (2 * max(1, len(curves))))
    edges = np.linspace(0, n, n_buckets + 1).astype(np.int64)
    keep = [0, n - 1]
    val = curves.get("val_loss")
    if val is not None and np.isfinite(val).any():
        keep.append(int(np.nanargmin(val)))
    for values in curves.values():
        values = np.asarray(values, dtype=np.float64)
        for lo, hi in pairwise(edges):
            part = values[lo:hi]
            finite = np.isfinite(part)
            if not finite.any():
                continue
            masked_low = np.where(finite, part, np.inf)
            masked_high = np.where(finite, part, -np.inf)
            keep += [lo + int(np.argmin(masked_low)), lo + int(np.argmax(masked_high))]
    return np.unique(np.asarray(keep, dtype=np.int64))
