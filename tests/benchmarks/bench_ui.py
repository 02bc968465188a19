"""Benchmark: GUI responsiveness while training, training speed in the window, start-up time.

Run (offscreen, a few minutes)::

    python tests/benchmarks/bench_ui.py [--repeats 3] [--epochs 2000] [--fit-epochs 15]

Measured side by side in one process, repeats interleaved, medians reported:

* ``p99_ms``/``max_ms``: a 10 ms QTimer in the GUI thread records the
  intervals between its ticks while the default project trains in the main
  window (live plots included), from RunStarted to RunFinished: the graph's
  compilation and the epochs. Late ticks mean a frozen GUI. Printed per
  phase too, and with the data/model preparation before RunStarted.
* ``ui_vs_headless``: training samples/s in the window ÷ the same
  ``TrainingSession`` run without Qt (target ≥ 0.8).
* ``train_ratio``: samples/s in the window ÷ a plain ``model.fit(verbose=0)``
  script on the same model and data (target ≥ 1.2).
* ``startup_s``: process start → main window shown, in a subprocess.
* ``ahead``: the same run in the window after its training program was compiled
  ahead (``TrainingController.prepare_ahead``, as the window does once an edit
  settles): the GUI timer from Train to the end, and while compiling ahead
  (the window idle). The plain window arm compiles when Train is pressed.

Samples/s count steady-state epochs only (from the end of the first epoch,
which builds and traces the graph, to the end of the last), for all three.
The default project's network, data and settings, with more epochs (2000) so
there is about a second of steady training to time (the default project's 60
epochs take well under a tenth of a second after the graph is compiled).
The last line is ``p99_ms=<n> max_ms=<n> ui_vs_headless=<n> train_ratio=<n> startup_s=<n>``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# The arms choose when the program compiles; the window's own settle timer stays off.
os.environ["FFNN_STUDIO_COMPILE_AHEAD"] = "0"

import numpy as np
from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from ffnn_studio.core.reports import ChunkReport, EpochEnd, RecordingSink, RunFinished
from ffnn_studio.core.spec import Project
from ffnn_studio.ui.run.bridge import TrainingController, prepare_project_data

STARTUP_SNIPPET = """
import sys
from PySide6.QtCore import QTimer
from ffnn_studio.ui.app import ensure_application
from ffnn_studio.ui.document.document import ProjectDocument
from ffnn_studio.core.examples import default_project
from ffnn_studio.ui.main_window import MainWindow

app = ensure_application()
window = MainWindow(ProjectDocument(default_project()), interactive=False)
window.resize(1400, 900)
window.show()

def shown():
    print("SHOWN", flush=True)
    window.close()
    app.quit()

QTimer.singleShot(0, shown)
app.exec()
"""


def load_default_project() -> Project:
    """The project the window opens with."""
    from ffnn_studio.core.examples import default_project

    return default_project()


def steady_samples_per_second(epoch_times: list[float], n_train: int) -> float:
    """Samples/s from epoch-end times (seconds), skipping the first epoch."""
    if len(epoch_times) < 2:
        raise RuntimeError("need at least two epochs")
    span = epoch_times[-1] - epoch_times[0]
    return n_train * (len(epoch_times) - 1) / span


class TickRecorder(QObject):
    """A 10 ms timer in the GUI thread; the intervals between its ticks, by phase."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.phase: str | None = None
        self.last: float | None = None
        self.intervals: dict[str, list[float]] = {}
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.phase is not None and self.last is not None:
            self.intervals.setdefault(self.phase, []).append((now - self.last) * 1000.0)
        self.last = now

    def begin(self) -> None:
        """Start recording afresh (the timer may have been stopped meanwhile)."""
        self.intervals = {}
        self.last = None
        self.phase = "preparing"

    def end(self) -> dict[str, list[float]]:
        self.phase = None
        return self.intervals


def stats(intervals: list[float]) -> tuple[float, float]:
    """(p99, max) in ms; (nan, nan) without data."""
    if not intervals:
        return math.nan, math.nan
    return float(np.percentile(intervals, 99)), float(max(intervals))


def make_window(project: Project) -> tuple[QMainWindow, TrainingController, str]:
    """The main window on ``project``, warmed up the way the app does it.

    ``ui.app.run_window`` starts the controller's warm-up (TensorFlow's import
    and one-time set-up, in the background, then freezing the heap out of
    garbage collection) right after the window shows, so a user's first Train
    finds it done; the benchmark does the same and waits for it.
    """
    from ffnn_studio.ui.app import load_engine_in_background
    from ffnn_studio.ui.document.document import ProjectDocument
    from ffnn_studio.ui.main_window import MainWindow

    window = MainWindow(ProjectDocument(project), interactive=False)
    loop = QEventLoop()
    window.controller.warmedUp.connect(loop.quit)
    load_engine_in_background(window.controller)
    loop.exec()
    return window, window.controller, "MainWindow"


def run_in_window(
    app: QApplication,
    controller: TrainingController,
    ticks: TickRecorder,
    project: Project,
    epochs: int,
) -> dict[str, float]:
    """Train in the window; samples/s and the GUI timer's intervals by phase.

    Phases: ``preparing`` (data, model: Train pressed → RunStarted), ``compile``
    (→ the first epoch's end; TensorFlow traces and compiles the graph) and
    ``steady`` (the remaining epochs). "Training" is compile + steady.
    """
    epoch_times: list[float] = []
    outcome: list[object] = []
    loop = QEventLoop()

    def on_started(_info: object) -> None:
        ticks.phase = "compile"

    def on_epoch(report: EpochEnd) -> None:
        epoch_times.append(report.elapsed_s)
        if ticks.phase == "compile":
            ticks.phase = "steady"

    def on_report(report: ChunkReport) -> None:
        for end in report.epochs:
            on_epoch(end)

    def on_end(result: object) -> None:
        outcome.append(result)
        loop.quit()

    connections = (
        (controller.started, on_started),
        (controller.reported, on_report),
        (controller.finished, on_end),
        (controller.failed, on_end),
    )
    for signal, slot in connections:
        signal.connect(slot)
    try:
        ticks.begin()
        if not controller.start(project, None, epochs, continue_run=False):
            raise RuntimeError("the controller did not start")
        loop.exec()
        phases = ticks.end()
    finally:
        for signal, slot in connections:
            signal.disconnect(slot)
    result = outcome[0]
    if not isinstance(result, RunFinished) or result.reason != "completed":
        raise RuntimeError(f"training in the window did not complete: {result}")
    # Let the last redraws happen before the next measurement.
    QTimer.singleShot(200, loop.quit)
    loop.exec()
    training = phases.get("compile", []) + phases.get("steady", [])
    everything = phases.get("preparing", []) + training
    out = {"sps": steady_samples_per_second(epoch_times, controller.last_prepared.n_train)}
    for name, values in (
        ("train", training),
        ("steady", phases.get("steady", [])),
        ("compile", phases.get("compile", [])),
        ("all", everything),
    ):
        out[f"p99_{name}"], out[f"max_{name}"] = stats(values)
        out[f"n_{name}"] = float(len(values))
    return out


def compile_ahead(app: QApplication, controller: TrainingController, ticks: TickRecorder, project: Project):
    """Build and compile the run's program ahead; the GUI timer meanwhile (p99, max)."""
    built: list[object] = []
    controller.aheadBuilt.connect(built.append)
    ticks.begin()
    ticks.phase = "ahead"
    try:
        if not controller.prepare_ahead(project, None, continue_run=False):
            raise RuntimeError("the controller did not prepare ahead")
        while not built or not built[0].program_ready:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 10)
    finally:
        controller.aheadBuilt.disconnect(built.append)
    return stats(ticks.end().get("ahead", []))


def run_headless(project: Project, prepared: object, epochs: int) -> float:
    from ffnn_studio.engine.training.session import TrainingSession

    sink = RecordingSink()
    session = TrainingSession(project, prepared, sink)
    result = session.run(epochs)
    if result.reason != "completed":
        raise RuntimeError(f"headless training did not complete: {result}")
    return steady_samples_per_second([e.elapsed_s for e in sink.epochs], prepared.n_train)


def run_plain_fit(project: Project, prepared: object, epochs: int) -> float:
    """What a user would write instead: build the same model, ``model.fit(verbose=0)``."""
    import keras

    from ffnn_studio.engine.builder import build_model_for, encode_targets

    built = build_model_for(project, prepared)
    loss = project.training.loss
    y_train = encode_targets(prepared.y_train, prepared.task, loss, prepared.n_classes)
    y_val = encode_targets(prepared.y_val, prepared.task, loss, prepared.n_classes)
    times: list[float] = []

    class EpochTimes(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):  # type: ignore[no-untyped-def]
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
            times.append(time.perf_counter() - self.t0)

    built.model.fit(
        prepared.x_train,
        y_train,
        batch_size=project.training.batch_size,
        epochs=epochs,
        validation_data=(prepared.x_val, y_val) if prepared.n_val else None,
        verbose=0,
        callbacks=[EpochTimes()],
    )
    return steady_samples_per_second(times, prepared.n_train)


def measure_startup() -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", STARTUP_SNIPPET],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    shown = None
    for line in proc.stdout:
        if line.strip() == "SHOWN":
            shown = time.perf_counter() - t0
            break
    _, err = proc.communicate(timeout=60)
    if shown is None:
        raise RuntimeError(f"the window never showed:\n{err[-2000:]}")
    return shown


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument(
        "--epochs",
        type=int,
        default=2000,
        help="epochs per run in the window and headless (the default project's 60 "
        "leave well under 0.1 s of steady training to measure)",
    )
    ap.add_argument(
        "--fit-epochs",
        type=int,
        default=15,
        help="epochs of the plain model.fit run (it is ~20× slower; samples/s is per epoch)",
    )
    args = ap.parse_args()

    from ffnn_studio.ui.app import ensure_application

    # The app's QApplication, with its garbage collection on a GUI-thread timer.
    app = ensure_application(sys.argv[:1])
    # As the app does before it loads the engine (ui.app.load_engine_in_background):
    # training leaves a core to the GUI thread. Process-wide, so the headless and
    # model.fit arms here train with the same thread count.
    from ffnn_studio.config import TF_INTRAOP_THREADS_ENV, window_training_threads

    os.environ.setdefault(TF_INTRAOP_THREADS_ENV, str(window_training_threads()))
    import tensorflow as tf  # noqa: F401  (imported once, before anything is timed)

    project = load_default_project()
    prepared = prepare_project_data(project, None)
    window, controller, kind = make_window(project)
    window.resize(1400, 900)
    window.show()
    ticks = TickRecorder()
    app.processEvents()
    print(
        f"project {project.name!r}: {len(project.network.layers)} hidden layers, "
        f"{prepared.n_train} training samples, batch {project.training.batch_size}, "
        f"{args.epochs} epochs ({args.fit_epochs} for model.fit); window: {kind}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )

    rows: dict[str, list[float]] = {k: [] for k in ("ui", "ahead", "headless", "fit", "startup")}
    gui: dict[str, list[float]] = {}
    try:
        for r in range(args.repeats):
            # Rotate the order so drift in the machine's speed hits every variant alike.
            order = ["ui", "ahead", "headless", "fit", "startup"]
            order = order[r % 5 :] + order[: r % 5]
            for variant in order:
                if variant == "ui":
                    m = run_in_window(app, controller, ticks, project, args.epochs)
                    rows["ui"].append(m["sps"])
                    for k, v in m.items():
                        gui.setdefault(k, []).append(v)
                    print(
                        f"  [{r}] window:   {m['sps']:9.0f} samples/s   GUI timer p99/max ms: "
                        f"training {m['p99_train']:.1f}/{m['max_train']:.1f} "
                        f"(compile {m['p99_compile']:.1f}/{m['max_compile']:.1f}, "
                        f"steady {m['p99_steady']:.1f}/{m['max_steady']:.1f}, "
                        f"{m['n_train']:.0f} ticks); "
                        f"incl. preparing {m['p99_all']:.1f}/{m['max_all']:.1f}",
                        flush=True,
                    )
                elif variant == "ahead":
                    # A project of that many epochs: the window compiles ahead only a run
                    # that outlasts the quick path.
                    long_project = replace(project, training=replace(project.training, epochs=args.epochs))
                    idle_p99, idle_max = compile_ahead(app, controller, ticks, long_project)
                    m = run_in_window(app, controller, ticks, long_project, args.epochs)
                    rows["ahead"].append(m["sps"])
                    for k, v in (*m.items(), ("p99_idle", idle_p99), ("max_idle", idle_max)):
                        gui.setdefault(f"ahead_{k}", []).append(v)
                    print(
                        f"  [{r}] ahead:    {m['sps']:9.0f} samples/s   GUI timer p99/max ms: "
                        f"training {m['p99_train']:.1f}/{m['max_train']:.1f}; "
                        f"compiling ahead (idle) {idle_p99:.1f}/{idle_max:.1f}",
                        flush=True,
                    )
                elif variant == "headless":
                    ticks.timer.stop()
                    sps = run_headless(project, prepared, args.epochs)
                    ticks.timer.start()
                    rows["headless"].append(sps)
                    print(f"  [{r}] headless: {sps:9.0f} samples/s", flush=True)
                elif variant == "fit":
                    ticks.timer.stop()
                    sps = run_plain_fit(project, prepared, args.fit_epochs)
                    ticks.timer.start()
                    rows["fit"].append(sps)
                    print(f"  [{r}] model.fit:{sps:9.0f} samples/s", flush=True)
                else:
                    s = measure_startup()
                    rows["startup"].append(s)
                    print(f"  [{r}] start-up: {s:.2f} s", flush=True)
    finally:
        controller.shutdown()
        window.close()

    med = {k: statistics.median(v) for k, v in rows.items()}
    g = {k: statistics.median(v) for k, v in gui.items()}
    ui_vs_headless = med["ui"] / med["headless"]
    train_ratio = med["ui"] / med["fit"]
    print(
        f"medians: window {med['ui']:.0f}, headless {med['headless']:.0f}, "
        f"model.fit {med['fit']:.0f} samples/s; GUI timer p99/max ms: "
        f"compile {g['p99_compile']:.1f}/{g['max_compile']:.1f}, "
        f"steady {g['p99_steady']:.1f}/{g['max_steady']:.1f}, "
        f"incl. preparing {g['p99_all']:.1f}/{g['max_all']:.1f}"
    )
    print(
        f"targets: p99 < 30 ms {'ok' if g['p99_train'] < 30 else 'MISSED'}, "
        f"max < 100 ms {'ok' if g['max_train'] < 100 else 'MISSED'}, "
        f"ui_vs_headless >= 0.8 {'ok' if ui_vs_headless >= 0.8 else 'MISSED'}, "
        f"train_ratio >= 1.2 {'ok' if train_ratio >= 1.2 else 'MISSED'}"
    )
    print(
        f"compiled ahead: window {med['ahead']:.0f} samples/s; GUI timer p99/max ms: training "
        f"{g['ahead_p99_train']:.1f}/{g['ahead_max_train']:.1f}, while compiling ahead "
        f"{g['ahead_p99_idle']:.1f}/{g['ahead_max_idle']:.1f}"
    )
    print(
        f"p99_ms={g['p99_train']:.1f} max_ms={g['max_train']:.1f} "
        f"ui_vs_headless={ui_vs_headless:.2f} train_ratio={train_ratio:.2f} "
        f"startup_s={med['startup']:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
