"""Running work off the GUI thread: the training controller and its worker, and background tasks."""

from __future__ import annotations
