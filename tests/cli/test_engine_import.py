"""TensorFlow loads while ``train`` reads its data; a data problem still reaches the terminal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_cli import PROJECT, write

_IMPORT_IN_BACKGROUND = """
import sys, threading
from ffnn_studio.cli.engine_import import EngineImport
engine = EngineImport()
assert any(t.name == "tensorflow-import" for t in threading.enumerate())
engine.wait()
import ffnn_studio.engine.training.session
print("engine", "ffnn_studio.engine.training.session" in sys.modules)
"""


def test_a_data_problem_found_while_tensorflow_loads_is_shown(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("a,b,y\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(30)) + "3,x,1\n")
    doc = json.loads(json.dumps(PROJECT))
    doc["data"] = {"kind": "csv", "path": str(csv), "target": "y"}
    proc = subprocess.run(
        [sys.executable, "-m", "ffnn_studio", "train", str(write(tmp_path, doc))],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "column 'b'" in proc.stderr and "'x' on line 32" in proc.stderr, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr


def test_the_engine_imports_on_a_plain_thread_and_is_waited_for() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORT_IN_BACKGROUND], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "engine True" in proc.stdout
    # TensorFlow's start-up lines stayed in the capture.
    assert "cuda" not in proc.stderr.lower(), proc.stderr[-2000:]
