"""Tables out: CSV, Parquet or XLSX, written in batches to a temporary file and renamed into place.

A reader never sees half a file: the file appears under its name only once complete (atomic rename), and a
failed write leaves nothing behind. Text cells that a spreadsheet program would run as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return, numbers excepted) are written with a leading
apostrophe in CSV, the usual guard against formula injection, and as plain text cells in XLSX; bulkops'
reader takes the apostrophe off again, so every report can be fed back as an input.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

FORMATS = {".csv": "csv", ".parquet": "parquet", ".xlsx": "xlsx"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


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


def format_of(path: str | Path) -> str:
    """csv, parquet or xlsx from a file name; ValueError otherwise."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unknown output type; use .csv, .parquet or .xlsx")
    return fmt


def cell_text(value: Any) -> str:
    """How a value is written as text: blank for None, no float noise, booleans in lower case."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    return str(value)


class TableWriter:
    """Write rows (mappings) under fixed columns; `numeric` columns are float64 in Parquet, text elsewhere."""

    def __init__(self, path: str | Path, columns: Sequence[str], *, numeric: Iterable[str] = (),
                 batch_rows: int = 10_000) -> None:
        self.path = Path(path)
        self.format = format_of(self.path)
        self.columns = list(columns)
        self.numeric = set(numeric) & set(self.columns)
        self.rows_written = 0
        self._batch: list[Mapping[str, Any]] = []
        self._batch_rows = batch_rows
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = self.path.with_name(f".{self.path.name}.partial")
        self._file: Any = None
        self._writer: Any = None
        self._schema: Any = None
        self._open()

    def _open(self) -> None:
        import pyarrow as pa  # noqa: PLC0415 - reading a sheet or printing --help does not need it

        if self.format == "csv":
            # BOM: Excel reads UTF-8 right. Closed in close() or abort(): the writer outlives this method.
            self._file = open(self._tmp, "wb")  # noqa: SIM115
            self._file.write(codecs.BOM_UTF8)
            header = io.StringIO()
            csv.writer(header).writerow([guard(c) for c in self.columns])
            self._file.write(header.getvalue().replace("\r\n", "\n").encode("utf-8"))
        elif self.format == "parquet":
            import pyarrow.parquet as pq  # noqa: PLC0415

            self._schema = pa.schema([(c, pa.float64() if c in self.numeric else pa.string()) for c in self.columns])
            self._writer = pq.ParquetWriter(self._tmp, self._schema)
        else:
            from openpyxl import Workbook  # noqa: PLC0415 - only XLSX output needs it

            self._file = Workbook(write_only=True)
            self._writer = self._file.create_sheet("bulkops")
            self._writer.append(self._xlsx_row(dict(zip(self.columns, self.columns, strict=True)), header=True))

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
            self.write(dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True))
            self._flush()
            return
        self._write_arrow(columns, length)

    def _write_arrow(self, columns: Mapping[str, Sequence[Any]], length: int) -> None:
        import pyarrow as pa  # noqa: PLC0415

        arrays = []
        for c in self.columns:
            values = columns.get(c)
            if values is None:
                arrays.append(pa.nulls(length, pa.float64() if self._typed(c) else pa.string()))
            elif self._typed(c):
                arrays.append(pa.array([_number(v) for v in values], pa.float64()))
            else:
                arrays.append(_texts(values))
        if self.format == "csv":
            self._file.write(_csv_lines([_quoted(_guarded(a)) for a in arrays]))
        else:
            self._writer.write_table(pa.table(arrays, schema=self._schema))
        self.rows_written += length

    def _typed(self, column: str) -> bool:
        return self.format == "parquet" and column in self.numeric

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        if not batch:
            return
        if self.format == "xlsx":
            for r in batch:
                self._writer.append(self._xlsx_row(r))
            self.rows_written += len(batch)
            return
        self._write_arrow({c: [r.get(c) for r in batch] for c in self.columns}, len(batch))

    def _xlsx_row(self, row: Mapping[str, Any], *, header: bool = False) -> list[Any]:
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415

        cells = []
        for c in self.columns:
            value = row.get(c)
            if c in self.numeric and not header and value not in (None, ""):
                cells.append(_number(value))
                continue
            cell = WriteOnlyCell(self._writer, value=printable(cell_text(value)))
            cell.data_type = "s"  # text, never a formula
            cells.append(cell)
        return cells

    def close(self) -> Path:
        """Finish the file and move it into place."""
        self._flush()
        if self.format == "csv":
            self._file.close()
        elif self.format == "parquet":
            self._writer.close()
        else:
            self._file.save(self._tmp)
        os.replace(self._tmp, self.path)
        return self.path

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


def write_table(path: str | Path, columns: Sequence[str], rows: Iterable[Mapping[str, Any]],
                *, numeric: Iterable[str] = ()) -> Path:
    """Write a whole table at once."""
    with TableWriter(path, columns, numeric=numeric) as writer:
        writer.write(rows)
    return writer.path


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
    """A pyarrow string array of the values as written (None stays null)."""
    import pyarrow as pa  # noqa: PLC0415

    if all(v is None or type(v) is str for v in values):
        return pa.array(values, pa.string())
    return pa.array([None if v is None else cell_text(v) for v in values], pa.string())


def _guarded(array: Any) -> Any:
    """`guard` on a whole column: control characters replaced, formula-like text made inert; nulls blank."""
    import pyarrow.compute as pc  # noqa: PLC0415

    text = pc.fill_null(array, "")
    text = pc.replace_substring_regex(text, _CONTROL.pattern, "\ufffd")
    risky = pc.and_(pc.match_substring_regex(text, r"^[=+\-@\t\r]"),
                    pc.invert(pc.match_substring_regex(text, _NUMBER.pattern)))
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _quoted(array: Any) -> Any:
    """CSV quoting as Python's csv module does it by default: only cells holding a comma, quote or line break."""
    import pyarrow.compute as pc  # noqa: PLC0415

    needs = pc.match_substring_regex(array, r'[,"\r\n]')
    escaped = pc.binary_join_element_wise('"', pc.replace_substring(array, '"', '""'), '"', "")
    return pc.if_else(needs, escaped, array)


def _csv_lines(arrays: Sequence[Any]) -> bytes:
    """Whole lines of CSV, one per row, from columns already guarded and quoted."""
    import pyarrow.compute as pc  # noqa: PLC0415

    lines = pc.binary_join_element_wise(*arrays, ",") if len(arrays) > 1 else arrays[0]
    return ("\n".join(lines.to_pylist()) + "\n").encode("utf-8")
