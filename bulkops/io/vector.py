"""Cell checks on whole columns at once (pandas string operations), for sheets of a million rows.

`check_frame` normalizes every cell of a batch the way `columns.parse_cell` types it, but column by column
instead of cell by cell; only the cells it finds bad go through `parse_cell` again, for its exact message. The
normalized text of a cell is what the journal keeps: blank is None, `none` (where allowed) is "none", a
decimal its plain form (`1.20` for `€1,20`), a choice its canonical spelling, a date ISO; `decode` turns it
back into the typed value of `parse_cell`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bulkops.io.columns import (
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
    parse_cell,
)
from bulkops.io.readers import MARK, MARKED, unmark
from bulkops.types import RowError

if TYPE_CHECKING:
    import pandas as pd

MISSING = "\x1e"  # a blank cell in a joined row of normalized cells (not NUL: pandas cuts strings at NUL)


def check_frame(path: str, frame: pd.DataFrame, schema: Schema,
                header: Header) -> tuple[pd.DataFrame, list[RowError]]:
    """The batch's valid rows as normalized text per canonical column (plus ROW_NUMBER), and every bad cell."""
    import pandas as pd  # noqa: PLC0415 - only a run reading a file needs it

    out = pd.DataFrame({ROW_NUMBER: frame[ROW_NUMBER]})
    bad = pd.Series(False, index=frame.index)
    errors: list[RowError] = []
    if frame.attrs.get(MARKED):  # a workbook's damaged cells first: their own message, not "is empty"
        frame, bad, errors = _damaged(path, frame, header)
    for name, file_header in header.mapping.items():
        text = frame[file_header].astype(str).str.strip()
        if name == schema.baseline:
            out[name] = text.where(text != "", None)
            continue
        column = schema.column(name)
        normalized, invalid = _column(column, text)
        for idx in invalid[invalid].index:
            errors.append(_error(path, int(frame.at[idx, ROW_NUMBER]), file_header, column, str(text[idx])))
        bad |= invalid
        out[name] = normalized
    return out[~bad], errors


def _damaged(path: str, frame: pd.DataFrame, header: Header) -> tuple[pd.DataFrame, pd.Series, list[RowError]]:
    """The `readers.mark`ed cells of the columns used: one RowError each, the row bad, the cell then blank."""
    import pandas as pd  # noqa: PLC0415

    bad = pd.Series(False, index=frame.index)
    errors: list[RowError] = []
    copied = False
    for name, file_header in header.mapping.items():
        cells = frame[file_header].astype(str)
        marked = cells.str.startswith(MARK)
        if not marked.any():
            continue
        for idx in marked[marked].index:
            code, detail = unmark(str(cells[idx]))
            errors.append(RowError(path, int(frame.at[idx, ROW_NUMBER]), file_header, code, f"{name} {detail}"))
        if not copied:
            frame, copied = frame.copy(), True
        frame.loc[marked, file_header] = ""
        bad |= marked
    return frame, bad, errors


def _error(path: str, number: int, file_header: str, column: Column, text: str) -> RowError:
    try:
        parse_cell(column, text)
    except ValueError as exc:
        return RowError(path, number, file_header, _code(exc), _message(exc))
    return RowError(path, number, file_header, "invalid", f"{column.name} is not valid")  # pragma: no cover


def _column(column: Column, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(normalized text or None, invalid?) for every cell of a column."""
    blank = text == ""
    none = text.str.lower().isin(NONE_WORDS) if column.none_ok else blank & False
    if column.kind == "id":
        value, invalid = _ids(column, text)
    elif column.kind == "decimal":
        value, invalid = _decimals(column, text)
    elif column.kind == "choice":
        canonical = {c.lower(): c for c in column.choices}
        value = text.str.lower().map(canonical)
        invalid = value.isna()
    elif column.kind == "date":
        value, invalid = _dates(column, text)
    else:
        value, invalid = text, blank & False
    value = value.where(~none, "none").where(~blank, None)
    invalid = (invalid & ~blank & ~none) | (blank & (not column.blank_ok))
    return value, invalid


def _ids(column: Column, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    floaty = text.str.endswith(".0") & text.str[:-2].str.isdigit()  # a numeric id that went through a float
    value = text.where(~floaty, text.str[:-2])
    invalid = (value.str.len() > column.max_length) | ~value.str.fullmatch(_ID.pattern.strip("^$"))
    return value, invalid


# The forms nearly every number cell has, checked without a Python call per cell; any other cell goes through
# `columns._money` once per distinct text. These patterns accept a subset of what `_money` does, with the same
# result (tests/io/test_values.py checks both paths agree), and are plain enough for pyarrow's RE2.
_PLAIN = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"  # 1.23: kept as it is
_COMMA = r"[+-]?(?:[0-9]+,[0-9]*|,[0-9]+)(?:[eE][+-]?[0-9]+)?"  # 1,23: the comma becomes a dot ...
_AMBIGUOUS = r"[+-]?[1-9][0-9]{0,2},[0-9]{3}"  # ... unless it may group thousands (1,234): `_money` refuses it


def _decimals(column: Column, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    cleaned = text.where(text.str.fullmatch(_PLAIN))  # 1.23 as it is; other cells are None for now
    other = cleaned.isna()
    if other.any():
        rest = text[other]
        comma = rest.str.fullmatch(_COMMA) & ~rest.str.fullmatch(_AMBIGUOUS)
        forms = rest.str.replace(",", ".", regex=False).where(comma)
        if not comma.all():  # once per distinct text: a column of `€1.20` has few
            odd = rest[~comma]
            forms[~comma] = odd.map({cell: _plain_form(column, cell) for cell in odd.unique()})
        cleaned[other] = forms
    valid = cleaned.notna()
    negative = cleaned.str.startswith("-", na=False)
    if negative.any():  # as Decimal: -0 and -0.00 are not below 0
        negative[negative] = cleaned[negative].str.match(r"-[0-9.]*[1-9]")
    invalid = ~valid | negative
    if column.max_value is not None:
        invalid |= _above(cleaned.where(valid & ~negative), column.max_value)
    return cleaned, invalid


def _plain_form(column: Column, cell: str) -> str | None:
    try:
        return _money(column, cell)
    except ValueError:
        return None


def _above(cleaned: pd.Series, limit: Decimal) -> pd.Series:
    """Plain numbers (None: skipped) above `limit`, exactly: as floats, then as Decimal where floats cannot tell."""
    import numpy as np  # noqa: PLC0415
    import pandas as pd  # noqa: PLC0415
    import pyarrow as pa  # noqa: PLC0415

    try:  # pyarrow reads the plain forms 20 times faster than pd.to_numeric
        floats = pa.array(cleaned, type=pa.string(), from_pandas=True).cast(pa.float64())
        numbers = pd.Series(floats.to_numpy(zero_copy_only=False), index=cleaned.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # pragma: no cover - plain forms are valid floats
        numbers = pd.to_numeric(cleaned, errors="coerce")
    bound = float(limit)
    above = numbers > bound
    unsure = cleaned.notna() & ~(np.isfinite(numbers) & ((numbers - bound).abs() > abs(bound) * 1e-9))
    if unsure.any():
        above[unsure] = [Decimal(cell) > limit for cell in cleaned[unsure]]
    return above


def _dates(column: Column, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    cache: dict[str, str | None] = {}

    def one(cell: str) -> str | None:
        if cell not in cache:
            try:
                typed = parse_cell(replace(column, none_ok=False), cell) if cell else None
                cache[cell] = typed.isoformat() if isinstance(typed, date) else None
            except ValueError:
                cache[cell] = None
        return cache[cell]

    value = text.map(one)
    return value, value.isna()


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
