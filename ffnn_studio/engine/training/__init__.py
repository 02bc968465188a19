"""Training: the session that trains a project's model in compiled chunks and reports as it goes.

Importing this package imports TensorFlow (through ``session``).

Contract: no Qt; imports TensorFlow when ``session`` is imported.
"""

from __future__ import annotations

from ffnn_studio.core.reports import NullSink
from ffnn_studio.engine.training.session import RunHistory, TrainingSession, warm_up_engine

__all__ = ["NullSink", "RunHistory", "TrainingSession", "warm_up_engine"]
