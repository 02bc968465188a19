"""Export from the window: the export dialogs and the File menu's export actions.

Contract: the only views besides ``ui.run`` that may import the engine
(export and code generation run as background tasks).
"""

from __future__ import annotations
