"""Export: a trained model to a real file (.keras, SavedModel, TFLite, ONNX, .h5), checked by reloading.

``formats`` holds the writers, the reloading check and the sidecar metadata.
TensorFlow is imported when an export runs, not when this package is.

Contract: no Qt; TensorFlow and the runtimes load inside the export
functions.
"""

from __future__ import annotations

from ffnn_studio.engine.export.formats import (
    FORMATS,
    META_SUFFIX,
    ExportFormat,
    ExportResult,
    export_keras_file,
    export_model,
    export_session,
    format_for_path,
    metadata_path,
)

__all__ = [
    "FORMATS",
    "META_SUFFIX",
    "ExportFormat",
    "ExportResult",
    "export_keras_file",
    "export_model",
    "export_session",
    "format_for_path",
    "metadata_path",
]
