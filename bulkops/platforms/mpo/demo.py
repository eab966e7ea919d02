"""The MPO step of `bulkops demo`: export an advertiser, change 20 seller bids (two rows wrong), suspend a
budget, then undo the bid change."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from bulkops.io.readers import open_table
from bulkops.platform import DemoContext


async def run(ctx: DemoContext) -> None:
    """The four steps, each printed as the CLI prints a run."""
    from bulkops.platforms.mpo import python_api as mpo  # noqa: PLC0415 - python_api imports the registry

    conn, folder, say = ctx.connection, ctx.folder, ctx.say
    advertiser = await _first_advertiser(conn)
    say(f"1. export advertiser {advertiser} (`bulkops export --mpo --advertiser {advertiser}`)")
    inventory = folder / "mpo-inventory.csv"
    exported = await mpo.export_mpo([advertiser], inventory, connection=conn)
    say(f"   {exported.rows} → {inventory}\n")
    rows = [r for b in open_table(inventory).iter_batches() for r in b.to_pylist()]

    say("2. 22 seller bids, 2 of them wrong, applied with `bulkops seller-bids`")
    bids = await mpo.apply_seller_bids(_bid_sheet(rows, folder / "seller-bids.csv"), connection=conn,
                                       run_dir=folder / "seller-bids")
    ctx.show("seller-bids", bids)
    if bids.files.errors is not None:
        say("   the errors file (fix the cells, feed it back):")
        for batch in open_table(bids.files.errors).iter_batches():
            for r in batch.to_pylist():
                say(f"     {r['errorCode']}: {r['error']}")

    say("\n3. suspend one budget (`bulkops budgets suspend.csv`)")
    budget = next(r for r in rows if r["entity"] == "budget" and str(r["isSuspended"]).lower() == "false")
    sheet = folder / "suspend.csv"
    sheet.write_text(f"budgetId,isSuspended\n{budget['budgetId']},true\n", encoding="utf-8")
    ctx.show("budgets", await mpo.update_budgets(sheet, connection=conn, run_dir=folder / "budgets"))

    if bids.files.undo is not None:
        say("\n4. undo the bid change: feed its undo file back (`bulkops seller-bids seller-bids/undo.csv`)")
        undone = await mpo.apply_seller_bids(bids.files.undo, connection=conn, run_dir=folder / "undo-seller-bids")
        ctx.show("seller-bids (undo)", undone)


async def _first_advertiser(conn: Any) -> str:
    from bulkops.api import client_factory  # noqa: PLC0415 - the API imports the registry, which imports this
    from bulkops.platforms.mpo import PLATFORM, wire  # noqa: PLC0415

    async with client_factory(PLATFORM)(conn) as api:
        body = (await api.call("GET", f"{wire.root(api.connection.api_version)}/advertisers")).body
    return str(body[0]["id"])


def _bid_sheet(rows: list[dict[str, Any]], path: Path) -> Path:
    scs = [r for r in rows if r["entity"] == "sellerCampaign"][:20]
    lines = [[r["sellerCampaignId"], f"{0.20 + i * 0.05:.2f}"] for i, r in enumerate(scs)]
    lines += [["99999999.1", "0.50"],          # no such seller-campaign
              [scs[0]["sellerCampaignId"].split(".")[0] + ".x", "0.40"]]  # not <sellerId>.<campaignId>
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["sellerCampaignId", "cpc"])
        writer.writerows(lines)
    return path

