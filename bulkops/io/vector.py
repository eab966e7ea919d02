"""Cell checks on whole columns at once (pyarrow compute, in C), for sheets of a million rows.

`check_frame` normalizes every cell of a batch the way `columns.parse_cell` types it, but column by column
instead of cell by cell; only the cells it finds bad go through `parse_cell` again, for its exact message. The
normalized text of a cell is what the journal keeps: blank is None, `none` (where allowed) is "none", a
decimal its plain form (`1.20` for `€1,20`), a choice its canonical spelling, a date ISO; `decode` turns it
back into the typed value of `parse_cell`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any

from bulkops.io.columns import (
    _EXCEL_NUMBER,
    _ID,
    NONE,
    NONE_WORDS,
    ROW_NUMBER,
    Column,
    Header,
    Schema,
    _code,
    _message,
    _money,
    normalize,
    parse_cell,
    without_noise,
)
from bulkops.io.readers import MARK, is_marked, unmark
from bulkops.types import RowError

if TYPE_CHECKING:
    import pyarrow as pa

MISSING = "\x1e"  # a blank cell in a joined row of normalized cells


def check_frame(path: str, frame: pa.Table, schema: Schema, header: Header,
                dates: str | None = None) -> tuple[pa.Table, list[RowError]]:
    """The batch's valid rows as normalized text per canonical column (null when blank, plus ROW_NUMBER), and
    every bad cell. `dates`: the order of the file's local dates (see `columns.dates_order`)."""
    import pyarrow as pa  # noqa: PLC0415 - only a run reading a file needs it
    import pyarrow.compute as pc  # noqa: PLC0415

    numbers = _array(frame, ROW_NUMBER)
    out: dict[str, pa.Array] = {ROW_NUMBER: numbers}
    bad = pa.array([False] * len(numbers), pa.bool_())
    errors: list[RowError] = []
    if is_marked(frame):  # damaged cells first: their own message, not "is empty"
        frame, bad, errors = _damaged(path, frame, header)
    for name, file_header in header.mapping.items():
        text = pc.utf8_trim_whitespace(_array(frame, file_header))
        if name == schema.baseline:
            out[name] = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
            continue
        column = schema.column(name)
        normalized, invalid = _column(column, text, dates)
        if pc.any(invalid).as_py():
            rows, cells = numbers.to_pylist(), text.to_pylist()
            errors += [_error(path, rows[i], file_header, column, cells[i], dates)
                       for i in pc.indices_nonzero(invalid).to_pylist()]
            bad = pc.or_(bad, invalid)
        out[name] = normalized
    valid = pa.table(out)
    return (valid.filter(pc.invert(bad)) if pc.any(bad).as_py() else valid), errors


def _array(frame: pa.Table, name: str) -> pa.Array:
    """One column of a batch as one array."""
    return frame.column(name).combine_chunks()


def _damaged(path: str, frame: pa.Table, header: Header) -> tuple[pa.Table, pa.Array, list[RowError]]:
    """The `readers.mark`ed cells of the columns used: one RowError each, the row bad, the cell then blank."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    bad = pa.array([False] * frame.num_rows, pa.bool_())
    errors: list[RowError] = []
    numbers = _array(frame, ROW_NUMBER).to_pylist()
    for name, file_header in header.mapping.items():
        cells = _array(frame, file_header)
        marked = pc.starts_with(cells, MARK)
        if not pc.any(marked).as_py():
            continue
        texts = cells.to_pylist()
        for i in pc.indices_nonzero(marked).to_pylist():
            code, detail = unmark(texts[i])
            errors.append(RowError(path, numbers[i], file_header, code, f"{name} {detail}"))
        frame = frame.set_column(frame.column_names.index(file_header), file_header, pc.if_else(marked, "", cells))
        bad = pc.or_(bad, marked)
    return frame, bad, errors


def _error(path: str, number: int, file_header: str, column: Column,  # noqa: PLR0913
           text: str, dates: str | None) -> RowError:
    try:
        parse_cell(column, text, dates=dates)
    except ValueError as exc:
        return RowError(path, number, file_header, _code(exc), _message(exc))
    return RowError(path, number, file_header, "invalid", f"{column.name} is not valid")  # pragma: no cover


def _column(column: Column, text: pa.Array, dates: str | None = None) -> tuple[pa.Array, pa.Array]:
    """(normalized text or null, invalid?) for every cell of a column; invalid is never null."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    blank = pc.equal(text, "")
    never = pa.array([False] * len(text), pa.bool_())
    # ASCII lower case is exact here: no letter outside ASCII lowers (in Python) to one of the none words' letters
    none = pc.is_in(pc.ascii_lower(text), value_set=pa.array(NONE_WORDS)) if column.none_ok else never
    if column.kind == "id":
        value, invalid = _ids(column, text)
    elif column.kind == "decimal":
        value, invalid = _decimals(column, text)
    elif column.kind == "choice":
        canonical = {normalize(c): c for c in column.choices}
        value = _mapped(text, lambda cell: canonical.get(normalize(cell)), pa.string())
        invalid = pc.is_null(value)
    elif column.kind == "date":
        value = _mapped(text, partial(_date_text, column, dates), pa.string())
        invalid = pc.is_null(value)
    else:
        value, invalid = text, never
    value = pc.if_else(none, "none", value)
    value = pc.if_else(blank, pa.scalar(None, pa.string()), value)
    invalid = pc.or_(pc.and_(pc.fill_null(invalid, True), pc.invert(pc.or_(blank, none))),
                     blank if not column.blank_ok else never)
    return value, invalid


def _mapped(text: pa.Array, one: Callable[[str], Any], kind: pa.DataType) -> pa.Array:
    """`one` of every cell, called once per distinct text (a column of choices, dates or odd numbers has few)."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    distinct = pc.unique(text)
    return pc.take(pa.array([one(cell) for cell in distinct.to_pylist()], kind), pc.index_in(text, value_set=distinct))


def _ids(column: Column, text: pa.Array) -> tuple[pa.Array, pa.Array]:
    import pyarrow.compute as pc  # noqa: PLC0415

    floaty = pc.match_substring_regex(text, r"^[0-9]+\.0$")  # a numeric id that went through a float
    value = pc.if_else(floaty, pc.utf8_slice_codeunits(text, 0, -2), text)
    invalid = pc.or_(pc.greater(pc.utf8_length(value), column.max_length),
                     pc.or_(pc.invert(pc.match_substring_regex(value, _ID.pattern)),
                            pc.match_substring_regex(value, f"^(?:{_EXCEL_NUMBER.pattern})$")))
    if column.digits:
        invalid = pc.or_(invalid, pc.invert(pc.match_substring_regex(value, "^[0-9]+$")))
    return value, invalid


# The forms nearly every number cell has, checked in C; any other cell goes through `columns._money` once per
# distinct text. These patterns accept a subset of what `_money` does, with the same result (tests/io/test_values.py
# checks both paths agree), and are plain enough for pyarrow's RE2.
_PLAIN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # 1.23: kept as it is
_COMMA = r"[+-]?(?:[0-9]+,[0-9]*|,[0-9]+)(?:[eE][+-]?[0-9]+)?"  # 1,23: the comma becomes a dot ...
_AMBIGUOUS = r"[+-]?[1-9][0-9]{0,2},[0-9]{3}"  # ... unless it may group thousands (1,234): `_money` refuses it
_DOT_THREE = r"[+-]?[1-9][0-9]{0,2}\.[0-9]{3}"  # 2.500 may group thousands too: `_money` decides, by the column


def _full(text: pa.Array, pattern: str) -> pa.Array:
    import pyarrow.compute as pc  # noqa: PLC0415

    return pc.match_substring_regex(text, f"^(?:{pattern})$")


def _decimals(column: Column, text: pa.Array) -> tuple[pa.Array, pa.Array]:
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    plain = _full(text, _PLAIN)
    if column.max_value is None or column.max_value >= 1000:  # 2.500 could be 2500 here: not plain
        plain = pc.and_(plain, pc.invert(_full(text, _DOT_THREE)))
    cleaned = pc.if_else(plain, text, pa.scalar(None, pa.string()))  # 1.23 as it is; other cells null for now
    if not pc.all(plain).as_py():
        other = pc.invert(plain)
        rest = pc.filter(text, other)
        comma = pc.and_(_full(rest, _COMMA), pc.invert(_full(rest, _AMBIGUOUS)))
        forms = pc.if_else(comma, pc.replace_substring(rest, ",", "."), pa.scalar(None, pa.string()))
        if not pc.all(comma).as_py():  # `€1.20` and the like: once per distinct text
            odd = _mapped(rest, partial(_plain_form, column), pa.string())
            forms = pc.if_else(comma, forms, odd)
        cleaned = pc.replace_with_mask(cleaned, other, forms)
    noisy = pc.fill_null(pc.or_(pc.greater_equal(pc.utf8_length(cleaned), 17),  # a length test first: nearly never
                                pc.match_substring(cleaned, "e", ignore_case=True)), False)
    if pc.any(noisy).as_py():  # 3.2450000000000006, a float's noise: 3.245; 1e1: 10 (`columns.without_noise`)
        cleaned = pc.replace_with_mask(cleaned, noisy, _mapped(pc.filter(cleaned, noisy), without_noise, pa.string()))
    valid = pc.is_valid(cleaned)
    negative = pc.fill_null(pc.starts_with(cleaned, "-"), False)
    if pc.any(negative).as_py():  # as Decimal: -0 and -0.00 are not below 0
        negative = pc.and_(negative, pc.fill_null(pc.match_substring_regex(cleaned, r"^-[0-9.]*[1-9]"), False))
    invalid = pc.or_(pc.invert(valid), negative)
    if column.max_value is not None:
        kept = pc.if_else(invalid, pa.scalar(None, pa.string()), cleaned)
        invalid = pc.or_(invalid, _above(kept, column.max_value))
    return cleaned, invalid


def _plain_form(column: Column, cell: str) -> str | None:
    try:
        return _money(column, cell)
    except ValueError:
        return None


def _above(cleaned: pa.Array, limit: Decimal) -> pa.Array:
    """Plain numbers (null: skipped, False) above `limit`, exactly: as floats, then as Decimal where floats
    cannot tell."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    try:
        numbers = cleaned.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - plain forms are valid floats
        numbers = pa.array([None if c is None else float(c) for c in cleaned.to_pylist()], pa.float64())
    bound = float(limit)
    above = pc.fill_null(pc.greater(numbers, bound), False)
    sure = pc.and_(pc.is_finite(numbers), pc.greater(pc.abs(pc.subtract(numbers, bound)), abs(bound) * 1e-9))
    unsure = pc.and_(pc.is_valid(cleaned), pc.invert(pc.fill_null(sure, False)))
    if not pc.any(unsure).as_py():
        return above
    exact = [Decimal(cell) > limit for cell in pc.filter(cleaned, unsure).to_pylist()]
    return pc.replace_with_mask(above, unsure, pa.array(exact, pa.bool_()))


def _date_text(column: Column, dates: str | None, cell: str) -> str | None:
    """A date cell's ISO form, or None when it is not a date."""
    try:
        typed = parse_cell(replace(column, none_ok=False), cell, dates=dates) if cell else None
    except ValueError:
        return None
    return typed.isoformat() if isinstance(typed, date) else None


def decode(column: Column, text: str | None) -> Any:
    """A normalized cell → the typed value `parse_cell` gives (None for blank)."""
    if text is None or text == MISSING:
        return None
    if column.none_ok and text == "none":
        return NONE
    if column.kind == "decimal":
        return Decimal(text)
    if column.kind == "date":
        return datetime.strptime(text, "%Y-%m-%d").date() if len(text) == 10 else date.fromisoformat(text)
    return text
