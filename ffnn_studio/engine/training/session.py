"""The training session: trains a project's model on a worker thread and reports as it goes.

Why not ``model.fit``: on these 2-core CPUs ``fit`` pays Python and
``tf.data`` overhead on every batch and ran 3–10× slower than scikit-learn
on small MLPs (tests/benchmarks/NOTES-training-speed.md). Here the training
set lives in memory as tensors, and one XLA-compiled ``tf.function`` runs a
*chunk* of optimizer steps in a ``tf.while_loop``; Python is entered once per
chunk (≈0.1 s of work), which is where stop/pause are read and reports made.

A chunk may span many short epochs (up to ``MAX_CHUNK_EPOCHS``): at each
epoch's last step the graph records the epoch's loss and metric sums, runs the
validation pass and takes the per-layer probes (kernel and gradient norms,
update/weight ratio, dead or saturated units); the chunk's last step takes
probes too. Each epoch's order of rows is drawn on the host from the seed and
the epoch number (so the same seed gives the same curve however the run is
cut into chunks) and goes in as an argument; one array comes back, so a chunk
costs one call into TensorFlow however many epochs it spans (why that matters
is measured in ``docs/measurements.md``).

The model stays a plain ``keras.Model``: the step calls the model and its
compiled loss, adds ``model.losses`` (L1/L2), runs Dropout in training mode
and updates through the Keras optimizer, so the model saves and its optimizer
state continues across ``run()`` calls.

Contract: owns the training loop, its probes and the run's history; talks to
the outside only through the ``core.reports`` sink protocol and plain values.
Imports TensorFlow (on import: load it off the GUI thread), the core, the
builder and ``config``; never Qt, never the window.
"""

from __future__ import annotations

import csv
import io
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ffnn_studio.config import ENGINE_REPORT_INTERVAL_S, TRAINING_CHUNK_S, xla_enabled
from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.catalog import ACTIVATIONS
from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.reports import (
    ChunkReport,
    EpochEnd,
    LayerProbe,
    NullSink,
    ProbeReport,
    Progress,
    RunFinished,
    RunStarted,
    TrainingSink,
)
from ffnn_studio.core.series import BoundedSeries
from ffnn_studio.core.snapshots import EpochSnapshots
from ffnn_studio.core.spec import Project, Task
from ffnn_studio.engine.builder import (
    BuiltModel,
    build_model_for,
    encode_targets,
    metric_name,
)
from ffnn_studio.engine.quiet import import_tensorflow
from ffnn_studio.engine.schedules import rate_reader
from ffnn_studio.engine.training.gil import short_switch_interval
from ffnn_studio.engine.training.quickstart import (
    QuickTrainer,
    one_blas_thread,
    quick_start_enabled,
    quick_trainer_for,
)
from ffnn_studio.engine.training.test_part import score_test_part

tf = import_tensorflow()
import keras  # noqa: E402  (after TensorFlow's quiet import)

log = logging.getLogger(__name__)

#: Steps of the very first chunk (its call also compiles, so its duration says nothing).
FIRST_CHUNK_STEPS = 8
#: Rows per validation batch.
EVAL_BATCH = 2048
#: Most epochs one chunk may span: small data sets run many epochs a chunk, so
#: Python (and the GIL) is entered tens of times a second, not once an epoch.
MAX_CHUNK_EPOCHS = 64
#: ... while the rows' orders for those epochs (int32, passed in) stay ≤ 512 KB.
ORDER_BUDGET = 1 << 17
#: What a chunk returns first.
CHUNK_FIELDS: tuple[str, ...] = (
    "loss",  # the last step's
    "finite",  # 1.0 if that loss and every weight are finite
    "closed",  # how many epochs ended in the chunk
)
#: Then, for each of the chunk's epochs (NaN for those that did not end in it):
RECORD_FIELDS: tuple[str, ...] = (
    "loss_sum",  # Σ loss·w, Σ metric·w and Σ w over the epoch
    "metric_sum",
    "weight_sum",
    "val_loss",  # with the epoch's final weights
    "val_metric",
)
#: A run on the quick path starts compiling the chunk program on another thread
#: only if its remaining steps would take longer than this there: tracing and
#: compiling take 1–3 s and share the CPU (and the GIL) with the quick steps,
#: which run 3–6× slower meanwhile (measured), so a shorter run ends sooner without.
COMPILE_AFTER_S = 2.5
#: A quick step's time before one was measured: generous (the examples' steps take
#: 0.1-0.3 ms), so only runs that are surely short skip waiting for a trace.
QUICK_STEP_GUESS_S = 1e-3

PROBE_FIELDS: tuple[str, ...] = (
    "weight_norm",
    "grad_norm",
    "update_ratio",
    "dead_fraction",
    "saturated_fraction",
)
HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",
    "loss",
    "val_loss",
    "metric",
    "val_metric",
    "learning_rate",
    "elapsed_s",
)
#: Storage of each history column: float32 holds the graph's float32 values exactly.
HISTORY_DTYPES: dict[str, type[np.generic]] = {
    "epoch": np.int32,
    "loss": np.float32,
    "val_loss": np.float32,
    "metric": np.float32,
    "val_metric": np.float32,
    "learning_rate": np.float32,
    "elapsed_s": np.float64,
}
_MISSING: dict[str, float] = {c: (-1 if c == "epoch" else math.nan) for c in HISTORY_COLUMNS}
#: Probe reports kept at full resolution; beyond, min/max pairs (``core.series``).
PROBE_BUDGET = 8192
#: Activations whose probe is the dead-unit fraction (output ≤ 0 for the whole batch).
DEAD_ACTIVATIONS = frozenset(n for n, a in ACTIVATIONS.items() if a.probe == "dead")
#: Activations whose probe is the saturated fraction: |a − centre| > limit.
SATURATION = {
    n: a.saturation
    for n, a in ACTIVATIONS.items()
    if a.probe == "saturated" and a.saturation is not None
}


# --------------------------------------------------------------------------- history


class RunHistory:
    """Per-epoch history in compact numpy columns, per-report probes in a bounded series.

    Every epoch is kept (the CSV history needs each one) in 32 bytes: the
    losses, metrics and learning rate as float32 (the graph computes them in
    float32, so nothing is lost), the epoch as int32, the elapsed time as
    float64; the buffers grow by doubling. Probe reports are kept at full
    resolution up to ``PROBE_BUDGET`` reports and as min/max pairs beyond
    (``core.series``), so a million-epoch run costs ~32 MB of history and a
    fixed amount of probes.

    Appended to by the training thread and read by the GUI thread: reads
    return copies taken under a lock.
    """

    def __init__(self, n_layers: int, metric_name: str = "accuracy", layer_names: tuple[str, ...] = ()) -> None:
        self.metric_name = metric_name
        self.layer_names = tuple(layer_names) or tuple(f"layer_{i + 1}" for i in range(n_layers))
        self._n_layers = n_layers
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._n = 0
            self._cols = {c: np.full(64, _MISSING[c], dtype=HISTORY_DTYPES[c]) for c in HISTORY_COLUMNS}
            # Column 0: the report's step; then each layer's PROBE_FIELDS.
            self._probes = BoundedSeries(1 + self._n_layers * len(PROBE_FIELDS), 64, budget=PROBE_BUDGET)

    @staticmethod
    def _grow(a: np.ndarray, fill: float) -> np.ndarray:
        bigger = np.full((2 * a.shape[0], *a.shape[1:]), fill, dtype=a.dtype)
        bigger[: a.shape[0]] = a
        return bigger

    @property
    def epochs(self) -> int:
        return self._n

    def nbytes(self) -> int:
        """Memory the history's buffers take."""
        with self._lock:
            return sum(a.nbytes for a in self._cols.values()) + self._probes.nbytes()

    def append_epoch(self, **values: float | None) -> None:
        with self._lock:
            if self._n == len(self._cols["epoch"]):
                self._cols = {c: self._grow(a, _MISSING[c]) for c, a in self._cols.items()}
            for name in HISTORY_COLUMNS:
                v = values.get(name)
                self._cols[name][self._n] = _MISSING[name] if v is None else v
            self._n += 1

    def append_end(self, end: EpochEnd) -> None:
        """Appends the epoch an ``EpochEnd`` reports."""
        self.append_epoch(
            epoch=end.epoch,
            loss=end.loss,
            val_loss=end.val_loss,
            metric=end.metric,
            val_metric=end.val_metric,
            learning_rate=end.learning_rate,
            elapsed_s=end.elapsed_s,
        )

    def append_probe(self, step: int, epoch: float, values: np.ndarray) -> None:
        row = np.empty(self._probes.columns)
        row[0] = step
        row[1:] = np.asarray(values, dtype=np.float64).ravel()
        with self._lock:
            self._probes.append(epoch, row)

    def column(self, name: str) -> np.ndarray:
        """A float64 copy of one per-epoch column (``HISTORY_COLUMNS``); NaN where missing."""
        if name not in self._cols:
            raise KeyError(f"no history column {name!r}; columns: {', '.join(HISTORY_COLUMNS)}")
        with self._lock:
            values = self._cols[name][: self._n].astype(np.float64)
        if name == "epoch":
            values[values == _MISSING["epoch"]] = math.nan
        return values

    @property
    def probe_steps(self) -> np.ndarray:
        with self._lock:
            return self._probes.y(0).astype(np.int64)

    def probe(self, layer_i: int, field: str) -> np.ndarray:
        """One probe field of one layer over the reports (``PROBE_FIELDS``; min/max
        pairs of reports beyond ``PROBE_BUDGET``)."""
        j = PROBE_FIELDS.index(field)
        with self._lock:
            return self._probes.y(1 + layer_i * len(PROBE_FIELDS) + j).copy()

    def best_epoch(self) -> int | None:
        """The epoch (1-based) with the lowest validation loss, or None."""
        val = self.column("val_loss")
        if not np.isfinite(val).any():
            return None
        return int(np.nanargmin(val)) + 1

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write the per-epoch history as CSV, atomically (empty cells where a value is missing)."""
        n = self.epochs
        cols = {c: self.column(c)[:n] for c in HISTORY_COLUMNS}
        header = [
            "epoch",
            "loss",
            "val_loss",
            self.metric_name,
            f"val_{self.metric_name}",
            "learning_rate",
            "elapsed_s",
        ]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        for i in range(n):
            row = []
            for c in HISTORY_COLUMNS:
                v = cols[c][i]
                if not math.isfinite(v):
                    row.append("")
                elif c == "epoch":
                    row.append(str(int(v)))
                else:
                    row.append(f"{v:.9g}")
            w.writerow(row)
        atomic_write_text(path, buf.getvalue())

    def probes_to_csv(self, path: str | os.PathLike[str]) -> None:
        """Write every probe report as CSV (one row per report), atomically."""
        with self._lock:
            pn = self._probes.n
            steps = self._probes.y(0).astype(np.int64)
            epochs = self._probes.x().copy()
            vals = self._probes.ys()[1:].T.copy()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["step", "epoch"] + [f"{n}.{f}" for n in self.layer_names for f in PROBE_FIELDS])
        for i in range(pn):
            cells = [str(int(steps[i])), f"{epochs[i]:.6g}"]
            cells += ["" if not math.isfinite(v) else f"{v:.9g}" for v in vals[i].ravel()]
            w.writerow(cells)
        atomic_write_text(path, buf.getvalue())


# --------------------------------------------------------------------------- session


def _copies(pairs: Any) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Copies of (kernel, bias) pairs (bias may be None)."""
    return [(k.copy(), None if b is None else b.copy()) for k, b in pairs]


def _steps_per_epoch(n_train: int, batch_size: int) -> int:
    """Optimizer steps an epoch takes (the last batch may be short)."""
    n = max(1, int(n_train))
    return -(-n // max(1, min(int(batch_size), n)))


def _none_if_nan(v: float) -> float | None:
    return None if not math.isfinite(v) else float(v)


class TrainingSession:
    """Trains one project's model; ``run`` blocks (call it on a worker thread).

    ``stop``/``pause``/``resume`` are thread-safe and take effect between
    chunks (≈0.1 s of work, possibly several epochs). A second ``run``
    continues training with the same weights, optimizer state, shuffling
    sequence and epoch numbering, in mid-epoch if the last one stopped there.
    """

    def __new__(cls, project: Project, data: Any = None, sink: TrainingSink | None = None):
        # A project that trains under a tf.distribute strategy gets the distributed session.
        if cls is TrainingSession and project.training.strategy != "default":
            from ffnn_studio.engine.training.distributed import DistributedTrainingSession

            return super().__new__(DistributedTrainingSession)
        return super().__new__(cls)

    def __init__(self, project: Project, data: Any, sink: TrainingSink | None = None) -> None:
        self.project = project
        self.data = data
        self.sink: TrainingSink = sink if sink is not None else NullSink()
        self.built: BuiltModel = self._build()
        self.model = self.built.model
        self.task: Task = data.task
        self.metric_name = metric_name(self.task)
        settings = project.training
        self._loss_name = settings.loss
        self._n_classes = int(data.n_classes)

        x = np.ascontiguousarray(data.x_train, dtype=np.float32)
        y = encode_targets(data.y_train, self.task, self._loss_name, self._n_classes)
        self.n_train = int(x.shape[0])
        if self.n_train == 0:
            raise StudioError("the training part of the data set has no rows")
        self.batch_size = max(1, min(int(settings.batch_size), self.n_train))
        self.steps_per_epoch = -(-self.n_train // self.batch_size)
        self.max_chunk_epochs = max(1, min(MAX_CHUNK_EPOCHS, ORDER_BUDGET // self.n_train))
        self._x = tf.constant(x)
        self._y = tf.constant(y)
        self.n_val = int(data.x_val.shape[0])
        if self.n_val:
            self._xv = tf.constant(np.ascontiguousarray(data.x_val, dtype=np.float32))
            self._yv = tf.constant(encode_targets(data.y_val, self.task, self._loss_name, self._n_classes))

        self._opt = self.model.optimizer
        self._loss_obj = self.model.loss
        self._tv = list(self.model.trainable_variables)
        self._opt.build(self._tv)
        self._rates = rate_reader(self._opt)

        n_layers = len(self.built.blocks)
        self.history = RunHistory(n_layers, self.metric_name, tuple(b.info.name for b in self.built.blocks))
        #: The weights at a few dozen epochs of the runs, for replaying them.
        self.epoch_snapshots = EpochSnapshots()
        self._epochs_done = 0
        self._step = 0
        self._elapsed_total = 0.0
        self._seed = int(settings.seed)
        #: Steps done in the current epoch (the host's copy of ``self._pos``).
        self._pos_host = 0

        self._stop = threading.Event()
        self._go = threading.Event()  # set = not paused
        self._go.set()
        self._blocked = threading.Event()  # set while run() waits in a pause
        self._running = False
        self._weights_lock = threading.Lock()
        self._weights_cache: list[tuple[np.ndarray, np.ndarray | None]] | None = None
        self._weights_time = -math.inf
        self._pending = _PendingReports()
        self._reset_speed()
        #: Epochs done when the current run began.
        self._run_start_epoch = 0
        self._compiled = False

        self._make_state()
        self._jit = xla_enabled()
        self._make_functions(self._jit)
        #: The numpy path that trains while the chunk program is not compiled yet.
        self._quick: QuickTrainer | None = self._make_quick()
        self._quick_last = False  # the last chunk ran on the quick path
        #: The quick trainer holds this run's state (loaded from the Keras variables).
        self._quick_loaded = False
        #: The quick trainer has trained past the Keras variables: they are written
        #: back only when something reads them (``_sync_keras``), not after every chunk.
        self._keras_behind = False
        self._path = "compile"  # where the next chunk runs (see _chunk_path)
        self._program_ready = threading.Event()
        #: Set once the chunk program is traced (XLA then compiles it in C++).
        self._program_traced = threading.Event()
        self._program_ok = False
        self._compile_thread: threading.Thread | None = None

    # ------------------------------------------------------------------ building

    def _build(self) -> BuiltModel:
        steps = _steps_per_epoch(self.data.n_train, self.project.training.batch_size)
        return build_model_for(self.project, self.data, steps_per_epoch=steps)

    def _make_state(self) -> None:
        """Variables the graph reads and writes besides the model's own."""
        #: Steps done in the current epoch.
        self._pos = tf.Variable(0, dtype=tf.int32, trainable=False)
        #: Σ loss·w, Σ metric·w, Σ w over the epoch so far.
        self._sums = tf.Variable(tf.zeros([3]), trainable=False)
        #: Model, optimizer and epoch state at the start of the last chunk: the last
        #: finite weights, and where in the epoch they were.
        self._state_vars = self._tv + list(self._opt.variables) + [self._pos, self._sums]
        self._backup_vars: list[Any] | None = None

    def _ensure_backup(self) -> list[Any]:
        """The copies of ``_state_vars`` the compiled chunk keeps, made on first use. Called
        before anything traces the chunk (a variable cannot be made inside the trace): a
        run on the quick path keeps its own, and making ~20 variables took ~20 ms of a
        session's start."""
        if self._backup_vars is None:
            self._backup_vars = [tf.Variable(tf.identity(v), trainable=False) for v in self._state_vars]
        return self._backup_vars

    @property
    def _backup(self) -> list[Any]:
        return self._ensure_backup()

    def _per_sample(self, yb, pred):
        """(per-sample loss, per-sample metric) for a batch."""
        per = self._loss_obj.call(yb, pred)
        if self.task is Task.REGRESSION:
            hit = tf.reduce_mean(tf.abs(pred - yb), axis=-1)
        elif self.task is Task.BINARY:
            hit = tf.cast(tf.equal(pred[:, 0] > 0.5, yb[:, 0] > 0.5), tf.float32)
        elif self._loss_name == "mse":
            hit = tf.cast(tf.equal(tf.argmax(pred, -1), tf.argmax(yb, -1)), tf.float32)
        else:
            hit = tf.cast(tf.equal(tf.argmax(pred, -1, output_type=tf.int32), yb), tf.float32)
        return tf.cast(per, tf.float32), hit

    def _make_functions(self, jit: bool) -> None:
        model, opt, tv = self.model, self._opt, self._tv
        n, bsz = self.n_train, self.batch_size
        blocks = self.built.blocks
        kernel_index = []
        for b in blocks:
            kernel_index.append(next(i for i, v in enumerate(tv) if v is b.dense.kernel))
        # A functional view sharing the layers, returning each block's activation.
        probe_model = keras.Model(model.inputs, [b.activation_layer.output for b in blocks])
        rows = tf.range(bsz)
        n_blocks = len(blocks)
        max_epochs = self.max_chunk_epochs

        def batch_loss(yb, pred, w):
            per, hit = self._per_sample(yb, pred)
            sw = tf.reduce_sum(w)
            loss = tf.reduce_sum(per * w) / sw
            if model.losses:
                loss = loss + tf.cast(tf.add_n(model.losses), tf.float32)
            return loss, tf.stack([loss * sw, tf.reduce_sum(hit * w), sw])

        def layer_probes(acts, grads, before, w):
            nan = tf.constant(math.nan)
            wsum = tf.reduce_sum(w)
            out = []
            for b, a, k0, ki in zip(blocks, acts, before, kernel_index, strict=True):
                k = b.dense.kernel.value
                kn = tf.norm(k)
                ratio = tf.norm(k - k0) / tf.maximum(kn, 1e-12)
                act = b.info.activation
                a = tf.cast(a, tf.float32)
                dead = sat = nan
                if act in DEAD_ACTIVATIONS:
                    # Padded rows repeat a real row, so they cannot change "for every sample".
                    dead = tf.reduce_mean(tf.cast(tf.reduce_all(a <= 0.0, axis=0), tf.float32))
                elif act in SATURATION:
                    centre, limit = SATURATION[act]
                    flat = tf.reduce_mean(tf.cast(tf.abs(a - centre) > limit, tf.float32), axis=-1)
                    sat = tf.reduce_sum(flat * w) / wsum
                out.append(tf.stack([kn, tf.norm(grads[ki]), ratio, dead, sat]))
            return tf.stack(out)

        def all_finite():
            return tf.reduce_all([tf.reduce_all(tf.math.is_finite(v.value)) for v in tv])

        evaluate = self._validation_graph

        def step(s, order):
            idx = s * bsz + rows
            w = tf.cast(idx < n, tf.float32)  # the last batch is padded and masked
            pick = tf.gather(order, tf.minimum(idx, n - 1))
            xb, yb = tf.gather(self._x, pick), tf.gather(self._y, pick)
            with tf.GradientTape() as tape:
                # The probe view computes the same forward pass and also
                # hands out every block's activation.
                acts = probe_model(xb, training=True)
                if not isinstance(acts, (list, tuple)):
                    acts = [acts]
                loss, step_sums = batch_loss(yb, acts[-1], w)
            grads = tape.gradient(loss, tv)
            # `.value` is the tf.Variable itself: read it now, before the update.
            before = [b.dense.kernel.value.read_value() for b in blocks]
            opt.apply(grads, tv)
            return loss, step_sums, lambda: layer_probes(acts, grads, before, w)

        def chunk(k, perms):
            return self._chunk_graph(k, perms, step, evaluate, all_finite, n_blocks)

        # Each epoch's order of rows comes in as an argument: shuffling in the graph
        # (a random key per row, then a sort) added ~0.2 s of XLA compilation.
        self._chunk_fn = tf.function(
            chunk,
            jit_compile=jit,
            input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([max_epochs, n], tf.int32)],
            # The loop and the conditions are explicit (tf.while_loop, tf.cond), and
            # Keras 3's layers need no conversion: autograph would only re-read every
            # function's source, about 45% of the trace's Python time (py-spy).
            autograph=False,
        )
        # On its own for ``evaluate_validation``; rare, so without XLA's compile time.
        self._eval_fn = tf.function(evaluate) if self.n_val else None
        self._predict_fn = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec([None, self.data.n_features], tf.float32)],
        )

    def _validation_graph(self):
        """[loss, metric] on the validation part; NaNs without one."""
        model = self.model
        nv = self.n_val
        if not nv:
            return tf.fill([2], math.nan)
        eb = min(EVAL_BATCH, nv)
        n_batches = -(-nv // eb)
        vrows = tf.range(eb)

        def body(j, acc):
            idx = j * eb + vrows
            w = tf.cast(idx < nv, tf.float32)
            idx = tf.minimum(idx, nv - 1)
            xb, yb = tf.gather(self._xv, idx), tf.gather(self._yv, idx)
            per, hit = self._per_sample(yb, model(xb, training=False))
            return j + 1, acc + tf.stack([tf.reduce_sum(per * w), tf.reduce_sum(hit * w), tf.reduce_sum(w)])

        _, acc = tf.while_loop(lambda j, _a: j < n_batches, body, [tf.constant(0), tf.zeros([3])])
        loss = acc[0] / acc[2]
        if model.losses:  # Keras's val_loss includes the regularization penalty too
            loss = loss + tf.cast(tf.add_n(model.losses), tf.float32)
        return tf.stack([loss, acc[1] / acc[2]])

    def _chunk_graph(self, k, perms, step, evaluate, all_finite, n_blocks: int):
        """The compiled chunk's loop: ``k`` steps of ``step`` that close epochs in the graph.

        ``step(s, order)`` trains on step ``s`` of an epoch whose rows come in ``order``
        and returns the loss, the step's [loss sum, hits, weight] and a callable that
        computes the layer probes.
        """
        spe = self.steps_per_epoch
        max_epochs = self.max_chunk_epochs
        start = self._pos.read_value()
        for b, v in zip(self._backup, self._state_vars, strict=True):
            # A Keras variable's `.value` is its tf.Variable; the session's own are tf.Variables.
            b.assign(v.value if isinstance(v, keras.Variable) else v.read_value())
        # Summing on from the epoch's running sums keeps the addition order
        # independent of where chunks begin: same seed, same curve.
        sums = tf.where(tf.equal(start, 0), tf.zeros([3]), self._sums.read_value())
        no_probes = tf.fill([n_blocks, len(PROBE_FIELDS)], math.nan)

        def body(i, _loss, acc, probes, records, epoch_probes, closed):
            at = start + i  # steps from the start of the chunk's first epoch
            j = at // spe  # which of the chunk's epochs
            s = at - j * spe  # the step within it
            loss, step_sums, probe = step(s, tf.gather(perms, j))
            acc = acc + step_sums
            ends = tf.equal(s, spe - 1)
            # Probes on an epoch's last step and the chunk's: one step graph, so
            # XLA compiles the model once, and the other steps pay nothing.
            probes = tf.cond(tf.logical_or(ends, tf.equal(i, k - 1)), probe, lambda: probes)

            def close_epoch():
                # The validation pass with the epoch's final weights.
                row = tf.concat([acc, evaluate()], 0)
                return (
                    tf.tensor_scatter_nd_update(records, [[j]], [row]),
                    tf.tensor_scatter_nd_update(epoch_probes, [[j]], [probes]),
                    tf.zeros([3]),
                    closed + 1,
                )

            records, epoch_probes, acc, closed = tf.cond(
                ends, close_epoch, lambda: (records, epoch_probes, acc, closed)
            )
            return i + 1, loss, acc, probes, records, epoch_probes, closed

        # An explicit while_loop with k a tensor: with autograph's
        # `for i in tf.range(k)` XLA compiled k in as a constant and
        # recompiled for every distinct chunk length.
        _, loss, sums, probes, records, epoch_probes, closed = tf.while_loop(
            lambda i, loss, *_: tf.logical_and(i < k, tf.math.is_finite(loss)),
            body,
            [
                tf.constant(0),
                tf.constant(0.0),
                sums,
                no_probes,
                tf.fill([max_epochs, len(RECORD_FIELDS)], math.nan),
                tf.fill([max_epochs, n_blocks, len(PROBE_FIELDS)], math.nan),
                tf.constant(0),
            ],
        )
        finite = tf.logical_and(tf.math.is_finite(loss), all_finite())
        self._sums.assign(sums)
        self._pos.assign(tf.math.floormod(start + k, spe))
        # One array back: CHUNK_FIELDS, the closed epochs' RECORD_FIELDS, the
        # last step's probes, then each closed epoch's last probes.
        head = tf.stack([loss, tf.cast(finite, tf.float32), tf.cast(closed, tf.float32)])
        return tf.concat(
            [head, tf.reshape(records, [-1]), tf.reshape(probes, [-1]), tf.reshape(epoch_probes, [-1])], 0
        )

    def _make_quick(self) -> QuickTrainer | None:
        if not quick_start_enabled():
            return None
        kinds = []
        for b in self.built.blocks:
            act = b.info.activation
            if act in DEAD_ACTIVATIONS:
                kinds.append(("dead", ()))
            elif act in SATURATION:
                kinds.append(("saturated", SATURATION[act]))
            else:
                kinds.append(("", ()))
        return quick_trainer_for(
            self, kinds, n_record_fields=len(RECORD_FIELDS), n_probe_fields=len(PROBE_FIELDS)
        )

    def _chunk_path(self, steps_left: int) -> str:
        """Where the next chunk runs: "compiled", "compile" (its call compiles the
        program) or "quick" (numpy, while the program compiles on another thread)."""
        self._path = self._choose_path(steps_left)
        return self._path

    def _choose_path(self, steps_left: int) -> str:
        if not self._compiled and self._compile_thread is not None:
            if self._quick is None:
                self._compile_thread.join()  # compiling ahead: its program serves the run
                if self._program_ok:
                    self._compiled = True
            elif self._quick_time(steps_left) > COMPILE_AFTER_S:
                # Compiling ahead and still tracing: quick steps beside the trace fight
                # it and the window for the GIL (see below); XLA's part is C++. A run
                # that the quick path ends sooner does not wait for it (Train pressed
                # while a settled edit compiles: the first epoch came 0.5-0.6 s late).
                self._wait_for_trace()
        if self._compiled or self._quick is None:
            return "compiled" if self._compiled else "compile"
        if (
            self._compile_thread is None
            and self._speed_samples >= 2
            # The run's first epoch is out before a trace can hold the run up, and the
            # fastest chunk decides: the first ones share the CPU with the window's
            # start work (measured 1-5 ms a step against 0.2 ms), which made a 40-epoch
            # run that the quick path ends in 0.4 s start compiling and wait 0.5 s.
            and self._epochs_done > self._run_start_epoch
            and steps_left * self._best_step_seconds > COMPILE_AFTER_S
        ):
            # The first chunk's reports are on their way: let their consumer (the
            # window) take its turn before seconds of tracing, as at a run's start.
            self.sink.compiling()
            self._compile_thread = threading.Thread(
                # Not a daemon: an interpreter that exits mid-compilation waits for it
                # (TensorFlow crashed when torn down under a compiling thread).
                target=self._compile_program,
                name="ffnn-studio-compile",
            )
            self._compile_thread.start()
            # Tracing is Python: quick steps beside it, and the window's thread, all
            # taking turns on the GIL made the window stutter (bench_ui: GUI timer p99
            # 88 ms, max 537 ms). The quick path waits for the trace (~1 s) and trains
            # on while XLA compiles, which is C++.
            self._wait_for_trace()
        if self._program_ready.is_set() and self._program_ok:
            # The hand-over: the place in the epoch and its sums now; the weights,
            # optimizer slots and iterations before the first compiled call
            # (``_call_chunk``: ``_sync_keras``).
            self._pos.assign(self._pos_host)
            self._sums.assign(self._quick.sums)
            self._compiled = True
            self._reset_speed()  # another path, another speed: measure again
            return "compiled"
        return "quick"

    def _reset_speed(self) -> None:
        #: Seconds a step takes on the current path (None until a chunk was measured).
        self._step_seconds: float | None = None
        #: Chunks behind ``_step_seconds``: the first one's time includes one-off costs
        #: (taking the weights, first calls), so it is replaced, not averaged in.
        self._speed_samples = 0
        #: The fastest step seen on the current path (what compiling is weighed against).
        self._best_step_seconds = math.inf

    def _quick_time(self, steps: int) -> float:
        """Seconds ``steps`` would take on the quick path (a guess before any was measured)."""
        per_step = self._step_seconds if self._speed_samples else QUICK_STEP_GUESS_S
        return steps * per_step

    def _wait_for_trace(self) -> None:
        """Wait until the chunk program is traced, or a pause or stop is asked for (the
        run's loop then takes it before the next chunk: a trace takes ~1 s)."""
        while not self._program_traced.wait(0.01):
            if self._interrupted():
                return

    def _interrupted(self) -> bool:
        return self._stop.is_set() or not self._go.is_set()

    def compile_ahead(self) -> bool:
        """Start tracing and compiling the chunk program on its own thread before any run,
        so that a run started later finds it ready (nothing is reported to the sink).

        Not for a run of the project's epochs that the quick path would finish within
        ``COMPILE_AFTER_S`` (it never uses the program): a trace going on when Train is
        pressed held such a run's first epoch back by 0.5-1 s in the window. Returns
        whether the program is compiled or being compiled."""
        if self._compiled or self._compile_thread is not None:
            return True
        if self._running:
            return False
        steps = int(self.project.training.epochs) * self.steps_per_epoch
        if self._quick is not None and self._quick_time(steps) <= COMPILE_AFTER_S:
            return False
        self._compile_thread = threading.Thread(target=self._compile_program, name="ffnn-studio-compile")
        self._compile_thread.start()
        return True

    @property
    def program_ready(self) -> bool:
        """True once the chunk program is compiled (by a run or ahead of one)."""
        return self._compiled or self._program_ok

    def _compile_program(self) -> None:
        """Trace and compile the chunk program by calling it for zero steps (on its own
        thread): it leaves the weights, the optimizer and the place in the epoch as they are."""
        try:
            self._ensure_backup()
            try:
                with short_switch_interval():  # the window's thread waits less for the GIL
                    self._chunk_fn.get_concrete_function()  # the Python part: tracing
            finally:
                self._program_traced.set()
            self._chunk_fn(tf.constant(0), np.zeros((self.max_chunk_epochs, self.n_train), np.int32)).numpy()
            self._program_ok = True
        except Exception as exc:  # the quick path keeps training
            log.warning("the training program did not compile; training on without it: %s", exc)
        finally:
            self._program_traced.set()
            self._program_ready.set()

    def wait_for_program(self, timeout: float | None = None) -> bool:
        """Wait until a background compilation (if one started) ends; True if the program is ready."""
        if self._compile_thread is not None:
            self._compile_thread.join(timeout)
        return self._compiled or self._program_ok

    def _quick_chunk(self, k: int, perms: np.ndarray) -> np.ndarray:
        q = self._quick
        assert q is not None
        # Between runs the Keras variables are the truth (a reset, an import, the
        # best weights): a run's first quick chunk takes them. Within the run the
        # quick trainer is, until something reads the variables (``_sync_keras``);
        # writing them back after every chunk cost ~8 ms a chunk (measured).
        if not self._quick_loaded:
            q.load(self._opt, self._pos_host)
            self._quick_loaded = True
        with one_blas_thread():
            out = q.chunk(k, perms)
        self._keras_behind = True
        self._quick_last = True
        return out

    def _sync_keras(self) -> None:
        """Write the quick trainer's weights, optimizer slots and iterations into the
        Keras variables if it has trained past them."""
        if self._keras_behind and self._quick is not None:
            self._quick.store(self._opt)
        self._keras_behind = False

    def _call_chunk(self, k: int, perms: np.ndarray) -> np.ndarray:
        """``k`` steps (over at most ``max_chunk_epochs`` epochs, ordered by the rows of
        ``perms``) as one array (see ``chunk``) on the path ``_chunk_path`` chose; on
        the first compiled call, fall back to no XLA if XLA cannot compile the model."""
        if self._path == "quick":
            return self._quick_chunk(k, perms)
        self._sync_keras()  # the hand-over: the program trains on from the quick path's state
        self._ensure_backup()
        self._quick_loaded = False
        self._quick_last = False
        if self._compiled or not self._jit:
            out = self._chunk_fn(k, perms).numpy()
            self._compiled = True  # without XLA the first call traced: later ones are speeds
            return out
        try:
            out = self._chunk_fn(k, perms).numpy()
        except (tf.errors.OpError, NotImplementedError, ValueError, TypeError) as exc:
            log.warning("XLA could not compile the training step; training without it: %s", exc)
            self._restore_backup()
            self._jit = False
            self._make_functions(False)
            out = self._chunk_fn(k, perms).numpy()
        self._compiled = True
        return out

    def _epoch_order(self, epoch: int) -> np.ndarray:
        """The order of the training rows in epoch ``epoch`` (0-based): drawn from the
        seed and the epoch alone, so it never depends on how the run was cut up."""
        rng = np.random.default_rng((self._seed, epoch))
        return rng.permutation(self.n_train).astype(np.int32)

    def _restore_backup(self) -> None:
        if self._quick_last and self._quick is not None:
            self._quick.restore_backup()
            self._quick.store(self._opt)
            self._keras_behind = False
            return
        for b, v in zip(self._backup, self._state_vars, strict=True):
            v.assign(b)

    # ------------------------------------------------------------------ control

    def stop(self) -> None:
        """End the run at the next chunk boundary; the weights are kept."""
        self._stop.set()
        self._go.set()

    def pause(self) -> None:
        """Block training at the next chunk boundary until ``resume`` or ``stop``."""
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def epochs_completed(self) -> int:
        return self._epochs_done

    @property
    def steps_completed(self) -> int:
        return self._step

    def wait_until_paused(self, timeout: float | None = None) -> bool:
        """Wait until ``run`` is blocked in a pause; True if it is."""
        return self._blocked.wait(timeout)

    # ------------------------------------------------------------------ weights

    def weights_snapshot(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Copies of (kernel, bias) of every Dense block, hidden layers then output.

        Safe to call from any thread: while a run is going it returns the copy
        the training thread took after a recent chunk (reading variables that
        an XLA chunk holds would block the caller for the chunk's duration).
        """
        with self._weights_lock:
            cache = self._weights_cache
        if cache is None or not self._running:
            cache = self._read_weights()
        return _copies(cache)

    def _read_weights(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        if self._keras_behind and self._quick is not None:  # the quick trainer's are newer
            out = _copies(self._quick.kernels_and_biases())
        else:
            out = []
            for b in self.built.blocks:
                bias = b.dense.bias
                out.append((np.array(b.dense.kernel.numpy()), None if bias is None else np.array(bias.numpy())))
        with self._weights_lock:
            self._weights_cache = out
            self._weights_time = time.perf_counter()
        return out

    def evaluate_validation(self) -> tuple[float, float] | None:
        """(loss, metric) of the current weights on the validation part; None without one."""
        if self._eval_fn is None:
            return None
        v = self._eval_fn().numpy()
        return float(v[0]), float(v[1])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The model's output (probabilities or values) for raw features ``x``."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        parts = [self._predict_fn(tf.constant(x[i : i + 4096])).numpy() for i in range(0, len(x), 4096)]
        if not parts:
            return np.zeros((0, int(self.model.output.shape[-1])), dtype=np.float32)
        return np.concatenate(parts)

    def reset_weights(self) -> None:
        """Fresh initial weights from the seed, a fresh optimizer and an empty history."""
        if self._running:
            raise RuntimeError("cannot reset the weights while training runs")
        fresh = self._build()
        fresh_opt = fresh.model.optimizer
        fresh_opt.build(fresh.model.trainable_variables)
        for mine, new in zip(self.model.variables, fresh.model.variables, strict=True):
            mine.assign(new.value)
        for mine, new in zip(self._opt.variables, fresh_opt.variables, strict=True):
            mine.assign(new.value)
        self._pos.assign(0)
        self._sums.assign(tf.zeros([3]))
        self._pos_host = 0
        if self._quick is not None:
            self._quick.reset_random()
        self.history.clear()
        self.epoch_snapshots.clear()
        self._epochs_done = 0
        self._step = 0
        self._elapsed_total = 0.0
        with self._weights_lock:
            self._weights_cache = None

    # ------------------------------------------------------------------ running

    def _started_info(self, epochs: int) -> RunStarted:
        parts = [f"{self.data.n_features} inputs"]
        parts += [f"{b.info.units} {b.info.activation}" for b in self.built.blocks]
        return RunStarted(
            summary=" → ".join(parts),
            parameter_count=int(self.model.count_params()),
            layers=self.built.layer_infos,
            epochs_planned=epochs,
            steps_per_epoch=self.steps_per_epoch,
            train_samples=self.n_train,
            val_samples=self.n_val,
            task=str(self.task.value),
            metric_name=self.metric_name,
            start_epoch=self._epochs_done,
            compiling=not self.program_ready and self._quick is None,
        )

    def run(self, epochs: int | None = None) -> RunFinished:
        """Train ``epochs`` more epochs (default: the project's); report through the sink.

        Never raises for a training problem: the result (and the sink's
        ``finished``, called exactly once) says completed/stopped/diverged/failed.
        """
        epochs = int(self.project.training.epochs if epochs is None else epochs)
        self._stop.clear()
        self._go.set()
        self._blocked.clear()
        self._running = True
        self._clock = _Clock()
        self._quick_loaded = False  # the variables may have changed since the last run
        self._run_start_epoch = self._epochs_done
        # The cache weights_snapshot serves while the run goes; the first replay snapshot.
        self.epoch_snapshots.plan(self._epochs_done, self._epochs_done + epochs, self._read_weights())
        self._pending = _PendingReports()
        try:
            try:
                self.sink.run_started(self._started_info(epochs))
                try:
                    reason, message = self._train(epochs)
                finally:
                    self._sync_keras()  # after the run the Keras variables are the truth
            except StudioError as exc:
                reason, message = "failed", str(exc)
            except Exception as exc:  # reported to the user, not raised into the worker
                log.exception("training failed")
                reason, message = "failed", f"{type(exc).__name__}: {exc}"
            self._pending.weights = self._read_weights()
        finally:
            self._running = False
            self._blocked.clear()
        try:
            self._send_reports()  # the last chunk's, with the final weights
        except Exception as exc:  # a sink that fails on the last chunk fails the run, as on any other
            log.exception("reporting the run's last chunk failed")
            reason, message = "failed", f"{type(exc).__name__}: {exc}"
        elapsed = self._clock.elapsed()
        test_scores = None
        if reason != "failed":
            try:
                test_scores = score_test_part(self)
            except Exception:  # the run's result stands without its test scores
                log.exception("scoring the test part failed")
        report = RunFinished(reason, message, self._epochs_done, elapsed, test_scores)
        self.sink.finished(report)
        return report

    def _send_reports(self) -> None:
        """Hand the sink what the last chunk reported, as one ``ChunkReport`` (if anything)."""
        report = self._pending.take()
        if report:
            self.sink.chunk(report)

    def _wait_while_paused(self) -> None:
        if self._go.is_set():
            return
        self._clock.pause()
        self._sync_keras()  # a paused run's model can be read (predictions, export)
        self._blocked.set()
        self._go.wait()
        self._blocked.clear()
        self._clock.resume()

    def _next_chunk(self, left: int) -> int:
        if self._step_seconds is None:
            return min(left, FIRST_CHUNK_STEPS)
        return max(1, min(left, int(TRAINING_CHUNK_S / self._step_seconds)))

    def _train(self, epochs: int) -> tuple[str, str]:
        settings = self.project.training
        es = settings.early_stopping and self._eval_fn is not None
        best, best_epoch, best_weights, wait = math.inf, 0, None, 0
        last_report = last_probe = -math.inf
        reported_probe: tuple[int, float, np.ndarray] | None = None
        pending_probe: tuple[int, float, np.ndarray] | None = None
        rate_steps, rate_t = 0, self._clock.elapsed()
        spe = self.steps_per_epoch
        segment_start = self._elapsed_total
        lr = self._learning_rate()
        cap = self.max_chunk_epochs
        probe_shape = (len(self.built.blocks), len(PROBE_FIELDS))
        n_head, n_records, n_probes = len(CHUNK_FIELDS), cap * len(RECORD_FIELDS), math.prod(probe_shape)
        orders = np.zeros((cap, self.n_train), np.int32)
        #: The epoch each row of ``orders`` holds: an epoch that spans chunks (a large
        #: data set) keeps its row, and its order is drawn once.
        row_epochs = [-1] * cap
        target = self._epochs_done + epochs
        loss = math.nan

        def report_progress(now: float) -> None:
            nonlocal last_report, rate_steps, rate_t
            sps = rate_steps * self.batch_size / max(now - rate_t, 1e-9)
            fraction = self._pos_host / spe
            self._pending.progress = Progress(self._step, self._epochs_done, fraction, loss, sps, now)
            last_report, rate_steps, rate_t = now, 0, now

        def flush_progress() -> None:
            """The steps since the last progress report, reported (the run ends)."""
            if rate_steps:
                report_progress(self._clock.elapsed())

        while self._epochs_done < target:
            if not self._go.is_set():
                # Where the pause holds the run, reported before it blocks: the window
                # shows it, and a Stop from the pause ends there.
                flush_progress()
            # One report per chunk, sent before the next chunk starts (or the pause blocks).
            self._send_reports()
            self._wait_while_paused()
            if self._stop.is_set():
                flush_progress()
                return "stopped", self._stopped_message()
            first, done = self._epochs_done, self._pos_host
            # Early stopping decides after every epoch: then a chunk ends with its epoch.
            span = 1 if es else min(cap, target - first)
            k = self._next_chunk(span * spe - done)
            # A chunk ends at the next replay snapshot's epoch; its time then says
            # nothing about a step's (the call's fixed cost is spread over fewer steps).
            snapshot = self.epoch_snapshots.next_due(first)
            cut = snapshot is not None and 0 < (snapshot - first) * spe - done < k
            if cut:
                k = (snapshot - first) * spe - done
            for j in range(-(-(done + k) // spe)):
                if row_epochs[j] != first + j:
                    orders[j], row_epochs[j] = self._epoch_order(first + j), first + j
            path = self._chunk_path((target - first) * spe - done)
            if self._interrupted():  # asked while waiting for a trace: nothing ran yet
                continue
            compiling = path == "compile"
            c0 = self._clock.elapsed()
            t0 = time.perf_counter()
            out = self._call_chunk(k, orders)
            dt = time.perf_counter() - t0
            loss = float(out[0])
            closed = int(out[2])
            records = out[n_head : n_head + n_records].reshape(cap, len(RECORD_FIELDS))[:closed]
            bad = self._first_nonfinite_epoch(records)
            if out[1] != 1.0 or bad is not None:
                # Back to the chunk's start: weights, optimizer, place in the epoch. The
                # chunk's epochs are undone with it, so none of them is reported.
                self._restore_backup()
                return "diverged", self._diverged_message(first + (closed if bad is None else bad))
            # The compiling call's time says nothing about a step; nor does a compiled call
            # cut short for a snapshot (its fixed cost is spread over fewer steps). A quick
            # chunk's fixed cost is tens of microseconds: every one is measured.
            if not compiling and (path == "quick" or not cut):
                per_step = dt / k
                self._step_seconds = (
                    per_step if self._speed_samples < 2 else 0.7 * self._step_seconds + 0.3 * per_step
                )
                self._speed_samples += 1
                self._best_step_seconds = min(self._best_step_seconds, per_step)
            now = self._clock.elapsed()
            last_probes = out[n_head + n_records : n_head + n_records + n_probes].reshape(probe_shape)
            epoch_probes = out[n_head + n_records + n_probes :].reshape(cap, *probe_shape)
            step0 = self._step
            self._step += k
            self._pos_host = (done + k) % spe
            if compiling:  # its time is mostly compilation: not a training speed
                rate_t = now
            else:
                rate_steps += k

            epoch_rates = self._epoch_rates(step0, done, closed)
            for j in range(closed):
                steps_in = (j + 1) * spe - done  # the chunk's steps up to this epoch's end
                if epoch_rates is not None:
                    lr = float(epoch_rates[j])
                rec = records[j]
                train_loss, train_metric = float(rec[0] / rec[2]), float(rec[1] / rec[2])
                val_loss = val_metric = None
                if self._eval_fn is not None:
                    val_loss, val_metric = _none_if_nan(float(rec[3])), _none_if_nan(float(rec[4]))
                self._epochs_done += 1
                # The chunk's epochs share its duration in proportion to their steps.
                elapsed = segment_start + c0 + (now - c0) * steps_in / k
                self._elapsed_total = elapsed
                end = EpochEnd(self._epochs_done, train_loss, val_loss, train_metric, val_metric, lr, elapsed)
                self.history.append_end(end)
                # Every epoch gets its last step's probes, so short runs still draw a
                # point per epoch; within an epoch the throttle holds.
                reported_probe = (step0 + steps_in, float(self._epochs_done), epoch_probes[j])
                pending_probe = reported_probe
                self._report_probe(*reported_probe)
                last_probe = now
                self._pending.epochs.append(end)
                if es:
                    assert val_loss is not None
                    if val_loss < best:
                        best, best_epoch, wait = val_loss, self._epochs_done, 0
                        if settings.restore_best_weights:
                            best_weights = self._trainable_values()
                    else:
                        wait += 1
                        if wait >= settings.patience:
                            msg = (
                                f"Early stopping: the validation loss did not improve for "
                                f"{settings.patience} epochs (best {best:.4g} at epoch {best_epoch})."
                            )
                            if best_weights is not None:
                                self._sync_keras()  # the optimizer's state, then the best weights
                                for v, w in zip(self._tv, best_weights, strict=True):
                                    v.assign(w)
                                msg += f" Restored the weights of epoch {best_epoch}."
                            flush_progress()
                            return "completed", msg

            if not self._pos_host:
                self.epoch_snapshots.offer(self._epochs_done, self._read_weights)
            if self._pos_host:  # the chunk ended in mid-epoch
                pending_probe = (self._step, self._epochs_done + self._pos_host / spe, last_probes)
                if now - last_probe >= ENGINE_REPORT_INTERVAL_S:
                    self._report_probe(*pending_probe)
                    reported_probe, last_probe = pending_probe, now
            if rate_steps and now - last_report >= ENGINE_REPORT_INTERVAL_S:
                report_progress(now)
            if time.perf_counter() - self._weights_time >= ENGINE_REPORT_INTERVAL_S:
                self._pending.weights = self._read_weights()
        self._flush_probe(pending_probe, reported_probe)
        flush_progress()
        return "completed", ""

    def _trainable_values(self) -> list[np.ndarray]:
        """Copies of the trainable variables' values, in ``self._tv``'s order, from
        wherever they are newest."""
        if self._keras_behind and self._quick is not None:
            return self._quick.trainable_values(self._tv)
        return [v.numpy() for v in self._tv]

    def _first_nonfinite_epoch(self, records: np.ndarray) -> int | None:
        """The first of these epoch records whose training loss, or validation loss
        where there is a validation part, is not finite; None if all are."""
        bad = ~np.isfinite(records[:, 0] / records[:, 2])
        if self._eval_fn is not None:
            bad |= ~np.isfinite(records[:, 3])
        return int(np.argmax(bad)) if bad.any() else None

    def _epoch_rates(self, step0: int, done: int, closed: int) -> np.ndarray | None:
        """Under a schedule, the learning rate of each closed epoch's last update (the
        schedule read at those steps); None for a constant rate."""
        if self._rates is None:
            return None
        spe = self.steps_per_epoch
        return self._rates(np.array([step0 + (j + 1) * spe - done - 1 for j in range(closed)]))

    def _learning_rate(self) -> float:
        lr = self._opt.learning_rate
        return float(lr.numpy()) if hasattr(lr, "numpy") else float(lr)

    def _flush_probe(self, pending, reported) -> None:
        """Report the run's last probes if the throttle held them back."""
        if pending is not None and pending is not reported:
            self._report_probe(*pending)

    def _report_probe(self, step: int, epoch: float, values: np.ndarray) -> None:
        self.history.append_probe(step, epoch, values)
        layers = tuple(
            LayerProbe(
                weight_norm=float(r[0]),
                grad_norm=float(r[1]),
                update_ratio=float(r[2]),
                dead_fraction=_none_if_nan(float(r[3])),
                saturated_fraction=_none_if_nan(float(r[4])),
            )
            for r in values
        )
        self._pending.probes.append(ProbeReport(step, epoch, layers))

    def _stopped_message(self) -> str:
        return f"Stopped after {self._epochs_done} epochs; the trained weights are kept."

    def _diverged_message(self, epoch: int) -> str:
        lr = self.project.training.optimizer.learning_rate
        return (
            f"The loss became infinite or NaN in epoch {epoch + 1}: the updates grew out of "
            f"control. Try a lower learning rate (now {lr:g}; e.g. {lr / 10:g}). "
            "The last weights with a finite loss were restored."
        )


class _PendingReports:
    """What the current chunk has reported so far; ``take`` makes it one ``ChunkReport``."""

    def __init__(self) -> None:
        self.epochs: list[EpochEnd] = []
        self.probes: list[ProbeReport] = []
        self.progress: Progress | None = None
        self.weights: list[tuple[np.ndarray, np.ndarray | None]] | None = None

    def take(self) -> ChunkReport:
        weights = None if self.weights is None else tuple(self.weights)
        report = ChunkReport(tuple(self.epochs), tuple(self.probes), self.progress, weights)
        self.epochs, self.probes, self.progress, self.weights = [], [], None, None
        return report


class _Clock:
    """Elapsed running time of one ``run`` call, paused time excluded."""

    def __init__(self, now: Callable[[], float] = time.perf_counter) -> None:
        self._now = now
        self._start = now()
        self._paused_at: float | None = None
        self._paused_total = 0.0

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = self._now()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += self._now() - self._paused_at
            self._paused_at = None

    def elapsed(self) -> float:
        end = self._paused_at if self._paused_at is not None else self._now()
        return end - self._start - self._paused_total


def warm_up_engine() -> None:
    """Train a tiny model for one epoch, so that TensorFlow's one-time set-up
    (devices, the XLA compiler, graph machinery) is done before the user's
    first run; the window calls this on a background thread after start-up.

    Measured: the first run in a process stalled the GUI thread for up to
    ~0.5 s while TensorFlow set itself up on the worker; later runs ~0.1 s.
    """
    from ffnn_studio.core.spec import DenseLayer, NetworkSpec, TrainingSettings
    from ffnn_studio.data import Dataset, prepare

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 2)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32)
    dataset = Dataset("warm-up", x, y, Task.BINARY, ("x1", "x2"), ("0", "1"))
    project = Project(
        network=NetworkSpec((DenseLayer(4, "relu"),)),
        training=TrainingSettings(epochs=1, batch_size=8, validation_fraction=0.25),
    )
    TrainingSession(project, prepare(dataset, 0.25, 0)).run()
