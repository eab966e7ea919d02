"""Spreadsheets in: CSV (any common delimiter and encoding, BOM included), Parquet and XLSX, read in batches.

Every cell comes back as text, exactly as the user typed it (`00123` and `9979917896105882144` survive; a
Parquet 1.5 is "1.5", an int64 id has no ".0"), blank cells as "". Each batch carries `row_number`: the row
the user sees in a spreadsheet program, the header being row 1 (a CSV cell with a quoted line break is still
one row; for Parquet, the record's position + 2, as a CSV export of it would number it). Fully blank rows are
skipped, and the numbers of the others still match the file.

Workbooks (see `workbook.py`) may have title rows above the header and several sheets: given the job's schema,
the header is the first row (of the first 20) that names the job's columns, on the one sheet that has such a
row; row numbers stay Excel's. Read `marked`, a workbook's batches also say what the cell values alone cannot:
a cell that is a formula Excel never computed, or lies under a merged range, holds a `MARK`ed text (turned into
a RowError by `vector.check_frame`), and `ROW_FLAGS` says which rows are hidden and which is the last one.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from bulkops.errors import InputError
from bulkops.io.columns import ROW_NUMBER, Schema
from bulkops.io.writers import cell_text, unguard

if TYPE_CHECKING:
    import pandas as pd

DELIMITERS = ",;\t|"
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
MARK = "\x1a"  # starts a damaged cell's text in a marked batch: MARK code MARK what is wrong (never typed by anyone)
ROW_FLAGS = "__bulkops_flags__"  # in a marked workbook batch: "hidden" and/or "last" (the last non-blank row)
MARKED = "bulkops_marked"  # in a batch's `attrs`: its cells may hold MARKed texts


def mark(code: str, detail: str) -> str:
    """A damaged cell's text in a marked batch: its error code, and what is wrong (said after the column name)."""
    return f"{MARK}{code}{MARK}{detail}"


def unmark(text: str) -> tuple[str, str]:
    """(code, detail) of a `mark`ed cell text."""
    _, code, detail = text.split(MARK, 2)
    return code, detail


@dataclass(frozen=True, slots=True)
class Table:
    """An input file, opened and checked, ready to be read in batches."""

    path: Path
    format: str  # csv | parquet | xlsx
    columns: tuple[str, ...]
    delimiter: str = ","
    encoding: str = "utf-8"
    sheet: str | None = None  # a workbook's sheet (its exact name)
    header_row: int = 1  # a workbook's header row, as Excel numbers it; data starts below it
    note: str | None = None  # how a workbook was read, when it was not its first sheet from row 1: for the user

    def iter_batches(self, rows: int = 50_000, *, marked: bool = False) -> Generator[pd.DataFrame, None, None]:
        """DataFrames of text cells plus `row_number`, at most `rows` rows each.

        `marked`: a workbook's damaged cells hold `mark`ed texts, and `ROW_FLAGS` flags rows (see the module's
        doc); CSV and Parquet are read the same either way.
        """
        if self.format == "csv":
            yield from _csv_batches(self, rows)
        elif self.format == "parquet":
            yield from _parquet_batches(self, rows)
        else:
            yield from _xlsx_batches(self, rows, marked)


def open_table(path: str | Path, *, sheet: str | None = None, header_row: int | None = None,
               schema: Schema | None = None, required: tuple[str, ...] = ()) -> Table:
    """Open an input file; anything that makes it unusable is one InputError naming the file.

    For a workbook, `sheet` (matched loosely) and `header_row` force where the table is; else, given the job's
    `schema` (and the columns it `required`), the header row and the sheet are found (see `workbook.locate`).
    Without a schema, it is the first sheet, from row 1.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"unknown file type {path.suffix!r}; use .csv, .tsv, .parquet or .xlsx")
    if not path.is_file():
        raise InputError(str(path), "file not found")
    if path.stat().st_size == 0:
        raise InputError(str(path), "the file is empty")
    if fmt == "xlsx":
        from bulkops.io.workbook import open_workbook  # noqa: PLC0415 - only XLSX inputs pay for openpyxl

        table = open_workbook(path, sheet, header_row, schema, required)
    else:
        table = (_open_csv if fmt == "csv" else _open_parquet)(path, sheet)
    _check_header(table)
    return table


def _check_header(table: Table) -> None:
    names = [c.strip() for c in table.columns]
    if not any(names):
        raise InputError(str(table.path), "no header row: the first line must name the columns")
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(str(table.path), f"the header names {dupes} more than once")


# -- CSV ---------------------------------------------------------------------------------------
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _encoding(head: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 by its BOM, else cp1252 (Excel's "CSV" on Windows).

    A sample that is UTF-8 in places and not in others is refused rather than guessed: read as cp1252 its
    accented letters would silently turn into others.
    """
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start > len(head) - 4:  # cut in the middle of a character at the end of the sample
            return "utf-8"
        if _UTF8_MULTIBYTE.search(head[:exc.start]):
            line = head[:exc.start].count(b"\n") + 1
            raise InputError(str(path), f"line {line} is not UTF-8 text (byte 0x{head[exc.start]:02x}) while the"
                             " lines before it are: save the file as UTF-8 (in Excel: CSV UTF-8)") from None
        return "cp1252"


def _open_csv(path: Path, sheet: str | None) -> Table:
    head = path.read_bytes()[:65536]
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(str(path), "this is not a text table (binary content)")
    encoding = _encoding(head, path)
    text = head.decode(encoding, errors="ignore")
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else _delimiter(text, first)
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise InputError(str(path), f"cannot read the header: {exc}") from None
    return Table(path, "csv", tuple(unguard(h.strip()) for h in header), delimiter, encoding)


def _delimiter(sample: str, first_line: str) -> str:
    try:
        return csv.Sniffer().sniff(sample[:16384], delimiters=DELIMITERS).delimiter
    except csv.Error:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        return max(counts, key=counts.get) if any(counts.values()) else ","  # type: ignore[arg-type]


def _csv_batches(table: Table, rows: int) -> Iterator[pd.DataFrame]:
    import pandas as pd  # noqa: PLC0415 - `bulkops --help` and small jobs start without pandas

    reader = pd.read_csv(table.path, sep=table.delimiter, encoding=table.encoding, dtype=str,
                         keep_default_na=False, na_filter=False, skip_blank_lines=False, chunksize=rows,
                         header=0, names=list(table.columns), engine="python" if len(table.delimiter) > 1 else "c")
    line = 2
    with reader:  # closed however the caller stops reading
        try:
            for frame in reader:
                for name in table.columns:  # take off the apostrophe bulkops' writer puts before formula-like text
                    guarded = frame[name].str.startswith("'")
                    if guarded.any():
                        frame.loc[guarded, name] = frame.loc[guarded, name].map(unguard)
                frame.insert(len(frame.columns), ROW_NUMBER, range(line, line + len(frame)))
                line += len(frame)
                yield _drop_blank(frame)
        except UnicodeDecodeError:
            where, byte = _undecodable(table.path, table.encoding)
            raise InputError(str(table.path), f"line {where} is not {table.encoding} text (byte 0x{byte:02x});"
                             " save the file as UTF-8 (in Excel: CSV UTF-8)") from None
        except pd.errors.ParserError as exc:
            raise InputError(str(table.path), f"cannot be read as CSV near line {line}: {exc}") from None


def _undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """The first line (1-based, as an editor counts) holding bytes the encoding cannot read, and the first such byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return number, raw[exc.start]
    return 0, 0


# -- Parquet -------------------------------------------------------------------------------------
def _open_parquet(path: Path, sheet: str | None) -> Table:
    import pyarrow.parquet as pq  # noqa: PLC0415 - only Parquet inputs pay for it

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(str(path), f"not a readable Parquet file ({type(exc).__name__})") from None
    return Table(path, "parquet", tuple(schema.names))


def _parquet_batches(table: Table, rows: int) -> Iterator[pd.DataFrame]:
    import pandas as pd  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    line = 2
    with pq.ParquetFile(table.path) as parquet:  # closed however the caller stops reading
        for batch in parquet.iter_batches(batch_size=rows):
            frame = pd.DataFrame({name: [_text(v) for v in batch.column(name).to_pylist()]
                                  for name in batch.schema.names})
            frame[ROW_NUMBER] = range(line, line + len(frame))
            line += len(frame)
            yield _drop_blank(frame)


# -- XLSX ----------------------------------------------------------------------------------------
def _xlsx_batches(table: Table, rows: int, marked: bool) -> Iterator[pd.DataFrame]:
    import pandas as pd  # noqa: PLC0415

    from bulkops.io.workbook import data_rows  # noqa: PLC0415

    names = [*table.columns, ROW_NUMBER, *([ROW_FLAGS] if marked else [])]
    batch: list[list[str | int]] = []

    def frame() -> pd.DataFrame:
        out = pd.DataFrame(batch, columns=names)
        out.attrs[MARKED] = marked
        return out

    for cells, line, flags in data_rows(table, marked):
        batch.append([*cells, line, *([flags] if marked else [])])
        if len(batch) == rows:
            yield frame()
            batch = []
    if batch:
        yield frame()


# -- shared ----------------------------------------------------------------------------------------
def _text(value: object) -> str:
    """A cell as the user would write it: no float artifacts, no exponents, blank for missing."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, date | datetime | time):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return cell_text(value)


def _drop_blank(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with a cell that is not blank (a row's number stays its own), column by column: a row-wise
    `any` over a frame of text costs a second per million rows."""
    keep = None
    for name in frame.columns:
        if name != ROW_NUMBER:
            filled = (frame[name].astype(str).str.strip() != "").to_numpy(dtype=bool)
            keep = filled if keep is None else keep | filled
    if keep is None:
        return frame.iloc[0:0].reset_index(drop=True)
    return frame[keep].reset_index(drop=True)
