"""Report and export files Excel opens without damage: text cells for ids, typed numbers, frozen header,
autofilter, more than a sheet's rows; typed Parquet; CSV cells Excel would change, said once per file; the
user's own column names; the original sheet's rows through a fed-back errors file."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

import bulkops
import bulkops.api
from bulkops.io import writers
from bulkops.io.readers import open_table
from bulkops.io.writers import TableWriter
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, read_csv, write_csv

MANGLED = ["00123", "123456789012", "874309944e2", "1-2", "2.50", "5-mar", "10:30"]  # 12 digits: saved back as
# 1.23457E+11; a decimal, in a column of ids: the number 2.5
SAFE = ["123", "12345678901", "-1", "ABC-1", "2026-01-05", "", "=1+1"]


def _table(path: Path, notices: list[str] | None = None, **kwargs: object) -> TableWriter:
    rows = [{"id": v, "note": "x" * 80 if i == 0 else "n", "count": i + 1, "amount": 1.5 if i else None}
            for i, v in enumerate([*MANGLED, *SAFE])]
    writer = TableWriter(path, ["id", "note", "count", "amount"], numeric=("amount",), integer=("count",),
                         notice=None if notices is None else notices.append, **kwargs)  # type: ignore[arg-type]
    with writer:
        writer.write(rows)
    return writer


def test_xlsx_text_cells_stay_text_numbers_are_numbers_header_frozen_filter_on(tmp_path: Path) -> None:
    notices: list[str] = []
    _table(tmp_path / "t.xlsx", notices)
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert sheet is not None and sheet.title == "bulkops"
    assert [c.value for c in sheet[1]] == ["id", "note", "count", "amount"] and sheet["A1"].font.bold
    ids = [sheet.cell(row, 1) for row in range(2, 2 + len(MANGLED) + len(SAFE))]
    assert [c.value or "" for c in ids] == [*MANGLED, *SAFE]
    assert {(c.data_type, c.number_format) for c in ids if c.value} == {("s", "@")}  # `=1+1` too: never a formula
    assert sheet.cell(1 + len(MANGLED) + SAFE.index("") + 1, 1).number_format == "@"  # a blank cell typed into too
    assert sheet["C2"].value == 1 and sheet["C2"].data_type == "n" and isinstance(sheet["C2"].value, int)
    assert sheet["D3"].value == 1.5 and sheet["D2"].value is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{1 + len(MANGLED) + len(SAFE)}"
    widths = {k: sheet.column_dimensions[k].width for k in "ABCD"}
    assert widths["B"] == writers.XLSX_WIDTH[1] and writers.XLSX_WIDTH[0] <= widths["A"] < widths["B"]
    assert notices == []  # nothing for Excel to change in XLSX


def test_xlsx_longer_than_a_sheet_continues_on_further_sheets(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 5)
    notices: list[str] = []
    writer = _table(tmp_path / "t.xlsx", notices, batch_rows=3)
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == writer.sheets == ["bulkops", "bulkops 2", "bulkops 3"]
    rows = [r for s in book.worksheets for r in s.iter_rows(min_row=2, values_only=True)]
    assert [r[0] or "" for r in rows] == [*MANGLED, *SAFE] and [r[2] for r in rows] == list(range(1, 15))
    for sheet in book.worksheets:
        assert [c.value for c in sheet[1]] == ["id", "note", "count", "amount"] and sheet.freeze_panes == "A2"
    assert [s.auto_filter.ref for s in book.worksheets] == ["A1:D6", "A1:D6", "A1:D5"]
    assert len(notices) == 1 and "14 rows do not fit on one Excel sheet" in notices[0] and "'bulkops 3'" in notices[0]
    again = open_table(tmp_path / "t.xlsx", sheet="bulkops 3")
    assert [b.column("id").to_pylist() for b in again.iter_batches()] == [["ABC-1", "2026-01-05", "", "=1+1"]]


def test_csv_cells_excel_would_change_are_counted_and_said_once(tmp_path: Path) -> None:
    notices: list[str] = []
    writer = _table(tmp_path / "t.csv", notices, batch_rows=4)  # several batches, one notice
    assert writer.excel_changes == {"id": (len(MANGLED), "00123")}
    assert len(notices) == 1 and str(tmp_path / "t.csv") in notices[0]
    assert f"{len(MANGLED)} cell(s)" in notices[0] and f"'id' ({len(MANGLED)}, e.g. '00123')" in notices[0] and "XLSX" in notices[0]
    with open(tmp_path / "t.csv", newline="", encoding="utf-8-sig") as f:
        cells = [r["id"] for r in csv.DictReader(f)]
    assert cells == [*MANGLED, *SAFE[:-1], "'=1+1"]  # written as they are: the warning changes nothing
    assert _table(tmp_path / "t.parquet", notices) and len(notices) == 1  # nothing to say about Parquet


def test_parquet_keeps_typed_columns(tmp_path: Path) -> None:
    _table(tmp_path / "t.parquet")
    table = pq.read_table(tmp_path / "t.parquet")
    assert [table.schema.field(c).type for c in ("id", "note", "count", "amount")] == [
        pa.string(), pa.string(), pa.int64(), pa.float64()]
    assert table.column("count").to_pylist()[:3] == [1, 2, 3] and table.column("id").to_pylist()[0] == "00123"


def _bids(sb: Sandbox, path: Path) -> Path:
    """A bid sheet in the user's words (`sku`, `bid`): two good rows, a bad number, a SKU not on the line item."""
    li = line_items(sb, "auction", "active")[0]
    skus = sorted(sb.control.retail_media.products(li))
    return write_csv(path, ("lineItemId", "sku", "bid"), [
        [li, skus[0], "1.40"],           # 2 ok
        [li, skus[1], "abc"],            # 3 not a number: named in the file's words
        [li, "NOT-ON-IT", "1.00"],       # 4 not on the line item: found against the API's values
        [li, skus[2], "1.60"],           # 5 ok
    ])


async def _run(sb: Sandbox, path: Path, run_dir: Path, fmt: str | None = None,
               notices: list[str] | None = None) -> bulkops.api.RunResult:
    heard = notices if notices is not None else []
    return await bulkops.api.run("bids", path, connection=conn(sb), notice=heard.append,
                                 options=bulkops.api.RunSettings(run_dir=run_dir, report_format=fmt))


async def test_xlsx_reports_typed_and_named_in_the_users_words(sandbox: Sandbox, tmp_path: Path) -> None:
    result = await _run(sandbox, _bids(sandbox, tmp_path / "bids.csv"), tmp_path / "run", "xlsx")
    assert result.files.results is not None and result.files.errors is not None and result.files.undo is not None
    sheet = load_workbook(result.files.results).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2)]
    assert [r["inputRow"].value for r in rows] == [2, 3, 4, 5] and {r["inputRow"].data_type for r in rows} == {"n"}
    assert {(r[c].data_type, r[c].number_format) for r in rows for c in ("lineItemId", "sku", "bid")} == {("s", "@")}
    assert rows[1]["bid"].value == "abc" and rows[0]["bid"].value == "1.40"  # the input's cells exactly as typed
    assert isinstance(rows[0]["attempts"].value, int) and isinstance(rows[0]["httpStatus"].value, int)
    assert [r["errorColumn"].value for r in rows] == [None, "bid", "sku", None]  # not bidOverride, productId
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}5"
    errors = load_workbook(result.files.errors).active
    assert errors is not None
    assert [tuple(c.value for c in r) for r in errors.iter_rows(min_row=2, min_col=4)] == [
        (rows[1]["message"].value, "not-a-number", "bid", 3), (rows[2]["message"].value, "not-in-catalog", "sku", 4)]
    undo = load_workbook(result.files.undo).active
    assert undo is not None and undo.freeze_panes == "A2" and undo["B2"].number_format == "@"


async def test_parquet_reports_keep_numbers(sandbox: Sandbox, tmp_path: Path) -> None:
    result = await _run(sandbox, _bids(sandbox, tmp_path / "bids.csv"), tmp_path / "run", "parquet")
    assert result.files.results is not None and result.files.errors is not None
    schema = pq.read_schema(result.files.results)
    assert {c: str(schema.field(c).type) for c in ("inputRow", "httpStatus", "attempts", "sku", "bid")} == {
        "inputRow": "int64", "httpStatus": "int64", "attempts": "int64", "sku": "string", "bid": "string"}
    assert pq.read_table(result.files.results).column("inputRow").to_pylist() == [2, 3, 4, 5]
    assert str(pq.read_schema(result.files.errors).field("inputRow").type) == "int64"


async def test_csv_reports_warn_once_per_file_about_ids_excel_would_change(sandbox: Sandbox, tmp_path: Path) -> None:
    path = _bids(sandbox, tmp_path / "bids.csv")
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows.append([rows[1][0], "00123", "1.00"])  # an id Excel would cut to 123
    path = write_csv(path, rows[0], rows[1:])
    notices: list[str] = []
    result = await _run(sandbox, path, tmp_path / "run", notices=notices)
    said = [n for n in notices if "Excel would change" in n]
    named = [Path(n.split(":")[0]).name for n in said]
    assert "results.csv" in named and "errors.csv" in named and len(named) == len(set(named))  # once per file
    errors_said = said[named.index("errors.csv")]
    assert "'sku'" in errors_said and "'00123'" in errors_said and "XLSX" in errors_said
    assert [r["sku"] for r in read_csv(result.files.errors)][-1] == "00123"  # the cell itself is unchanged


async def test_an_errors_file_fed_back_reports_the_original_rows(sandbox: Sandbox, tmp_path: Path) -> None:
    first = await _run(sandbox, _bids(sandbox, tmp_path / "bids.csv"), tmp_path / "run1")
    assert first.files.errors is not None
    fed = tmp_path / "errors.csv"
    fed.write_bytes(first.files.errors.read_bytes())  # fed back as it is: the same rows fail again

    second = await _run(sandbox, fed, tmp_path / "run2")

    assert second.files.errors is not None and second.files.results is not None
    results = read_csv(second.files.results)
    assert [r["inputRow"] for r in results] == ["3", "4"] and [r["errorColumn"] for r in results] == ["bid", "sku"]
    assert results[0]["message"].startswith(f"{fed}, row 2 (row 3 of the original sheet), column 'bid': ")
    errors = read_csv(second.files.errors)
    assert [r["inputRow"] for r in errors] == ["3", "4"] and "(row 3 of the original sheet)" in errors[0]["error"]
    assert "inputRow (input)" not in errors[0] and list(errors[0])[:3] == ["lineItemId", "sku", "bid"]
    top = {e["code"]: e for e in second.summary["top_errors"]}  # summary.json and report.html: the same rows
    assert {e["example_row"] for e in top.values()} == {3, 4}
    assert all("of the original sheet" in e["example"] for e in top.values())
    page = (tmp_path / "run2" / "report.html").read_text(encoding="utf-8")
    assert '<td class="num">3</td>' in page and '<td class="num">4</td>' in page
    assert '<td class="num">2</td>' not in page

    third = await _run(sandbox, second.files.errors, tmp_path / "run3")  # and again: still the original rows
    assert third.files.errors is not None
    assert [r["inputRow"] for r in read_csv(third.files.errors)] == ["3", "4"]


async def test_export_to_xlsx_is_excel_safe_and_feeds_back(sandbox: Sandbox, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 40)
    result = await bulkops.export([account], tmp_path / "inv.xlsx", connection=conn(sandbox))
    total = sum(result.rows.values())
    book = load_workbook(tmp_path / "inv.xlsx")
    assert total > 80 and len(book.sheetnames) == -(-total // 40) and book.sheetnames[1] == "bulkops 2"
    assert "rows do not fit on one Excel sheet" in capsys.readouterr().err
    first = book.worksheets[0]
    header = [c.value for c in first[1]]
    bid = header.index("bidOverride")
    product = next(r for r in first.iter_rows(min_row=2) if r[0].value == "product" and r[bid].value)
    cells = dict(zip(header, product, strict=True))
    ids = ("lineItemId", "productId", "asExported")
    assert {(cells[c].data_type, cells[c].number_format) for c in ids} == {("s", "@")}
    assert isinstance(cells["bidOverride"].value, float) and first.freeze_panes == "A2" and first.auto_filter.ref

    settings = bulkops.api.RunSettings(run_dir=tmp_path / "run", sheet="bulkops 2")  # a sheet, fed back unedited
    again = await bulkops.api.run("bids", tmp_path / "inv.xlsx", connection=conn(sandbox), options=settings)
    assert again.outcomes == {"succeeded": 0, "skipped": 40, "failed": 0, "unknown": 0, "pending": 0}


def test_an_xlsx_cell_longer_than_excel_holds_is_cut_and_said(tmp_path: Path) -> None:
    notices: list[str] = []
    with TableWriter(tmp_path / "t.xlsx", ["id", "note"], notice=notices.append) as writer:
        writer.write([{"id": "a", "note": "x" * 40_000}, {"id": "b", "note": "short"}])
    sheet = load_workbook(tmp_path / "t.xlsx").active
    assert len(sheet["B2"].value) == 32_767 and sheet["B3"].value == "short"
    assert len(notices) == 1 and "1 cell(s) longer than an Excel cell holds" in notices[0] and "'note' (1)" in notices[0]
