"""Cell checks on whole columns at once (pandas string operations), for sheets of a million rows.

`check_frame` normalizes every cell of a batch the way `columns.parse_cell` types it, but column by column
instead of cell by cell; only the cells it finds bad go through `parse_cell` again, for its exact message. The
normalized text of a cell is what the journal keeps: blank is None, `none` (where allowed) is "none", a
decimal its cleaned digits, a choice its canonical spelling, a date ISO; `decode` turns it back into the typed
value of `parse_cell`.
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
    parse_cell,
)
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


def _decimals(column: Column, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    import pandas as pd  # noqa: PLC0415

    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(r"^[$€£]", "", regex=True)
    european = cleaned.str.contains(",", regex=False) & ~cleaned.str.contains(".", regex=False) \
        & (cleaned.str.count(",") == 1)
    cleaned = cleaned.where(~european, cleaned.str.replace(",", ".", regex=False))
    numbers = pd.to_numeric(cleaned.where(cleaned.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")),
                            errors="coerce")
    limit = float(column.max_value) if column.max_value is not None else float("inf")
    invalid = numbers.isna() | (numbers < 0) | (numbers > limit) | (numbers == float("inf"))
    return cleaned, invalid


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
