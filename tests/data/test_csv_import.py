"""CSV import on well-formed and malformed files (tests/data/files) and small generated ones."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ffnn_studio.core.errors import StudioError
from ffnn_studio.core.spec import CsvDataSource, Task
from ffnn_studio.data import (
    ImportCancelled,
    csv_format,
    csv_import,
    infer_task,
    load_dataset,
    preview_csv,
    read_csv_dataset,
)

FILES = Path(__file__).parent / "files"


def read(name: str, target: str, base_dir: Path = FILES, **kwargs: object):
    return read_csv_dataset(CsvDataSource(path=name, target=target, **kwargs), base_dir=base_dir)


def error_of(name: str, target: str, base_dir: Path = FILES, **kwargs: object) -> str:
    with pytest.raises(StudioError) as info:
        read(name, target, base_dir, **kwargs)
    return str(info.value)


def write(tmp_path: Path, text: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


# --- well-formed files ------------------------------------------------------------------------


def test_numeric_features_and_text_target() -> None:
    data = read("flowers.csv", "species")
    assert data.name == "flowers"
    assert data.task is Task.MULTICLASS
    assert data.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.x.shape == (12, 4) and data.x.dtype == np.float32
    assert data.y.dtype == np.int32 and data.y.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert data.x[0].tolist() == pytest.approx([5.1, 3.5, 1.4, 0.2])
    assert data.notes == ()


def test_load_dataset_resolves_a_relative_path_against_base_dir() -> None:
    data = load_dataset(CsvDataSource(path="flowers.csv", target="species"), base_dir=FILES)
    assert data.x.shape == (12, 4)
    absolute = load_dataset(CsvDataSource(path=str(FILES / "flowers.csv"), target="species"))
    np.testing.assert_array_equal(absolute.x, data.x)


def test_semicolon_delimited_with_decimal_commas() -> None:
    data = read("semicolon.csv", "price")
    assert data.task is Task.REGRESSION
    assert data.feature_names == ("height", "weight")
    assert data.x[0].tolist() == pytest.approx([1.5, 70.2])
    assert data.y.tolist() == pytest.approx([10.25, 12.5, 9.75, 14.0, 11.1])
    assert "columns are separated by ';'" in data.notes
    assert "numbers are written with decimal commas" in data.notes


def test_file_without_header() -> None:
    data = read("no_header.csv", "column 3")
    assert data.feature_names == ("column 1", "column 2")
    assert data.task is Task.BINARY and data.class_names == ("0", "1")
    assert data.x.shape == (6, 2)
    assert data.x[0].tolist() == pytest.approx([0.5, 1.2])
    assert any("no header row" in n for n in data.notes)


def test_categorical_target_and_categorical_feature() -> None:
    data = read("categorical.csv", "label")
    assert data.task is Task.BINARY
    assert data.class_names == ("bad", "good")
    assert data.feature_names == ("color=blue", "color=green", "color=red", "size")
    np.testing.assert_array_equal(data.x[0], [0, 0, 1, 1.0])  # red, 1.0
    np.testing.assert_array_equal(data.x[:, :3].sum(axis=1), np.ones(6))
    assert data.y.tolist() == [1, 0, 1, 0, 1, 0]


def test_regression_target_is_inferred_from_floats() -> None:
    data = read("regression.csv", "price")
    assert data.task is Task.REGRESSION
    assert data.class_names == () and data.y.dtype == np.float32
    assert data.y[0] == pytest.approx(120.25)


def test_chosen_features_in_the_chosen_order() -> None:
    data = read("flowers.csv", "species", features=("petal_width", "sepal_length"))
    assert data.feature_names == ("petal_width", "sepal_length")
    assert data.x[0].tolist() == pytest.approx([0.2, 5.1])


def test_task_override_turns_numbers_into_classes() -> None:
    data = read("regression.csv", "rooms", task=Task.MULTICLASS)
    assert data.class_names == ("1", "2", "3", "4", "5")
    assert data.y.tolist() == [1, 2, 1, 4, 3, 0]


def test_missing_values_dropped() -> None:
    data = read("missing.csv", "bought", missing="drop")
    assert data.x.shape == (3, 4)
    assert data.feature_names == ("age", "income", "city=berlin", "city=paris")
    assert data.y.tolist() == [1, 0, 1]  # lines 2, 7, 9: yes, no, yes
    assert data.x[:, 0].tolist() == [25, 38, 44]
    assert "dropped 1 row without a target value (line 6)" in data.notes
    assert "dropped 4 rows with missing values (lines 3, 4, 5, 8)" in data.notes


def test_missing_values_filled_with_the_mean() -> None:
    data = read("missing.csv", "bought", missing="mean")
    assert data.x.shape == (7, 6)
    assert data.feature_names == (
        "age",
        "income",
        "city=berlin",
        "city=paris",
        "city=rome",
        "city=(missing)",
    )
    ages = [25, 32, 47, 38, 29, 44]  # rows that have a target and an age
    assert data.x[3, 0] == pytest.approx(np.mean(ages))  # line 5: age "NA"
    assert data.x[1, 1] == pytest.approx(43600)  # line 3: income empty
    assert data.x[5, 1] == pytest.approx(43600)  # line 8: income "?"
    np.testing.assert_array_equal(data.x[2, 2:], [0, 0, 0, 1])  # line 4: city empty
    assert "dropped 1 row without a target value (line 6)" in data.notes
    assert any(n.startswith("filled missing values: 'age' (1 with the mean") for n in data.notes)


def test_bom_crlf_blank_lines_and_quoted_newlines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        b'\xef\xbb\xbfa,b,y\r\n1,"two\r\nlines",0\r\n\r\n3,x,1\r\n5,"x",0\r\n7,x,1\r\n',
    )
    data = read(path.name, "y", tmp_path)
    assert data.feature_names == ("a", "b=two\r\nlines", "b=x")
    assert data.x[:, 0].tolist() == [1, 3, 5, 7]


def test_tab_delimited_spaces_and_blank_header_names(tmp_path: Path) -> None:
    path = write(tmp_path, "a\tb\t\tkind\n1\t2\t3\t yes\n4\t5\t6\tno \n7\t8\t9\tyes\n")
    data = read(path.name, "kind", tmp_path)
    assert data.feature_names == ("a", "b", "column 3")
    assert data.class_names == ("no", "yes")
    assert "columns are separated by tab" in data.notes


def test_repeated_column_names_are_refused(tmp_path: Path) -> None:
    # A copy of the target read as a feature would score val_accuracy 1.0.
    rows = "".join(f"{i},{i % 2},{i % 2}\n" for i in range(40))
    path = write(tmp_path, "a,y,y\n" + rows)
    assert "columns 2 and 3 are both named 'y'" in error_of(path.name, "y", tmp_path)
    assert "both named 'a'" in error_of(write(tmp_path, "a,a,y\n1,2,0\n3,4,1\n", "aa.csv").name, "y", tmp_path)
    preview = preview_csv(path)
    assert any("both named 'y'" in p for p in preview.problems)


def test_lone_carriage_return_line_ends(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b,y\r1,2,0\r3,4,1\r5,6,0\r7,x,1\r")
    assert "column 'b'" in error_of(path.name, "y", tmp_path)  # the rows were read
    good = write(tmp_path, b"a,b,y\r1,2,0\r3,4,1\r5,6,0\r7,8,1\r", "good.csv")
    data = read(good.name, "y", tmp_path)
    assert data.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]


def test_utf32_is_named(tmp_path: Path) -> None:
    for encoding in ("utf-32", "utf-32-be"):
        path = write(tmp_path, "\ufeffa,b\n1,2\n".encode(encoding) if encoding.endswith("be")
                     else "a,b\n1,2\n".encode(encoding))
        assert "t.csv is UTF-32 text" in error_of(path.name, "y", tmp_path)


def test_overlong_first_line_is_named_and_messages_stay_short(tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(15000)) + ",y\n"
    path = write(tmp_path, header + ",".join("1" for _ in range(15001)) + "\n")
    message = error_of(path.name, "y", tmp_path)
    assert "line 1 is longer than 64 KB" in message and len(message) < 400
    wide = write(tmp_path, ",".join(f"c{i}" for i in range(3000)) + "\n" + "1," * 2999 + "1\n", "w.csv")
    message = error_of(wide.name, "y", tmp_path)
    assert "target column 'y' not found" in message and "3,000 in all" in message
    assert len(message) < 400


def test_overlong_path_is_a_studio_error(tmp_path: Path) -> None:
    message = error_of("x" * 5000 + ".csv", "y", tmp_path)
    assert "File name too long" in message and len(message) < 400


def test_header_of_a_non_data_file_is_not_echoed(tmp_path: Path) -> None:
    secret = write(tmp_path, "root:$6$secret:19000:0\n", "shadow")
    message = error_of(secret.name, "y", tmp_path)
    assert "secret" not in message and "1 column" in message
    listed = write(tmp_path, "root:$6$secret:19000:0\n", "mine.csv")
    assert "secret" in error_of(listed.name, "y", tmp_path)


def test_true_false_target_and_delimiter_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "a\tflag\n1\tTrue\n2\tFalse\n3\tTrue\n4\t\n")
    data = read(path.name, "flag", tmp_path, delimiter="tab")
    assert data.task is Task.BINARY and data.class_names == ("False", "True")
    assert data.y.tolist() == [1, 0, 1]
    with pytest.raises(StudioError, match="the delimiter must be a single character"):
        read(path.name, "flag", tmp_path, delimiter="::")


# --- malformed files: each names its problem ------------------------------------------------


def test_missing_file() -> None:
    assert error_of("nowhere.csv", "y") == f"CSV file not found: {FILES / 'nowhere.csv'}"


def test_empty_file() -> None:
    assert error_of("empty.csv", "y") == "CSV file empty.csv is empty"


def test_blank_lines_only(tmp_path: Path) -> None:
    path = write(tmp_path, "\n  \n\n")
    assert "t.csv is empty (it holds only blank lines)" in error_of(path.name, "y", tmp_path)


def test_header_only() -> None:
    assert error_of("header_only.csv", "c") == (
        "header_only.csv: the file has a header (line 1) but no data rows"
    )


def test_ragged_row() -> None:
    assert error_of("ragged.csv", "y") == (
        "ragged.csv: line 5 has 5 fields, expected 4 like the header (line 1)"
    )


def test_short_row_and_trailing_delimiter(tmp_path: Path) -> None:
    short = write(tmp_path, "a,b,y\n1,2,0\n3,4\n", "short.csv")
    assert "line 3 has 2 fields, expected 3" in error_of(short.name, "y", tmp_path)
    extra = write(tmp_path, "a,b,y\n1,2,0\n\n3,4,1,\n", "extra.csv")
    assert (
        "line 4 has 4 fields, expected 3 like the header (line 1); it ends with an extra ','"
        in (error_of(extra.name, "y", tmp_path))
    )


def test_unclosed_quote(tmp_path: Path) -> None:
    path = write(tmp_path, 'a,b,y\n1,2,0\n3,"4,1\n5,6,0\n')
    assert "the quoted field that starts on line 3 has no closing quote" in error_of(
        path.name, "y", tmp_path
    )


def test_not_utf8_names_offset_and_line() -> None:
    message = error_of("latin1.csv", "label")
    assert message.startswith(
        "latin1.csv is not UTF-8 text: the byte 0xE9 at byte offset 31 (line 3) is not valid UTF-8"
    )


def test_not_utf8_after_the_detection_sample(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_format, "SAMPLE_BYTES", 16)
    path = write(tmp_path, b"a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,\xff,1\n")
    assert "the byte 0xFF at byte offset 26 (line 5)" in error_of(path.name, "y", tmp_path)


def test_binary_file_renamed_csv() -> None:
    assert error_of("picture.csv", "y") == (
        "picture.csv is not a text file: it contains a NUL byte at byte offset 8 "
        "(a binary file, e.g. a spreadsheet or an archive, renamed .csv?)"
    )


def test_spreadsheet_and_utf16(tmp_path: Path) -> None:
    xlsx = write(tmp_path, b"PK\x03\x04\x14\x00\x06\x00", "book.csv")
    assert "is a ZIP archive (an Excel .xlsx workbook?)" in error_of(xlsx.name, "y", tmp_path)
    utf16 = write(tmp_path, "a,b\n1,2\n".encode("utf-16"), "wide.csv")
    assert "wide.csv is UTF-16 text; save it as UTF-8" in error_of(utf16.name, "y", tmp_path)


def test_single_class_target() -> None:
    assert error_of("single_class.csv", "label") == (
        "single_class.csv: target column 'label' has a single class ('yes') in all 3 rows; "
        "a classifier needs at least two classes"
    )


def test_no_usable_feature_column() -> None:
    assert error_of("only_target.csv", "y") == (
        "only_target.csv: no usable feature column: the file has only the target column 'y'"
    )
    assert error_of("empty_feature.csv", "y") == (
        "empty_feature.csv: no usable feature column: every feature column is empty ('notes')"
    )


def test_missing_target_column_lists_the_columns() -> None:
    assert error_of("flowers.csv", "Species") == (
        "flowers.csv: target column 'Species' not found; the columns are: 'sepal_length', "
        "'sepal_width', 'petal_length', 'petal_width', 'species'"
    )


def test_unknown_feature_column_and_target_as_feature() -> None:
    assert "feature column 'petal' not found; the columns are:" in error_of(
        "flowers.csv", "species", features=("petal",)
    )
    assert "column 'species' is the target; it cannot also be a feature" in error_of(
        "flowers.csv", "species", features=("species", "petal_width")
    )


def test_junk_in_a_numeric_column() -> None:
    assert error_of("junk_numeric.csv", "label") == (
        "junk_numeric.csv: column 'age' has 2 non-numeric values among its numbers, "
        "e.g. 'twelve' on line 5, 'x' on line 8. "
        "Correct them, or empty those cells to make them missing values."
    )


def test_infinite_value(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,y\n1,2,0\n3,inf,1\n5,6,0\n")
    assert "column 'b' has 1 value too large for the studio" in error_of(path.name, "y", tmp_path)
    assert "inf on line 3" in error_of(path.name, "y", tmp_path)


def test_task_overrides_that_cannot_hold() -> None:
    assert "the task is binary, but target column 'species' has 3 classes" in error_of(
        "flowers.csv", "species", task=Task.BINARY
    )
    assert "target column 'species' holds text (e.g. 'setosa'), not numbers" in error_of(
        "flowers.csv", "species", task=Task.REGRESSION
    )


def test_unknown_missing_policy() -> None:
    assert "'zero' is not a missing-value policy; use 'drop' or 'mean'" in error_of(
        "flowers.csv", "species", missing="zero"
    )


def test_too_many_categories(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_import, "MAX_CATEGORIES", 3)
    path = write(tmp_path, "name,y\n" + "".join(f"n{k},{k % 2}\n" for k in range(6)))
    assert "column 'name' has 6 distinct text values: too many to one-hot encode" in error_of(
        path.name, "y", tmp_path
    )


def test_no_rows_left_after_dropping(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,y\n1,,0\n,2,1\n")
    assert "no rows left" in error_of(path.name, "y", tmp_path)
    data = read(path.name, "y", tmp_path, missing="mean")
    assert data.x.tolist() == [[1, 2], [1, 2]]


# --- size limit, chunks, progress, cancellation -----------------------------------------------


def test_files_over_the_size_limit_are_refused_up_front(monkeypatch) -> None:
    monkeypatch.setattr(csv_format, "MAX_CSV_BYTES", 100)
    message = error_of("flowers.csv", "species")
    assert message == (
        "CSV file flowers.csv is 0.4 KB; the studio imports CSV files of at most 0.1 KB. "
        "Use a smaller extract of the data."
    )
    with pytest.raises(StudioError, match=r"at most 0\.1 KB"):
        preview_csv(FILES / "flowers.csv")


def test_default_size_limit_is_200_mb() -> None:
    assert csv_format.MAX_CSV_BYTES == 200 * 1024 * 1024
    assert csv_format.size_text(csv_format.MAX_CSV_BYTES) == "200.0 MB"


def test_chunked_reading_keeps_text_and_line_numbers(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    # The first chunk of "code" is all numbers; later chunks are text.
    codes = write(tmp_path, "a,code,y\n1,007,0\n2,12,1\n3,A1,0\n4,B2,1\n5,7,0\n6,A1,1\n", "c.csv")
    data = read(codes.name, "y", tmp_path)
    assert data.feature_names == ("a", "code=007", "code=12", "code=7", "code=A1", "code=B2")
    junk = write(tmp_path, "a,b,y\n1,2,0\n\n3,4,1\n5,6,0\n7,8,1\n9,oops,0\n11,12,1\n", "j.csv")
    assert "'oops' on line 7" in error_of(junk.name, "y", tmp_path)


def test_progress_is_reported_up_to_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 10)
    path = write(tmp_path, "a,b,y\n" + "".join(f"{k},{k * 2},{k % 3}\n" for k in range(100)))
    seen: list[float] = []
    data = read_csv_dataset(CsvDataSource(path=str(path), target="y"), progress=seen.append)
    assert data.x.shape == (100, 2) and data.task is Task.MULTICLASS
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen) and len(seen) >= 3


def test_cancelling_stops_the_import(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 10)
    path = write(tmp_path, "a,b,y\n" + "".join(f"{k},{k * 2},{k % 3}\n" for k in range(100)))
    polls: list[int] = []

    def cancelled() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(ImportCancelled):
        read_csv_dataset(CsvDataSource(path=str(path), target="y"), cancelled=cancelled)
    assert len(polls) == 4


# --- preview and task inference -----------------------------------------------------------------


def test_preview_of_a_well_formed_file() -> None:
    preview = preview_csv(FILES / "missing.csv")
    assert preview.delimiter == "," and preview.decimal == "." and preview.has_header
    assert preview.columns == ("age", "income", "city", "bought")
    assert preview.kinds == ("numeric", "numeric", "categorical", "categorical")
    assert preview.missing == (1, 2, 1, 1)
    assert isinstance(preview.rows, pd.DataFrame) and len(preview.rows) == 8
    assert not preview.truncated
    assert preview.size_bytes == (FILES / "missing.csv").stat().st_size
    assert preview.suggested_target == "bought"
    assert preview.task_for("bought") is Task.BINARY
    assert preview.problems == ()


def test_preview_limits_rows_and_detects_layout() -> None:
    preview = preview_csv(FILES / "flowers.csv", max_rows=5)
    assert len(preview.rows) == 5 and preview.truncated
    semicolon = preview_csv(FILES / "semicolon.csv")
    assert (semicolon.delimiter, semicolon.decimal) == (";", ",")
    assert semicolon.rows["height"].tolist() == pytest.approx([1.5, 1.8, 1.6, 1.9, 1.7])
    no_header = preview_csv(FILES / "no_header.csv")
    assert not no_header.has_header and no_header.columns[-1] == "column 3"
    forced = preview_csv(FILES / "flowers.csv", delimiter=";")
    assert forced.delimiter == ";" and len(forced.columns) == 1
    with pytest.raises(StudioError, match="line 2 has 4 fields, expected 1"):
        preview_csv(FILES / "semicolon.csv", delimiter=",")


@pytest.mark.parametrize(
    ("text", "header"),
    [
        ("a,b\n1,2\n3,4\n", True),
        ("1,2\n3,4\n", False),
        ("id,2019\n1,2\n3,4\n", True),  # a text name over numbers decides
        ("color,size\nred,small\nblue,big\n", True),
        ("red,small\nblue,big\nred,big\n", False),  # "red" repeats: data
        ("x,y\n", True),
    ],
)
def test_header_detection(tmp_path: Path, text: str, header: bool) -> None:
    assert csv_format.detect_layout(write(tmp_path, text)).has_header is header


def test_header_override(tmp_path: Path) -> None:
    path = write(tmp_path, "red,small\nblue,big\nred,big\n")
    preview = preview_csv(path, has_header=True)
    assert preview.columns == ("red", "small") and len(preview.rows) == 2


def test_preview_reports_junk_instead_of_failing() -> None:
    preview = preview_csv(FILES / "junk_numeric.csv")
    assert preview.kind_of("age") == "numeric"
    assert len(preview.problems) == 1 and "'twelve' on line 5" in preview.problems[0]


def test_preview_refuses_what_cannot_be_shown() -> None:
    with pytest.raises(StudioError, match=re.escape("line 5 has 5 fields, expected 4")):
        preview_csv(FILES / "ragged.csv")
    with pytest.raises(StudioError, match="is not a text file"):
        preview_csv(FILES / "picture.csv")


@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a", "b"], Task.BINARY),
        (["cat", "dog", "bird", "cat"], Task.MULTICLASS),
        ([0, 1, 1, 0, 1, 0], Task.BINARY),
        ([1.0, 2.0, 3.0, 1.0, 2.0, 3.0], Task.MULTICLASS),
        ([0.5, 1.5, 2.25, 3.0], Task.REGRESSION),
        (list(range(40)), Task.REGRESSION),
        ([1, 2, 3, 4], Task.REGRESSION),  # four distinct values in four rows: quantities
        (["yes", None, "no", "yes"], Task.BINARY),
    ],
)
def test_infer_task(values: list[object], task: Task) -> None:
    assert infer_task(pd.Series(values)) is task


def test_infer_task_on_an_empty_column() -> None:
    with pytest.raises(StudioError, match="column 'y' has no values"):
        infer_task(pd.Series([None, None], name="y"))


def test_values_beyond_float32_are_refused_without_a_numpy_warning(tmp_path: Path) -> None:
    import warnings

    path = write(tmp_path, "a,b,y\n" + "".join(f"{i},1e39,{i % 2}\n" for i in range(20)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning would reach the terminal first
        message = error_of(path.name, "y", tmp_path)
    assert "too large for the studio" in message
