"""Small shared pieces of the window: colours and other helpers used by several views.

Contract: imports Qt, pyqtgraph and the core only; no view imports back into
another view through here.
"""

from __future__ import annotations
