"""The Trackier step of `bulkops demo`: export the campaigns, disable ten (one row asks for paused), undo."""

from __future__ import annotations

import csv
from pathlib import Path

from bulkops.io.readers import open_table
from bulkops.platform import DemoContext


async def run(ctx: DemoContext) -> None:
    """Export, a status change with one refused row, and its undo, each printed as the CLI prints a run."""
    from bulkops.platforms.trackier import python_api as tk  # noqa: PLC0415 - python_api imports the registry

    conn, folder, say = ctx.connection, ctx.folder, ctx.say
    say("1. export every campaign (`bulkops export --trackier --out campaigns.csv`)")
    campaigns = folder / "campaigns.csv"
    exported = await tk.export_trackier(campaigns, connection=conn)
    say(f"   {exported.rows} → {campaigns}\n")

    say("2. disable 10 active campaigns; one more row asks for paused (only the system pauses: refused)")
    changed = await tk.set_trackier_status(_sheet(campaigns, folder / "disable.csv"), connection=conn,
                                           run_dir=folder / "disable")
    ctx.show("trackier-status", changed)
    if changed.files.errors is not None:
        for batch in open_table(changed.files.errors).iter_batches():
            for r in batch.to_pylist():
                say(f"   refused before sending, {r['errorCode']}: {r['error']}")

    if changed.files.undo is not None:
        say("\n3. undo: feed its undo file back (`bulkops trackier-status disable/undo.csv`)")
        undone = await tk.set_trackier_status(changed.files.undo, connection=conn, run_dir=folder / "undo")
        ctx.show("trackier-status (undo)", undone)


def _sheet(campaigns: Path, path: Path) -> Path:
    rows = [r for b in open_table(campaigns).iter_batches() for r in b.to_pylist()]
    active = [str(r["campaignId"]) for r in rows if r["status"] == "active"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["campaignId", "status"])
        writer.writerows([i, "disabled"] for i in active[:10])
        writer.writerow([active[10], "paused"])  # refused before sending, with the reason and what to use
    return path

