"""Export: every campaign, line item and product of the accounts, streamed to CSV or Parquet."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

import bulkops
from bulkops.platforms.retail_media.schemas import EXPORT_COLUMNS
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, read_csv


async def test_csv_export_holds_the_whole_inventory(sandbox: Sandbox, tmp_path: Path) -> None:
    accounts = sandbox.control.retail_media.account_ids()
    result = await bulkops.export(accounts, tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    line_item_ids = [li for a in accounts for li in sandbox.control.retail_media.line_item_ids(a)]
    products = {(li, sku): p for li in line_item_ids for sku, p in sandbox.control.retail_media.products(li).items()}
    got = {(r["lineItemId"], r["productId"]): r for r in rows if r["entity"] == "product"}
    assert set(got) == set(products)
    for key, p in products.items():
        assert got[key]["status"] == p["status"]
        assert got[key]["bidOverride"] == ("" if p["bidOverride"] is None else f"{p['bidOverride']:g}")
    assert result.rows["lineItem"] == len(line_item_ids) == sum(r["entity"] == "lineItem" for r in rows)
    auction = next(r for r in rows if r["entity"] == "lineItem" and r["type"] == "auction")
    assert auction["retailerId"] and auction["startDate"]
    assert sandbox.control.retail_media.hidden_account_ids()[0] not in {r["accountId"] for r in rows}


async def test_parquet_export_with_filters(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    campaign = sandbox.control.retail_media.line_item(sandbox.control.retail_media.line_item_ids(account)[0])["campaignId"]
    filters = bulkops.ExportFilter(campaigns=(campaign,), statuses=("active",), product_statuses=("paused",))
    await bulkops.export([account], tmp_path / "inv.parquet", connection=conn(sandbox), filters=filters)
    table = pq.read_table(tmp_path / "inv.parquet").to_pylist()
    assert {r["campaignId"] for r in table} == {campaign}
    assert {r["status"] for r in table if r["entity"] == "lineItem"} == {"active"}
    products = [r for r in table if r["entity"] == "product"]
    assert products and {r["status"] for r in products} == {"paused"}
    assert pq.read_schema(tmp_path / "inv.parquet").field("bidOverride").type == "double"


async def test_formula_like_names_are_inert_in_csv_and_read_back_as_typed(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    li = next(li for li in sandbox.control.retail_media.line_item_ids(account) if sandbox.control.retail_media.line_item(li)["type"] == "auction"
              and sandbox.control.retail_media.line_item(li)["status"] == "active")
    path = tmp_path / "rename.csv"
    path.write_text(f'lineItemId,name\n{li},"=HYPERLINK(""http://x"")"\n')
    await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert sandbox.control.retail_media.line_item(li)["name"] == '=HYPERLINK("http://x")'
    await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox))
    raw = (tmp_path / "inv.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and ',=HYPERLINK' not in raw
    again = await bulkops.update_line_items(tmp_path / "inv.csv", connection=conn(sandbox), run_dir=tmp_path / "r2")
    assert again.outcomes["succeeded"] == 0  # the guard quote is taken off on input: the name is unchanged
