"""Training under tf.distribute strategies: mirrored over two logical CPUs, a two-worker
cluster on loopback, and a worker killed and restarted from its backup.

A strategy's devices and cluster are fixed before TensorFlow initialises, so
each run is a fresh process (``distributed_worker.py``).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ffnn_studio.core.errors import StudioError

WORKER = Path(__file__).with_name("distributed_worker.py")
ROOT = Path(__file__).resolve().parents[2]
#: Mirrored and default sum the same per-sample losses in another order (float32).
LOSS_TOLERANCE = 1e-4
TIMEOUT_S = 240


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def _free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _tf_config(ports: list[int], index: int) -> str:
    workers = [f"127.0.0.1:{p}" for p in ports]
    return json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}})


def _start(out: Path, *args: str, tf_config: str | None = None) -> subprocess.Popen:
    env = _env(TF_CONFIG=tf_config) if tf_config else _env()
    return subprocess.Popen(
        [sys.executable, str(WORKER), "--out", str(out), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(proc: subprocess.Popen) -> str:
    output, _ = proc.communicate(timeout=TIMEOUT_S)
    assert proc.returncode == 0, output[-3000:]
    return output


def _result(path: Path, strategy: str) -> dict:
    return json.loads(path.read_text())[strategy]


def _cluster(tmp_path: Path, *args: str) -> list[subprocess.Popen]:
    ports = _free_ports(2)
    return [
        _start(tmp_path / f"w{i}.json", "--strategy", "multi-worker", *args, tf_config=_tf_config(ports, i))
        for i in range(2)
    ]


# ------------------------------------------------------------------ pure parts


def test_cluster_spec_reads_tf_config_and_names_mistakes():
    from ffnn_studio.engine.cluster import cluster_spec

    assert cluster_spec({}) is None
    config = cluster_spec({"TF_CONFIG": _tf_config([1000, 1001], 1)})
    assert config["task"] == {"type": "worker", "index": 1}
    with pytest.raises(StudioError, match="not JSON"):
        cluster_spec({"TF_CONFIG": "{cluster"})
    with pytest.raises(StudioError, match='"task"'):
        cluster_spec({"TF_CONFIG": json.dumps({"cluster": {"worker": ["a:1"]}})})
    with pytest.raises(StudioError, match="not in the cluster"):
        cluster_spec({"TF_CONFIG": _tf_config([1000], 3)})


def test_training_prefers_every_gpu_and_falls_back_to_the_cpus():
    from ffnn_studio.engine.devices import preferred_devices

    cpus = [("/device:CPU:0", "CPU"), ("/device:CPU:1", "CPU")]
    gpus = [("/device:GPU:0", "GPU"), ("/device:GPU:1", "GPU")]
    assert preferred_devices(cpus) == ["/device:CPU:0", "/device:CPU:1"]
    assert preferred_devices(cpus + gpus) == ["/device:GPU:0", "/device:GPU:1"]


# ------------------------------------------------------------------ real runs


@pytest.mark.distributed
def test_mirrored_over_two_logical_cpus_follows_the_default_curve(tmp_path):
    out = tmp_path / "runs.json"
    _finish(_start(out, "--strategies", "default,mirrored", "--logical-cpus", "2", "--epochs", "5"))
    default, mirrored = _result(out, "default"), _result(out, "mirrored")
    assert default["class"] == "TrainingSession" and default["replicas"] == 1
    assert mirrored["class"] == "DistributedTrainingSession" and mirrored["replicas"] == 2
    assert mirrored["reason"] == default["reason"] == "completed"
    assert len(mirrored["loss"]) == len(default["loss"]) == 5
    np.testing.assert_allclose(mirrored["loss"], default["loss"], atol=LOSS_TOLERANCE)
    np.testing.assert_allclose(mirrored["val_loss"], default["val_loss"], atol=LOSS_TOLERANCE)
    assert default["loss"][-1] < 0.8 * default["loss"][0]  # it learned: the comparison means something
    # The probes are reduced across the replicas: one device's gradient norm.
    np.testing.assert_allclose(mirrored["probe_grad"], default["probe_grad"], rtol=1e-3)
    np.testing.assert_allclose(mirrored["probe_dead"], default["probe_dead"], atol=1e-6)


@pytest.mark.distributed
def test_two_workers_on_loopback_agree_on_the_final_weights(tmp_path):
    for proc in _cluster(tmp_path, "--epochs", "3"):
        _finish(proc)
    chief, other = _result(tmp_path / "w0.json", "multi-worker"), _result(tmp_path / "w1.json", "multi-worker")
    assert chief["reason"] == other["reason"] == "completed", (chief["message"], other["message"])
    assert chief["replicas"] == other["replicas"] == 2
    assert (chief["chief"], other["chief"]) == (True, False)
    assert len(chief["loss"]) == 3
    for a, b in zip(chief["weights"], other["weights"], strict=True):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    np.testing.assert_array_equal(chief["loss"], other["loss"])


@pytest.mark.distributed
def test_a_killed_worker_restarted_continues_from_the_backup(tmp_path):
    backup = tmp_path / "backup"
    # 15 steps an epoch, 32 a chunk: epoch 2 is reported while the later chunks are still to run.
    args = ("--epochs", "20", "--batch", "30", "--backup-dir", str(backup))
    first, second = _cluster(tmp_path, *args)
    assert second.stdout is not None
    for line in second.stdout:
        if line.strip() == "epoch 2":
            break
    else:
        pytest.fail("the second worker ended before its second epoch")
    second.send_signal(signal.SIGKILL)
    second.communicate(timeout=TIMEOUT_S)
    _finish(first)  # its run fails: the other worker stopped answering
    broken = _result(tmp_path / "w0.json", "multi-worker")
    assert broken["reason"] == "failed"
    assert "stopped answering" in broken["message"]
    assert list(backup.glob("ckpt-*.index")), "the chief kept no backup"

    for proc in _cluster(tmp_path, *args):  # the cluster manager restarts the job
        _finish(proc)
    chief, other = _result(tmp_path / "w0.json", "multi-worker"), _result(tmp_path / "w1.json", "multi-worker")
    assert chief["reason"] == other["reason"] == "completed", (chief["message"], other["message"])
    assert chief["resumed"] >= 2 and chief["resumed"] == other["resumed"]
    assert chief["epochs"] == other["epochs"] == 20
    assert len(chief["loss"]) == 20 and np.isfinite(chief["loss"]).all()
    for a, b in zip(chief["weights"], other["weights"], strict=True):
        np.testing.assert_array_equal(np.array(a), np.array(b))
    assert not backup.exists()  # a finished run drops its backup, as BackupAndRestore does
