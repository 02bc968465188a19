"""The bounded series: exact until its budget, min/max pairs of one resolution beyond."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ffnn_studio.core.series import BoundedSeries, minmax_reduce


def test_below_the_budget_rows_are_kept_as_given() -> None:
    s = BoundedSeries(2, capacity=4, budget=64)
    for i in range(60):
        s.append(float(i), (i * 2.0, None if i == 3 else -i))
    assert s.n == 60 and s.stride == 1
    np.testing.assert_array_equal(s.x(), np.arange(60.0))
    np.testing.assert_array_equal(s.y(0), np.arange(60.0) * 2)
    assert math.isnan(s.y(1)[3])


def test_minmax_reduce_keeps_extremes_in_order_and_nan_for_empty_groups() -> None:
    x = np.arange(8.0)
    y = np.array([[3.0, 9.0, 1.0, 5.0, np.nan, np.nan, np.nan, np.nan], [0, -1, 2, 7, 1, 1, 1, 1]])
    rx, ry = minmax_reduce(x, y, 4)
    np.testing.assert_array_equal(rx, [0.0, 3.0, 4.0, 7.0])
    # Column 0: max 9 (position 1) before min 1 (position 2); then an all-NaN group.
    np.testing.assert_array_equal(ry[0, :2], [9.0, 1.0])
    assert np.isnan(ry[0, 2:]).all()
    np.testing.assert_array_equal(ry[1], [-1.0, 7.0, 1.0, 1.0])


def test_a_long_series_stays_within_its_budget_and_keeps_its_shape() -> None:
    budget, n = 256, 200_000
    rng = np.random.default_rng(0)
    values = np.exp(-np.arange(n) / 50_000) + 0.01 * rng.standard_normal(n)
    spike_at = 123_457
    values[spike_at] = 50.0
    s = BoundedSeries(1, budget=budget)
    for i, v in enumerate(values):
        s.append(float(i + 1), (float(v),))
    assert s.appended == n
    assert s.n <= budget + 2 * s.stride
    assert s.capacity <= 2 * (budget + 2 * s.stride)
    x = s.x()
    assert (np.diff(x) >= 0).all()
    assert x[0] == 1.0 and x[-1] == float(n)
    # Extremes survive every reduction: the spike and the global minimum.
    assert s.y(0).max() == 50.0
    assert s.y(0).min() == pytest.approx(values.min())
    assert x[np.argmax(s.y(0))] == pytest.approx(spike_at + 1, abs=2 * s.stride)
    # One resolution along the run (the last group, still gathering, aside): the old
    # part has not faded away.
    first, second = ((x >= a) & (x < a + n / 4) for a in (0, n / 4))
    assert first.sum() == pytest.approx(second.sum(), rel=0.1)
    assert first.sum() > budget / 8
    # And the curve's shape: stored values follow the decay.
    early = s.y(0)[x < 10_000]
    late = s.y(0)[(x > 190_000)]
    assert np.median(early) == pytest.approx(math.exp(-5_000 / 50_000), abs=0.1)
    assert np.median(late) == pytest.approx(math.exp(-195_000 / 50_000), abs=0.05)


def test_views_handed_out_stay_valid_after_a_reduction() -> None:
    s = BoundedSeries(1, budget=16)
    for i in range(16):
        s.append(float(i), (float(i),))
    before = s.x()
    snapshot = before.copy()
    for i in range(16, 40):
        s.append(float(i), (float(i),))
    np.testing.assert_array_equal(before, snapshot)
    assert s.stride > 1


def test_the_budget_must_be_a_multiple_of_four() -> None:
    with pytest.raises(ValueError):
        BoundedSeries(1, budget=10)
