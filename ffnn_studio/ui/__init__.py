"""The PySide6 window: the only layer that imports Qt.

Contract: ``ui`` imports the core, ``data``, ``config`` and, through
``ui.run`` and ``ui.exports`` only, the engine; the build, dataset,
document, live, insights and widgets views import no engine and no
TensorFlow (import-linter contracts check both).
"""
