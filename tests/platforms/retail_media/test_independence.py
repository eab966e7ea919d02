"""A row's outcome does not depend on the other rows of its file (a property, against the sandbox).

It broke once: rows on preferred line items failed `not-in-catalog` when the same file had auction line items of
the same retailer, because the catalog was read for the auction rows' SKUs only.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, read_csv, write_csv

SHEET = ("lineItemId", "productId", "bidOverride", "action")


def _candidates(sb: Sandbox) -> list[list[str]]:
    """Rows over auction and preferred line items sharing retailers: bids, clears, adds, pauses, removals."""
    rm = sb.control.retail_media
    rows: list[list[str]] = []
    for li in rm.line_item_ids(rm.account_ids()[0])[:12]:
        attrs = rm.line_item(li)
        products = sorted(rm.products(li))
        catalog = sorted(s for s in rm.catalog(attrs["targetRetailerId"]) if s not in rm.products(li))
        if not products:
            continue
        preferred = attrs["type"] == "preferred"
        rows += [[li, products[0], "none" if preferred else "1.77", ""],
                 [li, products[-1], "", "pause"],
                 [li, catalog[0], "none" if preferred else "1.83", "add"],
                 [li, "NOT-A-SKU", "", "add"]]
    return rows


def _outcomes(result: bulkops.RunResult) -> dict[tuple[str, str, str], tuple[str, str]]:
    return {(r["lineItemId"], r["productId"], r["action"]): (r["outcome"], r["errorCode"])
            for r in read_csv(result.files.results)}


async def _dry(sb: Sandbox, rows: list[list[str]], where: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    path = write_csv(where.with_suffix(".csv"), SHEET, rows)
    result = await bulkops.apply_bids(path, connection=conn(sb), run_dir=where, dry_run=True)
    return _outcomes(result)


def test_a_rows_outcome_does_not_depend_on_the_other_rows(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    sb = Sandbox(seed=7, accounts=1, line_items=8, max_products=30, quota=0)
    loop.run_until_complete(sb.start())
    try:
        rows = _candidates(sb)[:20]
        alone = {}
        for i, row in enumerate(rows):  # each row's outcome on its own, once
            alone.update(loop.run_until_complete(_dry(sb, [row], tmp_path / f"one-{i}")))
        counter = iter(range(1000))

        @settings(max_examples=8, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
        @given(st.sets(st.integers(0, len(rows) - 1), min_size=2, max_size=len(rows)))
        def check(picks: set[int]) -> None:
            chosen = [rows[i] for i in sorted(picks)]
            together = loop.run_until_complete(_dry(sb, chosen, tmp_path / f"all-{next(counter)}"))
            for row in chosen:
                key = (row[0], row[1], row[3])
                assert together[key] == alone[key], (row, together[key], alone[key])

        check()
    finally:
        loop.run_until_complete(sb.stop())
        loop.close()
