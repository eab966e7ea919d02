"""Inputs as people have them: XLSX, Parquet, semicolons and cp1252, odd headers; unusable files refused whole."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, read_csv, write_csv, writes


def _pairs(sb: Sandbox, n: int) -> list[tuple[str, str]]:
    li = line_items(sb, "auction", "active")[0]
    return [(li, sku) for sku in sorted(sb.control.retail_media.products(li))[:n]]


async def test_xlsx_input_gives_csv_reports(sandbox: Sandbox, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Line Item ID", "SKU", "Bid"])
    for li, sku in _pairs(sandbox, 3):
        sheet.append([int(li), sku, 1.75])
    book.save(tmp_path / "bids.xlsx")
    result = await bulkops.apply_bids(tmp_path / "bids.xlsx", connection=conn(sandbox), run_dir=tmp_path / "run")
    assert result.outcomes["succeeded"] == 3 and result.files.results.suffix == ".csv"
    assert result.files.undo.suffix == ".csv"


async def test_parquet_input_gives_parquet_reports(sandbox: Sandbox, tmp_path: Path) -> None:
    pairs = _pairs(sandbox, 3)
    frame = pd.DataFrame({"lineItemId": [int(li) for li, _ in pairs], "productId": [s for _, s in pairs],
                          "bidOverride": [1.5, 1.6, 1.7]})
    frame.to_parquet(tmp_path / "bids.parquet")
    result = await bulkops.apply_bids(tmp_path / "bids.parquet", connection=conn(sandbox), run_dir=tmp_path / "run")
    assert result.outcomes["succeeded"] == 3
    assert pd.read_parquet(result.files.results)["outcome"].tolist() == ["succeeded"] * 3
    again = await bulkops.apply_bids(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")
    assert again.outcomes["succeeded"] == 3


async def test_semicolons_cp1252_and_decimal_commas(sandbox: Sandbox, tmp_path: Path) -> None:
    """A sheet saved by Excel where `;` separates cells (much of Europe) gets its reports the same way: a comma-
    separated one would open there as one column. The errors file, fixed, goes straight back."""
    rows = [[li, sku, "1,40", "café, crème"] for li, sku in _pairs(sandbox, 2)]
    rows.append([rows[0][0], "no-such-sku", "1,50", "x"])
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride", "note"], rows,
                     delimiter=";", encoding="cp1252")
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert (result.outcomes["succeeded"], result.outcomes["failed"]) == (2, 1)
    assert sandbox.control.retail_media.products(rows[0][0])[rows[0][1]]["bidOverride"] == 1.4
    for report in (result.files.results, result.files.errors, result.files.undo):
        header = report.read_text(encoding="utf-8-sig").splitlines()[0]
        assert header.startswith("lineItemId;productId;bidOverride"), (report.name, header)
    with open(result.files.results, newline="", encoding="utf-8-sig") as f:
        first = next(csv.DictReader(f, delimiter=";"))
    assert (first["bidOverride"], first["note"]) == ("1,40", "café, crème")  # kept as the user wrote them
    with open(result.files.undo, newline="", encoding="utf-8-sig") as f:
        undo = list(csv.DictReader(f, delimiter=";"))
    # the API's numbers with a decimal comma, as the sheet's: `1.43` would open as a date (1 March) there
    assert undo and all(re.fullmatch(r"none|[0-9]+(,[0-9]+)?", r["bidOverride"]) for r in undo), undo
    fixed = result.files.errors.read_text(encoding="utf-8-sig").replace("no-such-sku", rows[1][1])
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    again = await bulkops.apply_bids(tmp_path / "fixed.csv", connection=conn(sandbox), run_dir=tmp_path / "again")
    assert again.outcomes["succeeded"] == 1
    assert sandbox.control.retail_media.products(rows[1][0])[rows[1][1]]["bidOverride"] == 1.5
    before = {(r["lineItemId"], r["productId"]): r["bidOverride"] for r in undo}
    undone = await bulkops.apply_bids(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")
    assert undone.outcomes["failed"] == 0
    for (li, sku), bid in before.items():
        live = sandbox.control.retail_media.products(li)[sku]["bidOverride"]
        assert live == (None if bid == "none" else float(bid.replace(",", "."))), (sku, bid, live)


async def test_a_row_with_a_cell_too_many_fails_alone_and_the_rows_after_it_stay_in_their_columns(
        sandbox: Sandbox, tmp_path: Path) -> None:
    (li, first), (_, second) = _pairs(sandbox, 2)
    before = sandbox.control.retail_media.products(li)[first]
    path = tmp_path / "bids.csv"  # "1,55": a decimal comma in a comma-separated file splits the bid in two
    path.write_text(f"lineItemId,productId,bidOverride\n{li},{first},1,55\n{li},{second},1.60\n", encoding="utf-8")
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert (result.outcomes["failed"], result.outcomes["succeeded"]) == (1, 1)
    [error] = read_csv(result.files.errors)
    assert error["inputRow"] == "2" and error["errorCode"] == "extra-cells"
    assert "bids.csv, row 2" in error["error"] and "a row of 4 cells, but the header names 3 columns" in error["error"]
    assert (error["lineItemId"], error["bidOverride"]) == (f"{li},{first},1,55", "")  # whole: a cut 1 would be sent
    again = await bulkops.apply_bids(result.files.errors, connection=conn(sandbox), run_dir=tmp_path / "again")
    assert again.outcomes["failed"] == 1 and sandbox.control.retail_media.products(li)[first] == before
    assert sandbox.control.retail_media.products(li)[first] == before
    assert sandbox.control.retail_media.products(li)[second]["bidOverride"] == 1.6


async def test_a_decimal_comma_before_blank_cells_is_never_shifted_into_the_next_column(sandbox: Sandbox,
                                                                                         tmp_path: Path) -> None:
    """`50000013,1,5,,` under lineItemId,targetBid,maxBid,budget meant targetBid 1,5: read with the blank extra cell
    dropped, it set targetBid 1 and maxBid 5 on a live line item. The row fails; nothing is sent for it."""
    li = line_items(sandbox, "auction", "active")[0]
    before = sandbox.control.retail_media.line_item(li)
    path = tmp_path / "li.csv"
    path.write_text(f"lineItemId,targetBid,maxBid,budget\n{li},1,5,,\n", encoding="utf-8")
    result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    [error] = read_csv(result.files.errors)
    assert error["errorCode"] == "extra-cells" and "a row of 5 cells" in error["error"]
    assert sandbox.control.retail_media.line_item(li) == before
    again = await bulkops.update_line_items(result.files.errors, connection=conn(sandbox), run_dir=tmp_path / "again")
    assert again.outcomes["failed"] == 1 and sandbox.control.retail_media.line_item(li) == before  # fed back: not sent


@pytest.mark.parametrize(("header", "message"), [
    (["lineItemId", "productId"], "missing column(s) 'bidOverride'"),
    (["lineItemId", "productId", "bidOveride"], "did you mean 'bidOverride'"),
    (["lineItemId", "sku", "productId", "bid"], "both mean 'productId'"),
])
async def test_unusable_headers_are_refused_whole(sandbox: Sandbox, tmp_path: Path, header: list[str],
                                                  message: str) -> None:
    path = write_csv(tmp_path / "bids.csv", header, [["1"] * len(header)])
    with pytest.raises(bulkops.InputError, match=r"bids\.csv") as caught:
        await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert message in str(caught.value)
    assert writes(sandbox) == 0 and not (tmp_path / "run").exists()


async def test_a_file_found_unusable_while_its_rows_are_checked_leaves_its_run_directory_reusable(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """A quote never closed is found reading the rows, once the run directory is made: the error names the user's
    file (not the run's copy of it), nothing is sent, and once the file is fixed the same --run-dir takes the run."""
    li = line_items(sandbox, "auction", "active")[0]
    skus = sorted(sandbox.control.retail_media.products(li))[:3]
    path = tmp_path / "bids.csv"
    path.write_text(f'lineItemId,productId,bidOverride\n{li},{skus[0]},1.21\n{li},{skus[1]},"1.22\n{li},{skus[2]},1.23\n')
    before = writes(sandbox)
    with pytest.raises(bulkops.InputError) as refused:
        await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert str(refused.value).startswith(f"{path}: line 3 opens a quoted cell") and writes(sandbox) == before
    assert not (tmp_path / "run" / "journal.sqlite").exists()

    path.write_text(f'lineItemId,productId,bidOverride\n{li},{skus[0]},1.21\n{li},{skus[1]},1.22\n{li},{skus[2]},1.23\n')
    result = await bulkops.apply_bids(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert result.outcomes["succeeded"] == 3


async def test_a_float_noise_bid_is_read_as_the_number_meant(sandbox: Sandbox, tmp_path: Path) -> None:
    """Bids multiplied in pandas and saved as they print (3.2450000000000006): a number keeps 15 significant digits,
    as Excel does, so 3.245 is what is sent and shown; the cell itself stays as written in the reports."""
    (li, first), (_, second) = _pairs(sandbox, 2)
    frame = pd.DataFrame({"lineItemId": [li, li], "productId": [first, second], "bidOverride": [2.95, 1.0]})
    frame["bidOverride"] = frame["bidOverride"] * 1.1  # 3.2450000000000006 and 1.1
    frame.to_csv(tmp_path / "bids.csv", index=False)
    assert "3.2450000000000006" in (tmp_path / "bids.csv").read_text()
    result = await bulkops.apply_bids(tmp_path / "bids.csv", connection=conn(sandbox), run_dir=tmp_path / "run")
    assert result.outcomes["succeeded"] == 2
    assert sandbox.control.retail_media.products(li)[first]["bidOverride"] == 3.245
    row = read_csv(result.files.results)[0]
    assert (row["bidOverride"], row["after"]) == ("3.2450000000000006", "bidOverride 3.245")
