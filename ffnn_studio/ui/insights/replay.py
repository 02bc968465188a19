"""A slider over the epochs a run kept weights of, to replay how the network learned.

The session keeps its weights at a few dozen epochs (``core.snapshots``);
the slider steps through them, its last position being the weights the
network has now. Views connect ``moved`` and draw the weights it hands them.

Contract: a widget reading ``session.epoch_snapshots`` and ``session.weights_snapshot()``
through duck typing; no engine.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QWidget


class ReplaySlider(QWidget):
    """Epoch slider over a session's weight snapshots; the last position is the current weights."""

    #: The slider moved: the weights to draw (a snapshot), or None for the current weights.
    moved = Signal(object)

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Replay epochs")
        self._session: Any = None
        #: Epochs of the positions; the last one is the current weights' epoch.
        self.epochs: list[int] = []
        self.caption = QLabel("Epoch:")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"{object_name}Slider")
        self.slider.setAccessibleName("Replay epoch")
        self.slider.setToolTip(
            "Replay the run: the weights kept at a few dozen epochs of training. "
            "The rightmost position is the network as it is now."
        )
        self.slider.setPageStep(1)
        self.label = QLabel()
        self.label.setObjectName(f"{object_name}Label")
        self.label.setAccessibleName("Replayed epoch")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("Epoch 00000 (now)"))
        self.caption.setBuddy(self.slider)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.slider.valueChanged.connect(self._on_value)
        self.set_session(None)

    def set_session(self, session: Any) -> None:
        self._session = session
        self.sync()

    def sync(self, *, to_end: bool = True) -> None:
        """Re-read the session's snapshots (a run went on or ended); go to the end."""
        snapshots = getattr(self._session, "epoch_snapshots", None)
        if not callable(getattr(snapshots, "epochs", None)):  # a session that keeps none
            snapshots = None
        done = int(getattr(self._session, "epochs_completed", 0) or 0)
        kept = [] if snapshots is None else [e for e in snapshots.epochs() if e < done]
        self.epochs = [*kept, done] if self._session is not None else []
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.epochs) - 1))
        if to_end:
            self.slider.setValue(self.slider.maximum())
        self.slider.blockSignals(False)
        self.setEnabled(len(self.epochs) > 1)
        self._update_label()

    @property
    def at_end(self) -> bool:
        return self.slider.value() >= self.slider.maximum()

    @property
    def epoch(self) -> int | None:
        """The epoch shown (0 = the initial weights), or None without a session."""
        return self.epochs[self.slider.value()] if self.epochs else None

    def weights(self) -> Any:
        """The weights of the position shown: a snapshot, or None for the current weights."""
        if self.at_end or not self.epochs:
            return None
        return self._session.epoch_snapshots.weights(self.epochs[self.slider.value()])

    def _update_label(self) -> None:
        epoch = self.epoch
        if epoch is None:
            self.label.setText("—")
        elif self.at_end:
            self.label.setText(f"Epoch {epoch} (now)")
        else:
            self.label.setText(f"Epoch {epoch}" if epoch else "Epoch 0 (initial)")

    @Slot(int)
    def _on_value(self, _value: int) -> None:
        self._update_label()
        self.moved.emit(self.weights())
