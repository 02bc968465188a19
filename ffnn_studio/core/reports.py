"""What a training run reports, as plain Python values, and the protocols around a run.

The engine's training session calls a sink once per chunk of steps with one
``ChunkReport`` (the chunk's epoch ends, probes, latest progress and, when
due, a copy of the weights); the window's thread bridge merges the chunks
waiting for the GUI into one delivery, the CLI prints them, tests record them.
The run's states and finish reasons are enums (strings too, so they compare
equal to their values), and ``finish_text`` is the one place a finish becomes
words.

Contract: plain frozen dataclasses, enums and protocols; standard library
only (numpy for type hints), so the engine, the window and the CLI share them
without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from ffnn_studio.core.spec import Project


class RunState(StrEnum):
    """Where a window's run is: idle → preparing → running ⇄ paused → stopping → idle."""

    IDLE = "idle"
    PREPARING = "preparing"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPING = "stopping"

    def __repr__(self) -> str:  # as the plain string it equals: logs and printed lists read the same
        return repr(self.value)

    @property
    def active(self) -> bool:
        """A run is under way (Stop applies)."""
        return self in (RunState.PREPARING, RunState.RUNNING, RunState.PAUSED)


class FinishReason(StrEnum):
    """Why a run ended."""

    COMPLETED = "completed"
    STOPPED = "stopped"
    DIVERGED = "diverged"
    FAILED = "failed"

    def __repr__(self) -> str:
        return repr(self.value)

    @property
    def is_failure(self) -> bool:
        """The run did not train to a usable end (the CLI exits non-zero)."""
        return self in (FinishReason.DIVERGED, FinishReason.FAILED)


@dataclass(frozen=True)
class LayerInfo:
    """A trainable (Dense) layer of the built model, hidden layers and the output."""

    #: Position in ``NetworkSpec.layers``; ``None`` for the output layer.
    spec_index: int | None
    name: str
    units: int
    activation: str


@dataclass(frozen=True)
class RunStarted:
    summary: str
    parameter_count: int
    layers: tuple[LayerInfo, ...]
    epochs_planned: int
    steps_per_epoch: int
    train_samples: int
    val_samples: int
    task: str
    #: "accuracy" for classification, "mae" for regression.
    metric_name: str
    #: Epochs already done before this run segment ("train N more" continues).
    start_epoch: int = 0
    #: The first steps wait for the training program to compile (nothing trains meanwhile).
    compiling: bool = False


@dataclass(frozen=True)
class Progress:
    step: int
    #: Epoch in progress, 0-based.
    epoch: int
    #: Fraction of the current epoch done, 0..1.
    epoch_fraction: float
    #: Latest training loss known.
    loss: float
    samples_per_second: float
    elapsed_s: float


@dataclass(frozen=True)
class EpochEnd:
    #: Epochs completed so far (1-based).
    epoch: int
    loss: float
    val_loss: float | None
    metric: float
    val_metric: float | None
    learning_rate: float
    elapsed_s: float


@dataclass(frozen=True)
class LayerProbe:
    weight_norm: float
    grad_norm: float
    #: ‖Δkernel‖ / ‖kernel‖ over the last step.
    update_ratio: float
    #: ReLU family: fraction of units that output ≤ 0 for the whole batch.
    dead_fraction: float | None = None
    #: sigmoid/tanh: fraction of activations in the flat tails.
    saturated_fraction: float | None = None


@dataclass(frozen=True)
class ProbeReport:
    step: int
    #: Fractional epoch position (e.g. 3.5 = half-way through the 4th epoch).
    epoch: float
    layers: tuple[LayerProbe, ...]


@dataclass(frozen=True)
class RunFinished:
    reason: FinishReason
    message: str
    epochs_completed: int
    elapsed_s: float = 0.0
    #: Scores on the test part ("loss", the metric, "accuracy"/"r2", ...), taken once the
    #: run ended; None without a test part.
    test_scores: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        # Accepts the plain strings too; an unknown reason is a bug, raised here.
        object.__setattr__(self, "reason", FinishReason(self.reason))


@dataclass(frozen=True)
class ChunkReport:
    """What one chunk of steps (or several, merged for one delivery) reported."""

    #: The epochs that ended, in order.
    epochs: tuple[EpochEnd, ...] = ()
    #: The probes taken, in order (each epoch's end, and the chunk's last step when due).
    probes: tuple[ProbeReport, ...] = ()
    #: The latest progress, if one was due.
    progress: Progress | None = None
    #: A copy of (kernel, bias) of every Dense block, when due (≤ one per report interval).
    weights: FrozenWeights | None = None

    def __bool__(self) -> bool:
        return bool(self.epochs or self.probes or self.progress is not None or self.weights is not None)

    @classmethod
    def merge(cls, reports: Sequence[ChunkReport]) -> ChunkReport:
        """One report for consecutive ones: all their epochs and probes, the latest progress and weights."""
        if len(reports) == 1:
            return reports[0]
        progress = next((r.progress for r in reversed(reports) if r.progress is not None), None)
        weights = next((r.weights for r in reversed(reports) if r.weights is not None), None)
        return cls(
            tuple(e for r in reports for e in r.epochs),
            tuple(p for r in reports for p in r.probes),
            progress,
            weights,
        )

    def in_order(self) -> Iterator[EpochEnd | ProbeReport | Progress]:
        """The single reports in the order they were made: an epoch's probes before its end, progress last."""
        probes = iter(self.probes)
        probe = next(probes, None)
        for end in self.epochs:
            while probe is not None and probe.epoch <= end.epoch:
                yield probe
                probe = next(probes, None)
            yield end
        while probe is not None:
            yield probe
            probe = next(probes, None)
        if self.progress is not None:
            yield self.progress


def format_clock(seconds: float) -> str:
    """``0:42``, ``12:05``, ``1:02:03``."""
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


#: ``short``: the progress bar; ``status``: the window's status line and messages;
#: ``line``: the command line's summary.
FinishTextStyle = Literal["short", "status", "line"]


def finish_text(report: RunFinished, style: FinishTextStyle = "status") -> str:
    """What to tell a person about a run's end."""
    n, reason, message = report.epochs_completed, report.reason, report.message
    if style == "line":
        return f"Finished ({reason}) after {n} epochs in {report.elapsed_s:.1f} s." + (
            f" {message}" if message else ""
        )
    if style == "short":
        elapsed = format_clock(report.elapsed_s) if report.elapsed_s else ""
        return {
            FinishReason.COMPLETED: f"Done · {n} epochs" + (f" in {elapsed}" if elapsed else ""),
            FinishReason.STOPPED: f"Stopped after {n} epochs",
            FinishReason.DIVERGED: f"Diverged after {n} epochs",
            FinishReason.FAILED: "Training failed",
        }[reason]
    return {
        FinishReason.COMPLETED: f"Training finished: {n} epochs.",
        FinishReason.STOPPED: f"Training stopped after {n} epochs; the weights are kept.",
        FinishReason.DIVERGED: f"Training diverged: {message}",
        FinishReason.FAILED: f"Training failed: {message}",
    }[reason]


Weights = list[tuple["np.ndarray", "np.ndarray | None"]]
#: The weights a ``ChunkReport`` carries (the training thread's copy, shared: read only).
FrozenWeights = tuple[tuple["np.ndarray", "np.ndarray | None"], ...]


class TrainingSink(Protocol):
    """Receives a run's reports; called from the training thread."""

    def run_started(self, info: RunStarted) -> None: ...

    def chunk(self, report: ChunkReport) -> None: ...

    def compiling(self) -> None:
        """The session is about to trace and compile its program (seconds of Python):
        a sink may hold it here until its consumer has caught up with the reports."""
        ...

    def finished(self, report: RunFinished) -> None: ...


@runtime_checkable
class WeightSource(Protocol):
    """What the insight views read from a session: its project and a copy of its weights."""

    project: Project

    def weights_snapshot(self) -> Weights: ...


@runtime_checkable
class RunnableSession(Protocol):
    """What the window's thread bridge drives: the engine's ``TrainingSession`` and test fakes.

    ``run`` blocks on the caller's thread and reports through ``sink``; the
    flags (``stop``, ``pause``, ``resume``) are thread-safe. ``project`` may be
    replaced between runs by one that differs only in its epoch count.
    """

    project: Project
    sink: Any
    epochs_completed: int

    def run(self, epochs: int | None = None) -> RunFinished: ...

    def stop(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def reset_weights(self) -> None: ...


class ReportSink:
    """A sink that takes a chunk's reports one at a time, in order (headless users: the CLI, tests).

    Subclasses override what they need of ``progress``, ``epoch_end`` and ``probes``.
    """

    def run_started(self, info: RunStarted) -> None:
        pass

    def compiling(self) -> None:
        pass

    def chunk(self, report: ChunkReport) -> None:
        for single in report.in_order():
            if isinstance(single, EpochEnd):
                self.epoch_end(single)
            elif isinstance(single, ProbeReport):
                self.probes(single)
            else:
                self.progress(single)

    def progress(self, report: Progress) -> None:
        pass

    def epoch_end(self, report: EpochEnd) -> None:
        pass

    def probes(self, report: ProbeReport) -> None:
        pass

    def finished(self, report: RunFinished) -> None:
        pass


class NullSink(ReportSink):
    """Discards every report."""

    def chunk(self, report: ChunkReport) -> None:
        pass


@dataclass
class RecordingSink(ReportSink):
    """Keeps every report in lists (tests, the CLI's summary)."""

    started: list[RunStarted] = field(default_factory=list)
    chunks: list[ChunkReport] = field(default_factory=list)
    progress_reports: list[Progress] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)
    probe_reports: list[ProbeReport] = field(default_factory=list)
    finishes: list[RunFinished] = field(default_factory=list)

    def run_started(self, info: RunStarted) -> None:
        self.started.append(info)

    def chunk(self, report: ChunkReport) -> None:
        self.chunks.append(report)
        super().chunk(report)

    def progress(self, report: Progress) -> None:
        self.progress_reports.append(report)

    def epoch_end(self, report: EpochEnd) -> None:
        self.epochs.append(report)

    def probes(self, report: ProbeReport) -> None:
        self.probe_reports.append(report)

    def finished(self, report: RunFinished) -> None:
        self.finishes.append(report)
