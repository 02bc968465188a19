"""Export from the window: the export dialogs and the File menu's export actions."""

from __future__ import annotations
