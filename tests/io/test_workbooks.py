"""XLSX workbooks as ad-ops people really have them: title rows, several sheets, formulas never computed, merged
cells, hidden rows, a totals row at the bottom. Row numbers are always the ones Excel shows."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyarrow as pa
import pytest
from openpyxl import Workbook

import bulkops
from bulkops.api import RunSettings
from bulkops.errors import InputError
from bulkops.io.columns import ROW_NUMBER, match_header
from bulkops.io.readers import MARK, ROW_FLAGS, open_table
from bulkops.platforms.retail_media.schemas import BIDS
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, read_csv
from tests.trust.conftest import cli, cli_env

NEEDS = ("lineItemId", "bidOverride")  # what the bids job requires besides productId


def _all(path: Path, rows: int = 50_000, **kw: object) -> dict[str, list[object]]:
    table = open_table(path, **kw)  # type: ignore[arg-type]
    return pa.concat_tables(table.iter_batches(rows=rows, marked=True)).to_pydict()


def _book(tmp_path: Path, sheets: dict[str, list[list[object]]], name: str = "bids.xlsx") -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(tmp_path / name)
    return tmp_path / name


TITLED = [["Bid changes - November"], ["Owner: Jane, approved 2024-11-02"], [],
          ["Line Item ID", "SKU", "Bid"], ["11", "a", 0.5], ["11", "b", 0.6]]


def test_plain_workbook_still_reads_from_row_one(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Sheet1": [["lineItemId", "productId", "bidOverride"], [1, "a", 0.5]]})
    table = open_table(path, schema=BIDS, required=NEEDS)
    assert (table.header_row, table.note) == (1, None)
    frame = _all(path, schema=BIDS, required=NEEDS)
    assert frame[ROW_NUMBER] == [2] and frame["productId"] == ["a"]


def test_header_cells_left_blank_are_named_after_their_column_and_keep_their_cells(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Bids": [["lineItemId", None, None, "productId", "bidOverride"], [1, "x", "y", "a", 0.5]]})
    table = open_table(path, schema=BIDS, required=NEEDS)
    assert table.columns == ("lineItemId", "(column B)", "(column C)", "productId", "bidOverride")
    frame = _all(path, schema=BIDS, required=NEEDS)
    assert (frame["(column B)"], frame["(column C)"], frame["productId"]) == (["x"], ["y"], ["a"])


def test_title_rows_above_the_header_keep_excel_row_numbers(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Bids": TITLED})
    table = open_table(path, schema=BIDS, required=NEEDS)
    assert table.columns == ("Line Item ID", "SKU", "Bid") and table.header_row == 4
    assert "header on row 4" in str(table.note) and "data from row 5" in str(table.note)
    frame = _all(path, schema=BIDS, required=NEEDS)
    assert frame[ROW_NUMBER] == [5, 6] and frame["SKU"] == ["a", "b"]
    assert open_table(path, header_row=4).columns == table.columns  # forced: no schema needed
    with pytest.raises(InputError, match="nothing on row 3"):
        open_table(path, header_row=3, schema=BIDS)


def test_the_sheet_whose_header_fits_the_job_is_chosen_and_sheet_names_match_loosely(tmp_path: Path) -> None:
    path = _book(tmp_path, {"Read me": [["How to fill this in"], ["one row per SKU"]], "Bids_Nov": TITLED})
    table = open_table(path, schema=BIDS, required=NEEDS)
    assert (table.sheet, table.header_row) == ("Bids_Nov", 4)
    assert "reading sheet 'Bids_Nov' (the only one of its 2 sheets with this job's columns)" in str(table.note)
    assert open_table(path, sheet="bids nov", schema=BIDS).sheet == "Bids_Nov"
    with pytest.raises(InputError, match="no sheet named 'Bids Dec'; sheets: 'Read me', 'Bids_Nov'"):
        open_table(path, sheet="Bids Dec")


def test_no_sheet_or_several_sheets_fitting_the_job_is_refused_naming_every_sheet(tmp_path: Path) -> None:
    none = _book(tmp_path, {"Read me": [["How to fill this in"]], "Prices": [["sku", "price"], ["a", 1]]}, "none.xlsx")
    with pytest.raises(InputError) as caught:
        open_table(none, schema=BIDS, required=NEEDS)
    message = str(caught.value)
    assert "no sheet has this job's columns (productId, lineItemId, bidOverride)" in message
    assert "sheet 'Read me' starts with 'How to fill this in'" in message
    assert "sheet 'Prices' row 1 has 'sku', 'price' but no 'lineItemId', 'bidOverride'" in message and "--sheet NAME" in message
    two = _book(tmp_path, {"Nov": TITLED, "Dec": TITLED}, "two.xlsx")
    with pytest.raises(InputError, match=r"sheets 'Nov', 'Dec' all have this job's columns; pass --sheet NAME"):
        open_table(two, schema=BIDS, required=NEEDS)
    assert open_table(two, sheet="Dec", schema=BIDS, required=NEEDS).header_row == 4


def test_damaged_cells_are_marked_and_the_last_row_flagged_across_batches(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    for row in [["lineItemId", "productId", "bidOverride"], ["11", "a", "=1+1"], ["", "b", 0.5], ["12", "c", 1]]:
        sheet.append(row)
    sheet.merge_cells("A2:A3")
    sheet.row_dimensions[4].hidden = True
    book.save(tmp_path / "bids.xlsx")
    frame = _all(tmp_path / "bids.xlsx", rows=1)  # the last row is alone in its batch
    assert frame[ROW_FLAGS] == ["", "", "hidden last"]
    bid, line_item = str(frame["bidOverride"][0]), str(frame["lineItemId"][1])
    assert bid.startswith(MARK) and "=1+1" in bid
    assert line_item.startswith(MARK) and "A2:A3" in line_item
    plain = pa.concat_tables(open_table(tmp_path / "bids.xlsx").iter_batches()).to_pydict()
    assert plain["bidOverride"] == ["=1+1", "0.5", "1"] and plain["lineItemId"] == ["11", "", "12"]  # as written


def _pairs(sb: Sandbox, n: int) -> tuple[str, list[str]]:
    li = line_items(sb, "auction", "active")[0]
    return li, sorted(sb.control.retail_media.products(li))[:n]


def _workbook(tmp_path: Path, li: str, skus: list[str]) -> Path:
    """A workbook as people send it: a notes sheet first; on the bids sheet, a title, notes, a merged line item
    cell, a formula a script wrote (never computed), a hidden row and a totals row."""
    book = Workbook()
    book.active.title = "Read me"
    book.active.append(["Bids for November: see the next sheet"])
    sheet = book.create_sheet("Bids Nov")
    rows: list[list[object]] = [
        ["Bid changes - November"], ["Owner: Jane"],
        ["Line Item ID", "SKU", "Bid", "note"],                # row 3
        [int(li), skus[0], 1.11, "ok"],                       # row 4
        [int(li), skus[1], 1.22],                              # row 5: A5:A6 merged
        [None, skus[2], 1.33],                                 # row 6: under the merge
        [int(li), skus[3], "=C4*2"],                           # row 7: a formula with no computed value
        [int(li), skus[4], 1.55],                              # row 8: hidden
        ["Total", None, "=SUM(C4:C8)"],                        # row 9: totals
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A5:A6")
    sheet.row_dimensions[8].hidden = True
    book.save(tmp_path / "bids.xlsx")
    return tmp_path / "bids.xlsx"


async def test_a_real_world_workbook_is_applied_row_by_row(sandbox: Sandbox, tmp_path: Path) -> None:
    li, skus = _pairs(sandbox, 5)
    before = sandbox.control.retail_media.products(li)
    notices: list[str] = []
    path = _workbook(tmp_path, li, skus)
    result = await bulkops.api.run("bids", path, connection=conn(sandbox), notice=notices.append,
                                   options=RunSettings(run_dir=tmp_path / "run"))
    rows = {r["inputRow"]: r for r in read_csv(result.files.results)}
    assert {n: r["outcome"] for n, r in rows.items()} == {"4": "succeeded", "5": "succeeded", "6": "failed",
                                                          "7": "failed", "8": "succeeded", "9": "skipped"}
    merged, formula, totals = rows["6"], rows["7"], rows["9"]
    assert merged["errorCode"] == "merged-cell" and merged["errorColumn"] == "Line Item ID"
    assert f"{path}, row 6, column 'Line Item ID': lineItemId is empty: cell A6 of sheet 'Bids Nov' is part of" \
           " the merged range A5:A6, whose value is in A5 only" in merged["message"]
    assert formula["errorCode"] == "formula-not-computed" and formula["errorColumn"] == "Bid"
    assert "row 7, column 'Bid': bidOverride is a formula with no computed value (=C4*2) in sheet 'Bids Nov'," \
           " cell C7" in formula["message"] and "open it in Excel and save it" in formula["message"]
    assert totals["errorCode"] == "totals-row" and "a totals row at the bottom of sheet 'Bids Nov'" in totals["message"]
    after = sandbox.control.retail_media.products(li)
    assert [after[s]["bidOverride"] for s in (skus[0], skus[1], skus[4])] == [1.11, 1.22, 1.55]
    assert [after[s] for s in skus[2:4]] == [before[s] for s in skus[2:4]]  # nothing sent for a bad row
    assert any("reading sheet 'Bids Nov' (the only one of its 2 sheets" in n and "header on row 3" in n
               for n in notices)
    assert any("1 row of sheet 'Bids Nov' is hidden or filtered out: applied like the others" in n for n in notices)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert (summary["sheet"], summary["header_row"], summary["hidden_rows"]) == ("Bids Nov", 3, 1)
    assert result.exit_code == 1

    # The errors file keeps the formula as written (guarded against running in a spreadsheet), never a blank,
    # which, fed back unfixed, would read as "leave the bid as it is" and end the run clean.
    errors = {r["inputRow"]: r for r in read_csv(result.files.errors)}
    assert errors["7"]["Bid"] == "'=C4*2" and errors["6"]["Line Item ID"] == ""
    again = await bulkops.api.run("bids", result.files.errors, connection=conn(sandbox),
                                  options=RunSettings(run_dir=tmp_path / "again"))
    fed = {r["inputRow"]: r for r in read_csv(again.files.results)}
    assert (fed["7"]["outcome"], fed["7"]["errorCode"], fed["7"]["errorColumn"]) == ("failed", "not-a-number", "Bid")
    assert "'=C4*2' is not a number" in fed["7"]["message"]
    assert sandbox.control.retail_media.products(li)[skus[3]] == before[skus[3]]


async def test_hidden_rows_left_out_when_asked(sandbox: Sandbox, tmp_path: Path) -> None:
    li, skus = _pairs(sandbox, 5)
    before = sandbox.control.retail_media.products(li)
    notices: list[str] = []
    path = _workbook(tmp_path, li, skus)
    result = await bulkops.api.run("bids", path, connection=conn(sandbox), notice=notices.append,
                                   options=RunSettings(run_dir=tmp_path / "run", sheet="bids_nov", header_row=3,
                                                       skip_hidden=True))
    rows = {r["inputRow"]: r for r in read_csv(result.files.results)}
    assert (rows["8"]["outcome"], rows["8"]["errorCode"]) == ("skipped", "hidden-row")
    assert "hidden row" in rows["8"]["message"]
    assert rows["4"]["outcome"] == "succeeded" and rows["9"]["outcome"] == "skipped"
    assert sandbox.control.retail_media.products(li)[skus[4]] == before[skus[4]]
    assert any("1 row of sheet 'Bids Nov' is hidden or filtered out: left out, as asked" in n for n in notices)
    assert result.summary["hidden_rows"] == 1 and result.summary["skip_hidden"] is True


async def test_a_last_row_merely_missing_its_ids_fails_and_typed_totals_are_skipped(sandbox: Sandbox,
                                                                                    tmp_path: Path) -> None:
    li, skus = _pairs(sandbox, 2)
    header = ["lineItemId", "productId", "bidOverride"]
    missing = _book(tmp_path, {"Bids": [header, [int(li), skus[0], 1.5], [None, None, 1.6]]}, "missing.xlsx")
    result = await bulkops.api.run("bids", missing, connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "missing"))
    last = read_csv(result.files.results)[-1]
    assert (last["inputRow"], last["outcome"], last["errorCode"]) == ("3", "failed", "missing-value")
    typed = _book(tmp_path, {"Bids": [header, [int(li), skus[1], 1.5], ["Grand total", None, 1.5]]}, "typed.xlsx")
    result = await bulkops.api.run("bids", typed, connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "typed"))
    assert [r["outcome"] for r in read_csv(result.files.results)] == ["succeeded", "skipped"]
    assert result.exit_code == 0 and result.summary["hidden_rows"] == 0


async def test_the_command_line_takes_the_header_row_and_leaves_hidden_rows_out(sandbox: Sandbox,
                                                                                 tmp_path: Path) -> None:
    li, skus = _pairs(sandbox, 5)
    path = _workbook(tmp_path, li, skus)
    done = await asyncio.to_thread(cli, "bids", str(path), "--sheet", "bids nov", "--header-row", "3",
                                   "--skip-hidden", "--run-dir", "run", "--json", cwd=tmp_path, env=cli_env(sandbox))
    assert done.returncode == 1, done.stderr  # the workbook's formula and merged cells fail, as they should
    summary = json.loads(done.stdout)
    assert summary["hidden_rows"] == 1 and summary["skip_hidden"] is True and summary["header_row"] == 3
    rows = {r["inputRow"]: r for r in read_csv(tmp_path / "run" / "results.csv")}
    assert rows["8"]["errorCode"] == "hidden-row"


def test_a_header_below_a_title_that_lacks_a_column_is_named_as_it_is(tmp_path: Path) -> None:
    """No row names every column the job needs: the complaint is about the row nearest to a header (what it has,
    what it lacks), not about the sheet's title as if it were the header."""
    book = Workbook()
    sheet = book.active
    sheet.title = "My Bids"
    for row in (["Campaign bid sheet Nov"], [], ["Line Item ID", "sku", "Bid (€)", "Comment"], ["1", "a", "1.5", ""]):
        sheet.append(row)
    book.save(tmp_path / "bids.xlsx")
    table = open_table(tmp_path / "bids.xlsx", schema=BIDS, required=("lineItemId", "bidOverride"))
    assert table.header_row == 3
    with pytest.raises(InputError) as refused:
        match_header(str(tmp_path / "bids.xlsx"), table.columns, BIDS, required=("lineItemId", "bidOverride"))
    assert "missing column(s) 'bidOverride'; the file has 'Line Item ID', 'sku', 'Bid (€)'" in str(refused.value)


def test_a_number_in_a_zero_padding_format_reads_as_excel_shows_it(tmp_path: Path) -> None:
    """A SKU typed as a number keeps its leading zero in Excel only through a format like 00000000000: read
    without it, 05111072231 became 5111072231, another product's id or none."""
    book = Workbook()
    sheet = book.active
    sheet.append(["lineItemId", "productId", "bidOverride"])
    sheet.append([50000000, 5111072231, 1.3])
    sheet["B2"].number_format = "00000000000"
    sheet.append([50000000, 5111072231, 1.4])  # General: as it is
    sheet["C3"].number_format = "0.00"  # not a padding of digits: 1.4
    path = tmp_path / "bids.xlsx"
    book.save(path)
    cells = pa.concat_tables(open_table(path).iter_batches()).to_pydict()
    assert cells["productId"] == ["05111072231", "5111072231"] and cells["bidOverride"] == ["1.3", "1.4"]


async def test_a_pause_lists_count_at_the_bottom_is_a_totals_row(sandbox: Sandbox, tmp_path: Path) -> None:
    """A list of SKUs to pause, with "Total" and a COUNTA at the bottom: skipped as a totals row, not failed as
    SKU 'Total' (a clean list must end clean)."""
    li, skus = _pairs(sandbox, 2)
    header = ["lineItemId", "productId"]
    path = _book(tmp_path, {"Pause": [header, [int(li), skus[0]], [int(li), skus[1]], ["Total", "=COUNTA(B2:B3)"]]},
                 "pause.xlsx")
    result = await bulkops.api.run("pause", path, connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "run", dry_run=True))
    rows = read_csv(result.files.results)
    assert [(r["inputRow"], r["outcome"], r["errorCode"]) for r in rows][-1] == ("4", "skipped", "totals-row")
    assert result.exit_code == 0
