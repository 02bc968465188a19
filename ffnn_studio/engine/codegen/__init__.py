"""Code generation: a project as a standalone, readable Keras training script.

Imports neither TensorFlow nor Keras.

Contract: no Qt and no TensorFlow: a script is text.
"""

from __future__ import annotations

from ffnn_studio.engine.codegen.script import generate_script, write_script

__all__ = ["generate_script", "write_script"]
