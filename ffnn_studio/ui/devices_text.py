"""How the window speaks of the devices TensorFlow sees: the status bar's label and About's row.

Contract: reads what the engine already found (``engine.devices.known_devices``,
filled by the warm-up off the GUI thread); never imports TensorFlow itself.
"""

from __future__ import annotations

from ffnn_studio.engine.devices import DeviceInfo, devices_summary, known_devices


def devices_status(devices: list[DeviceInfo] | None = None) -> tuple[str, str]:
    """(short label, tooltip) for the status bar; empty while TensorFlow has not been asked."""
    devices = known_devices() if devices is None else devices
    if not devices:
        return "", ""
    gpus = [d for d in devices if d.kind == "GPU"]
    short = f"Training on {len(gpus)} GPU{'s' if len(gpus) > 1 else ''}" if gpus else "Training on the CPU"
    return short, "Devices TensorFlow sees: " + devices_summary(devices)


def devices_about_rows() -> list[tuple[str, str]]:
    """``("Device", label)`` rows for About, one per device; none before TensorFlow was asked."""
    devices = known_devices() or []
    rows = [("Device", d.label) for d in devices]
    if devices and not any(d.kind == "GPU" for d in devices):
        rows.append(("GPU", "none seen (see the README: installing the GPU build)"))
    return rows
