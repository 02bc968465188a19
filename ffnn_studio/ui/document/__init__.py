"""The document: the open project, its file, its undo stack, and the undo commands that edit it.

Contract: imports Qt and the core only; no engine, no other part of the
window.
"""

from __future__ import annotations

from ffnn_studio.ui.document.document import ProjectDocument

__all__ = ["ProjectDocument"]
