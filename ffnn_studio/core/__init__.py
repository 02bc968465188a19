"""Pure project model: specs, catalog, validation and the project file (no Qt, no TF).

Contract: the core imports only the standard library and numpy; never Qt,
TensorFlow, ``data``, ``engine`` or ``ui``.
"""

from __future__ import annotations

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    CsvDataSource,
    DataSource,
    DenseLayer,
    DropoutLayer,
    LayerSpec,
    NetworkSpec,
    OptimizerSpec,
    Project,
    Task,
    TrainingSettings,
)

__all__ = [
    "BuiltinDataSource",
    "CsvDataSource",
    "DataSource",
    "DenseLayer",
    "DropoutLayer",
    "LayerSpec",
    "NetworkSpec",
    "OptimizerSpec",
    "Project",
    "StudioError",
    "Task",
    "TrainingSettings",
]
