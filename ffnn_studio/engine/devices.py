"""The devices TensorFlow sees (CPUs, GPUs and their memory) and the ones training uses.

Contract: asks TensorFlow (imported when a function is first called) and the
operating system; returns plain values. Never Qt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceInfo:
    """One device: TensorFlow's name for it, its kind, a readable model name and its memory."""

    name: str  # "/physical_device:GPU:0"
    kind: str  # "CPU" or "GPU"
    model: str = ""
    memory_bytes: int | None = None

    @property
    def label(self) -> str:
        """e.g. "GPU 0: NVIDIA A100 (40.0 GB)" or "CPU (8 cores, 31.2 GB)"."""
        index = self.name.rsplit(":", 1)[-1]
        memory = "" if self.memory_bytes is None else f"{self.memory_bytes / 1e9:.1f} GB"
        if self.kind == "CPU":
            cores = os.cpu_count() or 1
            details = ", ".join(p for p in (f"{cores} cores", memory) if p)
            return f"CPU ({details})"
        details = ", ".join(p for p in (self.model, memory) if p)
        return f"GPU {index}" + (f": {details}" if details else "")


def preferred_devices(logical: Sequence[tuple[str, str]]) -> list[str]:
    """The devices to train on, from (name, kind) pairs: every GPU if there is one, else every CPU."""
    gpus = [name for name, kind in logical if kind == "GPU"]
    return gpus or [name for name, kind in logical if kind == "CPU"]


def training_devices() -> list[str]:
    """Names of the logical devices a mirrored run spreads over (GPUs first, else CPUs)."""
    from ffnn_studio.engine.quiet import import_tensorflow

    tf = import_tensorflow()
    return preferred_devices([(d.name, d.device_type) for d in tf.config.list_logical_devices()])


def _system_memory() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def _nvidia_memory() -> list[int]:
    """Each NVIDIA GPU's total memory in bytes, from nvidia-smi (empty if it is not there)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
        return [int(float(line)) * 1024 * 1024 for line in out.split() if line.strip()]
    except (OSError, subprocess.SubprocessError, ValueError):
        return []


_known: list[DeviceInfo] | None = None


def known_devices() -> list[DeviceInfo] | None:
    """What ``visible_devices`` found, if it ran already (never imports TensorFlow)."""
    return _known


def visible_devices() -> list[DeviceInfo]:
    """Every physical device TensorFlow sees, CPU first, with its memory where known (asked once)."""
    global _known
    if _known is not None:
        return _known
    from ffnn_studio.engine.quiet import import_tensorflow

    tf = import_tensorflow()
    out = []
    gpu_memory = _nvidia_memory()
    gpu_i = 0
    for d in tf.config.list_physical_devices():
        if d.device_type == "CPU":
            out.append(DeviceInfo(d.name, "CPU", memory_bytes=_system_memory()))
        elif d.device_type == "GPU":
            details = tf.config.experimental.get_device_details(d)
            memory = gpu_memory[gpu_i] if gpu_i < len(gpu_memory) else None
            out.append(DeviceInfo(d.name, "GPU", str(details.get("device_name", "")), memory))
            gpu_i += 1
    _known = out
    return out


def devices_summary(devices: Sequence[DeviceInfo]) -> str:
    """One line for a status bar: "CPU (2 cores, 24.0 GB) · GPU 0: …"; says when no GPU is seen."""
    text = " · ".join(d.label for d in devices)
    if not any(d.kind == "GPU" for d in devices):
        text += " · no GPU"
    return text
