"""`bulkops demo`: the three jobs, start to finish, against a fresh embedded sandbox."""

from __future__ import annotations

import asyncio
import csv
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

import bulkops
from bulkops.cli.console import Output
from bulkops.cli.jobs import show_result
from bulkops.io.readers import open_table
from bulkops.sandbox import Sandbox, SandboxSettings

DEMO_QUOTA = 3000  # calls per minute: a demo should not take minutes (the real default is lower)


def demo(
    out_dir: Annotated[Path | None, typer.Option("--dir", help="Where the demo's files go.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the sandbox data.")] = 1,
) -> None:
    """Run the jobs against a fresh embedded sandbox: export an account, apply a bid sheet with some bad rows,
    mass-pause SKUs across the account, undo the bid change, and show where every report is."""
    folder = out_dir or Path("runs") / f"demo-{datetime.now():%Y%m%d-%H%M%S}"
    folder.mkdir(parents=True, exist_ok=True)
    asyncio.run(_demo(folder, seed, Output()))


async def _demo(folder: Path, seed: int, out: Output) -> None:
    settings = SandboxSettings(seed=seed, db=str(folder / "sandbox.sqlite"), quota=DEMO_QUOTA)
    async with Sandbox(settings) as sb:
        conn = bulkops.connect(sb.base_url, sb.client_id, sb.client_secret)
        account = sb.control.retail_media.account_ids()[0]
        out.say(f"embedded sandbox at {sb.base_url} (quota {DEMO_QUOTA}/min); files in {folder}\n")

        out.say(f"1. export account {account}")
        inventory = folder / "inventory.csv"
        exported = await bulkops.export([account], inventory, connection=conn)
        out.say(f"   {exported.rows} → {inventory}\n")

        out.say("2. a bid sheet of 40 rows, 5 of them wrong, applied with `bulkops bids`")
        sheet = _bid_sheet(inventory, folder / "bids.csv")
        bids = await bulkops.apply_bids(sheet, connection=conn, run_dir=folder / "bids")
        show_result("bids", bids, out)
        _show_errors(bids.files.errors, out)

        out.say("\n3. pause 5 SKUs wherever the account promotes them (`bulkops pause skus.csv --account ...`)")
        skus = _sku_list(inventory, folder / "skus.csv")
        paused = await bulkops.set_product_status(skus, "paused", accounts=[account], connection=conn,
                                                  run_dir=folder / "pause")
        show_result("pause", paused, out)

        out.say("\n4. undo the bid change: feed its undo file back (`bulkops bids bids/undo.csv`)")
        undone = await bulkops.apply_bids(bids.files.undo, connection=conn, run_dir=folder / "undo-bids")
        show_result("bids", undone, out, label="bids (undo)")
        out.say(f"\nall done: every file above is in {folder}")


def _bid_sheet(inventory: Path, path: Path) -> Path:
    products = [r for b in open_table(inventory).iter_batches() for r in b.to_dict("records")
                if r["entity"] == "product"]
    kinds = {r["lineItemId"]: r["type"] for b in open_table(inventory).iter_batches()
             for r in b.to_dict("records") if r["entity"] == "lineItem"}
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
        for r in batch.to_dict("records"):
            if r["entity"] == "product":
                counts[r["productId"]] = counts.get(r["productId"], 0) + 1
    skus = sorted(counts, key=lambda s: (-counts[s], s))[:5]
    path.write_text("productId\n" + "".join(f"{s}\n" for s in skus), encoding="utf-8")
    return path


def _show_errors(errors: Path | None, out: Output) -> None:
    if errors is None:
        return
    out.say("   the errors file (fix the cells, feed it back):")
    for batch in open_table(errors).iter_batches():
        for r in batch.to_dict("records"):
            out.say(f"     {r['errorCode']}: {r['error']}")
