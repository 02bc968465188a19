"""A shorter GIL switch interval while a background thread traces a training program.

Tracing is seconds of pure Python. A thread that waits for the GIL gets it
only after the holder's switch interval (5 ms by default) has passed, and the
window's thread waits like that on every call into Qt that releases the GIL:
a repaint made of dozens of such calls then takes ten times as long while a
trace runs beside it. With a 1 ms interval each of those waits is 1 ms.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The switch interval while a trace runs in the background (seconds).
TRACE_SWITCH_INTERVAL_S = 0.001

_lock = threading.Lock()
_depth = 0
_saved = 0.0


@contextmanager
def short_switch_interval(seconds: float = TRACE_SWITCH_INTERVAL_S) -> Iterator[None]:
    """Within, the interpreter's switch interval is at most ``seconds``; nested and
    concurrent uses share it, and the last one out restores the interval before."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = sys.getswitchinterval()
            sys.setswitchinterval(min(seconds, _saved))
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                sys.setswitchinterval(_saved)
