"""Export: every campaign, line item and product of the accounts, streamed to CSV or Parquet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import bulkops
from bulkops.api import RunSettings
from bulkops.platforms.retail_media.schemas import EXPORT_COLUMNS
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, read_csv, write_csv


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


async def test_an_export_fed_back_pauses_only_the_rows_set_to_paused(sandbox: Sandbox, tmp_path: Path) -> None:
    """An export lists every product of the account: fed back whole to `pause` with one status edited, it pauses
    that one product, not the account; `bids` fed the same file fails the edited row instead of skipping it
    as "not edited"."""
    rm = sandbox.control.retail_media
    account = rm.account_ids()[0]
    await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    products = [r for r in rows if r["entity"] == "product" and r["status"] == "active"]
    edited, other, untouched = products[0], products[1], products[2]
    unpaused = next(r for r in rows if r["entity"] == "product" and r["status"] == "paused")
    edited["status"] = "Paused"  # as a user types it: said back as typed
    other["bidOverride"] = "3.21"  # a bid edit on another row: bids sends it
    unpaused["status"] = "active"
    with open(tmp_path / "edited.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = {li: rm.products(li) for li in {r["lineItemId"] for r in (*products, unpaused)}}

    paused = await bulkops.api.run("pause", tmp_path / "edited.csv", connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "pause"))

    after = {li: rm.products(li) for li in before}
    changed = {(li, sku) for li in after for sku in after[li] if after[li][sku]["status"] != before[li][sku]["status"]}
    assert changed == {(edited["lineItemId"], edited["productId"])}
    report = {(r["lineItemId"], r["productId"]): r for r in read_csv(paused.files.results)}
    unedited = report[(untouched["lineItemId"], untouched["productId"])]
    assert unedited["outcome"] == "skipped" and "set its status to paused to act on it" in unedited["message"]
    bid = report[(other["lineItemId"], other["productId"])]  # a bid is not pause's to set: said, not dropped
    assert (bid["outcome"], bid["errorCode"], bid["errorColumn"]) == ("failed", "edited-elsewhere", "bidOverride")
    active = report[(unpaused["lineItemId"], unpaused["productId"])]  # set active: an unpause, not a pause
    assert (active["outcome"], active["errorCode"], active["errorColumn"]) == ("failed", "edited-elsewhere", "status")
    assert "feed the file to the verb that makes it active" in active["message"]

    bids = await bulkops.api.run("bids", tmp_path / "edited.csv", connection=conn(sandbox),
                                 options=RunSettings(run_dir=tmp_path / "bids"))
    by_row = {(r["lineItemId"], r["productId"]): r for r in read_csv(bids.files.results)}
    status_row = by_row[(edited["lineItemId"], edited["productId"])]
    assert (status_row["outcome"], status_row["errorCode"], status_row["errorColumn"]) == \
        ("failed", "edited-elsewhere", "status")
    assert "status was edited since the export (active → Paused)" in status_row["message"]
    assert by_row[(other["lineItemId"], other["productId"])]["outcome"] == "succeeded"
    assert rm.products(other["lineItemId"])[other["productId"]]["bidOverride"] == 3.21
    again = await bulkops.api.run("bids", tmp_path / "edited.csv", connection=conn(sandbox),
                                  options=RunSettings(run_dir=tmp_path / "bids-again"))  # the same file once more
    redone = {(r["lineItemId"], r["productId"]): r for r in read_csv(again.files.results)}
    assert (redone[(other["lineItemId"], other["productId"])]["outcome"],
            redone[(other["lineItemId"], other["productId"])]["errorCode"]) == ("skipped", "no-op")  # not a conflict


async def test_an_export_filter_naming_no_status_is_refused_not_an_empty_file(sandbox: Sandbox,
                                                                               tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    with pytest.raises(bulkops.UsageError, match="bogus: not a status; one of active"):
        await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox),
                             filters=bulkops.ExportFilter(statuses=("bogus",)))
    assert not (tmp_path / "inv.csv").exists()
    done = await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox),
                                filters=bulkops.ExportFilter(statuses=("Active",), products=False))  # any case
    rows = read_csv(tmp_path / "inv.csv")
    assert done.rows and {r["status"] for r in rows if r["entity"] == "lineItem"} == {"active"}


async def test_an_account_the_credentials_cannot_see_is_refused_naming_those_they_can(sandbox: Sandbox,
                                                                                     tmp_path: Path) -> None:
    seen = ", ".join(sandbox.control.retail_media.account_ids())
    with pytest.raises(bulkops.UsageError, match=rf"account 9999 was not found: your credentials see account\(s\) {seen}$"):
        await bulkops.export(["9999"], tmp_path / "inv.csv", connection=conn(sandbox))
    assert not (tmp_path / "inv.csv").exists()


async def test_an_export_never_writes_over_a_runs_files(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    li = next(li for li in sandbox.control.retail_media.line_item_ids(account)
              if sandbox.control.retail_media.line_item(li)["type"] == "auction")
    sku = sorted(sandbox.control.retail_media.products(li))[0]
    path = write_csv(tmp_path / "p.csv", ["lineItemId", "productId"], [[li, sku]])
    run = await bulkops.set_product_status(path, "paused", connection=conn(sandbox), run_dir=tmp_path / "run")
    undo = run.files.undo.read_bytes()
    with pytest.raises(bulkops.UsageError, match="holds a run"):
        await bulkops.export([account], run.files.undo, connection=conn(sandbox))
    assert run.files.undo.read_bytes() == undo


async def test_an_edited_campaign_or_line_item_row_fed_to_pause_fails_instead_of_being_skipped(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """No verb changes a campaign, and `pause` changes no line item: a status set to paused on such a row of an
    export fails, said, instead of ending as a skipped row of a clean run (the user believed it paused)."""
    rm = sandbox.control.retail_media
    await bulkops.export([rm.account_ids()[0]], tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    campaigns = [r for r in rows if r["entity"] == "campaign" and r["status"] == "active"]
    line_item = next(r for r in rows if r["entity"] == "lineItem" and r["status"] == "active")
    campaigns[0]["status"] = "paused"
    line_item["status"] = "Paused"
    with open(tmp_path / "edited.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = await bulkops.api.run("pause", tmp_path / "edited.csv", connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "pause"))

    assert result.exit_code == 1 and result.outcomes["failed"] == 2 and result.outcomes["succeeded"] == 0
    failed = {(r["entity"], r["errorCode"], r["errorColumn"]) for r in read_csv(result.files.errors)}
    assert failed == {("campaign", "edited-elsewhere", "status"), ("lineItem", "edited-elsewhere", "status")}
    report = {(r["entity"], r["campaignId"], r["lineItemId"]): r for r in read_csv(result.files.results)}
    assert "(active → paused)" in report[("campaign", campaigns[0]["campaignId"], "")]["message"]
    # what changes such a row: nothing in bulkops for a campaign, line-items for a line item
    assert "change it in Criteo's UI" in report[("campaign", campaigns[0]["campaignId"], "")]["message"]
    assert "`bulkops line-items` changes those" in next(
        r["message"] for (entity, _, li), r in report.items() if entity == "lineItem" and li == line_item["lineItemId"])
    if len(campaigns) > 1:  # an unedited campaign row is skipped, as before
        assert report[("campaign", campaigns[1]["campaignId"], "")]["outcome"] == "skipped"


async def test_an_export_from_before_it_kept_statuses_is_refused_by_pause_row_by_row(sandbox: Sandbox,
                                                                                       tmp_path: Path) -> None:
    """An export whose asExported holds no status cannot tell the rows edited since: fed whole to pause, it
    would pause the account. Its rows fail (export-too-old), nothing is sent."""
    rm = sandbox.control.retail_media
    await bulkops.export([rm.account_ids()[0]], tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    for r in rows:
        if r["entity"] == "product":
            r["asExported"] = json.dumps({"bidOverride": json.loads(r["asExported"])["bidOverride"]})
    with open(tmp_path / "old.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    pauses = {k: v for k, v in sandbox.control.stats()["routes"].items() if "pause" in k}

    result = await bulkops.api.run("pause", tmp_path / "old.csv", connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "pause"))

    products = [r for r in read_csv(result.files.results) if r["entity"] == "product"]
    assert {(r["outcome"], r["errorCode"]) for r in products} == {("failed", "export-too-old")}
    assert "export again, or delete the asExported column" in products[0]["message"]
    assert {k: v for k, v in sandbox.control.stats()["routes"].items() if "pause" in k} == pauses


async def test_a_bid_edited_on_a_product_row_fed_to_line_items_fails_instead_of_being_skipped(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """line-items acts on line-item rows; a product row whose bid was edited is an edit it does not make: said
    (edited-elsewhere), as a status edit there is, not skipped as "a product row" while the user thinks it done.
    The same bid written another way (1.5 for 1.50) is no edit."""
    await bulkops.export([sandbox.control.retail_media.account_ids()[0]], tmp_path / "inv.csv",
                         connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    bid, same = [r for r in rows if r["entity"] == "product" and r["bidOverride"]][:2]
    bid["bidOverride"] = str(round(float(bid["bidOverride"]) + 0.37, 2))
    same["bidOverride"] = same["bidOverride"].rstrip("0").replace(".", ",")  # 1.50 as 1,5
    with open(tmp_path / "edited.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = await bulkops.api.run("line-items", tmp_path / "edited.csv", connection=conn(sandbox),
                                   options=RunSettings(run_dir=tmp_path / "li", dry_run=True))
    report = {(r["entity"], r["lineItemId"], r["productId"]): r for r in read_csv(result.files.results)}
    edited = report[("product", bid["lineItemId"], bid["productId"])]
    assert (edited["outcome"], edited["errorCode"], edited["errorColumn"]) == \
        ("failed", "edited-elsewhere", "bidOverride")
    assert report[("product", same["lineItemId"], same["productId"])]["outcome"] == "skipped"
