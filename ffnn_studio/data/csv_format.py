"""What kind of text a CSV file is: size and encoding checks, delimiter, decimal mark, header,
and one structural pass that checks every record has the same number of fields.

Line numbers in messages are 1-based physical line numbers of the file, as an
editor shows them; the header, when there is one, is line 1.

Contract: owns detecting a CSV file's layout; reads bytes, never the whole
table. Standard library and numpy; no Qt, no TensorFlow.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ffnn_studio.core.errors import StudioError, clip

#: Larger files are refused before reading; tests monkeypatch it.
MAX_CSV_BYTES = 200 * 1024 * 1024
#: How much of the file's start is read to detect its format.
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
#: Missing-value markers on top of pandas' defaults ("", NA, N/A, n/a, NaN, null, None, …).
EXTRA_NA_VALUES = ("?",)
#: pandas' default missing-value markers, mirrored for the format detection.
NA_MARKERS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
        *EXTRA_NA_VALUES,
    }
)

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?$")


class ImportCancelled(Exception):
    """The caller's ``cancelled()`` returned True; the import stopped without a result."""


def size_text(n_bytes: int) -> str:
    """A file size the way a person reads it ("212.4 MB")."""
    if n_bytes < 1024 * 1024:
        return f"{n_bytes / 1024:.1f} KB"
    return f"{n_bytes / (1024 * 1024):.1f} MB"


class ImportTracker:
    """Throttled progress reports and cooperative cancellation for a long import."""

    def __init__(
        self,
        callback: Callable[[float], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self._callback = callback
        self._cancelled = cancelled
        self._last = -1.0

    def update(self, fraction: float) -> None:
        """Report ``fraction`` (0–1) if it moved by 1 % or more; stop if cancelled."""
        if self._cancelled is not None and self._cancelled():
            raise ImportCancelled()
        fraction = min(max(fraction, 0.0), 1.0)
        due = fraction - self._last >= 0.01 or (fraction == 1.0 and self._last < 1.0)
        if self._callback is not None and due:
            self._last = fraction
            self._callback(fraction)


#: Files with these extensions are the user's data files: their header may be
#: quoted in messages. Any other file (e.g. a path a project file names that
#: points at a system file) is described without echoing its content.
DATA_EXTENSIONS = frozenset({".csv", ".tsv", ".txt", ".dat", ".data", ".tab"})


def is_data_file(path: Path) -> bool:
    """True when ``path`` looks like a data file, so its header may be quoted in messages."""
    return path.suffix.lower() in DATA_EXTENSIONS


def resolve_path(path: str | Path, base_dir: Path | None = None) -> Path:
    """The CSV file a source names; relative paths are taken from ``base_dir``."""
    if not str(path).strip():
        raise StudioError("no CSV file chosen")
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    shown = clip(p, 160)
    try:
        exists, is_dir = p.exists(), p.is_dir()
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        raise StudioError(f"cannot open the CSV file {shown}: {exc.strerror or exc}") from None
    if not exists:
        raise StudioError(f"CSV file not found: {shown}")
    if is_dir:
        raise StudioError(f"{shown} is a folder, not a CSV file")
    return p


def check_size(path: Path) -> int:
    """The file's size in bytes; refuses empty files and files over ``MAX_CSV_BYTES``."""
    size = path.stat().st_size
    if size == 0:
        raise StudioError(f"CSV file {path.name} is empty")
    if size > MAX_CSV_BYTES:
        raise StudioError(
            f"CSV file {path.name} is {size_text(size)}; the studio imports CSV files of at most "
            f"{size_text(MAX_CSV_BYTES)}. Use a smaller extract of the data."
        )
    return size


def utf8_error(path: Path) -> StudioError:
    """An error naming the first byte of ``path`` that is not valid UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    with path.open("rb") as f:
        while True:
            block = f.read(1 << 20)
            pending = decoder.getstate()[0]
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as e:
                data = pending + block
                bad = offset - len(pending) + e.start
                line = newlines + data[: e.start].count(b"\n") + 1
                byte = data[e.start] if e.start < len(data) else None
                what = f"the byte 0x{byte:02X}" if byte is not None else "the last bytes"
                return StudioError(
                    f"{path.name} is not UTF-8 text: {what} at byte offset {bad} (line {line}) "
                    "is not valid UTF-8. Save the file with UTF-8 encoding (in Excel: "
                    "'CSV UTF-8'; in LibreOffice: character set 'Unicode (UTF-8)')."
                )
            if not block:
                break
            offset += len(block)
            newlines += block.count(b"\n")
    return StudioError(f"{path.name} is not UTF-8 text")


def read_sample(path: Path) -> str:
    """The decoded start of the file, cut at a line end; refuses binary and non-UTF-8 files."""
    with path.open("rb") as f:
        head = f.read(SAMPLE_BYTES)
        at_end = not f.read(1)
    # UTF-32's little-endian mark starts with UTF-16's: test it first.
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise StudioError(
            f"{path.name} is UTF-32 text; save it as UTF-8 (in Excel: 'CSV UTF-8') and import again"
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise StudioError(
            f"{path.name} is UTF-16 text; save it as UTF-8 (in Excel: 'CSV UTF-8') and import again"
        )
    if head.startswith(b"PK\x03\x04"):
        raise StudioError(
            f"{path.name} is a ZIP archive (an Excel .xlsx workbook?), not CSV text; "
            "save it as CSV from the spreadsheet program"
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise StudioError(
            f"{path.name} is not a text file: it contains a NUL byte at byte offset {nul} "
            "(a binary file, e.g. a spreadsheet or an archive, renamed .csv?)"
        )
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=at_end)
    except UnicodeDecodeError:
        raise utf8_error(path) from None
    if not at_end:
        # Drop the partial last line so the detectors see whole records only.
        cut = max(text.rfind("\n"), text.rfind("\r"))
        if cut > 0:
            text = text[: cut + 1]
        else:
            raise StudioError(
                f"{path.name}: line 1 is longer than {SAMPLE_BYTES // 1024} KB (no line end in "
                f"the first {SAMPLE_BYTES // 1024} KB); the studio reads CSV files whose header "
                "and rows are shorter than that. Is it a CSV file, and does it have tens of "
                "thousands of columns?"
            )
    if not text.strip():
        raise StudioError(f"CSV file {path.name} is empty (it holds only blank lines)")
    return text


def is_blank(record: list[str]) -> bool:
    """True for records pandas skips as blank lines (empty or whitespace only)."""
    return not record or (len(record) == 1 and not record[0].strip())


def _sample_records(sample: str, delimiter: str, limit: int = 200) -> list[list[str]]:
    records: list[list[str]] = []
    try:
        # newline="": lines may end in \n, \r\n or a lone \r (old Mac files).
        for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            if not is_blank(record):
                records.append(record)
                if len(records) >= limit:
                    break
    except csv.Error:
        pass
    return records


def _consistent_width(sample: str, delimiter: str) -> int:
    """The common field count of the sample's records under ``delimiter``, or 0 if they differ."""
    widths = {len(r) for r in _sample_records(sample, delimiter)}
    return widths.pop() if len(widths) == 1 else 0


def detect_delimiter(sample: str) -> str:
    """The delimiter: csv.Sniffer's guess if it splits every sample line alike, else the best one."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in DELIMITERS and _consistent_width(sample, sniffed) > 1:
        return sniffed
    widths = {d: _consistent_width(sample, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: widths[d])
    return best if widths[best] > 1 else ","


def detect_decimal(records: list[list[str]], delimiter: str) -> str:
    """The decimal mark: a comma if a non-comma-delimited sample writes numbers like "1,5"."""
    if delimiter == ",":
        return "."
    fields = [f.strip() for r in records for f in r]
    commas = sum(1 for f in fields if _DECIMAL_COMMA.match(f))
    points = sum(1 for f in fields if _DECIMAL_POINT.match(f))
    return "," if commas and not points else "."


def is_number(text: str, decimal: str = ".") -> bool:
    """True if ``text`` reads as a finite or infinite number (missing markers are not numbers)."""
    text = text.strip()
    if text in NA_MARKERS:
        return False
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        float(text)
    except ValueError:
        return False
    return True


def detect_header(records: list[list[str]], decimal: str = ".") -> bool:
    """Whether the first record names the columns.

    Certain when a column holds numbers below a text first value. Otherwise a
    first record holding a number is data; one of text only is a header if
    none of its values appears again in its column.
    """
    if not records:
        return False
    first = records[0]
    rest = [r for r in records[1:] if len(r) == len(first)]
    if not rest:
        return not any(is_number(f, decimal) for f in first)
    for j, name in enumerate(first):
        if name.strip() in NA_MARKERS or is_number(name, decimal):
            continue
        values = [r[j].strip() for r in rest if r[j].strip() not in NA_MARKERS]
        if values and all(is_number(v, decimal) for v in values):
            return True
    if any(is_number(f, decimal) for f in first):
        return False
    return all(first[j].strip() not in {r[j].strip() for r in rest} for j in range(len(first)))


def column_names(header: list[str] | None, n_fields: int) -> tuple[str, ...]:
    """Column names: the header's (stripped, blanks named by position, repeats numbered)."""
    if header is None:
        return tuple(f"column {j + 1}" for j in range(n_fields))
    names: list[str] = []
    seen: set[str] = set()
    for j, raw in enumerate(header):
        base = raw.strip() or f"column {j + 1}"
        name, k = base, 0
        # Same scheme as pandas: a repeated "a" becomes "a.1", "a.2", …
        while name in seen:
            k += 1
            name = f"{base}.{k}"
        seen.add(name)
        names.append(name)
    return tuple(names)


def duplicate_names(header: list[str] | tuple[str, ...]) -> str | None:
    """Why a header's names are ambiguous (a name given to two columns), or None."""
    first: dict[str, int] = {}
    for j, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        if name in first:
            return (
                f"columns {first[name] + 1} and {j + 1} are both named '{clip(name, 60)}'; give "
                "every column its own name (a copy of the target among the features would "
                "let the network read the answer)"
            )
        first[name] = j
    return None


@dataclass(frozen=True)
class Layout:
    """How the file is written."""

    delimiter: str
    decimal: str
    has_header: bool
    columns: tuple[str, ...]
    #: Why the header's names are ambiguous, or None (see ``duplicate_names``).
    duplicates: str | None = None


def detect_layout(
    path: Path, delimiter: str | None = None, has_header: bool | None = None
) -> Layout:
    """Delimiter and header (unless given), decimal mark and column names, from the file's start."""
    sample = read_sample(path)
    if delimiter is None:
        delimiter = detect_delimiter(sample)
    elif delimiter.lower() in ("tab", "\\t"):
        delimiter = "\t"
    elif len(delimiter) != 1:
        raise StudioError(f"the delimiter must be a single character, got {delimiter!r}")
    records = _sample_records(sample, delimiter)
    if not records:
        raise StudioError(f"CSV file {path.name} is empty")
    decimal = detect_decimal(records, delimiter)
    if has_header is None:
        has_header = detect_header(records, decimal)
    columns = column_names(records[0] if has_header else None, len(records[0]))
    duplicates = duplicate_names(records[0]) if has_header else None
    return Layout(delimiter, decimal, has_header, columns, duplicates)


def _csv_problem(error: csv.Error, line: int) -> str:
    text = str(error)
    if "unexpected end of data" in text:
        return f'the quoted field that starts on line {line} has no closing quote (")'
    if "field larger than field limit" in text:
        return f"line {line} has a field longer than {csv.field_size_limit():,} characters"
    return f"line {line}: malformed quoting ({text})"


def scan_records(
    path: Path,
    layout: Layout,
    progress: ImportTracker | None = None,
    max_records: int | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> np.ndarray:
    """The start line of every data record, after checking each has as many fields as the header.

    Stops after ``max_records`` data records when given; reports progress
    within ``span`` of the whole import. Blank lines are
    skipped, as pandas skips them, so the i-th row pandas reads starts on the
    i-th line returned.
    """
    size = path.stat().st_size or 1
    starts = array("q")
    append = starts.append
    expected = len(layout.columns)
    # A one-field record may be a whitespace-only line that pandas skips; take the slow path.
    fast = expected > 1
    limit = -1 if max_records is None else max_records
    first_line: int | None = None
    n = end = 0
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, delimiter=layout.delimiter, quotechar='"', strict=True)
        try:
            for record in reader:
                start = end + 1
                end = reader.line_num
                if fast and len(record) == expected and first_line is not None:
                    pass
                elif is_blank(record):
                    continue
                elif first_line is None:
                    first_line = start
                    if layout.has_header:
                        continue
                if len(record) != expected:
                    raise StudioError(
                        _ragged(record, start, expected, layout, first_line), where=path.name
                    )
                append(start)
                n += 1
                if n == limit:
                    break
                if progress is not None and not n & 8191:
                    progress.update(span[0] + (span[1] - span[0]) * raw.tell() / size)
        except UnicodeDecodeError:
            raise utf8_error(path) from None
        except csv.Error as e:
            raise StudioError(_csv_problem(e, end + 1), where=path.name) from None
    if not starts:
        if layout.has_header:
            raise StudioError(
                f"the file has a header (line {first_line}) but no data rows", where=path.name
            )
        raise StudioError(f"CSV file {path.name} is empty")
    return np.frombuffer(starts, dtype=np.int64)


def _ragged(record: list[str], line: int, expected: int, layout: Layout, first_line: int) -> str:
    what = "the header" if layout.has_header else "the first row"
    message = (
        f"line {line} has {len(record)} field{'s' if len(record) != 1 else ''}, "
        f"expected {expected} like {what} (line {first_line})"
    )
    if len(record) == expected + 1 and not record[-1].strip():
        message += f"; it ends with an extra {delimiter_name(layout.delimiter)}"
    return message


def delimiter_name(delimiter: str) -> str:
    """The delimiter as a message names it: "';'", "tab"."""
    return {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(delimiter, repr(delimiter))
