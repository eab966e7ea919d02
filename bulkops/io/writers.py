"""Tables out: CSV, Parquet or XLSX, written in batches to a temporary file and renamed into place.

A reader never sees half a file: the file appears under its name only once complete (atomic rename), and a
failed write leaves nothing behind. Text cells that a spreadsheet program would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return, numbers excepted) are written with a leading
apostrophe in CSV, the usual guard against formula injection, and as plain text cells in XLSX; bulkops'
reader takes the apostrophe off again, so every report can be fed back as an input.

Excel changes some text when it opens a CSV file: ids with leading zeros (``00123``), digit strings longer than
15 digits, text it reads as a number or a date (``874309944e2``, ``1-2``, ``3/4``). XLSX output is safe from
this: every text column is a text cell formatted ``@`` (Text), so Excel neither converts it on opening nor when
the user edits it; the header row is frozen, the autofilter is on, the columns are sized to their content, and
a table longer than an Excel sheet continues on further sheets. For CSV output the writer counts such cells per
column (vectorized, with the rest of the CSV path) and, when the file is complete, says so once through
`notice`, naming the columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

Notice = Callable[[str], None]  # a warning for the user, one line
FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
XLSX_MAX_ROWS = 1_048_575  # data rows on one Excel sheet (1,048,576 rows with the header)
XLSX_SHEET = "bulkops"  # the first sheet's name; the next ones are "bulkops 2", "bulkops 3" ...
XLSX_WIDTH = (8, 60)  # narrowest and widest column (in characters), sized from the header and the first rows
XLSX_CELL_CHARS = 32_767  # the most a cell of Excel holds
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DOT_THREE = re.compile(r"-?[1-9][0-9]{0,2}\.[0-9]{3}")  # 2.125: a reader may take the dot for thousands
_MONTH = "(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
# Text Excel changes when it opens a CSV: leading zeros (00123), 12 digits or more (its General format shows
# them as 1.23457E+11, which is what it saves back: an EAN-13 barcode is lost so; past 15 digits they are rounded
# too), exponents (874309944e2), day-month or month-day pairs and non-ISO dates (1-2, 3/4, 2024/1/5, 5-mar,
# mar-5), clock times (1:30). ISO dates (2026-01-05) are left out: they are dates, in date columns, and Excel
# shows them as such.
EXCEL_CHANGES = re.compile(
    r"^(0\d+(\.\d*)?"
    r"|[+-]?\d{12,}(\.\d*)?"
    r"|[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+"
    r"|\d{1,2}[-/]\d{1,2}([-/]\d{1,4})?"
    r"|\d{4}/\d{1,2}/\d{1,2}"
    rf"|\d{{1,2}}[-/ ]{_MONTH}([-/ ]\d{{1,4}})?"
    rf"|{_MONTH}[-/ ]\d{{1,4}}"
    r"|\d{1,2}:\d{2}(:\d{2})?)$")

# In a column of ids, any number with a decimal point: MPO's seller-campaign id "10600004.430000" (seller.campaign)
# becomes the number 10600004.43, and General format rounds its decimals to the column's width.
EXCEL_CHANGES_IN_IDS = re.compile(rf"{EXCEL_CHANGES.pattern}|^[+-]?\d+\.\d*$")
_ID_COLUMN = re.compile(r"(?:^|[a-z0-9])(?:Id|ID)$|(?:^|[^A-Za-z])(?:id|ID|Id)$|^(?i:sku|gtin|ean|upc)$")


def is_id_column(name: str) -> bool:
    """A column named as ids are (lineItemId, sellerCampaignId, seller_id, id, sku): its cells are names, not
    quantities, so a number Excel makes of one changes it."""
    return bool(_ID_COLUMN.search(name))


# Control characters a spreadsheet cannot hold (a NUL cuts a CSV line short in many programs; openpyxl refuses
# them): written as U+FFFD, so the cell stays visibly damaged instead of silently cut.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def printable(text: str) -> str:
    """A cell's text without the control characters spreadsheets cannot hold."""
    return _CONTROL.sub("\ufffd", text) if _CONTROL.search(text) else text


def guard(text: str) -> str:
    """A cell's text, made inert for spreadsheet programs (and free of control characters)."""
    text = printable(text)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def unguard(text: str) -> str:
    """Undo `guard` (the reader's side)."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START) and not _NUMBER.match(text[1:]):
        return text[1:]
    return text


def stderr_notice(message: str) -> None:
    """A notice for when the caller gives none: a warning line on stderr (stdout may carry --json)."""
    print(f"warning: {message}", file=sys.stderr, flush=True)


def format_of(path: str | Path) -> str:
    """csv, parquet or xlsx from a file name; ValueError otherwise."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown output type; use .csv, .parquet or .xlsx")
    return fmt


def cell_text(value: Any) -> str:
    """How a value is written as text: blank for None, no float noise, booleans in lower case, and no number a
    reader could take two ways (`columns._money`: 2.125 is written 2.1250)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
        return unambiguous(text)
    return str(value)


def unambiguous(number: str) -> str:
    """A number's text that no reader takes two ways: 2.125 as 2.1250, never read as thousands
    (`columns._money`); any other text as it is."""
    return number + "0" if _DOT_THREE.fullmatch(number) else number


class TableWriter:
    """Write rows (mappings) under fixed columns, in batches.

    `numeric` columns are numbers (float64 in Parquet) and `integer` ones whole numbers (int64 in Parquet);
    both are number cells in XLSX and plain text in CSV. Every other column is text: a string in Parquet, a
    text cell formatted ``@`` in XLSX. `notice` hears, once the file is complete, what Excel would change in a
    CSV file (`excel_changes`) and that an XLSX table continued on further sheets. A CSV file's cells are
    separated by `delimiter` (`;` where the user's sheets are: Excel's list separator in much of Europe), and with
    `decimal_comma` its text cells that are decimal numbers (outside id columns) are written as that Excel reads
    them, 1,43 for 1.43 (which it would take for a date there), 2,1250 for 2.125 (never read as thousands).
    """

    def __init__(self, path: str | Path, columns: Sequence[str], *, numeric: Iterable[str] = (),  # noqa: PLR0913
                 integer: Iterable[str] = (), batch_rows: int = 10_000, notice: Notice | None = None,
                 delimiter: str = ",", decimal_comma: bool = False) -> None:
        if delimiter not in REPORT_DELIMITERS:
            raise ValueError(f"a CSV delimiter of {delimiter!r}: one of {', '.join(map(repr, REPORT_DELIMITERS))}")
        self.path = Path(path)
        self.format = format_of(self.path)
        self.delimiter = delimiter
        self.decimal_comma = decimal_comma
        self.columns = list(columns)
        self.integer = set(integer) & set(self.columns)
        self.numeric = (set(numeric) & set(self.columns)) | self.integer
        self.rows_written = 0
        self.excel_changes: dict[str, tuple[int, str]] = {}  # CSV: column → (cells Excel would change, the first)
        self.sheets: list[str] = []  # XLSX: the sheets written
        self.cut_cells: dict[str, int] = {}  # XLSX: column → cells longer than Excel holds, cut to fit
        self._notice = notice
        self._batch: list[Mapping[str, Any]] = []
        self._batch_rows = batch_rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.partial")
        self._file: Any = None
        self._writer: Any = None
        self._schema: Any = None
        self._sheet_rows = 0
        self._widths: list[float] = []
        self._open()

    def _open(self) -> None:
        import pyarrow as pa  # noqa: PLC0415 - reading a sheet or printing --help does not need it

        if self.format == "csv":
            # BOM: Excel reads UTF-8 right. Closed in close() or abort(): the writer outlives this method.
            self._file = open(self._tmp, "wb")  # noqa: SIM115
            self._file.write(codecs.BOM_UTF8)
            header = io.StringIO()
            csv.writer(header, delimiter=self.delimiter).writerow([guard(c) for c in self.columns])
            self._file.write(header.getvalue().replace("\r\n", "\n").encode("utf-8"))
        elif self.format == "parquet":
            import pyarrow.parquet as pq  # noqa: PLC0415

            self._schema = pa.schema([(c, self._arrow_type(c)) for c in self.columns])
            self._writer = pq.ParquetWriter(self._tmp, self._schema)
        else:
            from openpyxl import Workbook  # noqa: PLC0415 - only XLSX output needs it

            self._file = Workbook(write_only=True)  # the first sheet starts with the first rows (widths)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add rows; they reach the disk in batches."""
        for row in rows:
            self._batch.append(row)
            if len(self._batch) >= self._batch_rows:
                self._flush()

    def write_columns(self, columns: Mapping[str, Sequence[Any]]) -> None:
        """Add rows given column by column (each a sequence of the same length; missing columns are blank)."""
        self._flush()
        length = len(next(iter(columns.values()))) if columns else 0
        if not length:
            return
        if self.format == "xlsx":
            names = list(columns)
            listed = [c.to_pylist() if hasattr(c, "to_pylist") else c for c in columns.values()]
            self.write(dict(zip(names, values, strict=True)) for values in zip(*listed, strict=True))
            self._flush()
            return
        self._write_arrow(columns, length)

    def _arrow_type(self, column: str) -> Any:
        import pyarrow as pa  # noqa: PLC0415

        if self.format != "parquet" or column not in self.numeric:
            return pa.string()
        return pa.int64() if column in self.integer else pa.float64()

    def _write_arrow(self, columns: Mapping[str, Sequence[Any]], length: int) -> None:
        import pyarrow as pa  # noqa: PLC0415

        arrays = []
        for c in self.columns:
            values, kind = columns.get(c), self._arrow_type(c)
            if values is None:
                arrays.append(pa.nulls(length, kind))
            elif isinstance(values, pa.Array | pa.ChunkedArray) and kind != pa.string():
                arrays.append(values.cast(kind) if _numeric(values.type) else pa.array(
                    [_whole(v) if kind == pa.int64() else _number(v) for v in values.to_pylist()], kind))
            elif kind == pa.int64():
                arrays.append(pa.array([_whole(v) for v in values], kind))
            elif kind == pa.float64():
                arrays.append(pa.array([_number(v) for v in values], kind))
            else:
                arrays.append(_texts(values))
        if self.format == "csv":
            cells = []
            for c, array in zip(self.columns, arrays, strict=True):
                typed = columns.get(c)
                if isinstance(typed, pa.Array | pa.ChunkedArray) and pa.types.is_integer(typed.type):
                    cells.append(array.fill_null(""))  # digits: nothing to guard, quote or warn about
                    continue
                shown = _decimal_commas(array) if self.decimal_comma and not is_id_column(c) else array
                text, changed, first = _csv_cells(shown, self.delimiter, excel=None if c in self.numeric else
                                                  EXCEL_CHANGES_IN_IDS if is_id_column(c) else EXCEL_CHANGES)
                cells.append(text)
                if changed:
                    seen, shown = self.excel_changes.get(c, (0, ""))
                    self.excel_changes[c] = (seen + changed, shown or first)
            self._file.write(_csv_lines(cells, self.delimiter))
        else:
            self._writer.write_table(pa.table(arrays, schema=self._schema))
        self.rows_written += length

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self.format == "xlsx":
            for r in batch:
                if not self.sheets or self._sheet_rows >= XLSX_MAX_ROWS:
                    self._new_sheet(batch)
                self._writer.append(self._xlsx_row(r))
                self._sheet_rows += 1
            self.rows_written += len(batch)
            return
        self._write_arrow({c: [r.get(c) for r in batch] for c in self.columns}, len(batch))

    # -- XLSX --------------------------------------------------------------------------------------------------
    def _new_sheet(self, sample: Sequence[Mapping[str, Any]]) -> None:
        """Start a sheet: sized columns, the header row frozen (the autofilter is set when the sheet is done)."""
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
        from openpyxl.styles import Font  # noqa: PLC0415
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        self._end_sheet()
        title = XLSX_SHEET if not self.sheets else f"{XLSX_SHEET} {len(self.sheets) + 1}"
        self._writer = self._file.create_sheet(title)
        self.sheets.append(title)
        if not self._widths:
            self._widths = self._sized(sample)
        for i, width in enumerate(self._widths, start=1):
            self._writer.column_dimensions[get_column_letter(i)].width = width
        self._writer.freeze_panes = "A2"
        bold = Font(bold=True)
        header = []
        for c in self.columns:
            cell = WriteOnlyCell(self._writer, value=printable(c))
            cell.data_type, cell.number_format, cell.font = "s", "@", bold
            header.append(cell)
        self._writer.append(header)
        self._sheet_rows = 0

    def _end_sheet(self) -> None:
        """The autofilter over the finished sheet's used range."""
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        if self.sheets and self.columns:
            self._writer.auto_filter.ref = f"A1:{get_column_letter(len(self.columns))}{self._sheet_rows + 1}"

    def _sized(self, sample: Sequence[Mapping[str, Any]]) -> list[float]:
        """Column widths from the header and the first rows, within XLSX_WIDTH."""
        low, high = XLSX_WIDTH
        rows = sample[:1000]
        return [float(min(high, max(low, len(c) + 3, *(len(cell_text(r.get(c))) + 2 for r in rows))))
                for c in self.columns]

    def _xlsx_row(self, row: Mapping[str, Any]) -> list[Any]:
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

        cells: list[Any] = []
        for c in self.columns:
            value = row.get(c)
            if c in self.numeric:
                cells.append(_whole(value) if c in self.integer else _number(value))
                continue
            text = printable(cell_text(value))
            if len(text) > XLSX_CELL_CHARS:  # Excel's limit: cut here and said (`warnings`), not cut unsaid
                self.cut_cells[c] = self.cut_cells.get(c, 0) + 1
                text = text[:XLSX_CELL_CHARS]
            cell = WriteOnlyCell(self._writer, value=text or None)  # a blank cell holds no value, but is Text too
            if text:
                cell.data_type = "s"  # text, never a formula
            cell.number_format = "@"  # and Text: Excel converts it neither on opening nor when it is edited
            cells.append(cell)
        return cells

    def close(self) -> Path:
        """Finish the file, move it into place, and say what the user should know about it (`notice`)."""
        self._flush()
        if self.format == "csv":
            self._file.close()
        elif self.format == "parquet":
            self._writer.close()
        else:
            if not self.sheets:
                self._new_sheet([])
            self._end_sheet()
            self._file.save(self._tmp)
        os.replace(self._tmp, self.path)
        for message in self.warnings():
            if self._notice is not None:
                self._notice(message)
        return self.path

    def warnings(self) -> list[str]:
        """What the user should know about the file written: Excel's changes to CSV cells, further sheets."""
        said = []
        if self.excel_changes:
            total = sum(n for n, _ in self.excel_changes.values())
            where = ", ".join(f"{c!r} ({n:,}, e.g. {_cut(first)!r})" for c, (n, first) in self.excel_changes.items())
            said.append(f"{self.path}: {total:,} cell(s) that Excel would change when it opens this CSV file (leading"
                        f" zeros dropped, long numbers rounded, text turned into a number or a date), in column(s)"
                        f" {where}; write XLSX instead (text cells there), or open the CSV with Excel's Data > From"
                        f" Text/CSV and set those columns to Text")
        if self.cut_cells:
            where = ", ".join(f"{c!r} ({n:,})" for c, n in self.cut_cells.items())
            said.append(f"{self.path}: {sum(self.cut_cells.values()):,} cell(s) longer than an Excel cell holds"
                        f" ({XLSX_CELL_CHARS:,} characters) were cut to fit, in column(s) {where}; a CSV or Parquet"
                        " report keeps them whole (--report-format csv)")
        if len(self.sheets) > 1:
            said.append(f"{self.path}: {self.rows_written:,} rows do not fit on one Excel sheet ({XLSX_MAX_ROWS:,}"
                        f" rows): they continue on sheets {', '.join(repr(s) for s in self.sheets[1:])}, each with"
                        f" the header; bulkops reads one sheet at a time (--sheet NAME); CSV or Parquet hold any"
                        f" number of rows in one table")
        return said

    def abort(self) -> None:
        """Drop the partial file."""
        try:
            if self.format == "csv":
                self._file.close()
            elif self.format == "parquet":
                self._writer.close()
        finally:
            self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],  # noqa: PLR0913
                *, numeric: Iterable[str] = (), integer: Iterable[str] = (), notice: Notice | None = None) -> Path:
    """Write a whole table at once."""
    with TableWriter(path, columns, numeric=numeric, integer=integer, notice=notice) as writer:
        writer.write(rows)
    return writer.path


def _cut(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def transposed(rows: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Rows of `width` cells as `width` columns (many times faster than `zip(*rows)` over a batch's thousands of
    rows, which also passes each row as an argument)."""
    if any(len(row) != width for row in rows):
        raise ValueError(f"a row of other than {width} cells")
    return [[row[i] for row in rows] for i in range(width)]


def whole_numbers(values: Any) -> Any:
    """Python ints (None: null), or a pyarrow array, as a pyarrow int64 array. Left to infer the type, pyarrow
    converts a list of ints five times faster than when it is told int64 (0.1 s against 0.6 s a million)."""
    import pyarrow as pa  # noqa: PLC0415

    column = values if isinstance(values, pa.Array) else pa.array(values)
    return column if column.type == pa.int64() else column.cast(pa.int64())


def listed(column: Any) -> list[Any]:
    """A column of cells as a list: a pyarrow array's values as Python's, any other sequence as it is."""
    to_pylist = getattr(column, "to_pylist", None)
    return list(to_pylist() if to_pylist is not None else column)


def _numeric(kind: Any) -> bool:
    import pyarrow as pa  # noqa: PLC0415

    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_null(kind))


def _whole(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal | int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _texts(values: Sequence[Any]) -> Any:
    """A pyarrow string array of the values as written (None stays null): text as it is, whole numbers in digits,
    anything else through `cell_text` (floats without noise, booleans in lower case)."""
    import pyarrow as pa  # noqa: PLC0415

    if isinstance(values, pa.ChunkedArray):
        array = values.combine_chunks()
    elif isinstance(values, pa.Array):
        array = values
    else:
        try:  # typed in C: a column of text or whole numbers needs no Python call per cell
            array = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = None
    if array is not None and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
                              or pa.types.is_integer(array.type) or pa.types.is_null(array.type)):
        return array.cast(pa.string())
    return pa.array([None if v is None else cell_text(v) for v in values], pa.string())


# The delimiters a CSV report is written with: the comma, and the semicolon of the sheets of much of Europe.
REPORT_DELIMITERS = (",", ";")
# A cell that needs a look before it goes into a CSV line: a control character, the delimiter, a quote or a line
# break (quoted), or a formula-like start (guarded).
_ATTENTION = {d: rf'[\x00-\x08\x0b\x0c\x0e-\x1f{d}"\r\n]|^[=+\-@\t\r]' for d in REPORT_DELIMITERS}


def _csv_cells(array: Any, delimiter: str, *, excel: re.Pattern[str] | None) -> tuple[Any, int, str]:
    """A text column's cells as they go into CSV lines: nulls blank, `guard`ed, quoted as Python's csv module
    quotes (only cells holding the delimiter, a quote or a line break); with, when given the `excel` pattern of
    what Excel changes on opening the file, how many cells it would change and the first of them.

    A report's columns repeat a few texts (an outcome, a message, a bid, an id of a line item): each distinct text
    is looked at once and the column is taken from them. A column of nearly all distinct texts is looked at cell by
    cell, in one scan when no cell needs anything (nearly always)."""
    import pyarrow.compute as pc  # noqa: PLC0415

    text = pc.fill_null(array, "")
    coded = pc.dictionary_encode(text)
    repeats = 2 * len(coded.dictionary) <= len(text)
    values = coded.dictionary if repeats else text
    changed, first = 0, ""
    if excel is not None:
        hits = pc.match_substring_regex(values, excel.pattern)
        if pc.any(hits).as_py():
            per_cell = pc.take(hits, coded.indices) if repeats else hits
            changed, first = pc.sum(per_cell).as_py(), text.filter(per_cell)[0].as_py()
    if pc.any(pc.match_substring_regex(values, _ATTENTION[delimiter])).as_py():
        values = _quoted(_guarded(values), delimiter)
    return (pc.take(values, coded.indices) if repeats else values), changed, first


def _decimal_commas(array: Any) -> Any:
    """Text cells that are decimal numbers with a decimal comma (three decimals made four: 2,1250); others as
    they are."""
    import pyarrow.compute as pc  # noqa: PLC0415

    decimals = pc.fill_null(pc.match_substring_regex(array, r"^[+-]?[0-9]+\.[0-9]+$"), False)
    if not pc.any(decimals).as_py():
        return array
    three = pc.match_substring_regex(array, _DOT_THREE.pattern.join("^$"))
    made = pc.replace_substring(pc.if_else(three, pc.binary_join_element_wise(array, "0", ""), array), ".", ",")
    return pc.if_else(decimals, made, array)


def _guarded(array: Any) -> Any:
    """`guard` on a whole column: control characters replaced, formula-like text made inert; nulls blank."""
    import pyarrow.compute as pc  # noqa: PLC0415

    text = pc.fill_null(array, "")
    if pc.any(pc.match_substring_regex(text, _CONTROL.pattern)).as_py():
        text = pc.replace_substring_regex(text, _CONTROL.pattern, "\ufffd")
    starts = pc.match_substring_regex(text, r"^[=+\-@\t\r]")
    if not pc.any(starts).as_py():  # nearly always: no cell starts like a formula
        return text
    risky = pc.and_(starts, pc.invert(pc.match_substring_regex(text, _NUMBER.pattern)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _quoted(text: Any, delimiter: str) -> Any:
    """CSV quoting as Python's csv module does it by default: only the cells holding the delimiter, a quote or a
    line break, their quotes doubled."""
    import pyarrow.compute as pc  # noqa: PLC0415

    hits = pc.match_substring_regex(text, f'[{delimiter}"\r\n]')
    if not pc.any(hits).as_py():
        return text
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(hits, escaped, text)


def _csv_lines(arrays: Sequence[Any], delimiter: str) -> Any:
    """Whole lines of CSV, one per row, from columns already guarded and quoted: one buffer, no Python string per
    row."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    lines = pc.binary_join_element_wise(*arrays, delimiter) if len(arrays) > 1 else arrays[0]
    lines = pc.binary_join_element_wise(lines, "", "\n")  # each line ends with a line break
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    lines = lines.cast(pa.large_string())
    _, offsets, data = lines.buffers()
    ends = pa.Array.from_buffers(pa.int64(), len(lines) + 1, [None, offsets], offset=lines.offset)
    first, last = ends[0].as_py(), ends[len(lines)].as_py()
    return memoryview(data)[first:last]
