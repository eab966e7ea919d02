"""Spreadsheets in: CSV (any common delimiter and encoding, BOM included), Parquet and XLSX, read in batches.

Batches are pyarrow tables. Every cell comes back as text, exactly as the user typed it (`00123` and
`9979917896105882144` survive; a Parquet 1.5 is "1.5", an int64 id has no ".0"), blank cells as "". Each batch
carries `ROW_NUMBER`: the row the user sees in a spreadsheet program, the header being row 1 (a CSV cell with a
quoted line break is still one row; for Parquet, the record's position + 2, as a CSV export of it would number
it). Fully blank rows are skipped, and the numbers of the others still match the file. A CSV row with fewer
cells than the header is padded with blanks; one with more (a decimal comma in a comma-separated file) is never
shifted into other columns: read `marked`, it fails alone.

Workbooks (see `workbook.py`) may have title rows above the header and several sheets: given the job's schema,
the header is the first row (of the first 20) that names the job's columns, on the one sheet that has such a
row; row numbers stay Excel's. Read `marked`, a workbook's batches also say what the cell values alone cannot:
a cell that is a formula Excel never computed, or lies under a merged range, holds a `MARK`ed text (turned into
a RowError by `vector.check_frame`), and `ROW_FLAGS` says which rows are hidden and which is the last one.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import struct
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from bulkops.errors import InputError
from bulkops.io.columns import ROW_NUMBER, Schema
from bulkops.io.writers import cell_text, transposed, unguard

if TYPE_CHECKING:
    import pyarrow as pa

DELIMITERS = ",;\t|"
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
MARK = "\x1a"  # starts a damaged cell's text in a marked batch: MARK code MARK what is wrong (never typed by anyone)
ROW_FLAGS = "__bulkops_flags__"  # in a marked workbook batch: "hidden" and/or "last" (the last non-blank row)
MARKED = "bulkops_marked"  # in a batch's schema metadata: its cells may hold MARKed texts (see `is_marked`)
BLOCK_BYTES = 4 << 20  # how much of a CSV file pyarrow parses at a time


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
    skip_lines: int = 0  # a CSV's lines before its header: Excel's `sep=;` line (rows are numbered as Excel shows
    # them, without it: the first below the header is row 2)
    note: str | None = None  # how a workbook was read, when it was not its first sheet from row 1: for the user

    def iter_batches(self, rows: int = 50_000, *, marked: bool = False) -> Generator[pa.Table, None, None]:
        """pyarrow tables of text cells (never null; blank is "") plus `ROW_NUMBER`, at most `rows` rows each.

        `marked`: a workbook's damaged cells, and the cells of a CSV row with more cells than the header names,
        hold `mark`ed texts (`is_marked` says whether a batch has any), and a workbook's `ROW_FLAGS` flags rows
        (see the module's doc); Parquet is read the same either way.
        """
        if self.format == "csv":
            yield from _csv_batches(self, rows, marked)
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
        for given, what in ((sheet, "--sheet"), (header_row not in (None, 1) and header_row, "--header-row")):
            if given:
                raise InputError(str(path), f"{what} applies to workbooks (.xlsx): a {fmt.upper()} file's header is"
                                            " its first line (delete the lines above it, or save the sheet as XLSX)")
        table = (_open_csv if fmt == "csv" else _open_parquet)(path)
    _check_header(table)
    return table


def open_copy(path: Path, meta: Mapping[str, Any]) -> Table:
    """A run's copy of its input, read as the run read it (a workbook at its sheet and header row, as journaled in
    `meta`; a run of an older bulkops may have journaled --sheet for a CSV, which takes none)."""
    workbook = path.suffix.lower() == ".xlsx"
    return open_table(path, sheet=meta.get("sheet") if workbook else None,
                      header_row=meta.get("header_row") if workbook else None)


def _check_header(table: Table) -> None:
    names = [c.strip() for c in table.columns]
    if not any(names):
        raise InputError(str(table.path), "no header row: the first line must name the columns")
    dupes = sorted({n for n in names if n and names.count(n) > 1})
    if dupes:
        raise InputError(str(table.path), f"the header names {dupes} more than once")


# -- CSV ---------------------------------------------------------------------------------------
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _encoding(head: bytes, path: Path, whole: bool = False) -> str:
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
        if exc.start > len(head) - 4 and not whole:  # cut in a character at the end of the sample (not the file)
            return "utf-8"
        if _UTF8_MULTIBYTE.search(head[:exc.start]):
            line = head[:exc.start].count(b"\n") + 1
            raise InputError(str(path), f"line {line} is not UTF-8 text (byte 0x{head[exc.start]:02x}) while the"
                             " lines before it are: save the file as UTF-8 (in Excel: CSV UTF-8)") from None
        return "cp1252"


_NON_ASCII = re.compile(rb"[\x80-\xff]")


def _first_non_ascii(f: BinaryIO) -> bytes | None:
    """From a binary file's position on, the bytes from its first one beyond ASCII (up to 64 KiB); None if there
    is none. A sheet in cp1252 whose accents start past its first 64 KiB is told by them, not taken for UTF-8."""
    while block := f.read(1 << 20):
        if not block.isascii():
            rest = block[_NON_ASCII.search(block).start():]  # type: ignore[union-attr] # isascii said there is one
            return rest[:65536] + f.read(max(0, 65536 - len(rest)))
    return None


def _utf8_or_cp1252(sample: bytes) -> str:
    """The encoding of a file whose first bytes beyond ASCII are `sample`: UTF-8 if they read as UTF-8 (or as UTF-8
    in part, then not: the reader names that line), else cp1252."""
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(sample) - 4 or _UTF8_MULTIBYTE.search(sample[:exc.start]):
            return "utf-8"
        return "cp1252"
    return "utf-8"


def _open_csv(path: Path) -> Table:
    with open(path, "rb") as f:  # its head alone: a million-row file is read once per run, not once per look
        head = f.read(65536)
        whole = not f.read(1)
        beyond = None if whole or not head.isascii() else _first_non_ascii(f)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(str(path), "this is not a text table (binary content)")
    encoding = _encoding(head, path, whole) if beyond is None else _utf8_or_cp1252(beyond)
    text = head.decode(encoding, errors="ignore").removeprefix("\ufeff")
    hint = _SEP_LINE.match(text)  # Excel's "sep=;" first line: the delimiter, said; the header is the next line
    if hint:
        text = text[hint.end():]
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = hint.group(1) if hint else "\t" if path.suffix.lower() == ".tsv" else _delimiter(text, whole)
    try:
        header = next(csv.reader([first], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise InputError(str(path), f"cannot read the header: {exc}") from None
    return Table(path, "csv", named([unguard(h.strip()) for h in header]), delimiter, encoding,
                 skip_lines=1 if hint else 0)


_SEP_LINE = re.compile(r"(?i)sep=([^\r\n])[ \t]*(?:\r\n|\n|\r)")


def named(header: list[str]) -> tuple[str, ...]:
    """A header's names, each cell left blank (Excel's trailing commas, a column with no title) named after its
    column, `(column D)`: never two columns called ""; a header all blank stays so (it is no header)."""
    if not any(header):
        return tuple(header)
    return tuple(n or f"(column {_letters(i)})" for i, n in enumerate(header))


def _letters(index: int) -> str:
    """A spreadsheet's name of the column at `index` (0: A, 26: AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _delimiter(sample: str, whole: bool) -> str:
    """The delimiter that reads the sample's lines into the same number of cells as its header (two or more):
    the one that parses, quotes and all. An export saved again by a ;-locale Excel has commas in its quoted
    `asExported` cells on every line, which fooled csv.Sniffer's counting of characters. Ties go to the one that
    makes more columns, then to the order of DELIMITERS."""
    lines = sample.splitlines(keepends=True)
    if not whole and len(lines) > 1:
        lines = lines[:-1]  # the sample may end inside its last line
    text = "".join(lines[:200])
    best, score = ",", (0.0, 0)
    for candidate in DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=candidate) if any(r)]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        this = (sum(len(r) == width for r in rows) / len(rows), width)
        if this > score:
            best, score = candidate, this
    return best


def _csv_batches(table: Table, rows: int, marked: bool) -> Iterator[pa.Table]:
    """The rows of a CSV file (see `_parsed`), the last batch held back until the file is known to close every
    quote it opens: one never closed swallows the rest of the file into a cell, which neither parser calls an
    error; it is one here (`_unclosed_quote`)."""
    held = None
    for batch in _parsed(table, rows, marked):
        if batch.num_rows:
            if held is not None:
                yield held
            held = batch
    if held is not None:
        last = held.slice(held.num_rows - 1, 1).to_pylist()[0].values()
        line = _unclosed_quote(table, any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in last))
        if line is not None:
            raise InputError(str(table.path), f"line {line} opens a quoted cell (\") that is never closed: it"
                             " would hold the rest of the file; close the quote or remove it")
        yield held


def _unclosed_quote(table: Table, suspect: bool) -> int | None:
    """The line (as an editor counts) where a quoted cell opens that the file never closes; None when every quote
    closes. A quote opens a quoted cell at the start of a cell only (elsewhere it is text, as both parsers read
    it), and `""` inside one is a quote. Unless `suspect` (the last row has a line break in a cell), a file
    holding an even number of quotes is taken to close them all (a count in C); otherwise it is read quote by
    quote, a megabyte at a time."""
    if not suspect and table.encoding in ("utf-8", "utf-8-sig", "cp1252"):  # a quote is one byte: counted as bytes
        count = 0
        with open(table.path, "rb") as raw:
            while chunk := raw.read(1 << 20):
                count += chunk.count(b'"')
        if count % 2 == 0:
            return None
    starts = (table.delimiter, "\n", "\r")
    quoted = pending = False  # in a quoted cell; the block ended on a quote in one (closing, or half of "")
    before, line, opened = "\n", 1, 0
    with open(table.path, encoding=table.encoding, newline="") as f:
        while block := f.read(1 << 20):
            i = 0
            if pending:
                pending = False
                if block[0] == '"':
                    i = 1
                else:
                    quoted = False
            while (j := block.find('"', i)) >= 0:
                if quoted:
                    if j + 1 == len(block):
                        pending = True
                        break
                    quoted = block[j + 1] == '"'  # "" stays in the cell; a lone quote closes it
                    i = j + 2 if quoted else j + 1
                    continue
                if (block[j - 1] if j else before) in starts:
                    quoted, opened = True, line + block.count("\n", 0, j)
                i = j + 1
            line += block.count("\n")
            before = block[-1]
    return opened if quoted and not pending else None  # a quote ending the file closes its cell


_RAGGED = re.compile(r"(CSV parse error: )?Expected \d+ columns, got \d+")  # pyarrow's word for a ragged row


def _parsed(table: Table, rows: int, marked: bool) -> Iterator[pa.Table]:
    """pyarrow's CSV reader (in C, on every core); from the first row whose cells do not match the header in
    number, Python's csv module takes over (`_ragged_batches`): pyarrow can neither pad nor number such a row.

    pyarrow is handed no Python object it could let go of from one of its own threads: the last of them to drop
    the reader may do so while the interpreter exits, and cannot take the GIL then: the process aborts (SIGABRT,
    "terminate called without an active exception") after a run that did all its work. So a ragged row is told
    by pyarrow's message, not by an `invalid_row_handler`; and a file in another encoding than UTF-8 is read from
    a UTF-8 copy that Python makes (`_as_utf8`), not through pyarrow's transcoding, which calls Python's codecs.
    """
    utf8 = table.encoding in ("utf-8", "utf-8-sig")
    try:
        source = table.path if utf8 else _as_utf8(table)
    except UnicodeDecodeError as exc:
        raise _unreadable(table, 2, exc) from None
    try:
        yield from _parsed_utf8(table, source, rows, marked)
    finally:
        if not utf8:
            source.unlink(missing_ok=True)


_UTF8_COPY = "bulkops-utf8-"  # then the pid of the process reading, a dash, and mkstemp's letters


def _as_utf8(table: Table) -> Path:
    """The table's file as UTF-8, in a temporary file, transcoded by Python a megabyte at a time. Its name holds
    the reading process's id: copies left by a process killed while reading (kill -9) are swept by the next one."""
    import os  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    decoder = codecs.getincrementaldecoder(table.encoding)()
    name = ""
    try:
        _sweep_utf8_copies(Path(tempfile.gettempdir()))
        handle, name = tempfile.mkstemp(prefix=f"{_UTF8_COPY}{os.getpid()}-", suffix=".csv")
        with os.fdopen(handle, "wb") as out, open(table.path, "rb") as raw:
            while block := raw.read(1 << 20):
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except BaseException as exc:
        if name:
            Path(name).unlink(missing_ok=True)
        if not isinstance(exc, OSError) or (exc.filename is not None and Path(exc.filename) == table.path):
            raise  # a Ctrl-C, a bad byte, the input itself: said as before
        raise InputError(str(table.path), f"is {table.encoding} text, read from a UTF-8 copy that cannot be written"
                                          f" in {tempfile.gettempdir()} ({exc.strerror}): free some space there,"
                                          " or save the file as UTF-8 (in Excel: CSV UTF-8)") from None
    return Path(name)


def _sweep_utf8_copies(folder: Path) -> None:
    """Remove the UTF-8 copies whose process is gone (its own user's: another's cannot be told alive or not)."""
    import os  # noqa: PLC0415

    for copy in folder.glob(f"{_UTF8_COPY}*-*.csv"):
        pid = copy.name.removeprefix(_UTF8_COPY).split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)  # signal 0: is it alive? (nothing is sent)
        except ProcessLookupError:
            copy.unlink(missing_ok=True)
        except OSError:  # alive, or another user's
            continue


def _parsed_utf8(table: Table, source: Path, rows: int, marked: bool) -> Iterator[pa.Table]:
    """`_parsed`, from `source`: the table's file, or its UTF-8 copy."""
    import pyarrow as pa  # noqa: PLC0415 - `bulkops --help` starts without it
    import pyarrow.csv as pa_csv  # noqa: PLC0415

    names = list(table.columns)
    try:  # the header line is skipped (it was read by `_open_csv`), so a UTF-8 BOM goes with it
        reader = pa_csv.open_csv(
            source,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1 + table.skip_lines, block_size=BLOCK_BYTES,
                                            encoding="utf8"),
            parse_options=pa_csv.ParseOptions(delimiter=table.delimiter, newlines_in_values=True,
                                              ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if _RAGGED.match(str(exc)):
            yield from _ragged_batches(table, rows, marked, 0)
        elif not str(exc).startswith("Could not skip initial"):  # that: nothing after the header, a file of no rows
            raise _unreadable(table, 2, exc) from None
        return
    line = 2
    with reader:  # closed however the caller stops reading
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                if not _RAGGED.match(str(exc)):
                    raise _unreadable(table, line, exc) from None
                yield from _ragged_batches(table, rows, marked, line - 2)
                return
            for start in range(0, batch.num_rows, rows):
                part = pa.Table.from_batches([batch.slice(start, rows)])
                yield _numbered(_unguarded(part), line)
                line += part.num_rows


def _unreadable(table: Table, line: int, exc: Exception) -> InputError:
    """The message for a CSV file pyarrow cannot read: text not in its encoding, or broken quoting."""
    if isinstance(exc, UnicodeDecodeError) or "UTF8" in str(exc):
        where, byte = _undecodable(table.path, table.encoding)
        return InputError(str(table.path), f"line {where} is not {table.encoding} text (byte 0x{byte:02x});"
                          " save the file as UTF-8 (in Excel: CSV UTF-8)")
    return InputError(str(table.path), f"cannot be read as CSV from row {line} on: {exc}")


def _ragged_batches(table: Table, rows: int, marked: bool, skip: int) -> Iterator[pa.Table]:
    """The rows after the first `skip` records, read by Python's csv module, which says how many cells each has.

    A row with fewer cells than the header names is padded with blanks (some programs leave trailing empty cells
    out). A row with more cells is one nobody can place, even when its extra cells are blank (`1,5,,` under
    three columns is as likely a decimal comma as a trailing one): read `marked`, each of its cells holds a
    `mark` (its row then fails, naming the count, and nothing is sent); unmarked (the reports' reading), its first
    column holds the whole row as typed (`123,sku,1,31`) and the others are blank: errors.csv shows what to fix,
    never a cut `1` that, fed back unfixed, would be sent (such a row fails again until it is split right).
    """
    width = len(table.columns)
    line = 2 + skip
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))  # a cell of any length, as pyarrow reads it
    with open(table.path, encoding=table.encoding, newline="") as f:
        records = csv.reader(f, delimiter=table.delimiter)
        try:
            for _ in range(table.skip_lines + skip + 1):  # a `sep=` line, the header, then what pyarrow read
                next(records, None)
            batch: list[list[str]] = []
            damaged = False
            for record in records:
                if marked and len(record) > width:
                    why = mark("extra-cells", f"is on a row of {len(record)} cells, but the header names {width}"
                               " columns (a comma in a number? quote the cell, or save with ';' between cells;"
                               " trailing commas? give the header as many cells)")
                    batch.append([why] * width)
                    damaged = True
                elif len(record) > width:  # the reports' reading: the row as typed, whole, in its first column
                    batch.append([table.delimiter.join(record), *[""] * (width - 1)])
                else:
                    batch.append(record + [""] * (width - len(record)))
                if len(batch) == rows:
                    yield _numbered(_unguarded(_from_rows(batch, table.columns), damaged), line)
                    line, batch, damaged = line + len(batch), [], False
        except csv.Error as exc:
            raise InputError(str(table.path), f"cannot be read as CSV near row {line + len(batch)}: {exc}") from None
        except UnicodeDecodeError:
            where, byte = _undecodable(table.path, table.encoding)
            raise InputError(str(table.path), f"line {where} is not {table.encoding} text (byte 0x{byte:02x});"
                             " save the file as UTF-8 (in Excel: CSV UTF-8)") from None
    if batch:
        yield _numbered(_unguarded(_from_rows(batch, table.columns), damaged), line)


def _undecodable(path: Path, encoding: str) -> tuple[int, int]:
    """The first line (1-based, as an editor counts) holding bytes the encoding cannot read, and the first such byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    number = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                decoder.decode(raw)
            except UnicodeDecodeError as exc:
                return number, raw[exc.start]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:  # the file ends in the middle of a character: its last line is cut short
        return number, exc.object[exc.start]
    return 0, 0


# -- Parquet -------------------------------------------------------------------------------------
def _open_parquet(path: Path) -> Table:
    import pyarrow.parquet as pq  # noqa: PLC0415 - only Parquet inputs pay for it

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise InputError(str(path), f"not a readable Parquet file ({type(exc).__name__})") from None
    return Table(path, "parquet", tuple(schema.names))


def _parquet_batches(table: Table, rows: int) -> Iterator[pa.Table]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    line = 2
    with pq.ParquetFile(table.path) as parquet:  # closed however the caller stops reading
        for batch in parquet.iter_batches(batch_size=rows):
            cells = {}
            for name in batch.schema.names:
                column = batch.column(name)
                if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                    cells[name] = pc.fill_null(column.cast(pa.string()), "")
                elif pa.types.is_float32(column.type):
                    # 1.61 in float32 is 1.6100000143051147 as a Python float: its shortest text is what was meant
                    cells[name] = pa.array([_text(None if t is None else float(t))
                                            for t in column.cast(pa.string()).to_pylist()], pa.string())
                elif pa.types.is_float16(column.type):
                    cells[name] = pa.array([_text(None if v is None else _shortest_half(float(v)))
                                            for v in column.to_pylist()], pa.string())
                else:  # numbers, dates, booleans: as the user would write them (see `_text`)
                    cells[name] = pa.array([_text(v) for v in column.to_pylist()], pa.string())
            yield _numbered(pa.table(cells), line)
            line += batch.num_rows


def _shortest_half(value: float) -> float:
    """A float16 value as the shortest decimal that is the same half float (1.61, not 1.6103515625)."""
    if not math.isfinite(value):
        return value
    for digits in range(1, 6):
        shortest = float(f"{value:.{digits}g}")
        if struct.unpack("<e", struct.pack("<e", shortest))[0] == value:
            return shortest
    return value


# -- XLSX ----------------------------------------------------------------------------------------
def _xlsx_batches(table: Table, rows: int, marked: bool) -> Iterator[pa.Table]:
    from bulkops.io.workbook import data_rows  # noqa: PLC0415

    names = [*table.columns, ROW_NUMBER, *([ROW_FLAGS] if marked else [])]
    batch: list[list[str | int]] = []
    for cells, line, flags in data_rows(table, marked):
        batch.append([*cells, line, *([flags] if marked else [])])
        if len(batch) == rows:
            yield _marked(_from_rows(batch, names), marked)
            batch = []
    if batch:
        yield _marked(_from_rows(batch, names), marked)


# -- shared ----------------------------------------------------------------------------------------
def _text(value: object) -> str:
    """A cell as the user would write it: no float artifacts, no exponents, blank for missing."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, date | datetime | time):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return cell_text(value)


def is_marked(batch: pa.Table) -> bool:
    """Does the batch (read `marked`) hold `mark`ed cells?"""
    metadata = batch.schema.metadata or {}
    return metadata.get(MARKED.encode()) == b"1"


def _marked(batch: pa.Table, marked: bool) -> pa.Table:
    return batch.replace_schema_metadata({MARKED: "1"}) if marked else batch


def _from_rows(rows: list[list[Any]], names: Sequence[str]) -> pa.Table:
    """A table from rows of cells: text, and whole numbers under ROW_NUMBER."""
    import pyarrow as pa  # noqa: PLC0415

    columns = transposed(rows, len(names))
    return pa.table({name: pa.array(column, pa.int64() if name == ROW_NUMBER else pa.string())
                     for name, column in zip(names, columns, strict=True)})


def _unguarded(batch: pa.Table, damaged: bool = False) -> pa.Table:
    """The apostrophe bulkops' writer puts before formula-like text taken off (a CSV's batch); `damaged`: the
    batch holds `mark`ed cells."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    for i, name in enumerate(batch.column_names):
        column = batch.column(i)
        if pc.any(pc.starts_with(column, "'")).as_py():
            batch = batch.set_column(i, name, pa.array([unguard(c) for c in column.to_pylist()], pa.string()))
    return _marked(batch, damaged)


def counting(start: int, size: int) -> pa.Array:
    """start, start + 1, ... (`size` of them) as a pyarrow int64 array, made in C: from a Python range, pyarrow
    converts each number (half a second a million)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    return pc.add(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), size)), start - 1)


def _numbered(batch: pa.Table, line: int) -> pa.Table:
    """The batch with each row's number (`line` for its first), without its fully blank rows."""
    numbered = batch.append_column(ROW_NUMBER, counting(line, batch.num_rows))
    return _drop_blank(numbered.replace_schema_metadata(batch.schema.metadata))


def _drop_blank(batch: pa.Table) -> pa.Table:
    """The rows with a cell that is not blank (a row's number stays its own), column by column."""
    import pyarrow.compute as pc  # noqa: PLC0415

    keep = None
    for name in batch.column_names:
        if name != ROW_NUMBER:
            filled = pc.not_equal(pc.utf8_trim_whitespace(batch.column(name)), "")
            keep = filled if keep is None else pc.or_(keep, filled)
    if keep is None:
        return batch.slice(0, 0)
    return batch if pc.all(keep).as_py() else batch.filter(keep)
