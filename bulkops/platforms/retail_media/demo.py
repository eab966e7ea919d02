"""The Retail Media step of `bulkops demo`: export an account, a bid sheet with bad rows, a pause across the
account, and the undo of the bid change."""

from __future__ import annotations

import csv
from pathlib import Path

from bulkops.io.readers import open_table
from bulkops.platform import DemoContext


async def run(ctx: DemoContext) -> None:
    """The four steps, each printed as the CLI prints a run."""
    from bulkops.platforms.retail_media import python_api as rm  # noqa: PLC0415 - python_api imports the registry

    conn, folder, say = ctx.connection, ctx.folder, ctx.say
    account = await _first_account(conn)
    say(f"1. export account {account}")
    inventory = folder / "inventory.csv"
    exported = await rm.export([account], inventory, connection=conn)
    say(f"   {exported.rows} → {inventory}\n")

    say("2. a bid sheet of 40 rows, 5 of them wrong, applied with `bulkops bids`")
    bids = await rm.apply_bids(_bid_sheet(inventory, folder / "bids.csv"), connection=conn, run_dir=folder / "bids")
    ctx.show("bids", bids)
    if bids.files.errors is not None:
        say("   the errors file (fix the cells, feed it back):")
        for batch in open_table(bids.files.errors).iter_batches():
            for r in batch.to_pylist():
                say(f"     {r['errorCode']}: {r['error']}")

    say(f"\n3. pause 5 SKUs wherever the account promotes them (`bulkops pause skus.csv --account {account}`)")
    skus = _sku_list(inventory, folder / "skus.csv")
    paused = await rm.set_product_status(skus, "paused", accounts=[account], connection=conn, run_dir=folder / "pause")
    ctx.show("pause", paused)

    if bids.files.undo is not None:
        say("\n4. undo the bid change: feed its undo file back (`bulkops bids bids/undo.csv`)")
        undone = await rm.apply_bids(bids.files.undo, connection=conn, run_dir=folder / "undo-bids")
        ctx.show("bids (undo)", undone)


async def _first_account(conn: object) -> str:
    from bulkops.api import client_factory  # noqa: PLC0415
    from bulkops.platforms.retail_media import PLATFORM  # noqa: PLC0415
    from bulkops.platforms.retail_media.wire import root  # noqa: PLC0415

    async with client_factory(PLATFORM)(conn) as api:
        body = (await api.call("GET", f"{root(api.connection.api_version)}/accounts", params={"pageSize": 1})).body
    return str(body["data"][0]["id"])


def _bid_sheet(inventory: Path, path: Path) -> Path:
    rows_of = [r for b in open_table(inventory).iter_batches() for r in b.to_pylist()]
    products = [r for r in rows_of if r["entity"] == "product"]
    kinds = {r["lineItemId"]: r["type"] for r in rows_of if r["entity"] == "lineItem"}
    auction = [p for p in products if kinds.get(p["lineItemId"]) == "auction"][:35]
    preferred = next(p for p in products if kinds.get(p["lineItemId"]) == "preferred")
    rows = [[p["lineItemId"], p["productId"], f"{1.0 + i * 0.05:.2f}"] for i, p in enumerate(auction)]
    rows += [[auction[0]["lineItemId"], "NOT-A-REAL-SKU", "1.20"],     # not in the retailer's catalog
             [auction[1]["lineItemId"], auction[1]["productId"], "1,2.3"],  # not a number
             [auction[2]["lineItemId"], auction[2]["productId"], "750"],    # a typo: absurdly high
             ["", auction[3]["productId"], "1.10"],                          # no line item
             [preferred["lineItemId"], preferred["productId"], "1.50"]]     # preferred: no bid override
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["lineItemId", "sku", "bid"])
        writer.writerows(rows)
    return path


def _sku_list(inventory: Path, path: Path) -> Path:
    counts: dict[str, int] = {}
    for batch in open_table(inventory).iter_batches():
        for r in batch.to_pylist():
            if r["entity"] == "product":
                counts[r["productId"]] = counts.get(r["productId"], 0) + 1
    skus = sorted(counts, key=lambda s: (-counts[s], s))[:5]
    path.write_text("productId\n" + "".join(f"{s}\n" for s in skus), encoding="utf-8")
    return path

