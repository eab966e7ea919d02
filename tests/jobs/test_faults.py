"""A bid change through 5xx answers and dropped connections: every row accounted for, the server at target."""

from __future__ import annotations

from pathlib import Path

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, line_items, write_csv


async def test_a_faulty_api_loses_no_row(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(error_rate=0.08, reset_rate=0.04) as sb:
        sb: Sandbox
        rows = [[li, sku, "1.87"] for li in line_items(sb, "auction", "active") for sku in sb.control.retail_media.products(li)]
        path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"], rows)

        result = await bulkops.apply_bids(path, connection=conn(sb), run_dir=tmp_path / "run")

        assert result.summary["retries"] > 0
        assert result.outcomes["succeeded"] == len(rows) and result.exit_code == 0
        for li, sku, _ in rows:
            assert sb.control.retail_media.products(li)[sku]["bidOverride"] == 1.87
