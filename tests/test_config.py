"""The one table of configuration: Qt-free, complete, and read by the layers that use it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ffnn_studio import config


def test_importing_the_config_loads_nothing_of_the_studio_nor_qt_nor_tensorflow() -> None:
    code = (
        "import sys, ffnn_studio.config\n"
        "names = ('PySide6', 'pyqtgraph', 'tensorflow', 'keras', 'numpy')\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in names]\n"
        "loaded += [m for m in sys.modules if m.startswith('ffnn_studio.')"
        " and m != 'ffnn_studio.config']\n"
        "print('LOADED', sorted(loaded))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "LOADED []" in done.stdout


def test_every_settings_key_has_a_default() -> None:
    keys = {v for k, v in vars(config).items() if k.endswith("_KEY")}
    assert keys == set(config.SETTINGS_DEFAULTS)
    assert len(keys) == len([k for k in vars(config) if k.endswith("_KEY")])


@pytest.mark.parametrize(
    ("value", "enabled"),
    [(None, True), ("1", True), ("yes", True), ("0", False), (" Off ", False), ("false", False)],
)
def test_the_xla_switch(value: str | None, enabled: bool) -> None:
    environ = {} if value is None else {config.XLA_ENV: value}
    assert config.xla_enabled(environ) is enabled


def test_the_layers_read_their_timing_from_the_config() -> None:
    from ffnn_studio.ui.run import background, bridge

    assert bridge.BATCH_INTERVAL_S == config.DELIVERY_INTERVAL_S
    assert bridge.START_HANDSHAKE_S == config.START_HANDSHAKE_S
    assert background.TASK_PROGRESS_INTERVAL_S == config.TASK_PROGRESS_INTERVAL_S
    # Each timing constant has one name: none is defined a second time elsewhere.
    import pathlib

    root = pathlib.Path(config.__file__).parent
    names = [k for k in vars(config) if k.endswith(("_S", "_MS")) and k.isupper()]
    for path in root.rglob("*.py"):
        if path.name == "config.py":
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            assert f"\n{name} = " not in text, f"{name} defined again in {path}"
