"""Compiled training programs kept between launches (TensorFlow's persistent XLA cache)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ffnn_studio.config import COMPILE_CACHE_ENV
from ffnn_studio.engine import compile_cache
from ffnn_studio.engine.compile_cache import FLAG, clear, configure, entries, size_of, tidy


def _entry(folder: Path, name: str, payload: bytes, age: float = 0.0) -> Path:
    p = folder / f"xla_compile_cache__{name}__1__XLA_CPU_JIT.pb"
    p.write_bytes(payload)
    if age:
        t = p.stat().st_mtime - age
        os.utime(p, (t, t))
    return p


def _valid(n: int) -> bytes:
    """A well-formed protocol buffer of about ``n`` bytes (field 1, length-delimited)."""
    body = b"x" * n
    length = bytearray()
    v = len(body)
    while True:
        byte = v & 0x7F
        v >>= 7
        length.append(byte | (0x80 if v else 0))
        if not v:
            break
    return b"\x0a" + bytes(length) + body


def test_configure_names_the_folder_in_tensorflows_flags(tmp_path) -> None:
    env = {"TF_XLA_FLAGS": "--tf_xla_auto_jit=0"}
    folder = configure(env, tmp_path / "xla")
    assert folder == tmp_path / "xla" and folder.is_dir()
    assert env["TF_XLA_FLAGS"] == f"--tf_xla_auto_jit=0 {FLAG}={folder}"


def test_configure_leaves_the_users_own_cache_flag_and_the_off_switch_alone(tmp_path) -> None:
    own = {"TF_XLA_FLAGS": f"{FLAG}=/somewhere"}
    assert configure(own, tmp_path) is None and own["TF_XLA_FLAGS"] == f"{FLAG}=/somewhere"
    off = {COMPILE_CACHE_ENV: "0"}
    assert configure(off, tmp_path / "xla") is None
    assert "TF_XLA_FLAGS" not in off and not (tmp_path / "xla").exists()


def test_a_folder_that_cannot_be_made_means_no_cache_not_an_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    env: dict[str, str] = {}
    assert configure(env, blocker / "xla") is None
    assert "TF_XLA_FLAGS" not in env


def test_damaged_entries_are_removed_before_tensorflow_reads_them(tmp_path) -> None:
    good = _entry(tmp_path, "good", _valid(500))
    truncated = _entry(tmp_path, "cut", _valid(500)[:200])  # a killed write
    empty = _entry(tmp_path, "empty", b"")
    tidy(tmp_path)
    assert good.exists() and not truncated.exists() and not empty.exists()
    # Checked once: an entry listed as checked, unchanged, is not read again.
    listed = (tmp_path / compile_cache.CHECKED_FILE).read_text()
    assert good.name in listed and truncated.name not in listed


def test_the_least_recently_used_entries_go_first_beyond_the_budget(tmp_path) -> None:
    old = _entry(tmp_path, "old", _valid(4000), age=300)
    mid = _entry(tmp_path, "mid", _valid(4000), age=200)
    new = _entry(tmp_path, "new", _valid(4000), age=0)
    tidy(tmp_path, budget=9000)
    assert not old.exists() and mid.exists() and new.exists()
    assert size_of(tmp_path) <= 9000


def test_clear_deletes_every_entry_and_says_how_much(tmp_path) -> None:
    sizes = [_entry(tmp_path, n, _valid(k)).stat().st_size for n, k in (("a", 100), ("b", 300))]
    assert clear(tmp_path) == sum(sizes)
    assert entries(tmp_path) == []


CHILD = textwrap.dedent(
    """
    import sys, json
    from ffnn_studio.core.examples import example_path, load_example
    from ffnn_studio.data import prepare
    from ffnn_studio.data.loading import load_dataset
    from ffnn_studio.engine.training.session import TrainingSession

    project = load_example("surface.ffnn.json")
    dataset = load_dataset(project.data, example_path("surface.ffnn.json").parent)
    session = TrainingSession(project, prepare(dataset, 0.2, 0))
    session._compile_program()
    print(json.dumps({"ok": session._program_ok}))
    """
)


@pytest.mark.slow
def test_a_second_process_finds_the_program_the_first_compiled(tmp_path) -> None:
    """The cache key is stable across processes for the same network and data: the
    second launch adds no entry (it read the first one's)."""
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_XLA_FLAGS", None)
    env.pop(COMPILE_CACHE_ENV, None)
    folder = tmp_path / "ffnn-studio" / "xla"

    def launch() -> None:
        out = subprocess.run(
            [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=600, check=True
        )
        assert '"ok": true' in out.stdout, out.stderr[-2000:]

    launch()
    first = entries(folder)
    assert first, "the first launch kept no compiled program"
    stamps = {p.name: p.stat().st_mtime_ns for p in first}
    launch()
    second = entries(folder)
    assert [p.name for p in second] == [p.name for p in first]
    assert {p.name: p.stat().st_mtime_ns for p in second} == stamps  # read, not written again


@pytest.mark.slow
def test_with_the_switch_off_nothing_is_kept(tmp_path) -> None:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path), TF_CPP_MIN_LOG_LEVEL="3")
    env.pop("TF_XLA_FLAGS", None)
    env[COMPILE_CACHE_ENV] = "0"
    subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, timeout=600, check=True)
    assert not (tmp_path / "ffnn-studio" / "xla").exists()
