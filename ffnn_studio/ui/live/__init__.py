"""Watching a run: the live plots and the train/pause/stop controls with progress."""

from __future__ import annotations
