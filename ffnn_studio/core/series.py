"""A time series of a fixed memory budget: full resolution until the budget, then
min/max pairs, so a run of any length keeps its curve's shape and its peaks.

Rows are (x, y₀ … yₖ₋₁) with x non-decreasing (epochs). Up to ``budget`` rows
are kept as given. At the budget every four rows become two, holding each
column's smallest and largest value in the order they occurred (x: the
bucket's first and last x), and from then on incoming rows are gathered in
groups of the same span before they are reduced the same way. The whole
series thus always has one resolution: no part of a long run fades away, and
a spike (a diverging gradient) survives any number of reductions. Memory is
``budget`` rows plus one group still gathering (a group spans 2·stride rows
for a stride of rows per stored row, so a million rows under a budget of
4,096 gather at most 512).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Rows a series keeps before it starts to reduce (a multiple of 4).
DEFAULT_BUDGET = 8192


def minmax_reduce(x: np.ndarray, y: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    """Every ``group`` consecutive rows of ``x`` (n,) and ``y`` (k, n) as two rows:
    per column the group's min and max in the order they occur (NaN when a group has
    no finite value), x the group's first and last. ``n`` must be a multiple of ``group``."""
    n = x.shape[0]
    b = n // group
    k = y.shape[0]
    xs = x[: b * group].reshape(b, group)
    x_out = np.empty(2 * b, dtype=x.dtype)
    x_out[0::2] = xs[:, 0]
    x_out[1::2] = xs[:, -1]
    ys = y[:, : b * group].reshape(k, b, group)
    finite = np.isfinite(ys)
    i_lo = np.where(finite, ys, np.inf).argmin(axis=2)
    i_hi = np.where(finite, ys, -np.inf).argmax(axis=2)
    lo = np.take_along_axis(ys, i_lo[..., None], axis=2)[..., 0]
    hi = np.take_along_axis(ys, i_hi[..., None], axis=2)[..., 0]
    some = finite.any(axis=2)
    lo = np.where(some, lo, np.nan)
    hi = np.where(some, hi, np.nan)
    low_first = i_lo <= i_hi
    y_out = np.empty((k, 2 * b), dtype=y.dtype)
    y_out[:, 0::2] = np.where(low_first, lo, hi)
    y_out[:, 1::2] = np.where(low_first, hi, lo)
    return x_out, y_out


class BoundedSeries:
    """An x column and ``columns`` y columns in numpy buffers that grow by doubling
    up to ``budget`` rows and then reduce to min/max pairs (see the module's notes).

    ``x()`` and ``y(c)`` return views of the filled part (``y(c)`` is contiguous);
    they stay valid, keeping the old arrays alive, when the buffer grows or reduces.
    """

    def __init__(
        self,
        columns: int,
        capacity: int = 256,
        *,
        budget: int = DEFAULT_BUDGET,
        dtype: type[np.floating] = np.float64,
    ) -> None:
        if budget < 8 or budget % 4:
            raise ValueError("the budget must be a multiple of 4, at least 8")
        self.columns = columns
        self.budget = budget
        self._x = np.empty(max(capacity, 2), dtype=np.float64)
        # One row per column: y(c) is a contiguous view.
        self._y = np.empty((columns, max(capacity, 2)), dtype=dtype)
        self.n = 0
        #: Rows already at the series' resolution; rows after it are a group gathering.
        self._settled = 0
        #: Input rows per group once reducing (1: every row is kept as it is).
        self._group = 1
        #: Rows appended in all (before any reduction).
        self.appended = 0

    @property
    def capacity(self) -> int:
        return self._x.shape[0]

    @property
    def stride(self) -> int:
        """How many appended rows one stored row stands for (1 until the budget is reached)."""
        return max(1, self._group // 2)

    def append(self, x: float, ys: Sequence[float | None] | np.ndarray) -> None:
        if self.n == self.capacity:
            self._grow()
        i = self.n
        self._x[i] = x
        row = self._y[:, i]
        if isinstance(ys, np.ndarray):
            row[:] = ys.ravel()
        else:
            for c, value in enumerate(ys):
                row[c] = np.nan if value is None else value
        self.n = i + 1
        self.appended += 1
        if self._group == 1:
            self._settled = self.n
        elif self.n - self._settled == self._group:
            s = self._settled
            gx, gy = minmax_reduce(self._x[s : self.n], self._y[:, s : self.n], self._group)
            self._x[s : s + 2] = gx
            self._y[:, s : s + 2] = gy
            self.n = self._settled = s + 2
        if self._settled >= self.budget:
            self._reduce()

    def _grow(self) -> None:
        capacity = self.capacity * 2
        x = np.empty(capacity, dtype=np.float64)
        x[: self.n] = self._x[: self.n]
        y = np.empty((self.columns, capacity), dtype=self._y.dtype)
        y[:, : self.n] = self._y[: , : self.n]
        self._x, self._y = x, y

    def _reduce(self) -> None:
        """Halve the settled rows (four into a min/max pair) and double the group."""
        s = self._settled - self._settled % 4
        rx, ry = minmax_reduce(self._x[:s], self._y[:, :s], 4)
        # New arrays: views handed out before keep showing the old rows.
        x = np.empty(self.capacity, dtype=np.float64)
        y = np.empty((self.columns, self.capacity), dtype=self._y.dtype)
        m = rx.shape[0]
        x[:m], y[:, :m] = rx, ry
        rest = self.n - s
        x[m : m + rest] = self._x[s : self.n]
        y[:, m : m + rest] = self._y[:, s : self.n]
        self._x, self._y = x, y
        self._settled = m + (self._settled - s)
        self.n = m + rest
        self._group = 4 if self._group == 1 else self._group * 2

    def x(self) -> np.ndarray:
        return self._x[: self.n]

    def y(self, column: int) -> np.ndarray:
        return self._y[column, : self.n]

    def ys(self) -> np.ndarray:
        """All y columns of the filled part, (columns, n)."""
        return self._y[:, : self.n]

    def nbytes(self) -> int:
        return int(self._x.nbytes + self._y.nbytes)
