"""Inside the network: decision boundary, diagram, layer health, runs and comparisons."""

from __future__ import annotations
