"""Running work off the GUI thread: the training controller and its worker, and background tasks.

Contract: the only part of the window, with ``ui.exports``, that imports the
engine; everything else reaches training through ``TrainingController``'s
signals.
"""

from __future__ import annotations
