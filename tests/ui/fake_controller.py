"""A base for the tests' stand-in controllers: every signal and command of ``RunController``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from ffnn_studio.core.reports import RunState
from ffnn_studio.core.spec import Project


class FakeRunController(QObject):
    """Signals emitted by hand; commands do nothing unless a subclass says otherwise."""

    stateChanged = Signal(object)
    started = Signal(object)
    reported = Signal(object)
    finished = Signal(object)
    failed = Signal(str)
    warmedUp = Signal()
    weightsReset = Signal(bool)
    modelLoaded = Signal(object)
    loadFailed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.state: RunState = RunState.IDLE
        self.session: Any = None
        self.last_prepared: Any = None
        self.loaded_from: str | None = None

    @property
    def busy(self) -> bool:
        return self.state != RunState.IDLE

    @property
    def has_model(self) -> bool:
        session = self.session
        return session is not None and (
            self.loaded_from is not None or int(getattr(session, "epochs_completed", 0)) > 0
        )

    def start(
        self, project: Project, base_dir: Path | None, epochs: int | None = None, continue_run: bool = False
    ) -> bool:
        return False

    def pause(self) -> None:
        pass

    def resume(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def reset_weights(self) -> None:
        pass
