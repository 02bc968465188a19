"""The Training panel's choice of where a run trains (``catalog.STRATEGIES``).

Contract: a combo box over the strategy catalog; no engine, no document.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox

from ffnn_studio.core.catalog import STRATEGIES

STRATEGY_HELP = {
    "default": "TensorFlow places the run on one device: the GPU when there is one, else the CPU.",
    "mirrored": "Every local GPU (or CPU device) trains a share of each batch; the gradients are "
    "summed across them (tf.distribute.MirroredStrategy). Same curve as one device.",
    "multi-worker": "A cluster of machines described by TF_CONFIG "
    "(tf.distribute.MultiWorkerMirroredStrategy): started on each machine with "
    "'ffnn-studio train PROJECT --strategy multi-worker', not from the window.",
}


def make_strategy_combo() -> QComboBox:
    """A combo of the strategies; the multi-worker one is shown but runs from the command line only."""
    combo = QComboBox()
    combo.setObjectName("strategyCombo")
    combo.setAccessibleName("Distribution strategy")
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(8)
    for name, label in STRATEGIES.items():
        combo.addItem(label, name)
        combo.setItemData(combo.count() - 1, STRATEGY_HELP.get(name, ""), Qt.ItemDataRole.ToolTipRole)
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        item = model.item(combo.findData("multi-worker"))
        if item is not None:
            # The window has already run TensorFlow (its warm-up): a cluster must start first.
            item.setEnabled(False)
    return combo


def strategy_tooltip(name: str) -> str:
    return STRATEGY_HELP.get(name, "")
