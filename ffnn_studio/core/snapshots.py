"""Weight snapshots taken at a few dozen epochs of a run, so a view can replay how it learned.

The session offers its weights at the epochs ``plan`` chose (evenly spaced
over the run, about ``SNAPSHOT_COUNT`` of them, fewer when the network is so
big that they would pass ``SNAPSHOT_BYTES``); the Evaluation view and the
decision boundary evaluate them with ``core.forward``. Memory stays bounded:
a run that is continued keeps every other older snapshot when the total
would pass twice the count.

Contract: plain Python and numpy; written by the training thread, read by
the GUI thread (copies under a lock). No Qt, no TensorFlow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

#: Snapshots one run plans.
SNAPSHOT_COUNT = 30
#: Most bytes all snapshots of a session may take.
SNAPSHOT_BYTES = 64 << 20

Weights = Sequence[tuple[np.ndarray, np.ndarray | None]]


def weights_nbytes(weights: Weights) -> int:
    return sum(k.nbytes + (0 if b is None else b.nbytes) for k, b in weights)


class EpochSnapshots:
    """The weights at chosen epochs (0 = the initial weights), in epoch order."""

    def __init__(self, count: int = SNAPSHOT_COUNT, budget_bytes: int = SNAPSHOT_BYTES) -> None:
        self.count = count
        self.budget_bytes = budget_bytes
        self._lock = threading.Lock()
        self._taken: dict[int, tuple[tuple[np.ndarray, np.ndarray | None], ...]] = {}
        self._due: list[int] = []

    def clear(self) -> None:
        with self._lock:
            self._taken.clear()
            self._due = []

    def plan(self, first: int, target: int, weights: Weights) -> None:
        """Choose the epochs in (``first``, ``target``] to keep; keep ``weights`` as epoch ``first``
        when nothing is kept yet (a fresh run's initial weights)."""
        per = max(1, weights_nbytes(weights))
        n = max(2, min(self.count, self.budget_bytes // per // 2))
        span = target - first
        due = (
            sorted({first + round(float(v)) for v in np.linspace(span / n, span, n)} - {first})
            if span > 0
            else []
        )
        with self._lock:
            self._due = due
            if len(self._taken) + len(due) > 2 * n:
                # A long chain of continued runs: thin the older snapshots, keep the first.
                kept = sorted(self._taken)
                self._taken = {
                    e: self._taken[e] for i, e in enumerate(kept) if i % 2 == 0 or e == kept[0]
                }
        if not self._taken:
            self.take(first, weights)

    def next_due(self, after: int) -> int | None:
        """The first planned epoch after ``after`` not taken yet, or None."""
        with self._lock:
            return next((e for e in self._due if e > after), None)

    def offer(self, epoch: int, read: Callable[[], Weights]) -> bool:
        """Keep the weights ``read`` returns if ``epoch`` is planned; True if they were kept."""
        with self._lock:
            due = epoch in self._due
        if due:
            self.take(epoch, read())
        return due

    def take(self, epoch: int, weights: Weights) -> None:
        copy = tuple(
            (np.array(k, copy=True), None if b is None else np.array(b, copy=True))
            for k, b in weights
        )
        with self._lock:
            self._taken[int(epoch)] = copy
            self._due = [e for e in self._due if e != epoch]

    def epochs(self) -> list[int]:
        with self._lock:
            return sorted(self._taken)

    def weights(self, epoch: int) -> tuple[tuple[np.ndarray, np.ndarray | None], ...]:
        with self._lock:
            return self._taken[epoch]

    def nbytes(self) -> int:
        with self._lock:
            return sum(weights_nbytes(w) for w in self._taken.values())

    def __len__(self) -> int:
        with self._lock:
            return len(self._taken)
