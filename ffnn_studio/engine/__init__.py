"""TensorFlow/Keras side: model building, training sessions, export, code generation (no Qt).

Contract: the engine imports no Qt and nothing of ``ui`` or ``cli``;
TensorFlow is imported by the modules that need it, never by this package's
``__init__``.
"""
