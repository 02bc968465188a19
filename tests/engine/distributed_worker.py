"""Trains a small project under a strategy in its own process; the distributed tests run it.

A strategy's devices and cluster must be set before TensorFlow initialises,
so every distributed run is a fresh process: ``python distributed_worker.py
--strategy mirrored --logical-cpus 2 --out result.json``. Prints one line per
epoch ("epoch N") and writes the losses and final weights as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np


def xor_project(strategy: str, epochs: int, batch: int):
    from ffnn_studio.core.spec import (
        DenseLayer,
        NetworkSpec,
        OptimizerSpec,
        Project,
        Task,
        TrainingSettings,
    )
    from ffnn_studio.data import Dataset, prepare

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, size=(600, 2)).astype(np.float32)
    y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int32)
    data = prepare(Dataset("xor", x, y, Task.BINARY, ("a", "b"), ("neg", "pos")), 0.25, 0)
    project = Project(
        network=NetworkSpec((DenseLayer(16, "tanh"), DenseLayer(8, "relu"))),
        training=TrainingSettings(
            epochs=epochs,
            batch_size=batch,
            seed=3,
            optimizer=OptimizerSpec("adam", {"learning_rate": 0.01}),
            strategy=strategy,
        ),
    )
    return project, data


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--strategy", default="default")
    p.add_argument("--strategies", help="comma-separated: train under each in turn")
    p.add_argument("--logical-cpus", type=int, default=0)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=30)
    p.add_argument("--backup-dir")
    p.add_argument("--out", required=True)
    ns = p.parse_args(argv)
    os.environ.setdefault("FFNN_STUDIO_QUICKSTART", "0")
    from ffnn_studio.engine.quiet import import_tensorflow

    tf = import_tensorflow()
    if ns.logical_cpus:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(ns.logical_cpus)]
        )
    from ffnn_studio.core.reports import ReportSink
    from ffnn_studio.engine.training.session import TrainingSession

    class Printer(ReportSink):
        def epoch_end(self, report) -> None:
            print(f"epoch {report.epoch}", flush=True)

    results = {}
    for strategy in (ns.strategies or ns.strategy).split(","):
        project, data = xor_project(strategy, ns.epochs, ns.batch)
        session = TrainingSession(project, data, Printer())
        if ns.backup_dir:
            session.backup_dir = ns.backup_dir
        finished = session.run()
        results[strategy] = {
            "class": type(session).__name__,
            "replicas": getattr(session, "replicas", 1),
            "chief": getattr(session, "is_chief", True),
            "resumed": getattr(session, "resumed_epochs", 0),
            "reason": finished.reason,
            "message": finished.message,
            "epochs": session.epochs_completed,
            "loss": session.history.column("loss").tolist(),
            "val_loss": session.history.column("val_loss").tolist(),
            "probe_grad": session.history.probe(0, "grad_norm").tolist(),
            "probe_dead": session.history.probe(1, "dead_fraction").tolist(),
            "weights": [k.tolist() for k, _ in session.weights_snapshot()],
        }
    with open(ns.out, "w") as f:
        json.dump(results, f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
