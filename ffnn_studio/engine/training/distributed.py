"""Training under a ``tf.distribute`` strategy: one machine's devices mirrored, or a cluster.

The session's compiled chunk loop, with each optimizer step run on every
replica by ``strategy.run``: the global batch (the same rows, in the same
order, as on one device) is split between the replicas, each computes its
share of the loss and its gradients, and one ``strategy.reduce`` of a packed
vector sums the gradients, the loss and the probes' raw figures across the
replicas. The update is applied once, in the cross-replica context, to the
mirrored variables. Since the sums are the same sums, the loss curve is the
default strategy's to float32 rounding (tests/engine/test_distributed.py).

What differs from one device: no numpy quick path and no XLA (neither knows
the strategy's collectives); the run may keep a backup (``backup_dir``),
written the way Keras's ``BackupAndRestore`` does under a multi-worker
strategy: every worker saves, the chief into the backup folder and each other
worker into a ``workertemp_<id>`` folder of its own, so a worker restarted
after a failure (with the others) continues from the last backup. Only the
chief writes the run's outputs (``is_chief``).

``multi-worker`` reads the cluster from the standard ``TF_CONFIG`` variable and
must be created before TensorFlow runs any operation in the process (the
command line does so; the window's warm-up has already run operations).

Contract: the strategy, the per-replica step and the backup; reports through
the session's machinery unchanged. Imports TensorFlow; never Qt.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ffnn_studio.core.atomic import atomic_write_text
from ffnn_studio.core.errors import StudioError
from ffnn_studio.engine.cluster import TF_CONFIG_ENV, cluster_spec
from ffnn_studio.engine.devices import training_devices
from ffnn_studio.engine.quiet import import_tensorflow
from ffnn_studio.engine.training.session import (
    DEAD_ACTIVATIONS,
    SATURATION,
    TrainingSession,
)

tf = import_tensorflow()
import keras  # noqa: E402  (after TensorFlow's quiet import)

log = logging.getLogger(__name__)

#: Steps of every chunk when the replicas span processes: each worker must run the
#: same collectives, so the chunk cannot follow a speed each one measures itself.
CLUSTER_CHUNK_STEPS = 32

_strategies: dict[str, Any] = {}
_strategies_lock = threading.Lock()


def strategy_for(name: str) -> Any:
    """The process's ``tf.distribute`` strategy called ``name`` (a ``catalog.STRATEGIES`` key)."""
    with _strategies_lock:
        if name in _strategies:
            return _strategies[name]
        if name == "default":
            strategy = tf.distribute.get_strategy()
        elif name == "mirrored":
            strategy = tf.distribute.MirroredStrategy(training_devices())
        elif name == "multi-worker":
            if cluster_spec() is None:
                raise StudioError(
                    f"the multi-worker strategy reads its cluster from {TF_CONFIG_ENV}, which is not "
                    "set; set it on every machine and run 'ffnn-studio train PROJECT --strategy "
                    "multi-worker' there (see the README, 'Training on a bigger machine')"
                )
            try:
                strategy = tf.distribute.MultiWorkerMirroredStrategy()
            except RuntimeError as exc:
                raise StudioError(
                    "the multi-worker strategy must start before TensorFlow runs anything in the "
                    f"process: run it with 'ffnn-studio train' ({exc})"
                ) from None
        else:
            raise StudioError(f"unknown strategy {name!r}")
        _strategies[name] = strategy
        return strategy


def is_chief(strategy: Any) -> bool:
    """True on the worker that writes the run's outputs (TensorFlow's multi-worker rule)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    if resolver.task_type == "chief":
        return True
    spec = resolver.cluster_spec().as_dict()
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in spec


def worker_dir(backup_dir: str | os.PathLike[str], strategy: Any) -> Path:
    """Where this worker writes its backup: the folder itself on the chief, a folder of its own elsewhere."""
    base = Path(backup_dir)
    if is_chief(strategy):
        return base
    return base / f"workertemp_{strategy.cluster_resolver.task_id}"


class DistributedTrainingSession(TrainingSession):
    """A ``TrainingSession`` whose steps run under a ``tf.distribute`` strategy."""

    def __init__(self, project: Any, data: Any, sink: Any = None) -> None:
        self.strategy = strategy_for(project.training.strategy)
        self.replicas = int(self.strategy.num_replicas_in_sync)
        #: Folder of the run's backup (None: no backup); see the module's docstring.
        self.backup_dir: str | None = None
        self._checkpoint: Any = None
        self._backup_epochs = -1
        #: Epochs a restored backup held when this run began (0: started afresh).
        self.resumed_epochs = 0
        with self.strategy.scope():
            super().__init__(project, data, sink)
            self._host = tf.Variable(tf.zeros([4], tf.float64), trainable=False)
            self._ensure_backup()  # the chunk's copies are the strategy's variables too

    @property
    def is_chief(self) -> bool:
        return is_chief(self.strategy)

    def _build(self):
        with self.strategy.scope():
            return super()._build()

    @property
    def spans_processes(self) -> bool:
        """True when other processes (workers of a cluster) take part in every step."""
        resolver = getattr(self.strategy, "cluster_resolver", None)
        if resolver is None:
            return False
        spec = resolver.cluster_spec().as_dict()
        return sum(len(spec.get(job, [])) for job in ("chief", "worker")) > 1

    def _next_chunk(self, left: int) -> int:
        if self.spans_processes:
            return min(left, CLUSTER_CHUNK_STEPS)
        return super()._next_chunk(left)

    def reset_weights(self) -> None:
        with self.strategy.scope():  # the fresh model and optimizer are the strategy's too
            super().reset_weights()

    def _make_quick(self):
        return None  # the numpy path knows nothing of replicas

    def _make_functions(self, jit: bool) -> None:
        self._jit = False  # XLA does not compile the strategy's collective operations
        strategy, replicas = self.strategy, self.replicas
        model, opt, tv = self.model, self._opt, self._tv
        n, bsz = self.n_train, self.batch_size
        blocks = self.built.blocks
        n_blocks = len(blocks)
        kernel_index = [next(i for i, v in enumerate(tv) if v is b.dense.kernel) for b in blocks]
        probe_model = keras.Model(model.inputs, [b.activation_layer.output for b in blocks])
        max_epochs = self.max_chunk_epochs
        # Each replica takes `local` rows of the global batch, padded to replicas × local.
        local = -(-bsz // replicas)
        rows = tf.range(replicas * local)
        shapes = [tuple(v.shape) for v in tv]
        sizes = [math.prod(s) for s in shapes]
        units = [int(b.info.units) for b in blocks]

        def replica_step(xb, yb, w, sw):
            """One replica's share: [loss, hits, *grads, per block: units alive, saturated sum]."""
            r = tf.distribute.get_replica_context().replica_id_in_sync_group
            lo = r * local
            xs, ys, ws = xb[lo : lo + local], yb[lo : lo + local], w[lo : lo + local]
            with tf.GradientTape() as tape:
                acts = probe_model(xs, training=True)
                if not isinstance(acts, (list, tuple)):
                    acts = [acts]
                per, hit = self._per_sample(ys, acts[-1])
                # Divided by the global weight: the replicas' sums add up to one device's loss.
                loss = tf.reduce_sum(per * ws) / sw
                if model.losses:
                    loss = loss + tf.cast(tf.add_n(model.losses), tf.float32) / replicas
            grads = tape.gradient(loss, tv)
            parts = [tf.reshape(loss, [1]), tf.reshape(tf.reduce_sum(hit * ws), [1])]
            parts += [tf.reshape(tf.cast(g, tf.float32), [-1]) for g in grads]
            for b, a in zip(blocks, acts, strict=True):
                a = tf.cast(a, tf.float32)
                act = b.info.activation
                # Padded rows repeat a real row, so they cannot change "for every sample".
                alive = tf.reduce_sum(tf.cast(a > 0.0, tf.float32), axis=0)
                sat = tf.zeros([1])
                if act in SATURATION:
                    centre, limit = SATURATION[act]
                    flat = tf.reduce_mean(tf.cast(tf.abs(a - centre) > limit, tf.float32), axis=-1)
                    sat = tf.reshape(tf.reduce_sum(flat * ws), [1])
                parts += [alive, sat]
            return tf.concat(parts, 0)

        def unpack(flat):
            loss, hits = flat[0], flat[1]
            at = 2
            grads = []
            for shape, size in zip(shapes, sizes, strict=True):
                grads.append(tf.reshape(flat[at : at + size], shape))
                at += size
            stats = []
            for u in units:
                stats.append((flat[at : at + u], flat[at + u]))
                at += u + 1
            return loss, hits, grads, stats

        def layer_probes(grads, stats, before, sw):
            nan = tf.constant(math.nan)
            out = []
            for b, (alive, sat_sum), k0, ki in zip(blocks, stats, before, kernel_index, strict=True):
                k = b.dense.kernel.value
                kn = tf.norm(k)
                ratio = tf.norm(k - k0) / tf.maximum(kn, 1e-12)
                act = b.info.activation
                dead = sat = nan
                if act in DEAD_ACTIVATIONS:
                    dead = tf.reduce_mean(tf.cast(tf.equal(alive, 0.0), tf.float32))
                elif act in SATURATION:
                    sat = sat_sum / sw
                out.append(tf.stack([kn, tf.norm(grads[ki]), ratio, dead, sat]))
            return tf.stack(out)

        def all_finite():
            return tf.reduce_all([tf.reduce_all(tf.math.is_finite(v.value)) for v in tv])

        # Called in the cross-replica context.
        evaluate = self._validation_graph

        def step(s, order):
            idx = s * bsz + rows
            w = tf.cast(tf.logical_and(rows < bsz, idx < n), tf.float32)
            pick = tf.gather(order, tf.minimum(idx, n - 1))
            xb, yb = tf.gather(self._x, pick), tf.gather(self._y, pick)
            sw = tf.reduce_sum(w)
            per_replica = strategy.run(replica_step, args=(xb, yb, w, sw))
            loss, hits, grads, stats = unpack(strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None))
            before = [b.dense.kernel.value.read_value() for b in blocks]
            opt.apply(grads, tv)
            return loss, tf.stack([loss * sw, hits, sw]), lambda: layer_probes(grads, stats, before, sw)

        def chunk(k, perms):
            return self._chunk_graph(k, perms, step, evaluate, all_finite, n_blocks)

        self._chunk_fn = tf.function(
            chunk,
            input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([max_epochs, n], tf.int32)],
        )
        self._eval_fn = tf.function(evaluate) if self.n_val else None
        self._predict_fn = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec([None, self.data.n_features], tf.float32)],
        )

    # ------------------------------------------------------------------ backup

    def _call_chunk(self, k: int, perms: np.ndarray) -> np.ndarray:
        # Between chunks the host's counters and the variables agree: a backup point.
        self._maybe_backup()
        return super()._call_chunk(k, perms)

    def _train(self, epochs: int) -> tuple[str, str]:
        try:
            return super()._train(epochs)
        except (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError) as exc:
            log.warning("a worker of the cluster failed: %s", exc)
            where = (
                f" Restart every worker with the same command: the run continues from the backup "
                f"of epoch {self._backup_epochs}."
                if self.backup_dir is not None and self._backup_epochs > 0
                else ""
            )
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return "failed", f"Another worker of the cluster stopped answering ({first}).{where}"

    def run(self, epochs: int | None = None):
        epochs = int(self.project.training.epochs if epochs is None else epochs)
        resumed = self._restore_from_backup()
        # A restarted worker trains only what its backup has not done yet.
        report = super().run(max(0, epochs - resumed) if resumed else epochs)
        if self.backup_dir is not None and report.reason == "stopped":
            self._maybe_backup()  # a stopped run continues from where it stopped
        if self.backup_dir is not None and report.reason == "completed" and self.is_chief:
            # As BackupAndRestore: a finished run needs no backup any more.
            shutil.rmtree(self.backup_dir, ignore_errors=True)
        return report

    def _checkpoint_object(self) -> Any:
        if self._checkpoint is None:
            self._checkpoint = tf.train.Checkpoint(state=list(self._state_vars), host=self._host)
        return self._checkpoint

    def _maybe_backup(self) -> None:
        """Back the run up after every epoch, at the chunk boundary that follows it.

        Every worker reaches the same boundaries (the chunks have fixed lengths
        across processes), so every worker's backup holds the same epoch. As in
        TensorFlow's multi-worker guide, every worker saves, the chief into the
        backup folder and the others into a temporary folder they then delete.
        """
        if self.backup_dir is None or self._epochs_done <= self._backup_epochs:
            return
        self._host.assign(
            [float(self._epochs_done), float(self._step), float(self._pos_host), self._elapsed_total]
        )
        folder = worker_dir(self.backup_dir, self.strategy)
        manager = tf.train.CheckpointManager(self._checkpoint_object(), str(folder), max_to_keep=1)
        manager.save()
        if self.is_chief:
            history = {c: self.history.column(c).tolist() for c in ("loss", "val_loss", "metric", "val_metric")}
            atomic_write_text(folder / "history.json", json.dumps(history))
        else:
            shutil.rmtree(folder, ignore_errors=True)
        self._backup_epochs = self._epochs_done

    def _restore_from_backup(self) -> int:
        """Continue from the chief's backup if there is one; returns the epochs it holds.

        The backup folder must be one every worker reads (a shared file system,
        or the one machine of a mirrored run).
        """
        if self.backup_dir is None or self._epochs_done:
            return 0
        folder = Path(self.backup_dir)
        latest = tf.train.latest_checkpoint(str(folder))
        if latest is None:
            return 0
        self._checkpoint_object().restore(latest).assert_existing_objects_matched()
        epochs, step, pos, elapsed = (float(v) for v in self._host.numpy())
        self._epochs_done, self._step, self._pos_host = int(epochs), int(step), int(pos)
        self._elapsed_total = elapsed
        self._backup_epochs = self._epochs_done
        try:
            history = json.loads((folder / "history.json").read_text())
            for i in range(self._epochs_done):
                self.history.append_epoch(
                    epoch=i + 1, **{c: history[c][i] if i < len(history[c]) else None for c in history}
                )
        except (OSError, ValueError, KeyError):
            pass  # the curve before the restart is lost; the weights are not
        log.info("resumed from the backup in %s at epoch %d", folder, self._epochs_done)
        self.resumed_epochs = self._epochs_done
        return self._epochs_done
