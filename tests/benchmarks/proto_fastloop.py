"""Prototype of the fast training loop (standalone; no ffnn_studio imports).

One ``tf.function(jit_compile=True)`` runs a whole *chunk* of optimizer steps
in a ``tf.while_loop`` over in-memory tensors; Python is entered once per chunk.
The last step of a chunk also computes the per-layer probes.  Measured against
plain ``model.fit`` and scikit-learn's ``MLPClassifier`` side by side, with
interleaved repeats and medians (see NOTES-training-speed.md).

Run:  python tests/benchmarks/proto_fastloop.py [--reps 3] [--epochs 2] [--cases abc]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np

CASES = {
    # name: (n_samples, n_features, hidden, n_classes (1 = binary), batch)
    "a": (20_000, 2, (64, 64), 1, 32),
    "b": (60_000, 64, (128, 128, 64), 10, 32),
    "c": (60_000, 64, (128, 128, 64), 10, 256),
}


def make_data(case: str, seed: int = 0):
    n, d, _, k, _ = CASES[case]
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    if k == 1:
        y = ((x[:, 0] * x[:, 1]) > 0).astype(np.float32)
    else:
        w = rng.normal(size=(d, k))
        y = np.argmax(x @ w + rng.normal(size=(n, k)), axis=1).astype(np.int32)
    return x, y


def build_model(case: str, dropout: float = 0.0, l2: float = 0.0):
    import keras

    _, d, hidden, k, _ = CASES[case]
    inp = keras.Input((d,))
    h = inp
    for u in hidden:
        reg = keras.regularizers.L2(l2) if l2 else None
        h = keras.layers.Dense(u, activation="relu", kernel_regularizer=reg)(h)
        if dropout:
            h = keras.layers.Dropout(dropout, seed=1)(h)
    out = keras.layers.Dense(1 if k == 1 else k, activation="sigmoid" if k == 1 else "softmax")(h)
    model = keras.Model(inp, out)
    loss = "binary_crossentropy" if k == 1 else "sparse_categorical_crossentropy"
    return model, loss


class FastLoop:
    """Chunked in-graph training of a compiled keras.Model with per-layer probes."""

    def __init__(self, model, x, y, batch, *, jit=True, seed=0):
        import keras
        import tensorflow as tf

        self.tf = tf
        self.model = model
        self.opt = model.optimizer
        self.loss_obj = model.loss if not isinstance(model.loss, str) else keras.losses.get(model.loss)
        if isinstance(model.loss, str):
            self.loss_obj = {
                "binary_crossentropy": keras.losses.BinaryCrossentropy(),
                "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy(),
            }[model.loss]
        self.n = n = len(x)
        self.batch = batch
        self.steps_per_epoch = -(-n // batch)
        self.rng = np.random.default_rng(seed)
        self.x = tf.constant(x)
        self.y = tf.constant(y.reshape(-1, 1) if y.ndim == 1 and model.output.shape[-1] == 1 else y)
        self.binary = model.output.shape[-1] == 1
        tv = model.trainable_variables
        self.opt.build(tv)
        self.dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        # A second functional view that also returns every Dense layer's output (its activation).
        self.probe_model = keras.Model(model.inputs, [d.output for d in self.dense])
        self.perm = tf.Variable(tf.range(n), trainable=False)
        self.pos = tf.Variable(0, trainable=False)
        self.count = tf.Variable(0, trainable=False)
        self.sums = tf.Variable(tf.zeros([3]), trainable=False)  # Σloss·w, Σmetric·w, Σw
        ar = tf.range(batch)
        kernel_ids = {id(d.kernel): i for i, d in enumerate(self.dense)}

        def get_batch(s):
            idx = s * batch + ar
            w = tf.cast(idx < n, tf.float32)
            pi = tf.gather(self.perm, tf.minimum(idx, n - 1))
            return tf.gather(self.x, pi), tf.gather(self.y, pi), w

        def losses(yb, pred, w):
            per = self.loss_obj.call(yb, pred)
            loss = tf.reduce_sum(per * w) / tf.reduce_sum(w)
            if model.losses:
                loss = loss + tf.add_n(model.losses)
            if self.binary:
                hit = tf.cast(tf.equal(tf.cast(pred[:, 0] > 0.5, tf.float32), yb[:, 0]), tf.float32)
            else:
                hit = tf.cast(tf.equal(tf.argmax(pred, -1, output_type=tf.int32), yb), tf.float32)
            return loss, hit

        def step(s):
            xb, yb, w = get_batch(s)
            with tf.GradientTape() as tape:
                pred = model(xb, training=True)
                loss, hit = losses(yb, pred, w)
            grads = tape.gradient(loss, tv)
            self.opt.apply(grads, tv)
            return loss, tf.stack([loss * tf.reduce_sum(w), tf.reduce_sum(hit * w), tf.reduce_sum(w)])

        def probe_step(s):
            xb, yb, w = get_batch(s)
            with tf.GradientTape() as tape:
                acts = self.probe_model(xb, training=True)
                loss, hit = losses(yb, acts[-1], w)
            grads = tape.gradient(loss, tv)
            before = [tf.identity(d.kernel.value) for d in self.dense]
            self.opt.apply(grads, tv)
            gk = [None] * len(self.dense)
            for v, g in zip(tv, grads, strict=False):
                if id(v) in kernel_ids:
                    gk[kernel_ids[id(v)]] = g
            rows = []
            for d, a, k0, g in zip(self.dense, acts, before, gk, strict=False):
                k = d.kernel.value
                kn = tf.norm(k)
                dead = tf.reduce_mean(tf.cast(tf.reduce_all(a <= 0, axis=0), tf.float32))
                rows.append(tf.stack([kn, tf.norm(g), tf.norm(k - k0) / (kn + 1e-12), dead]))
            sums = tf.stack([loss * tf.reduce_sum(w), tf.reduce_sum(hit * w), tf.reduce_sum(w)])
            return loss, sums, tf.stack(rows)

        def chunk():
            start = self.pos.read_value()
            k = self.count.read_value()

            def body(i, _loss, acc):
                loss, sums = step(start + i)
                return i + 1, loss, acc + sums

            # An explicit while_loop: autograph's `for i in tf.range(k)` made XLA
            # recompile for every distinct k (a compile-time-constant trip count).
            _, _, acc = tf.while_loop(
                lambda i, *_: i < k - 1, body, [tf.constant(0), tf.constant(0.0), tf.zeros([3])]
            )
            loss, sums, probes = probe_step(start + k - 1)
            self.sums.assign_add(acc + sums)
            self.pos.assign_add(k)
            return loss, probes

        self._chunk = tf.function(chunk, jit_compile=jit)
        self.trace_s = None

    def trace(self):
        """Trace the chunk function once (python tracing; XLA compiles on first call)."""
        t = time.perf_counter()
        self._chunk.get_concrete_function()
        self.trace_s = time.perf_counter() - t

    def epoch(self, chunk_steps=256):
        self.perm.assign(self.rng.permutation(self.n).astype(np.int32))
        self.pos.assign(0)
        self.sums.assign(np.zeros(3, np.float32))
        done = 0
        while done < self.steps_per_epoch:
            k = min(chunk_steps, self.steps_per_epoch - done)
            self.count.assign(k)
            _loss, probes = self._chunk()
            probes = probes.numpy()
            done += k
        s = self.sums.numpy()
        return s[0] / s[2], s[1] / s[2], probes


def run_ours(case, x, y, epochs, jit=True):
    import keras

    keras.utils.set_random_seed(0)
    model, loss = build_model(case)
    model.compile(optimizer=keras.optimizers.Adam(), loss=loss)
    t0 = time.perf_counter()
    loop = FastLoop(model, x, y, CASES[case][4], jit=jit)
    loop.trace()
    t1 = time.perf_counter()
    loop.epoch()  # warm-up: first call compiles (XLA)
    first = time.perf_counter() - t1
    t = time.perf_counter()
    for _ in range(epochs):
        loss_v, acc, _ = loop.epoch()
    sps = len(x) * epochs / (time.perf_counter() - t)
    epoch_s = len(x) / sps
    setup = (t1 - t0) + max(first - epoch_s, 0.0)  # tracing + compile, once per run
    return sps, setup, loss_v, acc


def run_fit(case, x, y, epochs):
    import keras

    model, loss = build_model(case)
    model.compile(optimizer=keras.optimizers.Adam(), loss=loss)
    model.fit(x, y, batch_size=CASES[case][4], epochs=1, verbose=0)
    t = time.perf_counter()
    h = model.fit(x, y, batch_size=CASES[case][4], epochs=epochs, verbose=0)
    return len(x) * epochs / (time.perf_counter() - t), h.history["loss"][-1]


def run_sklearn(case, x, y, epochs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    _, _, hidden, _, batch = CASES[case]
    clf = MLPClassifier(
        hidden_layer_sizes=hidden, solver="adam", batch_size=batch, max_iter=epochs,
        tol=0.0, n_iter_no_change=10**9, early_stopping=False, shuffle=True, random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = time.perf_counter()
        clf.fit(x, y)
    return len(x) * epochs / (time.perf_counter() - t), clf.loss_


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--cases", default="abc")
    ap.add_argument("--nojit", action="store_true", help="also run the loop without XLA")
    a = ap.parse_args()
    import tensorflow  # noqa: F401  (import cost outside the timings)

    for case in a.cases:
        x, y = make_data(case)
        res: dict[str, list[float]] = {"ours": [], "ours_nojit": [], "fit": [], "sklearn": []}
        setup: list[float] = []
        for r in range(a.reps):
            arms = ["ours", "fit", "sklearn"] + (["ours_nojit"] if a.nojit else [])
            for arm in arms[r % len(arms):] + arms[: r % len(arms)]:  # rotate the order
                if arm == "ours":
                    sps, s, *_ = run_ours(case, x, y, a.epochs)
                    setup.append(s)
                elif arm == "ours_nojit":
                    sps, *_ = run_ours(case, x, y, a.epochs, jit=False)
                elif arm == "fit":
                    sps, _ = run_fit(case, x, y, a.epochs)
                else:
                    sps, _ = run_sklearn(case, x, y, a.epochs)
                res[arm].append(sps)
        med = {k: statistics.median(v) for k, v in res.items() if v}
        line = " ".join(f"{k}={v:,.0f}/s" for k, v in med.items())
        print(
            f"case {case}: {line} | ours/fit={med['ours'] / med['fit']:.2f} "
            f"ours/sklearn={med['ours'] / med['sklearn']:.2f} setup(trace+compile)={statistics.median(setup):.2f}s",
            flush=True,
        )


if __name__ == "__main__":
    main()
