"""The data: the data panel, its preview, and CSV import."""

from __future__ import annotations
