"""How long does Train take to answer: first epoch and whole run, next to scikit-learn's fit?

For each example project (engine warmed up once, a network this process has
not trained before), headless, with a recording sink:
  first    Train (session built) → the first epoch's report
  done     Train → the run's end
  rerun    after Reset weights, Train again → the first epoch's report
  sklearn  ``MLPClassifier``/``MLPRegressor`` (adam, same rows, layers, batch,
           epochs and learning rate) ``fit``
  window   in the main window (offscreen, engine warmed up, compiling ahead off,
           so nothing was prepared before the click): ``train()`` → the loss
           plot's first paint with a point on it; each repeat a new seed, so a
           new network; and again with compiling ahead on, Train pressed once an
           edit (seed and learning rate) has settled and the session it needs is
           built (its program may still be compiling)
  relaunch the chunk program's first call (XLA compilation) in a new process, with
           an empty compile cache and then again in another process that finds
           the first one's entry (``engine/compile_cache.py``)
Arms alternate within each repeat; medians over ``--repeats``. ``cli_vs_import``
is the wall time of ``ffnn-studio train <426-row CSV> --epochs 100 --quiet``
over that of ``python -c "import tensorflow"``; the same command is also put
next to a process that imports the engine (TensorFlow and Keras).
The last line is ``first_epoch_s=<max over examples, headless and window>
rerun_first_epoch_s=<max of rerun and the settled window arm> done_vs_sklearn=<max> cli_vs_import=<n>
relaunch_compile_s=<n>``.

    python tests/benchmarks/bench_latency.py [--repeats 3] [--no-cli] [--no-window]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

EXAMPLES = ("spirals.ffnn.json", "digits.ffnn.json", "surface.ffnn.json")


def load(name: str):
    from ffnn_studio.core.examples import example_path, load_example
    from ffnn_studio.data import prepare
    from ffnn_studio.data.loading import load_dataset

    project = load_example(name)
    dataset = load_dataset(project.data, example_path(name).parent)
    return project, prepare(dataset, project.training.validation_fraction, project.training.seed)


def first_epoch_sink():
    """A recording sink that notes the time of the first epoch report."""
    from ffnn_studio.core.reports import RecordingSink

    class FirstEpochSink(RecordingSink):
        def __init__(self) -> None:
            super().__init__()
            self.first_at: float | None = None

        def epoch_end(self, report) -> None:
            if self.first_at is None:
                self.first_at = time.perf_counter()
            super().epoch_end(report)

    return FirstEpochSink()


def run_ours(project, data) -> tuple[float, float, float]:
    """(first epoch s, done s, first epoch after a weight reset s)."""
    from ffnn_studio.engine.training.session import TrainingSession

    sink = first_epoch_sink()
    t = time.perf_counter()
    session = TrainingSession(project, data, sink)
    result = session.run()
    done = time.perf_counter() - t
    assert result.reason == "completed", result
    first = sink.first_at - t
    session.reset_weights()
    sink.first_at = None
    t = time.perf_counter()
    session.run()
    rerun = sink.first_at - t
    return first, done, rerun


def run_sklearn(project, data) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    from ffnn_studio.core.spec import DenseLayer, Task

    hidden = tuple(layer.units for layer in project.network.layers if isinstance(layer, DenseLayer))
    settings = project.training
    kind = MLPRegressor if data.task is Task.REGRESSION else MLPClassifier
    model = kind(
        hidden_layer_sizes=hidden,
        solver="adam",
        learning_rate_init=settings.optimizer.learning_rate,
        batch_size=settings.batch_size,
        max_iter=settings.epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        early_stopping=False,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = time.perf_counter()
        model.fit(data.x_train, data.y_train)
    return time.perf_counter() - t


def window_first_points(repeats: int, settled: bool = False) -> dict[str, list[float]]:
    """Per example, seconds from ``MainWindow.train()`` to the loss plot's first paint
    that shows a point. ``settled``: as a user works, compiling ahead on, Train pressed
    once the edit (a new seed and learning rate) has settled and the controller has
    built its session, while the program may still be compiling in the background."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FFNN_STUDIO_COMPILE_AHEAD"] = "1" if settled else "0"
    from dataclasses import replace

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    from ffnn_studio.core.examples import load_example
    from ffnn_studio.ui.app import ensure_application, load_engine_in_background
    from ffnn_studio.ui.document.document import ProjectDocument
    from ffnn_studio.ui.main_window import MainWindow

    app = ensure_application()
    window = MainWindow(ProjectDocument(load_example(EXAMPLES[0])), interactive=False)
    window.resize(1280, 800)
    window.show()
    loop = QEventLoop()
    window.controller.warmedUp.connect(loop.quit)
    load_engine_in_background(window.controller)
    loop.exec()
    plot = window.plots.loss_plot

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.at: float | None = None

        def eventFilter(self, obj, event) -> bool:
            if event.type() == QEvent.Type.Paint and self.at is None and plot.buffer.n:
                self.at = time.perf_counter()
            return False

    out: dict[str, list[float]] = {n: [] for n in EXAMPLES}
    for r in range(repeats):
        for name in EXAMPLES:
            project = load_example(name)
            lr = project.training.optimizer.learning_rate * (1.0 + 0.1 * (r + 1))
            optimizer = replace(
                project.training.optimizer,
                params={**project.training.optimizer.params, "learning_rate": lr},
            )
            project = replace(
                project, training=replace(project.training, seed=100 + r, optimizer=optimizer)
            )
            window.document.reset(project)
            app.processEvents()
            if settled:
                built = QEventLoop()
                window.controller.aheadBuilt.connect(built.quit)
                QTimer.singleShot(30_000, built.quit)
                built.exec()
                window.controller.aheadBuilt.disconnect(built.quit)
            watcher = FirstPaint()
            plot.widget.viewport().installEventFilter(watcher)
            done = QEventLoop()
            window.controller.finished.connect(done.quit)
            window.controller.failed.connect(done.quit)
            t = [0.0]

            def press(t=t) -> None:
                t[0] = time.perf_counter()
                if not window.train():
                    raise RuntimeError("the window did not start training")

            QTimer.singleShot(0, press)
            done.exec()
            app.processEvents()
            window.controller.finished.disconnect(done.quit)
            window.controller.failed.disconnect(done.quit)
            plot.widget.viewport().removeEventFilter(watcher)
            if watcher.at is None:
                raise RuntimeError(f"{name}: the loss plot never painted a point")
            out[name].append(watcher.at - t[0])
    window.close()
    return out


RELAUNCH_CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import numpy as np
from bench_latency import load
from ffnn_studio.engine.training.session import TrainingSession
import tensorflow as tf
project, data = load("digits.ffnn.json")
s = TrainingSession(project, data)
s._ensure_backup()  # the compiled path's state, made before the trace (as _compile_program does)
s._chunk_fn.get_concrete_function()
t = time.perf_counter()
s._chunk_fn(tf.constant(0), np.zeros((s.max_chunk_epochs, s.n_train), np.int32)).numpy()
print("COMPILE", time.perf_counter() - t)
"""


def relaunch_compile(repeats: int) -> tuple[float, float]:
    """Median seconds of the digits chunk program's first call in a new process: with an
    empty compile cache, and in the next process, which finds the entry."""
    import tempfile

    child = RELAUNCH_CHILD.format(bench=str(Path(__file__).resolve().parent))
    cold, warm = [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, XDG_CACHE_HOME=home, FFNN_STUDIO_COMPILE_CACHE="1")
            env.pop("TF_XLA_FLAGS", None)
            for into in (cold, warm):
                out = subprocess.run(
                    [sys.executable, "-c", child],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                into.append(float(out.split("COMPILE", 1)[1].split()[0]))
    return statistics.median(cold), statistics.median(warm)


def small_csv(folder: Path, rows: int = 426) -> Path:
    """A CSV of ``rows`` rows (four features, two classes), as a user might bring."""
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, 4))
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0).astype(int)
    path = folder / "small.csv"
    lines = ["a,b,c,d,label"] + [
        ",".join(f"{v:.4f}" for v in r) + f",{t}" for r, t in zip(x, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-cli", action="store_true", help="skip the command-line measurement")
    ap.add_argument("--no-window", action="store_true", help="skip the window measurement")
    ap.add_argument("--no-relaunch", action="store_true", help="skip the compile-cache measurement")
    args = ap.parse_args()

    from ffnn_studio.engine.training.session import warm_up_engine

    warm_up_engine()
    loaded = {name: load(name) for name in EXAMPLES}
    results: dict[str, dict[str, list[float]]] = {
        n: {"first": [], "done": [], "rerun": [], "sklearn": []} for n in EXAMPLES
    }
    for r in range(args.repeats):
        for i, name in enumerate(EXAMPLES):
            project, data = loaded[name]
            arms = ["ours", "sklearn"] if (r + i) % 2 == 0 else ["sklearn", "ours"]
            for arm in arms:
                if arm == "ours":
                    first, done, rerun = run_ours(project, data)
                    results[name]["first"].append(first)
                    results[name]["done"].append(done)
                    results[name]["rerun"].append(rerun)
                else:
                    results[name]["sklearn"].append(run_sklearn(project, data))
    windowed = {} if args.no_window else window_first_points(args.repeats)
    settled = {} if args.no_window else window_first_points(args.repeats, settled=True)
    firsts, reruns, ratios = [], [], []
    for name in EXAMPLES:
        med = {k: statistics.median(v) for k, v in results[name].items()}
        ratio = med["done"] / med["sklearn"]
        firsts.append(med["first"])
        shown = ""
        if name in windowed:
            w = statistics.median(windowed[name])
            firsts.append(w)
            shown = f"  window first point {w:.3f} s"
        if name in settled:
            w = statistics.median(settled[name])
            reruns.append(w)
            shown += f" (after an edit settled {w:.3f} s)"
        reruns.append(med["rerun"])
        ratios.append(ratio)
        print(
            f"{name}: first epoch {med['first']:.3f} s  done {med['done']:.3f} s  "
            f"rerun first epoch {med['rerun']:.3f} s  sklearn fit {med['sklearn']:.3f} s  "
            f"done/sklearn {ratio:.2f}{shown}",
            flush=True,
        )
    cli = "n/a"
    if not args.no_cli:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            csv = str(small_csv(Path(folder)))
            train = [
                sys.executable,
                "-m",
                "ffnn_studio",
                "train",
                "--csv",
                csv,
                "--target",
                "label",
            ]
            train += ["--epochs", "100", "--quiet"]
            cli_s, tf_s, eng_s = [], [], []
            for _ in range(args.repeats):
                cli_s.append(wall(train))
                tf_s.append(wall([sys.executable, "-c", "import tensorflow"]))
                eng_s.append(wall([sys.executable, "-c", "import ffnn_studio.engine.training"]))
        c, t, e = (statistics.median(v) for v in (cli_s, tf_s, eng_s))
        print(
            f"cli train (426 rows, 100 epochs) {c:.2f} s  import tensorflow {t:.2f} s  "
            f"engine import {e:.2f} s  cli/engine import {c / e:.2f}",
            flush=True,
        )
        cli = f"{c / t:.2f}"
    relaunch = "n/a"
    if not args.no_relaunch:
        cold, warm = relaunch_compile(args.repeats)
        print(
            f"relaunch: first call of the digits program {cold:.2f} s with an empty cache, "
            f"{warm:.2f} s in the next process",
            flush=True,
        )
        relaunch = f"{warm:.3f}"
    print(
        f"first_epoch_s={max(firsts):.3f} rerun_first_epoch_s={max(reruns):.3f} "
        f"done_vs_sklearn={max(ratios):.2f} cli_vs_import={cli} relaunch_compile_s={relaunch}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
