"""What a training run reports, as plain Python values, and the sink protocol.

The engine's training session calls a sink; the window's thread bridge turns
each call into a queued Qt signal, the CLI prints them, tests record them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

FinishReason = Literal["completed", "stopped", "diverged", "failed"]


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


class TrainingSink(Protocol):
    """Receives a run's reports; called from the training thread."""

    def run_started(self, info: RunStarted) -> None: ...

    def progress(self, report: Progress) -> None: ...

    def epoch_end(self, report: EpochEnd) -> None: ...

    def probes(self, report: ProbeReport) -> None: ...

    def finished(self, report: RunFinished) -> None: ...


class NullSink:
    """Discards every report."""

    def run_started(self, info: RunStarted) -> None:
        pass

    def progress(self, report: Progress) -> None:
        pass

    def epoch_end(self, report: EpochEnd) -> None:
        pass

    def probes(self, report: ProbeReport) -> None:
        pass

    def finished(self, report: RunFinished) -> None:
        pass


@dataclass
class RecordingSink:
    """Keeps every report in lists (tests, the CLI's summary)."""

    started: list[RunStarted] = field(default_factory=list)
    progress_reports: list[Progress] = field(default_factory=list)
    epochs: list[EpochEnd] = field(default_factory=list)
    probe_reports: list[ProbeReport] = field(default_factory=list)
    finishes: list[RunFinished] = field(default_factory=list)

    def run_started(self, info: RunStarted) -> None:
        self.started.append(info)

    def progress(self, report: Progress) -> None:
        self.progress_reports.append(report)

    def epoch_end(self, report: EpochEnd) -> None:
        self.epochs.append(report)

    def probes(self, report: ProbeReport) -> None:
        self.probe_reports.append(report)

    def finished(self, report: RunFinished) -> None:
        self.finishes.append(report)
