"""How much does the live decision boundary slow training down?

Trains the spirals example project as shipped (its network printed at the start;
20 000 samples, so an epoch takes long enough to time) through a real
``TrainingController`` and a
visible ``DecisionBoundaryView`` (100×100 grid, refreshed by its 10 Hz timer).
While one long run trains, the boundary's timer is switched on and off in
alternating windows (``--window`` seconds each, the first of a pair chosen
alternately), so the machine's drift hits both conditions alike. Each epoch's
throughput comes from the session's own ``EpochEnd`` clock and counts for the
condition of the window it ended in (epochs ending within 0.15 s of a switch
are left out). Printed: samples/s with and without the boundary per pair of
windows, the median of the per-pair ratios, and the refresh rate and cost the
boundary achieved while training.

The machines are noisy and shared: absolute numbers are not comparable across
runs, the ratio measured side by side is.

    QT_QPA_PLATFORM=offscreen python tests/benchmarks/bench_boundary.py [--pairs 12] [--window 1.0]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

#: Epochs ending this close to a switch are not counted.
GUARD_S = 0.15


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=12, help="pairs of windows (off, on)")
    parser.add_argument("--window", type=float, default=1.0, help="seconds per window")
    parser.add_argument("--samples", type=int, default=20_000, help="spirals data set size")
    parser.add_argument("--interval", type=int, default=100, help="boundary refresh interval, ms")
    parser.add_argument("--resolution", type=int, default=100, help="grid points per side")
    parser.add_argument(
        "--null", action="store_true", help="A/A check: keep the boundary off in both windows (noise floor)"
    )
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)

    from ffnn_studio.config import BOUNDARY_MAX_INTERVAL_MS
    from ffnn_studio.core.examples import example_path
    from ffnn_studio.core.project_file import load_project
    from ffnn_studio.ui.insights.boundary import DecisionBoundaryView
    from ffnn_studio.ui.run.bridge import TrainingController

    project = load_project(example_path("spirals"))
    project = replace(
        project,
        data=replace(project.data, params={**project.data.params, "n_samples": args.samples}),
        training=replace(project.training, epochs=100_000),
    )
    layers = " → ".join(f"{layer.units} {layer.activation}" for layer in project.network.dense_layers)
    print(f"network: 2 → {layers} → 1 sigmoid, batch {project.training.batch_size}, {args.samples} samples")
    controller = TrainingController()
    view = DecisionBoundaryView(resolution=args.resolution, interval_ms=args.interval)
    view.resize(700, 560)
    view.attach(controller)
    view.show()

    epochs: list[tuple[float, float, int]] = []  # (GUI arrival time, session clock, epoch)
    refreshes: list[tuple[float, float]] = []  # (time, cost ms)
    switches: list[tuple[float, bool]] = []
    info: list = []
    loop = QEventLoop()
    controller.started.connect(info.append)
    controller.reported.connect(
        lambda r: epochs.extend((time.perf_counter(), e.elapsed_s, e.epoch) for e in r.epochs)
    )
    view.refreshed.connect(lambda: refreshes.append((time.perf_counter(), view.last_refresh_ms)))
    controller.finished.connect(loop.quit)
    controller.failed.connect(lambda msg: (print("failed:", msg), loop.quit()))

    # The schedule: warm-up, then pairs of windows; the first of each pair alternates.
    schedule: list[bool] = []
    for i in range(args.pairs):
        schedule += [False, True] if i % 2 == 0 else [True, False]
    state = {"i": -1}

    def set_boundary(on: bool) -> None:
        # The view's own timer is the live refresh; off, the view costs nothing.
        if on and not args.null:
            view._timer.start()
        else:
            view._timer.stop()
        switches.append((time.perf_counter(), on))

    def next_window() -> None:
        state["i"] += 1
        if state["i"] >= len(schedule):
            controller.stop()
            return
        set_boundary(schedule[state["i"]])
        QTimer.singleShot(int(args.window * 1000), next_window)

    def on_state(s: str) -> None:
        if s == "running" and state["i"] < 0:
            view._timer.stop()
            # Two seconds for tracing and warm-up before the first window.
            QTimer.singleShot(2000, next_window)

    controller.stateChanged.connect(on_state)
    assert controller.start(project, None)
    loop.exec()

    # Throughput per window.
    train_samples = info[0].train_samples
    bounds = [t for t, _ in switches]
    windows: list[dict[str, float]] = []
    for w, (t0, on) in enumerate(switches[:-1]):
        t1 = bounds[w + 1]
        inside = [(s, e) for (t, s, e) in epochs if t0 + GUARD_S <= t <= t1 - GUARD_S]
        if len(inside) < 3:
            continue
        (s0, e0), (s1, e1) = inside[0], inside[-1]
        rate = train_samples * (e1 - e0) / max(s1 - s0, 1e-9)
        hz = sum(1 for t, _ in refreshes if t0 <= t < t1) / (t1 - t0)
        costs = [c for t, c in refreshes if t0 <= t < t1]
        windows.append({"pair": w // 2, "on": on, "rate": rate, "hz": hz, "ms": statistics.median(costs) if costs else 0.0})

    ratios, base, live, rates, costs = [], [], [], [], []
    for p in range(args.pairs):
        pw = [w for w in windows if w["pair"] == p]
        off = [w for w in pw if not w["on"]]
        on = [w for w in pw if w["on"]]
        if not off or not on:
            continue
        a, b = off[0], on[0]
        base.append(a["rate"])
        live.append(b["rate"])
        ratios.append(b["rate"] / a["rate"])
        rates.append(b["hz"])
        costs.append(b["ms"])
        print(
            f"pair {p + 1:2d}: without {a['rate']:9.0f} samples/s   with boundary {b['rate']:9.0f} samples/s"
            f"   ratio {b['rate'] / a['rate']:.3f}   boundary {b['hz']:.1f} Hz, {b['ms']:.1f} ms each",
            flush=True,
        )
    print()
    print(f"pairs measured: {len(ratios)} (windows of {args.window:g} s)")
    print(f"median samples/s without boundary: {statistics.median(base):.0f}")
    print(f"median samples/s with boundary:    {statistics.median(live):.0f}")
    print(f"median of per-pair ratios (with/without): {statistics.median(ratios):.3f}")
    print(
        f"boundary refresh while training: {statistics.median(rates):.1f} Hz "
        f"(timer {1000 / args.interval:.0f} Hz, slowing to {1000 / BOUNDARY_MAX_INTERVAL_MS:.2g} Hz at most when "
        f"refreshes get expensive), one refresh ≈ {statistics.median(costs):.1f} ms "
        f"({args.resolution}×{args.resolution} grid, numpy forward pass in the GUI thread)"
    )
    controller.shutdown()
    view.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
