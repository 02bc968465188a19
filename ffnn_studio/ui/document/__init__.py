"""The document: the open project, its file, its undo stack, and the undo commands that edit it."""

from __future__ import annotations

from ffnn_studio.ui.document.document import ProjectDocument

__all__ = ["ProjectDocument"]
