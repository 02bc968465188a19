"""Views that only work while they are on screen.

Contract: a mix-in for views; imports Qt only.
"""

from __future__ import annotations

import math
import time
from typing import Any


class RefreshWhenShown:
    """For a QWidget subclass with a ``refresh()`` method (put this class first).

    ``refresh_if_shown()`` refreshes at once while the widget is visible;
    otherwise (another tab in front, a closed dock) it only notes that the
    view is stale, and the refresh happens when the widget is shown next. A
    run's start and end then cost a hidden view nothing.
    """

    _stale = False

    def refresh_if_shown(self) -> None:
        if self.isVisible():  # type: ignore[attr-defined]
            self.refresh()  # type: ignore[attr-defined]
        else:
            self._stale = True

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)  # type: ignore[misc]
        if self._stale:
            self._stale = False
            self.refresh()  # type: ignore[attr-defined]

    def follow_runs(self, controller: Any, on_weights_reset: Any) -> None:
        """Connect a run controller's signals to this view's ``_on_started``,
        ``_on_state``, ``_on_report`` and ``_on_finished`` slots (bound methods, which
        Qt drops with the view). A model opened from a file is shown as a finished
        run's is, before any training: ``modelLoaded`` goes to ``_on_started`` too."""
        self._controller = controller
        controller.started.connect(self._on_started)  # type: ignore[attr-defined]
        controller.modelLoaded.connect(self._on_started)  # type: ignore[attr-defined]
        controller.stateChanged.connect(self._on_state)  # type: ignore[attr-defined]
        controller.reported.connect(self._on_report)  # type: ignore[attr-defined]
        controller.finished.connect(self._on_finished)  # type: ignore[attr-defined]
        controller.weightsReset.connect(on_weights_reset)

    def live_weights(self, report: Any) -> Any:
        """The weights a run's delivery carries, if the view should draw them now: it has a
        session, is visible (hidden: it only turns stale) and its ``_throttle`` lets it through."""
        if report.weights is None or getattr(self, "_session", None) is None:
            return None
        if not self.isVisible():  # type: ignore[attr-defined]
            self._stale = True  # shown again mid-run: refresh at once
            return None
        return report.weights if self._throttle.due() else None  # type: ignore[attr-defined]


class LiveThrottle:
    """Lets a live refresh through at most once per ``interval_ms``."""

    def __init__(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self._last = -math.inf

    def due(self) -> bool:
        """True (and counted as a refresh) if the interval has passed since the last one."""
        now = time.monotonic()
        # Deliveries arrive about every 50 ms: the slack keeps a 100 ms interval at every
        # second delivery instead of every third when one comes a little early.
        if (now - self._last) * 1000.0 < 0.9 * self.interval_ms:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        self._last = -math.inf
