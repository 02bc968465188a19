"""How fast does the studio train small MLPs, next to plain ``model.fit`` and scikit-learn?

Cases (synthetic data, Adam, cross-entropy, ReLU hidden layers):
  a  2 → 64 → 64 → 1 (sigmoid), batch 32, 20,000 samples
  b  64 → 128 → 128 → 64 → 10 (softmax), batch 32, 60,000 samples
  c  the same as b at batch 256

Arms, alternated within each repeat (the order rotates) so drift on this
noisy machine hits all alike:
  ours     the real ``TrainingSession`` (probes and reporting on, a no-op sink)
  fit      ``model.fit(verbose=0)`` with Keras defaults on the same model
  sklearn  ``MLPClassifier(solver="adam")``, same layers, batch and epochs

Throughput = samples × epochs / wall time of ``--epochs`` epochs. The Keras
arms run one warm-up epoch first, so tracing and compiling are left out of
the throughput; the session's one-off cost (tracing + XLA compile, paid once
per run by a user) is printed separately. Medians over ``--repeats``.
The last line is ``min_ratio_fit=<n> min_ratio_sklearn=<n>``: the smallest
ours/fit and ours/sklearn ratio over the cases.

    python tests/benchmarks/bench_training.py [--repeats 3] [--epochs 2] [--cases abc] [--nojit]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np

CASES = {
    # name: (n_samples, n_features, hidden, n_classes (2 = binary), batch)
    "a": (20_000, 2, (64, 64), 2, 32),
    "b": (60_000, 64, (128, 128, 64), 10, 32),
    "c": (60_000, 64, (128, 128, 64), 10, 256),
}


def make_prepared(case: str):
    """Synthetic data as the studio's PreparedData (no validation part, like the peers)."""
    from ffnn_studio.core.spec import Task
    from ffnn_studio.data import Dataset, prepare

    n, d, _, k, _ = CASES[case]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d)).astype(np.float32)
    if k == 2:
        y = ((x[:, 0] * x[:, 1]) > 0).astype(np.int32)
        task = Task.BINARY
    else:
        w = rng.normal(size=(d, k))
        y = np.argmax(x @ w + rng.normal(size=(n, k)), axis=1).astype(np.int32)
        task = Task.MULTICLASS
    ds = Dataset(
        f"bench_{case}", x, y, task, tuple(f"x{i}" for i in range(d)), tuple(f"c{i}" for i in range(k))
    )
    return prepare(ds, 0.0, 0)


def make_project(case: str, epochs: int):
    from ffnn_studio.core.spec import (
        DenseLayer,
        NetworkSpec,
        OptimizerSpec,
        Project,
        TrainingSettings,
    )

    _, _, hidden, _, batch = CASES[case]
    return Project(
        name=f"bench {case}",
        network=NetworkSpec(tuple(DenseLayer(u, "relu") for u in hidden)),
        training=TrainingSettings(
            loss="cross_entropy",
            optimizer=OptimizerSpec("adam"),
            epochs=epochs,
            batch_size=batch,
            validation_fraction=0.0,
            seed=0,
        ),
    )


def run_ours(case: str, data, epochs: int) -> tuple[float, float]:
    """(samples/s, one-off seconds for tracing + compiling)."""
    from ffnn_studio.core.reports import NullSink
    from ffnn_studio.engine.training import session as session_module
    from ffnn_studio.engine.training.session import TrainingSession

    # Steady speed is the compiled program's: it is compiled ahead (whatever the run's
    # length), then one warm-up epoch, then the timed run.
    session_module.COMPILE_AFTER_S = 0.0
    session = TrainingSession(make_project(case, epochs), data, NullSink())
    t = time.perf_counter()
    assert session.compile_ahead() and session.wait_for_program()
    warm = time.perf_counter() - t
    first = session.run(1)
    assert first.reason == "completed" and session._compiled, first
    t = time.perf_counter()
    done = session.run(epochs)
    wall = time.perf_counter() - t
    assert done.reason == "completed", done
    sps = data.n_train * epochs / wall
    return sps, warm


def run_fit(case: str, data, epochs: int) -> float:
    import keras

    _n, d, hidden, k, batch = CASES[case]
    layers = [keras.Input((d,))] + [keras.layers.Dense(u, activation="relu") for u in hidden]
    if k == 2:
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        loss = "binary_crossentropy"
    else:
        layers.append(keras.layers.Dense(k, activation="softmax"))
        loss = "sparse_categorical_crossentropy"
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss=loss)
    x, y = data.x_train, data.y_train
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    t = time.perf_counter()
    model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0)
    return len(x) * epochs / (time.perf_counter() - t)


def run_sklearn(case: str, data, epochs: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    _, _, hidden, _, batch = CASES[case]
    clf = MLPClassifier(
        hidden_layer_sizes=hidden,
        solver="adam",
        batch_size=batch,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=10**9,
        early_stopping=False,
        shuffle=True,
        random_state=0,
    )
    x, y = data.x_train, data.y_train
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = time.perf_counter()
        clf.fit(x, y)
    return len(x) * epochs / (time.perf_counter() - t)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--cases", default="abc")
    ap.add_argument("--nojit", action="store_true", help="also time the session without XLA")
    args = ap.parse_args()
    import tensorflow  # noqa: F401  (its import time stays out of every arm)

    from ffnn_studio.config import XLA_ENV

    ratios_fit, ratios_skl = [], []
    for case in args.cases:
        data = make_prepared(case)
        arms = ["ours", "fit", "sklearn"] + (["ours_nojit"] if args.nojit else [])
        res: dict[str, list[float]] = {a: [] for a in arms}
        setup: list[float] = []
        for r in range(args.repeats):
            for arm in arms[r % len(arms) :] + arms[: r % len(arms)]:
                if arm in ("ours", "ours_nojit"):
                    os.environ[XLA_ENV] = "0" if arm == "ours_nojit" else "1"
                    sps, s = run_ours(case, data, args.epochs)
                    if arm == "ours":
                        setup.append(s)
                elif arm == "fit":
                    sps = run_fit(case, data, args.epochs)
                else:
                    sps = run_sklearn(case, data, args.epochs)
                res[arm].append(sps)
        os.environ.pop(XLA_ENV, None)
        med = {a: statistics.median(v) for a, v in res.items()}
        rf, rs = med["ours"] / med["fit"], med["ours"] / med["sklearn"]
        ratios_fit.append(rf)
        ratios_skl.append(rs)
        cells = "  ".join(f"{a} {v:,.0f}/s" for a, v in med.items())
        print(
            f"case {case}: {cells}  | ours/fit {rf:.2f}  ours/sklearn {rs:.2f}  "
            f"ours one-off trace+compile {statistics.median(setup):.2f} s",
            flush=True,
        )
    print(f"min_ratio_fit={min(ratios_fit):.2f} min_ratio_sklearn={min(ratios_skl):.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
