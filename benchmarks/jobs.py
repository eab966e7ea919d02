"""The jobs end to end against an in-process sandbox (quota off): export an account, apply a bid to every
product of it, run the same sheet again (all no-ops). Prints wall times, requests and peak RSS.

    .venv/bin/python benchmarks/jobs.py [line_items] [max_products]
"""

from __future__ import annotations

import asyncio
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

import bulkops
from bulkops.sandbox import Sandbox, SandboxSettings


async def main(line_items: int, max_products: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bulkops-bench-"))
    settings = SandboxSettings.of(seed=3, accounts=1, line_items=line_items, max_products=max_products, quota=0)
    async with Sandbox(settings) as sb:
        conn = bulkops.connect(sb.base_url, sb.client_id, sb.client_secret)
        account = sb.control.retail_media.account_ids()[0]
        began = time.perf_counter()
        exported = await bulkops.export([account], folder / "inv.csv", connection=conn)
        print(f"export: {exported.rows} in {time.perf_counter() - began:.2f}s, {exported.requests} requests")
        with open(folder / "inv.csv", encoding="utf-8-sig") as f:
            products = [r for r in csv.DictReader(f) if r["entity"] == "product"]
        with open(folder / "bids.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["lineItemId", "productId", "bidOverride"])
            writer.writerows([r["lineItemId"], r["productId"], "1.91"] for r in products)
        for name in ("bids", "rerun"):
            began = time.perf_counter()
            result = await bulkops.apply_bids(folder / "bids.csv", connection=conn, run_dir=folder / name)
            print(f"{name}: {len(products)} rows → {result.outcomes} in {time.perf_counter() - began:.2f}s,"
                  f" {result.summary['requests']} requests")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak RSS (client and sandbox in one process): {peak} MB")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(*(args + [400, 120][len(args):])))
