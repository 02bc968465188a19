"""The runs list's persistence: every finished run as a ``RunRecord``, kept in the runs file.

``RunsStore`` turns each finished run (``controller.finished`` after a
``started``, with the session's history) into a ``RunRecord`` and keeps the
list in the runs file beside the project (``NAME.ffnn.runs.json``). A runs
file that cannot be read gives a warning and is left untouched until a new
run is recorded; then it is moved aside to ``….bak`` first.

Contract: a Qt object without widgets; reads and writes the runs file
through ``core.runs``; follows controllers through their signals only. No
engine, no views.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import RunFinished, RunStarted
from ffnn_studio.core.runs import (
    RUN_CURVES,
    RunRecord,
    backup_sidecar,
    data_origin,
    load_runs,
    next_run_number,
    run_name,
    save_runs,
    sidecar_path,
)
from ffnn_studio.core.spec import Project

log = logging.getLogger(__name__)


def history_from_session(session: Any) -> dict[str, np.ndarray]:
    """The session's per-epoch history columns the runs file keeps."""
    history = getattr(session, "history", None)
    out: dict[str, np.ndarray] = {}
    for name in RUN_CURVES:
        try:
            out[name] = np.asarray(history.column(name), dtype=np.float64).copy()  # type: ignore[union-attr]
        except Exception:
            out[name] = np.array([], dtype=np.float64)
    return out


class RunsStore(QObject):
    """The runs of the current project, kept in sync with its runs file."""

    changed = Signal()
    #: A record was added (or updated by "train more"): its row.
    recorded = Signal(int)
    #: Something the user should know (an unreadable runs file, a failed save).
    warning = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runs: list[RunRecord] = []
        self.project_path: Path | None = None
        #: The runs file could not be read: keep it until a new run must be written.
        self.unreadable: Path | None = None
        self.last_warning = ""
        self._followers: list[RunFollower] = []
        self._document: Any = None
        self._session_of_last: Any = None
        self._pending_path = False
        #: Callable returning (group, variant) for the run that just finished.
        self.tagger: Any = None

    # --- wiring ----------------------------------------------------------------------

    def attach(self, controller: Any, document: Any = None) -> None:
        self.follow(controller)
        if document is not None:
            self._document = document
            document.loaded.connect(self._on_loaded)
            document.pathChanged.connect(self._on_path_changed)
            self.load(document.path)

    @Slot()
    def _on_loaded(self) -> None:
        self._pending_path = False
        self.load(self._document.path)

    @Slot()
    def _on_path_changed(self) -> None:
        # ``reset`` (new/open) emits pathChanged then loaded; only a Save As emits
        # pathChanged alone. Decide once both had their chance.
        self._pending_path = True
        QTimer.singleShot(0, self._apply_path_change)

    def _apply_path_change(self) -> None:
        if not self._pending_path or self._document is None:
            return
        self._pending_path = False
        path = self._document.path
        if path is None or path == self.project_path:
            return
        self.project_path = Path(path)
        self.unreadable = None
        if self.runs:
            self.save()
        else:
            self.load(path)

    # --- loading and saving ----------------------------------------------------------

    def load(self, project_path: str | Path | None) -> None:
        """Replace the list with the runs saved beside ``project_path`` (none if unsaved)."""
        self.project_path = Path(project_path) if project_path is not None else None
        self.unreadable = None
        self._session_of_last = None
        self.runs = []
        if self.project_path is not None:
            try:
                self.runs = load_runs(self.project_path)
            except StudioError as exc:
                self.unreadable = sidecar_path(self.project_path)
                self._warn(
                    f"The earlier runs of this project could not be read ({exc}). The file is "
                    f"left as it is; if you train again it is kept as {self.unreadable.name}.bak."
                )
        self.changed.emit()

    def save(self) -> bool:
        """Write the runs file (when the project has a path); False if it could not be written."""
        if self.project_path is None:
            return False
        try:
            if self.unreadable is not None:
                kept = backup_sidecar(self.project_path)
                self.unreadable = None
                if kept is not None:
                    self._warn(f"The unreadable runs file was kept as {kept.name}.")
            save_runs(self.project_path, self.runs)
        except StudioError as exc:
            self._warn(f"Could not save the runs: {exc}")
            return False
        return True

    def _warn(self, message: str) -> None:
        self.last_warning = message
        log.warning("%s", message)
        self.warning.emit(message)

    def follow(self, controller: Any) -> None:
        """Record the runs ``controller`` finishes (more than one controller may feed the list)."""
        self._followers.append(RunFollower(controller, self))

    # --- recording -------------------------------------------------------------------

    def record(self, session: Any, info: RunStarted, report: RunFinished) -> RunRecord | None:
        """Add the run ``session`` just finished (or extend the last one for "train more")."""
        history = history_from_session(session)
        if len(history["loss"]) == 0:
            return None
        group, variant = self.tagger() if self.tagger is not None else ("", "")
        continued = info.start_epoch > 0 and session is self._session_of_last and self.runs
        project: Project = session.project
        finished_at = datetime.now().isoformat(timespec="seconds")
        base_dir = getattr(self._document, "base_dir", None)
        origin = data_origin(project.data, base_dir)
        if continued:
            last = self.runs[-1]
            record = RunRecord(
                number=last.number,
                name=last.name,
                project=project,
                history=history,
                duration_s=last.duration_s + report.elapsed_s,
                metric_name=info.metric_name,
                finish_reason=report.reason,
                finished_at=finished_at,
                group=last.group,
                variant=last.variant,
                data=origin,
                test_scores=report.test_scores,
            )
            self.runs[-1] = record
            row = len(self.runs) - 1
        else:
            number = next_run_number(self.runs)
            name = run_name(number, project)
            if variant and variant.lower() not in name.lower():
                name += f" · {variant}"
            record = RunRecord(
                number=number,
                name=name,
                project=project,
                history=history,
                duration_s=report.elapsed_s,
                metric_name=info.metric_name,
                finish_reason=report.reason,
                finished_at=finished_at,
                group=group,
                variant=variant,
                data=origin,
                test_scores=report.test_scores,
            )
            self.runs.append(record)
            row = len(self.runs) - 1
        self._session_of_last = session
        self.save()
        self.changed.emit()
        self.recorded.emit(row)
        return record

    def remove(self, rows: Sequence[int]) -> None:
        drop = set(rows)
        if not drop:
            return
        if len(self.runs) - 1 in drop:
            self._session_of_last = None
        self.runs = [r for i, r in enumerate(self.runs) if i not in drop]
        self.save()
        self.changed.emit()

    def next_group(self, prefix: str) -> str:
        n = sum(1 for g in {r.group for r in self.runs} if g.startswith(prefix)) + 1
        return f"{prefix} #{n}"


class RunFollower(QObject):
    """Hands each run one controller finishes (with that controller's session) to the store."""

    def __init__(self, controller: Any, store: RunsStore) -> None:
        super().__init__(store)
        self.controller = controller
        self.store = store
        self._started: RunStarted | None = None
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)

    @Slot(object)
    def _on_started(self, info: RunStarted) -> None:
        self._started = info

    @Slot(object)
    def _on_finished(self, report: RunFinished) -> None:
        info, self._started = self._started, None
        session = getattr(self.controller, "session", None)
        if info is None or session is None:
            return  # stopped or failed before training started
        self.store.record(session, info, report)
