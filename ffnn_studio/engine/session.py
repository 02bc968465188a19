"""Stable import path for scripts: ``from ffnn_studio.engine.session import TrainingSession``.

The session lives in ``ffnn_studio.engine.training``; this module keeps the
path that scripts and notebooks written against earlier versions use.

Contract: re-exports only; adds nothing.
"""

from __future__ import annotations

from ffnn_studio.core.reports import NullSink
from ffnn_studio.engine.training.session import RunHistory, TrainingSession, warm_up_engine

__all__ = ["NullSink", "RunHistory", "TrainingSession", "warm_up_engine"]
