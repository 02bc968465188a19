"""The data: the data panel, its preview, and CSV import.

Contract: imports Qt, the core and ``data``; no engine.
"""

from __future__ import annotations
