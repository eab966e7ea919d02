"""Values as people type them: money with currency signs and separators, long ids Excel stored as numbers.

Every cell is checked both ways a run can check it, per cell (`columns.parse_cell`, through `check_rows`) and
column-wise (`vector.check_frame`), and both must give the same value or the same error.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bulkops
from bulkops.io.columns import NONE, ROW_NUMBER, Column, Header, Schema, check_rows, parse_baseline, parse_cell
from bulkops.io.vector import check_frame, decode
from bulkops.io.writers import cell_text
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, read_csv, write_csv

BID = Column("bidOverride", "decimal", max_value=Decimal("100"), none_ok=True)
AMOUNT = Column("amount", "decimal")  # no upper limit, no "none"
SKU = Column("productId", "id", required=True, blank_ok=False)
LINE_ITEM = Column("lineItemId", "id", required=True, blank_ok=False, digits=True)


def per_cell(column: Column, cells: list[str]) -> list[Any]:
    """Each cell's typed value, or ("error", code, message), as `check_rows` gives them."""
    schema = Schema((column,), key=(column.name,))
    records = [{ROW_NUMBER: n, column.name: cell} for n, cell in enumerate(cells, start=2)]
    found: list[Any] = []
    for row in check_rows("in.csv", records, schema, Header({column.name: column.name}, ())):
        if isinstance(row, list):
            found.append(("error", row[0].code, row[0].message))
        else:
            found.append(row.get(column.name))
    return found


def vectorized(column: Column, cells: list[str]) -> list[Any]:
    """The same, through `check_frame` and `decode`."""
    schema = Schema((column,), key=(column.name,))
    frame = pa.table({ROW_NUMBER: pa.array(range(2, len(cells) + 2), pa.int64()),
                      column.name: pa.array(cells, pa.string())})
    out, errors = check_frame("in.csv", frame, schema, Header({column.name: column.name}, ()))
    by_row = {e.row_number: ("error", e.code, e.message) for e in errors}
    values = dict(zip(out.column(ROW_NUMBER).to_pylist(), out.column(column.name).to_pylist(), strict=True))
    return [by_row[n] if n in by_row else decode(column, values[n]) for n in range(2, len(cells) + 2)]


def both(column: Column, text: str) -> Any:
    """A cell's result, after checking both paths give it."""
    [one], [other] = per_cell(column, [text]), vectorized(column, [text])
    assert one == other and str(one) == str(other)
    return one


@pytest.mark.parametrize("text", [
    "1.20", "1,20", "1.2", "1,2", "+1.20", ",12e1", "0,12e1",
    "1.20 €", "1.20€", "€1.20", "€ 1.20", "€1,20", "$1.20", "£1.20", "¥1.20", "1.20 $",
    "EUR 1.20", "EUR1,20", "eur 1.20", "1.20 USD", "1,20 EUR", "1.20 CHF",
    "\u00a01.20\u00a0€", "1.20\u00a0€", "€\u20091,20", "\u202f1,20\u202fEUR", " 1.20 ",
])
def test_money_reads_as_the_number(text: str) -> None:
    assert both(BID, text) == Decimal("1.2")


@pytest.mark.parametrize(("text", "value"), [
    ("1.234,50", "1234.5"), ("1,234.50", "1234.5"), ("1 234,50", "1234.5"), ("1\u00a0234,50", "1234.5"),
    ("1\u2009234,50", "1234.5"), ("1\u202f234.50", "1234.5"), ("1'234.50", "1234.5"), ("€1.234,50", "1234.5"),
    ("1,234,567.5", "1234567.5"), ("1.234.567", "1234567"), ("1,234,567", "1234567"), ("1 234", "1234"),
    ("12 345 678,9 EUR", "12345678.9"),
    ("1.2340", "1.234"), ("1.23", "1.23"), ("0.234", "0.234"),  # a dot marks the decimals, unless ...
    ("0,234", "0.234"), ("1234,567", "1234.567"), (",5", "0.5"), ("5.", "5"), ("1,5E-05", "0.000015"),
])
def test_thousands_separators(text: str, value: str) -> None:
    assert both(AMOUNT, text) == Decimal(value)


@pytest.mark.parametrize(("text", "read", "decimal", "whole"), [
    ("1,234", "1.234", "1.2340", "1234"), ("12,345", "12.345", "12.3450", "12345"),
    ("€ 999,000", "999.000", "999", "999000"), ("2,500", "2.500", "2.5", "2500"),
])
def test_a_comma_before_three_digits_is_ambiguous(text: str, read: str, decimal: str, whole: str) -> None:
    _, code, message = both(AMOUNT, text)
    assert code == "ambiguous-number"
    assert message == (f"amount {text!r} is ambiguous: is it {read} or {whole}? Write {decimal} for the decimal"
                       f" number, or {whole} (no separator) for the whole one")


@pytest.mark.parametrize(("text", "decimal", "whole"), [
    ("2.500", "2.5", "2500"), ("1.000", "1", "1000"), ("€12.345", "12.3450", "12345"), ("100.125 EUR", "100.1250",
                                                                                          "100125"),
])
def test_a_dot_before_three_digits_is_ambiguous_where_the_whole_reading_fits(text: str, decimal: str,
                                                                              whole: str) -> None:
    """2.500 budget: 2.5, or 2500 as a `;`-separated (German, French ...) file groups thousands? Asked, never
    guessed; a bid (at most 100) cannot be 2500, so there the dot marks the decimals."""
    _, code, message = both(AMOUNT, text)
    assert code == "ambiguous-number" and f"Write {decimal} for the decimal number, or {whole} (no" in message
    assert both(BID, text.replace("100.125", "10.125")) == Decimal(text.replace("100.125", "10.125").strip(
        "€ EUR"))
    assert both(AMOUNT, "0.500") == Decimal("0.5") and both(AMOUNT, "2.5000") == Decimal("2.5")


def test_bulkops_writes_no_number_a_reader_could_take_two_ways() -> None:
    assert [cell_text(v) for v in (2.125, 100.125, -1.5, 2.5, 1234.567, 0.125)] == \
        ["2.1250", "100.1250", "-1.5", "2.5", "1234.567", "0.125"]
    assert all(both(AMOUNT, cell_text(v)) == Decimal(str(v)) for v in (2.125, 100.125, 2.5, 1234.567))


@pytest.mark.parametrize("text", [
    "abc", "€", "EUR", "1 2", "1 23,5", "1,2,3", "1.2.3", "1.234.5,6", "1 234.567,8", "1,23 4", "1, 20", "1 ,20",
    "€1.20 USD", "--1", "-€-1", "1.20-", "1e", "e5", "1_000", "NaN", "Infinity", "1,234.567.8", "1.234,567,8",
    "١٢", "1 234e3", "1.234.567e2", "12,34,567",
])
def test_what_is_not_a_number_says_how_to_write_one(text: str) -> None:
    _, code, message = both(AMOUNT, text)
    assert code == "not-a-number"
    assert message == (f"amount {text!r} is not a number; write it like 1.25 or 1,25; a currency (€, $, EUR ...)"
                       " may stand before or after it, and thousands may be grouped as in 1 234,50, 1.234,50 or"
                       " 1,234.50")


@pytest.mark.parametrize("text", ["-1.20", "-€1,20", "€-1,20", "- 1.20 EUR", "\u22121.20", "-0.001", "-1 234,5"])
def test_a_negative_sign_is_still_refused(text: str) -> None:
    assert both(BID, text) == ("error", "negative", f"bidOverride {text!r} is negative")


@pytest.mark.parametrize("text", ["-0", "-0,00", "-0e5", "€ -0.00"])
def test_minus_zero_is_zero(text: str) -> None:
    assert both(BID, text) == 0


@pytest.mark.parametrize("text", ["100,01", "€150", "1.234,50", "100.000000000001", "1e400", "101 EUR"])
def test_the_maximum_still_holds(text: str) -> None:
    assert both(BID, text) == ("error", "too-large", f"bidOverride {text!r} is above 100; is it a typo?")


@pytest.mark.parametrize("text", ["100", "100,00", "€100", "1e2", "99.9999999999999999999",
                                  "100.0000000000000000001"])  # 15 significant digits, as Excel keeps: 100
def test_the_maximum_itself_is_fine(text: str) -> None:
    assert both(BID, text) <= 100


def test_no_limit_means_no_limit() -> None:
    assert both(AMOUNT, "1e400") == Decimal("1e400")


@pytest.mark.parametrize("text", ["none", "None", "null", "no override"])
def test_none_still_clears(text: str) -> None:
    assert both(BID, text) is NONE


@pytest.mark.parametrize("text", ["2.465695028166499e+18", "2.46570E+18", "2,46570E+18", "9E+15", "5.0000025E7",
                                  "5,0000025e7"])
def test_an_id_excel_stored_as_a_number_says_how_to_get_it_back(text: str) -> None:
    assert both(SKU, text) == ("error", "id-as-number",
                               f"productId {text!r} is a number, not an id: Excel stored the id as a number, written"
                               " in scientific notation (which keeps 15 digits at most); format the column as Text,"
                               " then type (or paste) the ids again")


@pytest.mark.parametrize(("text", "value"), [("2465695028166499000", "2465695028166499000"), ("123.0", "123"),
                                             ("1E5", "1E5"), ("sku-1.5e3", "sku-1.5e3"), ("9e5", "9e5")])
def test_ids_that_only_look_numeric_are_kept(text: str, value: str) -> None:
    assert both(SKU, text) == value


def test_other_bad_ids_keep_their_message() -> None:
    assert both(SKU, "a b")[1] == "invalid-id"


@pytest.mark.parametrize(("text", "value"), [("50000012", "50000012"), ("50000012.0", "50000012"),
                                             ("5e7", None), ("50000012.5", None), ("li1", None)])
def test_a_line_item_id_is_digits_alone(text: str, value: str | None) -> None:
    """A SKU may be 5e7; a line item id may not: a float column's 50000012.5, or 5e7, fails before anything is sent
    (it was sent, and came back as the API's 404)."""
    got = both(LINE_ITEM, text)
    assert got == value if value is not None else got[:2] == ("error", "invalid-id") and "digits alone" in got[2]


# Cells as people type them, and near misses: both paths must agree on every one.
_SPACE = st.sampled_from(["", "", " ", "\u00a0", "\u2009", "\u202f", "  ", "\t"])
_CURRENCY = st.sampled_from(["", "", "", "€", "$", "£", "EUR", "usd", "Chf", "R$", "EU"])
_SIGN = st.sampled_from(["", "", "", "-", "+", "\u2212", "--"])
_DIGITS = st.text("0123456789", min_size=0, max_size=5)
_GROUPED = st.builds(lambda head, groups, sep: head + "".join(sep + g for g in groups),
                     st.text("0123456789", min_size=1, max_size=4),
                     st.lists(st.text("0123456789", min_size=2, max_size=4), min_size=1, max_size=3),
                     st.sampled_from([".", ",", " ", "\u00a0", "\u202f", "'", "\u2019"]))
_NUMBER = st.builds(lambda whole, mark, fraction, exponent: whole + mark + fraction + exponent,
                    st.one_of(_DIGITS, _GROUPED), st.sampled_from(["", ".", ","]), _DIGITS,
                    st.sampled_from(["", "", "", "e3", "E+2", "e-400", "e400", "E"]))
_MONEY = st.builds(lambda *parts: "".join(parts), _SIGN, _SPACE, _CURRENCY, _SPACE, _SIGN, _NUMBER, _SPACE, _CURRENCY,
                   _SPACE)
_NOISE = st.text("0123456789.,'’ -+eE€$EURnoe\u00a0\u2009\u202f\u2212", max_size=12)
_CELLS = st.lists(st.one_of(_MONEY, _NOISE, st.sampled_from(["1,234", "100", "100.00", "none", "-0"])), min_size=1,
                  max_size=40)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # 3000 pass too (170 s)
@given(_CELLS)
def test_both_paths_agree_on_every_cell(cells: list[str]) -> None:
    for column in (BID, AMOUNT):
        one, other = per_cell(column, cells), vectorized(column, cells)
        for cell, a, b in zip(cells, one, other, strict=True):
            assert (a, str(a)) == (b, str(b)), cell


async def test_euro_comma_bid_lands_and_an_ambiguous_one_is_explained(sandbox: Sandbox, tmp_path: Path) -> None:
    li = line_items(sandbox, "auction", "active")[0]
    first, second = sorted(sandbox.control.retail_media.products(li))[:2]
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"],
                     [[li, first, "€1,20"], [li, second, "1,234 €"]])
    result = await bulkops.api.run("bids", path, connection=conn(sandbox),
                                   options=bulkops.api.RunSettings(run_dir=tmp_path / "run"))
    assert sandbox.control.retail_media.products(li)[first]["bidOverride"] == 1.2
    assert result.outcomes["succeeded"] == 1 and result.outcomes["failed"] == 1
    [error] = read_csv(result.files.errors)
    assert error["errorCode"] == "ambiguous-number"
    assert "'1,234 €' is ambiguous: is it 1.234 or 1234? Write 1.234 for the decimal number" in error["error"]


def test_a_number_a_program_wrote_is_never_ambiguous() -> None:
    """An export's asExported (written before bulkops wrote 2.1250) and a value the API returns: a dot there
    only ever marks the decimals."""
    assert parse_cell(AMOUNT, "100.125", written=True) == Decimal("100.125")
    assert parse_baseline(Schema((AMOUNT,), key=("amount",), baseline="asExported"),
                          '{"amount":"100.125"}') == {"amount": Decimal("100.125")}
    with pytest.raises(ValueError, match="ambiguous-number"):
        parse_cell(AMOUNT, "100.125")


def test_a_choice_is_matched_as_headers_are() -> None:
    """`Set Bid`, `SET_BID` and `set bid` are set-bid (case, spaces, `_` and `-` do not matter); a typo is not."""
    action = Column("action", "choice", choices=("set-bid", "add", "pause"))
    assert [both(action, t) for t in ("Set Bid", "SET_BID", "set bid", "Pause ")] == ["set-bid", "set-bid", "set-bid",
                                                                                  "pause"]
    assert both(action, "sett-bid")[:2] == ("error", "not-a-choice")


@pytest.mark.parametrize(("now", "then", "same"), [
    (Decimal("1.610000014305115"), 1.6100000143051147, True),  # an XLSX cell keeps 15 of the 17 digits exported
    (Decimal("1.50"), 1.5, True), (None, NONE, True), (2, Decimal("2.00"), True),
    (Decimal("1.61"), 1.6100000143051147, False), (Decimal("1.5"), None, False), ("active", "Active", False)])
def test_a_value_fed_back_is_the_same_as_exported_to_twelve_digits(now: Any, then: Any, same: bool) -> None:
    from bulkops.io.columns import same_value

    assert same_value(now, then) is same


@pytest.mark.parametrize(("text", "shown"), [("1e1", "10"), ("1.5E-1", "0.15"), ("3.2450000000000006", "3.245"),
                                             ("0.30000000000000004", "0.3"), ("2.1249999999999996", "2.125")])
def test_a_number_as_a_program_wrote_it_reads_as_people_write_it(text: str, shown: str) -> None:
    """Scientific notation is written out, and past 15 significant digits (a float's noise) it is rounded: the
    reports and the request show 10 and 3.245, not 1E+1 and 3.2450000000000006."""
    assert str(both(BID, text)) == shown
