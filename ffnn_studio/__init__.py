"""FFNN Studio: build, train, inspect and export feed-forward neural networks.

Contract: importing the package is cheap. It imports neither TensorFlow nor
Keras nor Qt and changes no interpreter state. A ``.keras`` or ``.h5`` model
that uses the studio's step activation loads in plain Keras after
``import ffnn_studio.engine.activations``, the module that registers it.
"""

from __future__ import annotations

__version__ = "0.1.0"
