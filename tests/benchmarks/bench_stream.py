"""Streaming a large CSV file vs the in-memory path: peak resident memory and rows per second.

Generates a CSV file of ``--size-mb`` megabytes (default 2048), trains one
epoch on it with ``ffnn-studio train --stream``, and one epoch on a smaller
file (``--fits-mb``, default 100) both streamed and in memory, each in its
own process; prints each run's peak resident memory and training rows per
second side by side (absolute times vary on shared machines: compare ratios).

    python tests/benchmarks/bench_stream.py --size-mb 300
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

FEATURES = 12
ROWS_PER_BLOCK = 200_000


def write_csv(path: Path, size_mb: float, seed: int = 0) -> int:
    """A CSV of about ``size_mb`` MB: FEATURES numeric columns, a text column and a binary target."""
    rng = np.random.default_rng(seed)
    rows = 0
    w = rng.normal(size=FEATURES)
    with path.open("w") as f:
        f.write(",".join([f"x{i}" for i in range(FEATURES)] + ["colour", "y"]) + "\n")
        while f.tell() < size_mb * 1e6:
            x = rng.normal(size=(ROWS_PER_BLOCK, FEATURES)).astype(np.float32)
            colour = rng.choice(np.array(["red", "green", "blue"]), ROWS_PER_BLOCK)
            y = ((x @ w + (colour == "red")) > 0).astype(int)
            lines = [
                ",".join(f"{v:.5f}" for v in row) + f",{c},{t}"
                for row, c, t in zip(x, colour, y, strict=True)
            ]
            f.write("\n".join(lines) + "\n")
            rows += ROWS_PER_BLOCK
    return rows


def measure(args: list[str]) -> tuple[float, float, str]:
    """(peak RSS in MB, wall seconds, output) of one training command in a fresh process."""
    child = [sys.executable, __file__, "--child", "--", sys.executable, "-m", "ffnn_studio", *args]
    t0 = time.perf_counter()
    out = subprocess.run(child, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{out.stdout}\n{out.stderr}")
    peak = float(re.search(r"PEAK_RSS_KB (\d+)", out.stdout).group(1)) / 1024
    return peak, wall, out.stdout


def run_child(command: list[str]) -> int:
    status = subprocess.run(command, check=False).returncode
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"PEAK_RSS_KB {peak}", flush=True)
    return status


def train_seconds(output: str) -> float:
    return float(re.search(r"after \d+ epochs? in ([\d.]+) s", output).group(1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mb", type=float, default=2048, help="size of the large CSV file")
    p.add_argument("--fits-mb", type=float, default=100, help="size of the file the in-memory path trains on")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    ns = p.parse_args()
    if ns.child:
        return run_child(ns.command)
    with tempfile.TemporaryDirectory(prefix="bench-stream-") as tmp:
        big, small = Path(tmp) / "big.csv", Path(tmp) / "fits.csv"
        t0 = time.perf_counter()
        big_rows = write_csv(big, ns.size_mb)
        small_rows = write_csv(small, ns.fits_mb, seed=1)
        print(f"generated {big.stat().st_size / 1e6:.0f} MB ({big_rows:,} rows) and "
              f"{small.stat().st_size / 1e6:.0f} MB ({small_rows:,} rows) in {time.perf_counter() - t0:.0f} s")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared: times are noisy)")
        common = ["--target", "y", "--epochs", "1", "--quiet"]
        runs = [
            ("streamed, large file", big, big_rows, ["--stream"]),
            ("streamed, file that fits", small, small_rows, ["--stream"]),
            ("in memory, file that fits", small, small_rows, []),
        ]
        print(f"{'run':<28} {'file MB':>8} {'peak RSS MB':>12} {'train s':>8} {'rows/s':>10} {'wall s':>7}")
        for name, path, rows, extra in runs:
            peak, wall, out = measure(["train", "--csv", str(path), *common, *extra])
            secs = train_seconds(out)
            print(f"{name:<28} {path.stat().st_size / 1e6:>8.0f} {peak:>12.0f} {secs:>8.1f} "
                  f"{rows / secs:>10,.0f} {wall:>7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
