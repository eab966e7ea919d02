"""Trackier publishes no quota: bulkops paces at 60 calls/min unless --rate says otherwise, and honours 429s."""

from __future__ import annotations

import time
from pathlib import Path

import bulkops
from bulkops.engine.client import ApiClient
from bulkops.platforms.trackier import PLATFORM
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import write_csv
from tests.platforms.trackier.conftest import conn, ids_in, statuses


async def test_it_paces_at_60_per_window_by_default(tsb: Sandbox, tmp_path: Path) -> None:
    async with ApiClient(conn(tsb, rate=None), PLATFORM.dialect, quota_window_s=3.0) as api:  # 60 per 3 s
        started = time.monotonic()
        for _ in range(11):
            await api.call("GET", "/v2/campaigns", params={"limit": 1})
        assert time.monotonic() - started >= 0.45  # 10 intervals of 3 s / 60
        assert api.limiter.per_window == 60
    path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[ids_in(tsb, "active")[0], "disabled"]])
    dry = await bulkops.set_trackier_status(path, connection=conn(tsb, rate=None), run_dir=tmp_path / "r",
                                            dry_run=True)
    assert dry.summary["quota_per_min"] == 60


async def test_429s_pause_and_retry_until_every_row_is_done(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(trackier_campaigns=30, trackier_quota=3, quota=0) as sb:
        # 7 writes and the reads inside one run shorter than the window span at most two windows of 3 calls:
        # a 429 is certain however slow or fast the machine
        sb.control.set_quota(3, window_s=2, api="trackier")
        active = ids_in(sb, "active")[:14]
        assert len(active) == 14
        path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[i, "disabled"] for i in active])
        result = await bulkops.set_trackier_status(path, connection=conn(sb), run_dir=tmp_path / "r", chunk_size=2)
        assert result.outcomes["succeeded"] == 14 and result.exit_code == 0
        assert result.summary["rate_limited"] > 0 and sb.control.stats().get("status_429", 0) > 0
        assert set(statuses(sb, active).values()) == {"disabled"}
