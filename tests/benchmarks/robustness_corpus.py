"""Generates malformed project files and bad CSV files and counts how each is handled.

Run: ``python tests/benchmarks/robustness_corpus.py [--seed N]`` (a few seconds;
no TensorFlow). Each input goes through the path the CLI and the window share
before TensorFlow: ``load_project`` + ``check_project`` for project files,
``read_csv_dataset`` for CSV files. An input is

- *refused* when a ``StudioError`` with a short message (at most 400
  characters) comes back,
- *accepted* when it loads and validates (a well-formed variant),
- *not clean* when anything else happens: another exception, a message over
  400 characters, or no answer within 10 seconds.

The not-clean ones are printed; docs/robustness.md quotes the summary.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.project_file import load_project, project_to_dict
from ffnn_studio.core.spec import CsvDataSource, Project
from ffnn_studio.core.validation import check_project
from ffnn_studio.data.csv_import import read_csv_dataset

MAX_MESSAGE = 400
TIMEOUT_S = 10

ODD_VALUES: list[object] = [
    None, True, False, 0, -1, 10**400, -(10**400), 1e308, float("inf"), float("nan"),
    "", "x" * 5000, [], {}, [1, 2], {"a": 1}, 0.5, 2**31, "../../etc/shadow",
]


def _paths(value: object, prefix: tuple = ()) -> Iterator[tuple]:
    """Every path to a value inside nested dicts and lists."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(doc: object, path: tuple, value: object) -> object:
    if not path:
        return value
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    target[path[-1]] = value  # type: ignore[index]
    return doc


def _delete(doc: object, path: tuple) -> object:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]  # type: ignore[index]
    del target[path[-1]]  # type: ignore[arg-type]
    return doc


def base_document() -> dict:
    from ffnn_studio.core.spec import DenseLayer, DropoutLayer, NetworkSpec

    project = Project(network=NetworkSpec((DenseLayer(8, "leaky_relu", alpha=0.1), DropoutLayer(0.2))))
    return project_to_dict(project)


def project_corpus(rng: random.Random, devices: bool = True) -> Iterator[tuple[str, bytes | None]]:
    """(label, file bytes) pairs; None means a special file made by ``special_project``."""
    doc = base_document()
    csv_doc = _set(doc, ("data",), {"kind": "csv", "path": "../../etc/shadow", "target": "y"})
    for base, tag in ((doc, "builtin"), (csv_doc, "csv")):
        for path in _paths(base):
            if not path:
                continue
            where = ".".join(map(str, path))
            for value in ODD_VALUES:
                yield f"{tag}:{where}={str(value)[:12]}", json.dumps(_set(base, path, value)).encode()
            yield f"{tag}:{where} deleted", json.dumps(_delete(base, path)).encode()
            if isinstance(path[-1], str):
                yield f"{tag}:{where} + unknown", json.dumps(
                    _set(base, (*path[:-1], path[-1] + "_x"), 1)
                ).encode()
    text = json.dumps(doc, indent=2)
    for _ in range(80):
        cut = rng.randrange(1, len(text))
        yield f"truncated at {cut}", text[:cut].encode()
    raw = text.encode()
    for _ in range(80):
        flipped = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        yield "random bytes changed", bytes(flipped)
    yield "deep lists", b"[" * 100_000 + b"]" * 100_000
    yield "deep objects", b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    yield "4301-digit integer", b'{"format": ' + b"9" * 4301 + b"}"
    yield "BOM", b"\xef\xbb\xbf" + raw
    yield "UTF-16", text.encode("utf-16")
    yield "empty", b""
    yield "not JSON", b"hello"
    yield "JSON list", b"[]"
    yield "1,000 layers", json.dumps(
        _set(doc, ("network", "layers"), [{"kind": "dense", "units": 2, "activation": "relu"}] * 1000)
    ).encode()
    yield "100 × 4096 units", json.dumps(
        _set(doc, ("network", "layers"), [{"kind": "dense", "units": 4096, "activation": "relu"}] * 100)
    ).encode()
    for special in ("FIFO", "/dev/zero", "/dev/urandom", "11 MB sparse file", "a folder"):
        if devices or not special.startswith("/dev/"):
            yield special, None


def special_project(label: str, folder: Path) -> Path:
    path = folder / "special.ffnn.json"
    if label == "FIFO":
        os.mkfifo(path)
        return path
    if label.startswith("/dev/"):
        return Path(label)
    if label == "a folder":
        path.mkdir()
        return path
    with open(path, "wb") as fh:
        fh.truncate(11 * 1024 * 1024)
    return path


def csv_corpus() -> Iterator[tuple[str, str, bytes]]:
    """(label, target, file bytes) of CSV files a person might really produce, and worse."""
    good = "a,b,y\n" + "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(30))
    yield "good", "y", good.encode()
    for nl, name in (("\r\n", "CRLF"), ("\r", "CR only")):
        yield name, "y", good.replace("\n", nl).encode()
    for enc in ("utf-16", "utf-16-be", "utf-32", "utf-32-be", "latin-1", "cp1252"):
        yield enc, "y", ("é" + good).encode(enc)
    yield "BOM", "y", b"\xef\xbb\xbf" + good.encode()
    yield "NUL byte", "y", good.encode()[:20] + b"\x00" + good.encode()[20:]
    yield "zip", "y", b"PK\x03\x04" + good.encode()
    yield "empty", "y", b""
    yield "blank lines", "y", b"\n\n \n"
    yield "header only", "y", b"a,b,y\n"
    yield "one row", "y", b"a,b,y\n1,2,0\n"
    yield "no target column", "zz", good.encode()
    yield "target = feature twice", "y", ("a,y,y\n" + "".join(f"{i},{i % 2},{i % 2}\n" for i in range(30))).encode()
    yield "repeated feature name", "y", ("a,a,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(30))).encode()
    yield "ragged", "y", (good + "1,2\n").encode()
    yield "extra delimiter", "y", (good + "1,2,0,\n").encode()
    yield "unclosed quote", "y", (good + '"1,2,0\n').encode()
    yield "text in numbers", "y", good.replace("3,1.5", "3,abc").encode()
    yield "1e39", "y", good.replace("3,1.5", "3,1e39").encode()
    yield "inf", "y", good.replace("3,1.5", "3,inf").encode()
    yield "all missing feature", "y", ("a,b,y\n" + "".join(f"{i},,{i % 2}\n" for i in range(30))).encode()
    yield "all missing target", "y", ("a,b,y\n" + "".join(f"{i},{i},\n" for i in range(30))).encode()
    yield "single class", "y", ("a,b,y\n" + "".join(f"{i},{i},1\n" for i in range(30))).encode()
    yield "constant regression", "y", ("a,b,y\n" + "".join(f"{i},{i},0.5\n" for i in range(30))).encode()
    yield "300 classes", "y", ("a,y\n" + "".join(f"{i},c{i}\n" for i in range(300))).encode()
    yield "200 categories", "y", ("a,b,y\n" + "".join(f"{i},k{i},{i % 2}\n" for i in range(200))).encode()
    yield "header over 64 KB", "y", (",".join(f"c{i}" for i in range(15000)) + ",y\n" + "1," * 15000 + "1\n").encode()
    yield "3,000 columns, no target", "y", (",".join(f"c{i}" for i in range(3000)) + "\n" + "1," * 2999 + "1\n").encode()
    yield "field over 128 KB", "y", ('a,b,y\n1,"' + "x" * 200_000 + '",0\n').encode()
    yield "semicolon, decimal comma", "y", b"a;b;y\n" + "".join(f"{i};{i},5;{i % 2}\n" for i in range(30)).encode()
    yield "tabs", "y", good.replace(",", "\t").encode()
    yield "no header", "column 3", "".join(f"{i},{i * 0.5},{i % 2}\n" for i in range(30)).encode()
    yield "only target", "y", ("y\n" + "".join(f"{i % 2}\n" for i in range(30))).encode()
    yield "whitespace names", "y", ("  ,  ,y\n" + "".join(f"{i},{i},{i % 2}\n" for i in range(30))).encode()
    yield "binary noise", "y", bytes(random.Random(3).randrange(256) for _ in range(4000))
    for cut in (5, 17, 60, 111):
        yield f"truncated at {cut}", "y", good.encode()[:cut]


def _with_timeout(fn: Callable[[], object]) -> object:
    def expired(signum, frame):
        raise TimeoutError(f"no answer within {TIMEOUT_S} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIMEOUT_S)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def judge(fn: Callable[[], object]) -> tuple[str, str]:
    """("refused" | "accepted" | "not clean", detail)."""
    try:
        _with_timeout(fn)
    except StudioError as exc:
        text = str(exc)
        if len(text) > MAX_MESSAGE:
            return "not clean", f"message of {len(text):,} characters: {text[:120]}"
        return "refused", text
    except BaseException as exc:
        return "not clean", f"{type(exc).__name__}: {str(exc)[:160]}"
    return "accepted", ""


def run(seed: int, devices: bool = True) -> int:
    rng = random.Random(seed)
    counts: dict[str, Counter[str]] = {"project files": Counter(), "CSV files": Counter()}
    bad: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ffnn-corpus-") as scratch:
        folder = Path(scratch)
        for i, (label, data) in enumerate(project_corpus(rng, devices)):
            sub = folder / f"p{i}"
            sub.mkdir()
            if data is None:
                path = special_project(label, sub)
            else:
                path = sub / "p.ffnn.json"
                path.write_bytes(data)

            def load(path: Path = path) -> None:
                check_project(load_project(path))

            verdict, detail = judge(load)
            counts["project files"][verdict] += 1
            if verdict == "not clean":
                bad.append(f"project {label}: {detail}")
        for i, (label, target, data) in enumerate(csv_corpus()):
            path = folder / f"c{i}.csv"
            path.write_bytes(data)
            verdict, detail = judge(lambda path=path, target=target: read_csv_dataset(
                CsvDataSource(path=str(path), target=target)
            ))
            counts["CSV files"][verdict] += 1
            if verdict == "not clean":
                bad.append(f"csv {label}: {detail}")
    for kind, c in counts.items():
        total = sum(c.values())
        print(
            f"{kind}: {total} inputs; refused cleanly {c['refused']}, accepted {c['accepted']}, "
            f"not clean {c['not clean']}"
        )
    for line in bad:
        print("  not clean:", line)
    return 1 if bad else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-devices",
        action="store_true",
        help="leave out /dev/zero and /dev/urandom (a reader without a cap fills the memory)",
    )
    ns = parser.parse_args()
    sys.exit(run(ns.seed, devices=not ns.no_devices))
