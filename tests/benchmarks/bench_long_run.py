"""Benchmark: memory of a long run, headless and in the window.

Run (offscreen, a few minutes)::

    python tests/benchmarks/bench_long_run.py [--epochs 100000] [--mode both|headless|window]

A tiny project (20 rows of two Gaussian clusters, 16 for training, batch 16:
one step an epoch, so epochs are as short as they get and per-epoch
bookkeeping dominates) trains ``--epochs`` epochs. The resident set size
(``VmRSS`` of ``/proc/self/status``) is sampled when epochs 100, 10,000, 70,000 and
100,000 (and 1,000,000, if run) end, and the growth per epoch between the
samples is printed in KB/epoch. Headless drives a ``TrainingSession``
directly; the window trains in ``MainWindow`` (offscreen, live plots, runs
panel) through its controller, sampling as the batched epoch reports reach
the GUI thread. The last line is
``headless_kb_per_epoch=<n> window_kb_per_epoch=<n>`` (growth from epoch
10,000 to the last sample, which includes the per-epoch history's doublings:
every epoch is kept, 32 bytes each) followed by the ``*_steady_kb_per_epoch``
growth from 70,000 to 100,000 epochs, between two doublings.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from ffnn_studio.core.reports import ChunkReport, NullSink
from ffnn_studio.core.spec import (
    BuiltinDataSource,
    DenseLayer,
    NetworkSpec,
    Project,
    TrainingSettings,
)

# 70,000 and 100,000 lie between two doublings of the per-epoch history
# (65,536 and 131,072 rows): growth between them is what is not a doubling buffer.
MARKS = (100, 10_000, 70_000, 100_000, 1_000_000)
STEADY = (70_000, 100_000)


def rss_kb() -> int:
    """This process's resident set size in KB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def tiny_project(epochs: int) -> Project:
    return Project(
        name="Long run",
        network=NetworkSpec((DenseLayer(4, "relu"), DenseLayer(4, "tanh"))),
        data=BuiltinDataSource("gaussians", {"n_samples": 20}),
        training=TrainingSettings(epochs=epochs, batch_size=16, validation_fraction=0.2),
    )


class Sampler:
    """RSS at the marked epochs."""

    def __init__(self, epochs: int) -> None:
        self.marks = [m for m in MARKS if m <= epochs]
        self.samples: dict[int, int] = {}

    def see(self, epoch: int) -> None:
        while self.marks and epoch >= self.marks[0]:
            self.samples[self.marks.pop(0)] = rss_kb()


class _SamplingSink(NullSink):
    def __init__(self, sampler: Sampler) -> None:
        self.sampler = sampler

    # NullSink discards whole chunks, so the chunk (not epoch_end) is where to look.
    def chunk(self, report: ChunkReport) -> None:
        if report.epochs:
            self.sampler.see(report.epochs[-1].epoch)


def run_headless(epochs: int) -> tuple[dict[int, int], float]:
    from ffnn_studio.data import load_dataset, prepare
    from ffnn_studio.engine.training.session import TrainingSession

    project = tiny_project(epochs)
    data = prepare(load_dataset(project.data), project.training.validation_fraction, 0)
    sampler = Sampler(epochs)
    session = TrainingSession(project, data, _SamplingSink(sampler))
    t0 = time.perf_counter()
    result = session.run(epochs)
    assert result.reason == "completed", result
    return sampler.samples, time.perf_counter() - t0


def run_window(epochs: int) -> tuple[dict[int, int], float]:
    from PySide6.QtCore import QEventLoop

    from ffnn_studio.ui.app import ensure_application, freeze_heap
    from ffnn_studio.ui.document.document import ProjectDocument
    from ffnn_studio.ui.main_window import MainWindow

    app = ensure_application(["bench"])
    window = MainWindow(ProjectDocument(tiny_project(epochs)), interactive=False)
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    sampler = Sampler(epochs)
    controller = window.controller
    controller.reported.connect(lambda report: report.epochs and sampler.see(report.epochs[-1].epoch))
    loop = QEventLoop()
    controller.finished.connect(lambda _r: loop.quit())
    controller.failed.connect(lambda _m: loop.quit())
    # What the window does once the engine is warm (ui.app.load_engine_in_background).
    with_warm = QEventLoop()
    controller.warmedUp.connect(with_warm.quit)
    controller.warm_up()
    with_warm.exec()
    freeze_heap()
    t0 = time.perf_counter()
    assert window.train(epochs), window.errors
    loop.exec()
    elapsed = time.perf_counter() - t0
    assert window.last_finish is not None and window.last_finish.reason == "completed", window.last_finish
    controller.shutdown()
    return sampler.samples, elapsed


def growth(samples: dict[int, int]) -> list[str]:
    marks = sorted(samples)
    lines = [f"  epoch {m:>9,}: RSS {samples[m] / 1024:8.1f} MB" for m in marks]
    for a, b in itertools.pairwise(marks):
        kb = (samples[b] - samples[a]) / (b - a)
        lines.append(f"  epochs {a:,} → {b:,}: {kb:+.4f} KB/epoch")
    return lines


def per_epoch(samples: dict[int, int]) -> float:
    marks = sorted(samples)
    first = 10_000 if 10_000 in samples and marks[-1] > 10_000 else marks[0]
    return (samples[marks[-1]] - samples[first]) / max(marks[-1] - first, 1)


def steady(samples: dict[int, int]) -> float | None:
    a, b = STEADY
    return (samples[b] - samples[a]) / (b - a) if a in samples and b in samples else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100_000)
    parser.add_argument("--mode", choices=["both", "headless", "window"], default="both")
    ns = parser.parse_args(argv)
    results = {}
    if ns.mode in ("both", "headless"):
        samples, seconds = run_headless(ns.epochs)
        print(f"headless: {ns.epochs:,} epochs in {seconds:.1f} s")
        print("\n".join(growth(samples)))
        results["headless"] = per_epoch(samples)
        results["headless_steady"] = steady(samples)
    if ns.mode in ("both", "window"):
        samples, seconds = run_window(ns.epochs)
        print(f"window: {ns.epochs:,} epochs in {seconds:.1f} s")
        print("\n".join(growth(samples)))
        results["window"] = per_epoch(samples)
        results["window_steady"] = steady(samples)
    print(" ".join(f"{k}_kb_per_epoch={v:.4f}" for k, v in results.items() if v is not None))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
