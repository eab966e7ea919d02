"""Reading what ad-ops people actually save: every encoding, delimiter and format, ids intact."""

from __future__ import annotations

import codecs
import csv
import errno
import gc
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from bulkops.errors import InputError
from bulkops.io import readers
from bulkops.io.columns import ROW_NUMBER
from bulkops.io.readers import open_table, unmark
from bulkops.io.writers import unguard

ROWS = [["9979917896105882144", "00123", "0.30"], ["42", "sku-é", "1.5"]]


def _all(path: Path, **kw: object) -> dict[str, list[object]]:
    """Every batch of the file, one row per batch, as lists per column."""
    table = open_table(path, **kw)  # type: ignore[arg-type]
    return pa.concat_tables(table.iter_batches(rows=1)).to_pydict()


def _rows(frame: dict[str, list[object]], *names: str) -> list[list[object]]:
    return [list(r) for r in zip(*(frame[n] for n in names), strict=True)]


@pytest.mark.parametrize(("encoding", "bom"), [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                               ("utf-16-le", codecs.BOM_UTF16_LE), ("cp1252", b"")])
@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_in_any_common_encoding_and_delimiter(tmp_path: Path, encoding: str, bom: bytes, delimiter: str) -> None:
    text = "\r\n".join(delimiter.join(r) for r in [["lineItemId", "productId", "bidOverride"], *ROWS]) + "\r\n"
    path = tmp_path / "bids.csv"
    path.write_bytes(bom + text.encode(encoding))
    frame = _all(path)
    table = open_table(path)
    assert table.columns == ("lineItemId", "productId", "bidOverride") and table.delimiter == delimiter
    assert _rows(frame, "lineItemId", "productId", "bidOverride") == ROWS
    assert frame[ROW_NUMBER] == [2, 3]


@pytest.mark.parametrize(("hint", "delimiter"), [("sep=;", ";"), ("SEP=,", ","), ("sep=|", "|")])
@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_excels_sep_line_says_the_delimiter_and_the_header_follows(tmp_path: Path, hint: str, delimiter: str,
                                                                   bom: bytes) -> None:
    """Excel writes `sep=;` as a CSV's first line to say its delimiter; it shows no such row, so the first row below
    the header is row 2, as there. A row of extra cells (read by the other reader) keeps its numbering too."""
    lines = [hint, delimiter.join(["lineItemId", "productId", "bidOverride"]), delimiter.join(ROWS[0]),
             delimiter.join([*ROWS[1], "x"])]
    path = tmp_path / "bids.csv"
    path.write_bytes(bom + "\r\n".join(lines).encode() + b"\r\n")
    table = open_table(path)
    assert table.columns == ("lineItemId", "productId", "bidOverride") and table.delimiter == delimiter
    frame = _all(path)
    assert _rows(frame, "lineItemId", "productId")[0] == ROWS[0][:2] and frame[ROW_NUMBER] == [2, 3]
    assert frame["lineItemId"][1] == delimiter.join([*ROWS[1], "x"])  # the ragged row, whole, as the reports show it


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_an_export_saved_again_with_another_delimiter_keeps_its_columns(tmp_path: Path, delimiter: str) -> None:
    """Excel in a ;-locale saves an export with `;`: its quoted asExported cells hold commas on every line, more
    than the delimiter itself on some; the header still splits where the cells do."""
    header = ["entity", "lineItemId", "productId", "bidOverride", "asExported"]
    rows = [["product", "5000", f"sku{i}", "1,5", '{"bidOverride":1.5,"status":"active","x":[1,2,3]}']
            for i in range(30)]
    path = tmp_path / "inv.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f, delimiter=delimiter).writerows([header, *rows])
    table = open_table(path)
    assert table.columns == tuple(header) and table.delimiter == delimiter
    assert _rows(_all(path), *header) == rows


def test_a_file_not_in_utf8_is_read_from_a_copy_that_is_gone_however_reading_stops(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow reads a cp1252 or UTF-16 file from a UTF-8 copy Python makes (its own transcoding calls Python from
    its threads: a process could abort at exit); the copy goes when the reading ends, early or not."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "bids.csv"
    rows = [[str(n), f"café-{n}", "1,50"] for n in range(3000)]
    path.write_bytes("\r\n".join(";".join(r) for r in [["lineItemId", "productId", "bidOverride"], *rows]).encode("cp1252"))
    monkeypatch.setattr(readers, "BLOCK_BYTES", 4096)  # many blocks: a stop halfway leaves reads in flight
    first = next(iter(open_table(path).iter_batches(rows=100)))  # stopped after the first batch
    assert first.column("productId").to_pylist()[:2] == ["café-0", "café-1"]
    gc.collect()
    assert _rows(_all(path), "lineItemId", "productId", "bidOverride") == rows
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8"])
def test_a_sheet_whose_accents_start_far_down_is_read_in_its_encoding(tmp_path: Path, encoding: str) -> None:
    """The encoding is told by a file's first bytes beyond ASCII, wherever they are: a cp1252 sheet of plain ids
    for its first 64 KiB was taken for UTF-8, and refused at its first accent."""
    rows = [[str(n), f"sku-{n}", "1.50"] for n in range(5000)] + [["5000", "crème brûlée", "2.00"]]
    sheet = tmp_path / "bids.csv"
    sheet.write_bytes("\r\n".join(",".join(r) for r in [["lineItemId", "productId", "bidOverride"], *rows])
                      .encode(encoding))
    assert open_table(sheet).encoding == encoding
    frame = pa.concat_tables(open_table(sheet).iter_batches()).to_pydict()
    assert _rows(frame, "lineItemId", "productId", "bidOverride")[-2:] == rows[-2:]


def test_no_room_for_the_utf8_copy_is_said_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk (the copy is larger than a cp1252 file: é takes two bytes) names the file and the temp dir."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    sheet = tmp_path / "bids.csv"
    sheet.write_bytes("lineItemId;productId\r\n1;café\r\n".encode("cp1252"))

    class Full(io.BytesIO):
        def write(self, data: Any) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda handle, mode: (os.close(handle), Full())[1])
    with pytest.raises(InputError, match=r"bids.csv: is cp1252 text, read from a UTF-8 copy that cannot be written in"
                                         r" .*tmp \(No space left on device\)"):
        _all(sheet)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_copies_left_by_a_killed_reader_are_swept_by_the_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 while a cp1252 file is read leaves its UTF-8 copy (a copy of the user's sheet) in the temp dir: the
    next read of such a file removes the copies whose process is gone, and no other file."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    left = tmp_path / "tmp"
    left.mkdir()
    gone = left / "bulkops-utf8-999999999-abcd.csv"  # beyond any pid: a process that is gone
    alive = left / f"bulkops-utf8-{os.getppid()}-efgh.csv"  # this test's parent: still reading, say
    mine = left / "bulkops-utf8-notes.csv"
    for path in (gone, alive, mine):
        path.write_text("lineItemId\n1\n", encoding="utf-8")
    sheet = tmp_path / "bids.csv"
    sheet.write_bytes("lineItemId;productId\r\n1;café".encode("cp1252"))  # a small file ending in an é
    assert _all(sheet)["productId"] == ["café"]
    assert sorted(p.name for p in left.iterdir()) == sorted([alive.name, mine.name])


def test_quoted_line_breaks_and_blank_rows_keep_spreadsheet_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "bids.csv"
    path.write_text('lineItemId,productId,note\n1,a,"two\nlines"\n,,\n2,b,x\n', encoding="utf-8")
    frame = _all(path)
    assert frame["productId"] == ["a", "b"] and frame[ROW_NUMBER] == [2, 4]
    assert frame["note"][0] == "two\nlines"


def test_parquet_numbers_come_back_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "bids.parquet"
    pq.write_table(pa.table({"lineItemId": pa.array([9979917896105882144, 7], pa.uint64()),
                             "productId": ["00123", None], "bidOverride": [0.3, 2.0]}), path)
    frame = _all(path)
    assert _rows(frame, "lineItemId", "productId", "bidOverride") == [["9979917896105882144", "00123", "0.3"],
                                                                        ["7", "", "2"]]
    assert frame[ROW_NUMBER] == [2, 3]


@pytest.mark.parametrize("kind", [pa.float32(), pa.float16()])
def test_a_float32_parquet_column_reads_as_written_not_as_its_binary_noise(tmp_path: Path, kind: pa.DataType) -> None:
    """1.61 in float32 is 1.6100000143051147 as a double (1.6103515625 in float16): that noise would be sent."""
    path = tmp_path / "bids.parquet"
    values = pa.array([1.61, 2.0, None], pa.float32()).cast(kind)
    pq.write_table(pa.table({"lineItemId": ["7", "8", "9"], "productId": ["a", "b", "c"], "bidOverride": values}),
                   path)
    assert _all(path)["bidOverride"] == ["1.61", "2", ""]


def test_xlsx_first_sheet_or_named_sheet(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["lineItemId", "productId", "bidOverride"])
    book.active.append([123456789012, "00123", 0.3])
    other = book.create_sheet("Pauses")
    other.append(["lineItemId", "productId"])
    other.append(["9", "x"])
    path = tmp_path / "bids.xlsx"
    book.save(path)
    assert _rows(_all(path), "lineItemId", "productId", "bidOverride") == [["123456789012", "00123", "0.3"]]
    assert _all(path, sheet="Pauses")["productId"] == ["x"]
    with pytest.raises(InputError, match="no sheet named 'Bids'"):
        open_table(path, sheet="Bids")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("bids.csv", b"", "empty"),
    ("bids.csv", b"\x00\x01\x02binary\x00", "not a text table"),
    ("bids.parquet", b"not parquet at all", "not a readable Parquet"),
    ("bids.xlsx", b"not a zip", "not a readable XLSX"),
    ("bids.json", b"{}", "unknown file type"),
    ("bids.csv", b"a,b,a\n1,2,3\n", "more than once"),
    ("bids.csv", b'a,b\n1,"x\n2,y\n3,z\n', 'line 2 opens a quoted cell \\(\"\\) that is never closed'),
    ("bids.csv", b'a,b\n1,2\n3,"x', "line 3 opens a quoted cell"),  # on the last line, no line break in it
    ("bids.csv", b'a,b\n1,"x"y\n2,"x\n3,4\n', "line 3 opens a quoted cell"),  # after a quote that is text
    ("bids.csv", b'a,b\n1,12"\n2,"x\n3,4\n', "line 3 opens a quoted cell"),  # an even count of quotes
    ("bids.csv", b'a,b\n1,"x\n' + b"2,y\n" * 40_000, "line 2 opens a quoted cell"),  # 200 KB swallowed
    ("bids.csv", "a,b\n1,café\n".encode("cp1252") + b"2,x\x81\n", "line 3 is not cp1252 text \\(byte 0x81\\)"),
    ("bids.csv", codecs.BOM_UTF16_LE + "a,b\r\n1,x\r\n".encode("utf-16-le")[:-1],
     "line 2 is not utf-16 text \\(byte 0x0a\\)"),  # cut in the middle of its last character
])
def test_unreadable_files_get_one_clear_message(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        _all(path)
    assert str(path) in str(caught.value)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        open_table(tmp_path / "nope.csv")


@pytest.mark.parametrize("block", [readers.BLOCK_BYTES, 1024])  # whole file in one block; the odd row far down
def test_short_rows_are_padded_and_a_row_with_cells_too_many_is_marked_not_shifted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    """Whatever the odd rows hold: a cell reading "skip" once made a file of such rows read as empty."""
    monkeypatch.setattr(readers, "BLOCK_BYTES", block)
    good = [f"{n},sku-{n},1.{n % 10}0" for n in range(150)]
    lines = ["lineItemId,productId,bidOverride", *good, "7,short", "8,skip,1,55", "9,trailing,2.0,,", "10,last,3"]
    path = tmp_path / "bids.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    marked = pa.concat_tables(open_table(path).iter_batches(rows=64, marked=True)).to_pydict()
    assert marked[ROW_NUMBER] == list(range(2, 2 + 154))
    assert _rows(marked, "lineItemId", "productId", "bidOverride")[:150] == [g.split(",") for g in good]
    tail = _rows(marked, "lineItemId", "productId", "bidOverride")[150:]
    assert tail[0] == ["7", "short", ""] and tail[3] == ["10", "last", "3"]
    code, detail = unmark(str(tail[1][0]))
    assert code == "extra-cells" and "a row of 4 cells, but the header names 3 columns" in detail
    code, detail = unmark(str(tail[2][0]))  # blank extra cells too: `1,5,,` may as well be a decimal comma
    assert code == "extra-cells" and "a row of 5 cells" in detail
    plain = pa.concat_tables(open_table(path).iter_batches()).to_pydict()  # what the reports show of the rows:
    assert _rows(plain, "lineItemId", "productId", "bidOverride")[151:153] == [  # whole, in the first column
        ["8,skip,1,55", "", ""], ["9,trailing,2.0,,", "", ""]]


@pytest.mark.parametrize("content", [b"lineItemId,productId\n", b"lineItemId,productId", b"lineItemId,productId\n\n,\n"])
def test_a_file_of_a_header_alone_has_no_rows(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bids.csv"
    path.write_bytes(content)
    assert [b.num_rows for b in open_table(path).iter_batches()] == []


def test_header_cells_left_blank_are_named_after_their_column(tmp_path: Path) -> None:
    """Excel saves a sheet whose cells right of the table were ever touched with trailing commas."""
    path = tmp_path / "bids.csv"
    path.write_text("lineItemId,productId,bidOverride,,\n1,a,1.5,,\n2,b,1.6,,note\n", encoding="utf-8")
    assert open_table(path).columns == ("lineItemId", "productId", "bidOverride", "(column D)", "(column E)")
    frame = _all(path)
    assert _rows(frame, "lineItemId", "productId", "bidOverride", "(column E)") == [["1", "a", "1.5", ""],
                                                                                  ["2", "b", "1.6", "note"]]


def test_a_cell_of_any_length_is_read_whichever_parser_reads_it(tmp_path: Path) -> None:
    path = tmp_path / "bids.csv"  # the short row sends the rest of the file to Python's csv module
    path.write_text('a,b\n1,"' + "x" * 200_000 + '"\n2\n3,"' + "y" * 200_000 + '"\n', encoding="utf-8")
    frame = _all(path)
    assert frame[ROW_NUMBER] == [2, 3, 4] and frame["b"][1] == "" and frame["b"][2] == "y" * 200_000


TEXT = st.text(alphabet=st.sampled_from(list("ab1 .,;|\t\"'=\r\né€")), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=25), st.sampled_from(list(readers.DELIMITERS)),
       st.sampled_from([("\r\n", csv.QUOTE_MINIMAL), ("\n", csv.QUOTE_ALL)]), st.integers(1, 7))
def test_any_csv_the_csv_module_writes_reads_back_cell_for_cell(tmp_path_factory: pytest.TempPathFactory,
                                                                rows: list[tuple[str, str, str]], delimiter: str,
                                                                style: tuple[str, int], batch: int) -> None:
    """pyarrow's reader against the csv module: every cell, every row number, blank rows left out, whatever the
    quoting, delimiters and line breaks inside cells."""
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator=style[0], quoting=style[1]).writerows([("a", "b", "c"),
                                                                                                 *rows])
    table = readers.Table(path, "csv", ("a", "b", "c"), delimiter, "utf-8")
    read = [r for b in table.iter_batches(rows=batch, marked=True) for r in b.to_pylist()]
    with open(path, encoding="utf-8", newline="") as f:
        records = list(csv.reader(f, delimiter=delimiter))[1:]
    cells = [(n, unguard(a), unguard(b), unguard(c)) for n, (a, b, c) in enumerate(records, start=2)]
    expected = [{"a": a, "b": b, "c": c, ROW_NUMBER: n} for n, a, b, c in cells if (a + b + c).strip()]
    assert read == expected and len(records) == len(rows)


def test_sheet_and_header_row_are_refused_for_a_csv_rather_than_ignored(tmp_path: Path) -> None:
    path = tmp_path / "bids.csv"
    path.write_text("Bid sheet for week 42,,\n\nlineItemId,productId,bidOverride\n1,a,1.5\n")
    with pytest.raises(InputError, match=r"--header-row applies to workbooks .*the lines above it"):
        open_table(path, header_row=3)
    with pytest.raises(InputError, match=r"--sheet applies to workbooks"):
        open_table(path, sheet="Bids")
    assert open_table(path, header_row=1).columns[0] == "Bid sheet for week 42"  # the default: said, not refused
