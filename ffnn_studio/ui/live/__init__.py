"""Watching a run: the live plots and the train/pause/stop controls with progress.

Contract: the live views read the run controller's signals; no engine, no
TensorFlow.
"""

from __future__ import annotations
