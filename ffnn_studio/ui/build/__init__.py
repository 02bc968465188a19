"""Building the network: the layer palette, the layer stack, the inspector and the training panel."""

from __future__ import annotations
