"""XLSX workbooks as ad-ops people have them: title rows above the header, several sheets, formulas written by
scripts that Excel never computed, merged cells, hidden (filtered-out) rows.

`open_workbook` finds the table: the sheet (given, matched loosely; else the one sheet whose header names the
job's columns) and its header row (given; else the first of the top `SCAN_ROWS` rows that names them). Row
numbers stay the ones Excel shows. `data_rows` streams the rows under the header with openpyxl's read-only
parser, one row at a time: memory stays flat however long the sheet is. Read `marked`, it also says what values
alone cannot (see `readers.mark` and `readers.ROW_FLAGS`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from bulkops.errors import InputError
from bulkops.io.columns import Schema, mapped, names_columns, needed, normalize
from bulkops.io.readers import Table, _text, mark, named

SCAN_ROWS = 20  # the header is looked for in this many rows at the top of a sheet
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^<>]*?\bref="([A-Za-z]+[0-9]+:[A-Za-z]+[0-9]+)"')
_SHOWN = 60  # characters of a formula shown in a message
_SUMS = re.compile(r"^\s*_?(xlfn\.)?(SUM|SUBTOTAL|AGGREGATE|SUMIFS?|COUNTA?|COUNTIFS?)\s*\(", re.IGNORECASE)


def open_workbook(path: Path, sheet: str | None, header_row: int | None, schema: Schema | None,
                  required: tuple[str, ...] = ()) -> Table:
    """The table of a workbook: which sheet, which header row, its columns; one InputError when it cannot tell."""
    if header_row is not None and header_row < 1:
        raise InputError(str(path), f"header row {header_row}: rows are numbered from 1")
    book = _book(path)
    try:
        names = list(book.sheetnames)
        chosen = [_sheet_named(path, names, sheet)] if sheet is not None else names
        tops = {name: _top(book[name], max(header_row or 0, SCAN_ROWS)) for name in chosen}
    finally:
        book.close()
    if schema is None or len(chosen) == 1:  # one sheet (given, or the only one), or no job to tell sheets apart
        name = chosen[0]
        found = _header_row(tops[name], schema, required) if schema is not None and header_row is None else None
        if found is None and schema is not None and header_row is None:  # the row nearest to a header: the
            found = _nearest_row(tops[name], schema)  # complaint then names what it lacks, not a title row
        row = header_row or found or 1
    else:
        if header_row is not None:
            rows = {n: header_row for n in chosen if _fits(tops[n], header_row, schema, required)}
        else:
            rows = {n: r for n in chosen if (r := _header_row(tops[n], schema, required))}
        if len(rows) != 1:
            raise InputError(str(path), _which_sheet(list(rows), tops, schema, required, header_row))
        ((name, row),) = rows.items()
    top = tops[name]
    if row > len(top) or not any(top[row - 1]):
        if header_row is not None:
            raise InputError(str(path), f"sheet {name!r} has nothing on row {header_row}, the header row asked for")
        raise InputError(str(path), f"sheet {name!r} is empty" if not top else
                         f"sheet {name!r}: no header row: the first row must name the columns")
    cells = top[row - 1]
    while cells and not cells[-1]:
        cells = cells[:-1]
    return Table(path, "xlsx", named(list(cells)), sheet=name, header_row=row,
                 note=_note(name, row, len(names), picked=sheet is None and len(names) > 1 and schema is not None))


def data_rows(table: Table, marked: bool) -> Iterator[tuple[list[str], int, str]]:
    """(cells as text, Excel's row number, flags) of every non-blank row under the header.

    Marked: a formula with no computed value and an empty cell under a merged range hold `mark`ed texts, and
    flags say "hidden", "sums" (a cell is a SUM or SUBTOTAL formula) and "last" (the last non-blank row);
    unmarked (the reports' view), such a formula reads as written (`=C4*2`: never a blank, which a row fed back
    from the errors file would take for "leave it as it is"), a cell under a merged range reads "", and flags
    are "".
    """
    width, start, sheet_name = len(table.columns), table.header_row + 1, str(table.sheet)
    book = _book(table.path)
    try:
        sheet = book[sheet_name] if table.sheet else book.worksheets[0]
        merges = _Merges(_merged_ranges(sheet, start)) if marked else None
        padded = _zero_padded(book)
        with sheet._get_source() as source:  # openpyxl's read-only sheets say nothing of hidden rows: parse it here
            parser = _Rows(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                           date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
            held: tuple[list[str], int, str] | None = None
            for line, found in parser.parse():
                if line < start:
                    continue
                read = _cells(found, width, line, sheet_name if marked else None, padded)
                if read is None:
                    continue
                cells, sums = read
                if not marked:
                    yield cells, line, ""
                    continue
                if merges is not None:
                    merges.mark(cells, line, sheet_name)
                if held is not None:
                    yield held
                held = (cells, line, " ".join(f for f, on in (("hidden", parser.hidden), ("sums", sums)) if on))
            if held is not None:
                yield held[0], held[1], f"{held[2]} last".strip()
    finally:
        book.close()


class _Rows(WorkSheetParser):
    """openpyxl's streaming parser of a sheet, also noting whether the row just parsed is hidden, and each formula
    cell that has no computed value (`formula`) or that sums others (`sums`)."""

    hidden = False

    def parse_row(self, row: Any) -> tuple[int, list[dict[str, Any]]]:
        self.hidden = row.get("hidden") in ("1", "true")
        number, cells = super().parse_row(row)
        self.row_dimensions.clear()  # heights and such: not needed, and they would pile up over a long sheet
        return number, cells

    def parse_cell(self, element: Any) -> dict[str, Any]:
        cell: dict[str, Any] = super().parse_cell(element)
        formula = element.find(FORMULA_TAG)
        if formula is None:
            return cell
        if cell["value"] is None and _uncomputed(element):
            cell["formula"] = f"={formula.text}" if formula.text else "a shared formula"
        if formula.text and _SUMS.match(formula.text):
            cell["sums"] = True
        return cell


def _uncomputed(element: Any) -> bool:
    """A formula cell with no value saved: no `<v>`, or an empty one (openpyxl writes `<v />`) that is not an
    empty text result (`t="str"`, what Excel saves for a formula giving "")."""
    value = element.find(VALUE_TAG)
    return value is None or (not value.text and element.get("t", "n") != "str")


def _zero_padded(book: Any) -> dict[int, int]:
    """The cell styles whose number format pads with zeros (`00000000000`), and to how many digits: a SKU typed
    as a number shows its leading zeros in Excel only through such a format, and is read as Excel shows it."""
    formats = {164 + i: f for i, f in enumerate(book._number_formats)}  # custom formats; built-in ones pad none
    widths = {n: len(f) for n, f in formats.items() if _PADDING.fullmatch(f)}
    return {i: widths[style.numFmtId] for i, style in enumerate(book._cell_styles) if style.numFmtId in widths}


_PADDING = re.compile(r"0{2,}")


def _cells(found: list[dict[str, Any]], width: int, line: int, sheet: str | None,
           padded: Mapping[int, int]) -> tuple[list[str], bool] | None:
    """A parsed row's cells as text, and whether one sums others (None when blank); `sheet` given, a formula never
    computed is marked; a whole number in a zero-padding format (`padded`: style → digits) reads as Excel shows
    it (05111072231)."""
    cells = [""] * width
    filled = sums = False
    for cell in found:
        column = cell["column"]
        if column > width:
            continue
        sums = sums or "sums" in cell
        if cell["value"] is not None:
            value, digits = cell["value"], padded.get(cell.get("style_id") or 0)
            text = _text(value)
            if digits and isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer():
                text = str(int(value)).zfill(digits) if value >= 0 else text
            cells[column - 1] = text
            filled = filled or bool(text.strip())
        elif "formula" in cell:
            filled = True
            formula = cell["formula"]
            if sheet is None:  # the reports show the formula: a row fed back from them fails again until fixed
                cells[column - 1] = formula if formula.startswith("=") else "=(a shared formula)"
            else:
                shown = formula if len(formula) <= _SHOWN else formula[:_SHOWN - 1] + "…"
                cells[column - 1] = mark(
                    "formula-not-computed",
                    f"is a formula with no computed value ({shown}) in sheet {sheet!r}, cell"
                    f" {get_column_letter(column)}{line}: the file was saved by a program that does not calculate"
                    " formulas; open it in Excel and save it, or replace the formulas by their values (copy, then"
                    " Paste Special → Values)")
    return (cells, sums) if filled else None


class _Merges:
    """The merged ranges reaching below the header, swept row by row (sorted by first row)."""

    def __init__(self, ranges: list[tuple[int, int, int, int, str]]) -> None:
        self.ranges = sorted(ranges, key=lambda r: r[1])
        self.next = 0
        self.active: list[tuple[int, int, int, int, str]] = []

    def mark(self, cells: list[str], line: int, sheet: str) -> None:
        """Mark the empty cells of this row that lie under a merged range (all but its top-left cell)."""
        while self.next < len(self.ranges) and self.ranges[self.next][1] <= line:
            self.active.append(self.ranges[self.next])
            self.next += 1
        self.active = [r for r in self.active if r[3] >= line]
        for min_col, min_row, max_col, _, ref in self.active:
            for column in range(min_col, min(max_col, len(cells)) + 1):
                if (line, column) != (min_row, min_col) and not cells[column - 1].strip():
                    first = f"{get_column_letter(min_col)}{min_row}"
                    cells[column - 1] = mark(
                        "merged-cell",
                        f"is empty: cell {get_column_letter(column)}{line} of sheet {sheet!r} is part of the merged"
                        f" range {ref}, whose value is in {first} only; unmerge the cells and fill the value into"
                        " every row")


def _merged_ranges(sheet: Any, start: int) -> list[tuple[int, int, int, int, str]]:
    """(min col, min row, max col, max row, ref) of the sheet's merged ranges reaching row `start` or below.

    They are listed after all the rows in the sheet's XML: found by a quick scan of its text before the rows are
    read (never split a tag between two chunks: each chunk is scanned up to its last `<`).
    """
    found: list[tuple[int, int, int, int, str]] = []
    tail = b""
    with sheet._get_source() as source:
        while True:
            chunk = source.read(1 << 20)
            text = tail + chunk
            cut = text.rfind(b"<") if chunk else len(text)
            cut = max(cut, 0)
            if b"mergeCell" in text:
                for match in _MERGE.finditer(text, 0, cut):
                    ref = match.group(1).decode("ascii").upper()
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                    if max_row >= start:
                        found.append((min_col, min_row, max_col, max_row, ref))
            tail = text[cut:]
            if not chunk:
                return found


def _book(path: Path) -> Any:
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InputError(str(path), f"not a readable XLSX workbook ({type(exc).__name__})") from None


def _sheet_named(path: Path, names: list[str], asked: str) -> str:
    """The sheet asked for: by its exact name, else by a name that differs only in case, spaces, `_` or `-`."""
    if asked in names:
        return asked
    loose = [n for n in names if normalize(n) == normalize(asked)]
    if len(loose) == 1:
        return loose[0]
    raise InputError(str(path), f"no sheet named {asked!r}; sheets: {', '.join(map(repr, names))}")


def _top(sheet: Any, rows: int) -> list[list[str]]:
    """The first rows of a sheet, as stripped texts."""
    return [[_text(v).strip() for v in values] for values in sheet.iter_rows(max_row=rows, values_only=True)]


def _header_row(top: list[list[str]], schema: Schema, required: tuple[str, ...]) -> int | None:
    """The first row (1-based) that names the job's columns."""
    return next((n for n in range(1, len(top) + 1) if _fits(top, n, schema, required)), None)


def _nearest_row(top: list[list[str]], schema: Schema) -> int | None:
    """The first row (1-based) naming the most of the job's columns, when one names any."""
    counts = [len(mapped(cells, schema)) for cells in top]
    best = max(counts, default=0)
    return counts.index(best) + 1 if best else None


def _fits(top: list[list[str]], row: int | None, schema: Schema, required: tuple[str, ...]) -> bool:
    return row is not None and row <= len(top) and names_columns(top[row - 1], schema, required)


def _which_sheet(matched: list[str], tops: dict[str, list[list[str]]], schema: Schema, required: tuple[str, ...],
                 header_row: int | None) -> str:
    """Why no sheet can be chosen alone, naming every sheet, and what to do."""
    where = f"on row {header_row}" if header_row else f"in its first {SCAN_ROWS} rows"
    if matched:
        return (f"sheets {', '.join(map(repr, matched))} all have this job's columns; pass --sheet NAME to say which"
                f" (sheets: {', '.join(map(repr, tops))})")
    shown = "; ".join(_sheet_shown(name, top, schema, required) for name, top in tops.items())
    return (f"no sheet has this job's columns ({', '.join(needed(schema, required))}) {where}: {shown}; pass"
            " --sheet NAME to say which sheet to read")


def _sheet_shown(name: str, top: list[list[str]], schema: Schema, required: tuple[str, ...]) -> str:
    """A sheet as a complaint shows it: its row nearest to a header and what that row lacks, else its start."""
    row = _nearest_row(top, schema)
    if row is not None:
        missing = [n for n in needed(schema, required) if n not in mapped(top[row - 1], schema)]
        return f"sheet {name!r} row {row} has {', '.join(map(repr, [c for c in top[row - 1] if c][:5]))} but no" \
               f" {', '.join(map(repr, missing))}"
    first = _first_filled(top)
    return f"sheet {name!r} " + (f"starts with {', '.join(map(repr, first[:4]))}" if first else "is empty")


def _first_filled(top: list[list[str]]) -> list[str]:
    return next(([c for c in cells if c] for cells in top if any(cells)), [])


def _note(sheet: str, row: int, sheets: int, *, picked: bool) -> str | None:
    """How the workbook is read, when it is not simply its first sheet from row 1."""
    parts = [f"reading sheet {sheet!r} (the only one of its {sheets} sheets with this job's columns)"] if picked \
        else []
    if row != 1:
        parts.append(f"header on row {row} (the rows above it are not read; data from row {row + 1})")
    return "; ".join(parts) or None
