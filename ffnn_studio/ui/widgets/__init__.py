"""Small shared pieces of the window: colours and other helpers used by several views."""

from __future__ import annotations
