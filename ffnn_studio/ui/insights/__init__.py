"""Inside the network: decision boundary, diagram, layer health, runs and comparisons.

Contract: the insight views read the controller's reports, the session's
weight snapshots and the document; they never import the engine or
TensorFlow (the forward pass is ``core.forward``).
"""

from __future__ import annotations
