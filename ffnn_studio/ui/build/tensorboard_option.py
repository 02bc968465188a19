"""The TensorBoard option of the training panel: write runs for TensorBoard, and where.

A window preference kept in the studio's settings (not in the project file):
the same person wants it for every project, and a project shared with someone
else should not write into their folders.

Contract: reads and writes two settings keys and says which folder runs are
logged under (``log_dir``); no engine.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ffnn_studio.config import SETTINGS_DEFAULTS, TENSORBOARD_DIR_KEY, TENSORBOARD_ENABLED_KEY
from ffnn_studio.ui.build.param_widgets import help_label


class TensorBoardOption(QGroupBox):
    """A checkable box: write every run for TensorBoard under a chosen folder."""

    #: The option was switched or its folder edited.
    changed = Signal()

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__("TensorBoard logs", parent)
        self.setObjectName("tensorboardGroup")
        self.setAccessibleName("TensorBoard logs")
        self.setCheckable(True)
        self.setToolTip(
            "Write each run's loss, metrics, learning rate, layer norms and weight and gradient "
            "histograms for TensorBoard."
        )
        self.settings = settings

        self.folder = QLineEdit()
        self.folder.setObjectName("tensorboardFolderEdit")
        self.folder.setAccessibleName("TensorBoard logs folder")
        self.folder.setPlaceholderText("folder for the runs' logs")
        self.browse = QPushButton("Br&owse…")
        self.browse.setObjectName("tensorboardBrowseButton")
        self.browse.setAccessibleName("Choose the TensorBoard logs folder")
        self.browse.clicked.connect(self._choose_folder)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.folder, 1)
        row.addWidget(self.browse)
        self.help = help_label("tensorboardHelp", "TensorBoard help")
        self.help.setText(
            "Each run gets a folder of its own, named by project and time. "
            "Open them side by side with <tt>tensorboard --logdir</tt> and this folder."
        )
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.help)

        enabled = settings.value(
            TENSORBOARD_ENABLED_KEY, SETTINGS_DEFAULTS[TENSORBOARD_ENABLED_KEY], type=bool
        )
        folder = settings.value(
            TENSORBOARD_DIR_KEY, SETTINGS_DEFAULTS[TENSORBOARD_DIR_KEY], type=str
        )
        self.setChecked(bool(enabled))
        self.folder.setText(str(folder or SETTINGS_DEFAULTS[TENSORBOARD_DIR_KEY]))
        self.toggled.connect(self._store)
        self.folder.editingFinished.connect(self._store)

    def log_dir(self) -> Path | None:
        """The folder runs are written under, or None when the option is off (or has no folder)."""
        text = self.folder.text().strip()
        if not self.isChecked() or not text:
            return None
        return Path(text).expanduser()

    def set_folder(self, folder: str) -> None:
        self.folder.setText(folder)
        self._store()

    def _choose_folder(self) -> None:
        start = str(self.log_dir() or Path(self.folder.text().strip() or "~").expanduser())
        chosen = QFileDialog.getExistingDirectory(self, "TensorBoard Logs Folder", start)
        if chosen:
            self.set_folder(chosen)

    def _store(self, *_args: object) -> None:
        self.settings.setValue(TENSORBOARD_ENABLED_KEY, self.isChecked())
        self.settings.setValue(TENSORBOARD_DIR_KEY, self.folder.text().strip())
        self.changed.emit()
