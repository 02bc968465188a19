"""Autosave and crash recovery: unsaved changes are written to a recovery file every minute.

While the document has unsaved changes, ``AutosaveService`` writes its
project (atomically) to ``<user data>/FFNN Studio/FFNN Studio/recovery/<id>.ffnn-recovery.json``, a
small header (original path, time, process id) around the project's JSON.
A save, a new or opened project and a clean exit remove the file. A running
window holds ``<id>.lock`` (a ``QLockFile``, which records the process id and
tells a crashed owner from a live one on every platform), so the next launch
offers exactly the files whose window is gone.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal, Slot

from ffnn_studio.config import AUTOSAVE_INTERVAL_MS
from ffnn_studio.core.atomic import atomic_write_text, remove_path
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import project_from_dict, project_to_dict
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.document.document import ProjectDocument

log = logging.getLogger(__name__)

RECOVERY_FORMAT = "ffnn-studio-recovery"
RECOVERY_SUFFIX = ".ffnn-recovery.json"
LOCK_SUFFIX = ".lock"


def recovery_folder() -> Path:
    """The folder of recovery files, in the user's data folder.

    Named like the settings (``studio_settings``), from the studio's own names
    rather than the running QApplication's, which a host or a test may rename.
    """
    from ffnn_studio.ui.main_window import APP_NAME, ORGANIZATION

    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    return Path(base) / ORGANIZATION / APP_NAME / "recovery"


@dataclass(frozen=True)
class Recovery:
    """One recovery file as read back: the unsaved project and where it came from."""

    file: Path
    project: Project
    #: The project file the changes belong to; None for a project never saved.
    original: Path | None
    saved_at: datetime
    pid: int

    @property
    def time_text(self) -> str:
        return self.saved_at.strftime("%Y-%m-%d %H:%M:%S")


def read_recovery(file: Path) -> Recovery:
    """Read a recovery file; ``StudioError`` if it is damaged."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StudioError(f"unreadable recovery file: {exc}", where=file.name) from None
    if not isinstance(data, dict) or data.get("format") != RECOVERY_FORMAT:
        raise StudioError("not a recovery file", where=file.name)
    try:
        saved_at = datetime.fromisoformat(str(data.get("saved_at")))
        pid = int(data.get("pid", 0))
    except (TypeError, ValueError):
        raise StudioError("damaged recovery header", where=file.name) from None
    original = data.get("original_path")
    project = project_from_dict(data.get("project"))
    return Recovery(file, project, Path(original) if isinstance(original, str) else None, saved_at, pid)


def _lock_for(file: Path) -> QLockFile:
    lock = QLockFile(str(file.with_name(file.name[: -len(RECOVERY_SUFFIX)] + LOCK_SUFFIX)))
    # Only a dead owner makes a lock stale, never its age: a window may run for days.
    lock.setStaleLockTime(0)
    return lock


def orphaned_recoveries(folder: Path | None = None) -> list[Recovery]:
    """Recovery files whose window is no longer running, newest first."""
    folder = folder if folder is not None else recovery_folder()
    if not folder.is_dir():
        return []
    found: list[Recovery] = []
    for file in folder.glob(f"*{RECOVERY_SUFFIX}"):
        lock = _lock_for(file)
        if not lock.tryLock(0):  # its window is alive (this process's included)
            continue
        lock.unlock()
        try:
            found.append(read_recovery(file))
        except StudioError as exc:
            log.warning("skipping %s", exc)
    return sorted(found, key=lambda r: r.saved_at, reverse=True)


def discard_recovery(recovery: Recovery) -> None:
    """Delete a recovery file (and a lock its crashed window left)."""
    remove_path(recovery.file)
    lock = _lock_for(recovery.file)
    if lock.tryLock(0):
        lock.unlock()


class AutosaveService(QObject):
    """Writes the document's unsaved changes to a recovery file on a timer."""

    #: A recovery file was written (its path).
    saved = Signal(Path)
    #: Writing failed; the message says why (autosave keeps trying).
    failed = Signal(str)

    def __init__(
        self,
        document: ProjectDocument,
        folder: Path | None = None,
        interval_ms: int = AUTOSAVE_INTERVAL_MS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.folder = folder if folder is not None else recovery_folder()
        self.file = self.folder / f"{uuid.uuid4().hex}{RECOVERY_SUFFIX}"
        self._lock = _lock_for(self.file)
        self._pending = False
        self._timer = QTimer(self)
        self._timer.setObjectName("autosaveTimer")
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.write_now)
        document.changed.connect(self._on_changed)
        document.dirtyChanged.connect(self._on_dirty)
        if document.dirty:
            self._on_changed()
            self._on_dirty(True)

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval(self, ms: int) -> None:
        self._timer.setInterval(ms)

    @property
    def active(self) -> bool:
        """True while unsaved changes are being autosaved."""
        return self._timer.isActive()

    @Slot()
    def _on_changed(self) -> None:
        self._pending = True

    @Slot(bool)
    def _on_dirty(self, dirty: bool) -> None:
        if dirty:
            self._timer.start()
        else:
            self._timer.stop()
            self.discard()

    @Slot()
    def write_now(self) -> bool:
        """Write the recovery file if there are changes it does not hold yet."""
        if not self.document.dirty or not self._pending:
            return False
        doc = self.document
        header = {
            "format": RECOVERY_FORMAT,
            "original_path": str(doc.path.resolve()) if doc.path else None,
            "saved_at": datetime.now().isoformat(timespec="seconds"),
            "pid": os.getpid(),
            "project": project_to_dict(doc.project),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not self._lock.isLocked() and not self._lock.tryLock(0):
                raise StudioError(f"cannot lock {self._lock.fileName()}")
            atomic_write_text(self.file, json.dumps(header, indent=1, ensure_ascii=False) + "\n")
        except (OSError, StudioError) as exc:
            # Autosave is a safety net: a full disk must not disturb the user's work.
            log.warning("autosave failed: %s", exc)
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self._pending = False
        self.saved.emit(self.file)
        return True

    def discard(self) -> None:
        """Remove the recovery file (saved, discarded, or a clean exit)."""
        try:
            remove_path(self.file)
        except (OSError, StudioError) as exc:
            log.warning("could not remove %s: %s", self.file, exc)
        if self._lock.isLocked():
            self._lock.unlock()
        self._pending = self.document.dirty

    def shutdown(self) -> None:
        """A clean exit: stop writing and remove the recovery file."""
        self._timer.stop()
        self.discard()
