"""The controller the views depend on, as a Protocol: the real one and the test fakes satisfy it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from PySide6.QtCore import SignalInstance

from ffnn_studio.core.reports import RunState
from ffnn_studio.core.spec import Project


@runtime_checkable
class RunController(Protocol):
    """What the views use of ``TrainingController``: its signals, its state and its commands.

    Signals deliver in the GUI thread: ``stateChanged(RunState)``,
    ``started(RunStarted)``, ``reported(ChunkReport)`` (≤ 20 a second: the epoch ends,
    probes, latest progress and, when due, weights since the last one), ``finished(RunFinished)``,
    ``failed(str)`` (before a run starts), ``weightsReset(bool)``, ``modelLoaded(LoadedWeights)``
    (a session built from an opened model's weights, untrained).
    """

    stateChanged: SignalInstance
    started: SignalInstance
    reported: SignalInstance
    finished: SignalInstance
    failed: SignalInstance
    weightsReset: SignalInstance
    modelLoaded: SignalInstance

    @property
    def state(self) -> RunState: ...

    @property
    def session(self) -> Any: ...

    @property
    def last_prepared(self) -> Any: ...

    @property
    def busy(self) -> bool: ...

    @property
    def loaded_from(self) -> str | None: ...

    @property
    def has_model(self) -> bool: ...

    def start(
        self, project: Project, base_dir: Path | None, epochs: int | None = None, continue_run: bool = False
    ) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> None: ...

    def reset_weights(self) -> None: ...
