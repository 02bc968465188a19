"""Building the network: the layer palette, the layer stack, the inspector and the training settings panel."""

from __future__ import annotations
