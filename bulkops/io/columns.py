"""Input columns → typed rows and RowErrors (pure): every problem names the file, the row and the column.

A schema lists the columns a job understands, with the names people actually type (`sku` for `productId`,
`bid` for `bidOverride`, `line_item_id` ...). Headers are matched without regard to case, spaces, `_` or `-`.
A missing required column, or an unknown one that looks like a typo of a known one, makes the whole file
unusable (one InputError, exit 2, nothing sent); other unknown columns are kept and carried to the reports.
Cells are then checked one by one: a bad cell is a RowError for its row, and nothing is sent for that row.

Numbers are read as people type them (`_money`): spaces (also no-break, thin ...) around the number, a `+` or
`-` sign, and one currency sign or code before or after it (`€1.20`, `1.20 €`, `EUR 1.20`) are decoration and
dropped: nothing is converted, so the currency must be the account's. A single `.` or `,` marks the decimals
(`1.20`, `1,20`); with both, the last one does and the other groups thousands (`1.234,50`, `1,234.50`), and so
do spaces, `'` or a repeated `.` or `,` (`1 234,50`, `1'234.50`, `1.234.567`), always by three digits. One
comma followed by exactly three digits (`1,234`) could be either, and is refused as ambiguous. So is one dot
followed by exactly three digits (`2.500`: 2.5, or 2500 where a `;`-separated file groups thousands with dots)
when the column takes both values (a budget); where the whole reading is above the column's maximum (a bid of
at most 100), the dot marks the decimals. bulkops writes such numbers with a fourth decimal (`2.1250`).
A long id that Excel stored as a number (`2.46570E+18`) has lost its last digits and is refused with how to get
it back.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

from bulkops.errors import InputError, MisnamedColumn, echo
from bulkops.types import RowError

ROW_NUMBER = "__bulkops_row__"  # where a record carries its spreadsheet row (the readers put it there)
NONE_WORDS = ("none", "null", "no override")  # cells that mean "no value" where a column allows it
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


def normalize(header: str) -> str:
    """The form headers are compared in: lower case, no spaces, `_` or `-`."""
    return re.sub(r"[\s_\-]+", "", str(header).strip().lower())


@dataclass(frozen=True, slots=True)
class Column:
    """One input column a job understands."""

    name: str  # the canonical name, as in files written by bulkops
    kind: str = "text"  # id | decimal | choice | date | text
    required: bool = False  # the column must be in the file
    blank_ok: bool = True  # an empty cell is allowed (it then means "leave as is")
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    max_value: Decimal | None = None  # above this a number is absurd
    none_ok: bool = False  # "none"/"null" is a value: no override, no end date, no cap
    max_length: int = 100  # ids longer than this are refused (no API takes them; they would only be echoed back)
    digits: bool = False  # ids made of digits alone (a Retail Media line item's): 5e7 or 50000000.5 are none

    def matches(self, header: str) -> bool:
        """Does a file's header name this column?"""
        return normalize(header) in {normalize(n) for n in (self.name, *self.aliases)}


@dataclass(frozen=True, slots=True)
class Schema:
    """The columns of one job, the row key for duplicate checks, and columns it ignores on purpose."""

    columns: tuple[Column, ...]
    key: tuple[str, ...]
    ignored: tuple[str, ...] = ()  # columns of bulkops' own exports and reports: accepted, not used
    selector: str | None = None  # a column saying which kind of row this is (an export's `entity`): rows of
    #                              another kind are skipped before any check (the job says which, and why)
    values: tuple[str, ...] = ()  # columns that change something: a file with none of them has nothing to do
    baseline: str | None = None  # a column an export writes with each row's values as read (see `baseline`)
    # A job that acts on the rows it is given (pause): (column, value). An export fed back acts only on the rows whose
    # column was set to that value since (see `unchanged`): the export lists every row of an account.
    acts_on: tuple[str, str] | None = None
    # Columns an export carries that this job does not set, with who does: (column, where). An edit there fails the
    # row (`edited_elsewhere`) rather than go unseen.
    set_elsewhere: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        """The column with this canonical name."""
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True, slots=True)
class Header:
    """How a file's headers map onto a schema."""

    mapping: Mapping[str, str]  # canonical name → the file's header
    extra: tuple[str, ...]  # the file's columns the job does not use (kept in the reports)


@dataclass(frozen=True, slots=True)
class Row:
    """One input row, checked: canonical name → typed value (absent when the cell was blank)."""

    row_number: int
    values: Mapping[str, Any] = field(default_factory=dict)
    baseline: Mapping[str, Any] | None = None  # an exported row's values as read then (typed), when it carries them

    def get(self, name: str, default: Any = None) -> Any:
        """A value, or `default` when the cell was blank or the column absent."""
        return self.values.get(name, default)


class Blank:
    """The value of a "none" cell, where a column allows it: no override, no end date, no cap."""

    _instance: Blank | None = None

    def __new__(cls) -> Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NONE"


NONE = Blank()

# The column an export writes with each row's editable values as read (compact JSON): fed back, a row whose
# values are still those is skipped as unchanged, and an edited row whose live value moved since is a conflict.
BASELINE = Column("asExported", "text", aliases=("as exported", "exported values"))


def mapped(headers: Iterable[str], schema: Schema) -> dict[str, str]:
    """Which of a schema's columns a file's headers name (canonical name → header), without judging the file."""
    found: dict[str, str] = {}
    for header in headers:
        column = next((c for c in schema.columns if c.matches(header)), None)
        if column is not None:
            found.setdefault(column.name, header)
    return found


def needed(schema: Schema, required: Iterable[str] = ()) -> tuple[str, ...]:
    """The columns a file must have for a job: the schema's required ones and those the run `required`."""
    return tuple(dict.fromkeys([*(c.name for c in schema.columns if c.required), *required]))


def names_columns(cells: Iterable[str], schema: Schema, required: Iterable[str] = ()) -> bool:
    """Could these cells be a file's header for this job: they name every column it needs, and at least one."""
    found = mapped(cells, schema)
    return bool(found) and all(name in found for name in needed(schema, required))


def match_header(path: str, headers: Iterable[str], schema: Schema, *, required: Iterable[str] = ()) -> Header:
    """Map a file's headers onto the schema, or raise one InputError that says what is wrong and what to do."""
    headers = list(headers)
    mapping: dict[str, str] = {}
    extra: list[str] = []
    for header in headers:
        column = next((c for c in schema.columns if c.matches(header)), None)
        if column is None:
            extra.append(header)
        elif column.name in mapping:
            raise MisnamedColumn(path, f"columns {mapping[column.name]!r} and {header!r} both mean {column.name!r};"
                                       " keep one")
        else:
            mapping[column.name] = header
    for header in extra:
        typo = _did_you_mean(header, schema, mapping)
        if typo and normalize(header) not in {normalize(i) for i in schema.ignored}:
            raise MisnamedColumn(path, f"unknown column {header!r}: did you mean {typo!r}?{_known(schema)}")
    needed = [c.name for c in schema.columns if c.required] + [n for n in required if n not in mapping]
    missing = [n for n in dict.fromkeys(needed) if n not in mapping]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(map(repr, missing))}; the file has"
                               f" {', '.join(map(repr, headers))}{_known(schema)}")
    return Header(mapping, tuple(extra))


def check_rows(path: str, records: Iterable[Mapping[str, Any]], schema: Schema,
               header: Header) -> Iterator[Row | list[RowError]]:
    """Each record (file header → text, plus the row number under `ROW_NUMBER`) as a typed Row, or its errors."""
    for record in records:
        number = int(record[ROW_NUMBER])
        values: dict[str, Any] = {}
        errors: list[RowError] = []
        baseline: dict[str, Any] | None = None
        for name, file_header in header.mapping.items():
            text = str(record.get(file_header) or "").strip()
            try:
                if name == schema.baseline:
                    baseline = parse_baseline(schema, text)
                    continue
                value = parse_cell(schema.column(name), text)
            except ValueError as exc:
                errors.append(RowError(path, number, file_header, _code(exc), _message(exc)))
                continue
            if value is not None:
                values[name] = value
        yield errors if errors else Row(number, values, baseline)


BASELINE_HELP = "leave it as the export wrote it, or delete the column"


def encode_baseline(values: Mapping[str, Any]) -> str:
    """An export row's editable values as read, for its baseline column (compact JSON of cell texts)."""
    from bulkops.io.writers import cell_text  # noqa: PLC0415 - writers import pyarrow; the export has it loaded

    return json.dumps({k: None if v is None else cell_text(v) for k, v in values.items()}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=False)


def parse_baseline(schema: Schema, text: str) -> dict[str, Any] | None:
    """A baseline cell → canonical name → typed value as read then; None when blank."""
    if not text:
        return None
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
        raise ValueError(f"bad-baseline: {schema.baseline} is not what bulkops' export wrote; {BASELINE_HELP}")
    found: dict[str, Any] = {}
    for name, cell in raw.items():
        known = next((c for c in schema.columns if c.name == name), None)
        if known is None:
            continue
        try:
            found[name] = None if cell is None else parse_cell(replace(known, blank_ok=True), str(cell), written=True)
        except ValueError:
            raise ValueError(f"bad-baseline: {schema.baseline} holds {name} {str(cell)[:40]!r}; {BASELINE_HELP}")\
                from None
    return found


def unchanged(row: Row, schema: Schema) -> bool:
    """An exported row fed back as it was: every value column it carries is still what the export read.

    For a job that sets values from cells (`Schema.values`). For a job that acts on the rows it is given
    (`Schema.acts_on`, pause), an exported row fed back is unchanged unless its column was set to the job's value
    since (status → paused): fed back whole, an export must not pause every product of an account. (An export
    from before it carried that column cannot tell: the checks fail its rows, `export-too-old`.)
    """
    if row.baseline is None:
        return False
    if schema.acts_on is not None:
        column, value = schema.acts_on
        if column not in row.baseline:
            return False
        now, was = _text(row.values.get(column)), _text(row.baseline.get(column))
        return not (now == value.lower() and was != value.lower())
    if not schema.values:
        return False
    compared = [name for name in schema.values if name in row.baseline]
    return bool(compared) and all(same_value(row.values.get(n), row.baseline.get(n)) for n in compared)


def another_platforms(headers: Iterable[str], columns: Iterable[str], theirs: str, ours: str) -> str | None:
    """Why a file is refused whole when it has columns only another platform's files have (`columns`): its ids
    are that platform's, and one equal to an id of this platform would change the wrong thing. None otherwise."""
    names = {normalize(c) for c in columns}
    found = [h for h in headers if normalize(h) in names]
    if not found:
        return None
    return (f"its columns ({', '.join(repr(h) for h in found[:3])}) are a {theirs} file's: its ids are {theirs}"
            f" ids, not {ours} ones")


def other_entity(row: Row, wanted: str, verb: str, changed_by: Mapping[str, str]) -> str | None:
    """Why an export row of another entity is skipped (with what changes such rows: `changed_by`, entity → words),
    or None when it is a `wanted` row (or has no entity)."""
    entity = row.get("entity")
    if entity is None or str(entity).lower() == wanted.lower():
        return None
    where = {k.lower(): v for k, v in changed_by.items()}.get(str(entity).lower())
    return f"a {entity} row: {verb} acts on {wanted} rows" + (f" ({where})" if where else "")


def edited_elsewhere(row: Row, schema: Schema) -> tuple[str, str] | None:
    """(column, what to say) when an exported row fed back has an edit this job does not make: a column it does
    not set (`Schema.set_elsewhere`), or, for a job that acts on rows (`Schema.acts_on`), its column set to
    another value than the job's (status → active, fed to pause). A blank cell is no edit."""
    if row.baseline is None:
        return None
    for column, where in schema.set_elsewhere:
        if column in row.baseline and edited(row.values.get(column), row.baseline.get(column)):
            now, was = _shown(row.values.get(column)), _shown(row.baseline.get(column))
            return column, (f"{column} was edited since the export ({was or 'blank'} → {now}), and this job does"
                            f" not change it: {where}; or put back {was or 'a blank'} to send the rest of the row")
    if schema.acts_on is not None and schema.acts_on[0] in row.baseline:
        column, value = schema.acts_on
        now, was = _shown(row.values.get(column)), _shown(row.baseline.get(column))
        if now and now.lower() != was.lower() and now.lower() != value.lower():
            return column, (f"{column} was edited since the export ({was or 'blank'} → {now}), but this run acts on"
                            f" the rows set to {value}: feed the file to the verb that makes it {now} as well")
    return None


def edited(now: Any, was: Any) -> bool:
    """A cell changed since the export (a blank one never is): text without regard to case, values as values
    (1.50 is 1.5), and a text column's numbers too (a cap of 245 that pandas saved back as 245.0, or as 245,0
    with a decimal comma, is no edit)."""
    if now is None:
        return False
    if isinstance(now, str) and (was is None or isinstance(was, str)):
        if now.strip().lower() == (was or "").strip().lower():
            return False
        numbers = _plain_number(now), _plain_number(was or "")
        return None in numbers or numbers[0] != numbers[1]
    return not same_value(now, was)


_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


def _plain_number(text: str) -> Decimal | None:
    """A number written plainly (245, 245.0, 245,0), or None."""
    text = text.strip()
    return Decimal(text.replace(",", ".")) if _PLAIN_NUMBER.fullmatch(text) else None


def _text(value: Any) -> str:
    return _shown(value).lower()


def _shown(value: Any) -> str:
    """A cell as the user wrote it (or the export did), for a message: compared case aside, said as written."""
    return "" if value is None else str(value).strip()


def same_value(a: Any, b: Any) -> bool:
    """Two cells' values are the same: both blank or "none", equal, or numbers equal to 12 significant digits (an
    XLSX cell keeps 15 of the 17 digits a value was exported with: 1.610000014305115 is 1.6100000143051147)."""
    if (a is None or a is NONE) and (b is None or b is NONE):
        return True
    if isinstance(a, int | float | Decimal) and isinstance(b, int | float | Decimal) and \
            not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12)
    return bool(a == b)



def parse_cell(column: Column, text: str, *, written: bool = False,  # noqa: PLR0911 - one return per kind
               dates: str | None = None) -> Any:
    """A cell's text → its typed value, None for blank; ValueError("code: message") when it is not valid.
    `written`: the text is a program's (an export's `asExported`, a value the API returned), whose dot only ever
    marks the decimals (2.125 is never ambiguous there). `dates`: the order of the file's local dates
    (`DAY_FIRST`, `MONTH_FIRST`, as `dates_order` learns it), for one such as 11/6/2026 that does not tell."""
    if text == "":
        if not column.blank_ok:
            raise ValueError(f"missing-value: {column.name} is empty")
        return None
    if column.none_ok and text.lower() in NONE_WORDS:
        return NONE
    if column.kind == "id":
        return _id(column, text)
    if column.kind == "decimal":
        return _decimal(column, text, written)
    if column.kind == "choice":
        return _choice(column, text)
    if column.kind == "date":
        return _date(column, text, dates)
    return text


def duplicates(rows: list[Row], key: tuple[str, ...], path: str) -> tuple[list[Row], list[tuple[int, str, str]]]:
    """Rows to act on, and (row, code, message) for the others: exact repeats are skipped (done once),
    rows with the same key but other values all fail, since no one can tell which one was meant."""
    groups: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(k) for k in key), []).append(row)
    keep: list[Row] = []
    settled: list[tuple[int, str, str]] = []
    for k, group in groups.items():
        first = group[0]
        if all(dict(r.values) == dict(first.values) for r in group):
            keep.append(first)
            settled += [(r.row_number, "duplicate", f"same as row {first.row_number}; done once") for r in group[1:]]
            continue
        numbers = [r.row_number for r in group]
        for r in group:
            others = ", ".join(str(n) for n in numbers if n != r.row_number)
            settled.append((r.row_number, "duplicate-conflict",
                            f"{path}, row {r.row_number}: {_key_text(key, k)} is also on row(s) {others}"
                            " with other values; keep one"))
    keep.sort(key=lambda r: r.row_number)
    return keep, settled


def _key_text(key: tuple[str, ...], values: tuple[Any, ...]) -> str:
    return ", ".join(f"{k} {v}" for k, v in zip(key, values, strict=True) if v is not None)


# How Excel shows a long number (2.46570E+18), or a program writes one (5.0000025E7): never an id, digits lost.
# (A SKU may be 9e5: without a decimal point or a plus, it stays an id.)
_EXCEL_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+[eE]\+?|[eE]\+)[0-9]+")


def _id(column: Column, text: str) -> str:
    if text.endswith(".0") and text[:-2].isdigit():  # a numeric id that went through a float somewhere
        text = text[:-2]
    if len(text) > column.max_length:
        raise ValueError(f"too-long: {column.name} is {len(text)} characters long; ids are at most"
                         f" {column.max_length} ({echo(text)})")
    if _EXCEL_NUMBER.fullmatch(text):
        raise ValueError(f"id-as-number: {column.name} {echo(text)} is a number, not an id: Excel stored the id"
                         " as a number, written in scientific notation (which keeps 15 digits at most); format the"
                         " column as Text, then type (or paste) the ids again")
    if not _ID.match(text):
        raise ValueError(f"invalid-id: {column.name} {echo(text)} is not an id (letters, digits, . _ : - only,"
                         " starting with a letter or digit)")
    if column.digits and not text.isdigit():
        raise ValueError(f"invalid-id: {column.name} {echo(text)} is not an id: a {column.name} is digits alone")
    return text


# Money as people type it: the rules are in the module docstring, and `_money` applies them.
_SPACES = " \t\u00a0\u2007\u2009\u202f"  # space, tab, no-break, figure, thin and narrow no-break spaces
_CURRENCY = r"[$€£¥]|(?i:eur|usd|gbp|chf|jpy|cad|aud|sek|nok|dkk|pln|czk|huf|ron|brl|mxn|inr)"
_MONEY = re.compile(
    rf"(?P<sign>[+\-\u2212])?[{_SPACES}]*(?:(?P<before>{_CURRENCY})[{_SPACES}]*)?(?P<sign2>[+\-\u2212])?[{_SPACES}]*"
    rf"(?P<number>[0-9.,](?:[0-9.,'\u2019{_SPACES}]*[0-9.,])?)(?P<exponent>[eE][+-]?[0-9]+)?"
    rf"[{_SPACES}]*(?P<after>{_CURRENCY})?")
_GROUPED = {g: re.compile(rf"[0-9]{{1,3}}(?:{re.escape(g)}[0-9]{{3}})+") for g in ".,' "}
NUMBER_HELP = ("write it like 1.25 or 1,25; a currency (€, $, EUR ...) may stand before or after it, and thousands"
               " may be grouped as in 1 234,50, 1.234,50 or 1,234.50")


def _money(column: Column, text: str) -> str:
    """A number cell as typed → its plain form (digits, at most one `.`, the sign and exponent as typed), which
    `Decimal` reads; ValueError("code: message") when it is not a number, or when its comma is ambiguous."""
    found = _MONEY.fullmatch(text.strip())
    if found is None or (found["sign"] and found["sign2"]) or (found["before"] and found["after"]):
        raise ValueError(f"not-a-number: {column.name} {echo(text)} is not a number; {NUMBER_HELP}")
    sign = (found["sign"] or found["sign2"] or "").replace("\u2212", "-")
    number = re.sub(f"[{_SPACES}]+", " ", found["number"]).replace("\u2019", "'")
    dot, comma = number.rfind("."), number.rfind(",")
    # With both, the last marks the decimals (the other groups thousands); one of them, once, marks them too.
    if (dot >= 0 and comma >= 0) or number.count(".") == 1 or number.count(",") == 1:
        mark = max(dot, comma)
    else:  # none, or one of them repeated: they group thousands
        mark = -1
    whole, fraction = (number[:mark], number[mark + 1:]) if mark >= 0 else (number, "")
    separators = set(whole) - set("0123456789")
    if len(separators) > 1 or not set(fraction) <= set("0123456789") or not (whole or fraction) or (
            separators and (found["exponent"] or not _GROUPED[separators.pop()].fullmatch(whole))):
        raise ValueError(f"not-a-number: {column.name} {echo(text)} is not a number; {NUMBER_HELP}")
    digits = re.sub("[^0-9]", "", whole)
    if mark >= 0 and len(fraction) == 3 and not found["exponent"] and re.fullmatch("[1-9][0-9]{0,2}", whole) and (
            number[mark] == "," or (number.count(".") == 1 and _thousands_fit(column, whole + fraction))):
        raise ValueError(_ambiguous(column, text, whole, fraction))
    return f"{sign}{digits}{'.' if mark >= 0 else ''}{fraction}{found['exponent'] or ''}"


def _thousands_fit(column: Column, digits: str) -> bool:
    """Could the digits, read whole, be a value of the column (under its maximum)?"""
    return column.max_value is None or Decimal(digits) <= column.max_value


def _ambiguous(column: Column, text: str, whole: str, fraction: str) -> str:
    """`ambiguous-number`, with a way to write each reading that no reader can take two ways."""
    thousands, kept = f"{whole}{fraction}", fraction.rstrip("0")
    decimal = f"{whole}.{kept}" if kept else whole
    if len(kept) == 3 and _thousands_fit(column, thousands):
        decimal += "0"  # 1.2340: four decimals, never thousands
    return (f"ambiguous-number: {column.name} {echo(text)} is ambiguous: is it {whole}.{fraction} or {thousands}?"
            f" Write {decimal} for the decimal number, or {thousands} (no separator) for the whole one")


_WRITTEN = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")  # a number as a program writes it


# Significant digits a number keeps, as Excel keeps them: past them, a decimal text is the noise of floating-point
# arithmetic (a bid multiplied in pandas and saved as 3.2450000000000006 means 3.245).
SIGNIFICANT = 15
_KEEP = Context(prec=SIGNIFICANT, Emax=MAX_EMAX, Emin=MIN_EMIN)  # a 2 MB cell of digits is too large, not an error


def without_noise(plain: str) -> str:
    """A plain number's text (digits, one dot, a sign, an exponent) in positional notation (1e1 → 10, within 30
    places) with at most `SIGNIFICANT` significant digits: rounded there, trailing zeros of its decimals dropped
    (3.2450000000000006 → 3.245); any other text as it is."""
    exponent = _EXPONENT.search(plain)
    if exponent is not None and abs(int(exponent.group(1))) <= 30 \
            and _PLAIN_DECIMAL.fullmatch(plain[:exponent.start()]):
        plain = format(Decimal(plain), "f")
    if sum(c.isdigit() for c in plain) <= SIGNIFICANT or not _PLAIN_DECIMAL.fullmatch(plain):
        return plain
    value = Decimal(plain)
    if len(value.as_tuple().digits) <= SIGNIFICANT:  # leading zeros: 0.000000000000000125 is three digits
        return plain
    kept = format(_KEEP.plus(value), "f")
    return kept.rstrip("0").rstrip(".") if "." in kept else kept


_PLAIN_DECIMAL = re.compile(r"[+-]?[0-9]*\.?[0-9]+")
_EXPONENT = re.compile(r"[eE]([+-]?[0-9]+)$")


def _decimal(column: Column, text: str, written: bool = False) -> Decimal:
    plain = text if written and _WRITTEN.fullmatch(text) else _money(column, text)
    value = Decimal(without_noise(plain))
    if value < 0:
        raise ValueError(f"negative: {column.name} {echo(text)} is negative")
    if column.max_value is not None and value > column.max_value:
        raise ValueError(f"too-large: {column.name} {echo(text)} is above {column.max_value}; is it a typo?")
    return value


def _choice(column: Column, text: str) -> str:
    for choice in column.choices:  # as headers are: `Set Bid`, `set_bid` and `SET-BID` are set-bid
        if normalize(text) == normalize(choice):
            return choice
    raise ValueError(f"not-a-choice: {column.name} {echo(text)} is not one of {', '.join(column.choices)}")


# A date as Excel saves it back into a CSV file in the user's locale: 11/6/2026 (month first: the US), 6/11/2026
# or 6-11-2026 (day first: most of Europe), 06.11.2026 (always day first), at times with a midnight after it.
_LOCAL_DATE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})(?:[ T]0?0:00(?::00)?)?")
DAY_FIRST, MONTH_FIRST = "day-first", "month-first"


def date_order(text: str) -> str | None:
    """The order a local date shows by itself: day first (dots; a first number above 12), month first (a second
    number above 12); None when it tells nothing (11/6/2026, 6/6/2026, an ISO date, not a date)."""
    found = _LOCAL_DATE.fullmatch(text.strip())
    if found is None:
        return None
    first, second = int(found[1]), int(found[3])
    if found[2] == "." or first > 12 >= second:
        return DAY_FIRST
    return MONTH_FIRST if second > 12 >= first else None


def exported_order(text: str, exported: Any) -> str | None:
    """The order a local date shows next to the date an export wrote for it (ISO): the one whose reading is that
    date, when only one is (an unedited cell of an export that Excel saved back)."""
    found = _LOCAL_DATE.fullmatch(text.strip()) if isinstance(exported, str) else None
    if found is None:
        return None
    year, first, second = found[4], int(found[1]), int(found[3])
    readings = {MONTH_FIRST: _iso(int(year), first, second), DAY_FIRST: _iso(int(year), second, first)}
    matching = [order for order, iso in readings.items() if iso == exported[:10]]
    return matching[0] if len(matching) == 1 else None


def dates_order(told: Iterable[str | None]) -> str | None:
    """The order of a file's local dates, from what its dates tell (`date_order`, `exported_order`): None when
    nothing tells, or when they disagree."""
    orders = {order for order in told if order is not None}
    return orders.pop() if len(orders) == 1 else None


def _date(column: Column, text: str, dates: str | None = None) -> date:
    candidate = text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?$", text) else text
    try:
        return date.fromisoformat(candidate)
    except ValueError:
        pass
    for fmt in ("%Y/%m/%d",):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    local = _LOCAL_DATE.fullmatch(text)
    if local is not None:
        first, second, year = int(local[1]), int(local[3]), int(local[4])
        order = date_order(text) or (DAY_FIRST if first == second else dates)
        if order is None:
            raise ValueError(f"ambiguous-date: {column.name} {echo(text)} is ambiguous:"
                             f" {_iso(year, first, second)} (month first) or {_iso(year, second, first)} (day first)?"
                             " No other date of the file tells; write it as yyyy-mm-dd")
        try:
            return date(year, first, second) if order == MONTH_FIRST else date(year, second, first)
        except ValueError:
            pass
    raise ValueError(f"bad-date: {column.name} {echo(text)} is not a date; write it as yyyy-mm-dd")


def _iso(year: int, month: int, day: int) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}"


def _code(exc: ValueError) -> str:
    return str(exc).split(":", 1)[0]


def _message(exc: ValueError) -> str:
    return str(exc).split(":", 1)[1].strip()


def _did_you_mean(header: str, schema: Schema, mapping: Mapping[str, str]) -> str | None:
    names = {normalize(n): c.name for c in schema.columns if c.name not in mapping for n in (c.name, *c.aliases)}
    close = difflib.get_close_matches(normalize(header), list(names), n=1, cutoff=0.8)
    return names[close[0]] if close else None


def _known(schema: Schema) -> str:
    return "; columns understood: " + ", ".join(
        c.name + (f" (or {', '.join(c.aliases[:3])})" if c.aliases else "") for c in schema.columns)
