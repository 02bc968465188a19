"""Views that only work while they are on screen.

Contract: a mix-in for views; imports Qt only.
"""

from __future__ import annotations

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
