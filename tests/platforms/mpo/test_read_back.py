"""Read back, as resume does for operations sent with no answer seen: bids and budget creates."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bulkops.api import client_factory
from bulkops.engine.client import Tuning
from bulkops.engine.transport import Timeouts
from bulkops.platforms.mpo import PLATFORM, wire
from bulkops.platforms.mpo.jobs import BudgetJob, SellerBidJob
from bulkops.runner import pipeline as run
from bulkops.types import Operation
from tests.platforms.mpo.conftest import advertiser, conn


async def test_read_back_tells_applied_from_not(make_sandbox) -> None:
    async with make_sandbox(mpo_sellers=10, quota=0) as sb:
        ids = sb.control.mpo.seller_campaign_ids(advertiser(sb))
        seller, campaign = ids[0].split(".")
        start = (datetime.now(UTC).date() + timedelta(days=500)).isoformat()
        create = Operation(2, wire.CREATE_BUDGET, "", seller, {"campaignIds": [int(campaign)], "budgetType": "Capped",
                                                               "amount": "75", "startDate": start, "endDate": None})
        bid_now = sb.control.mpo.seller_campaign(ids[0])["bid"]
        applied = Operation(2, wire.SET_BID, "", ids[0], {"bid": None if bid_now is None else str(bid_now)})
        not_applied = Operation(3, wire.SET_BID, "", ids[1], {"bid": "9.99"})
        nowhere = Operation(4, wire.SET_BID, "", f"99999999.{campaign}", {"bid": "0.80"})  # no such seller-campaign
        async with client_factory(PLATFORM)(conn(sb)) as api:
            assert await SellerBidJob().read_back(api, [applied, not_applied, nowhere]) == [True, False, False]
            assert await BudgetJob().read_back(api, [create]) == [False]
            made = await api.call("POST", f"{wire.root(api.connection.api_version)}/budgets",
                                  json=[wire.create_item(create)], idempotent=False)
            # created once: never sent again, and its id reaches the journal (the undo suspends it by that id)
            assert await BudgetJob().read_back(api, [create]) == [{"budgetId": str(made.body[0]["id"])}]


async def test_a_create_still_in_flight_when_resumed_is_awaited_not_sent_twice(make_sandbox, tmp_path: Path) -> None:
    """A run killed while its create was at the server, resumed at once: the create is not there yet when read
    back. Sent again then, the budget would exist twice; resume reads it back again once a request sent then has
    had its time, finds it, and reports it done, with its id in the undo file."""
    async with make_sandbox(mpo_sellers=10, quota=0) as sb:
        seller, campaign = sb.control.mpo.seller_campaign_ids(advertiser(sb))[0].split(".")
        start = (datetime.now(UTC).date() + timedelta(days=500)).isoformat()
        create = Operation(2, wire.CREATE_BUDGET, "", seller, {"campaignIds": [int(campaign)], "budgetType": "Capped",
                                                               "amount": "75", "startDate": start, "endDate": None})
        source = tmp_path / "budgets.csv"
        source.write_text(f"sellerId,campaignIds,budgetType,amount,startDate\n{seller},{campaign},Capped,75,{start}\n")
        meta = {"job": "budgets", "base_url": sb.base_url, "client_id": sb.client_id, "api_version": "2026-07",
                "rows_total": 1, "report_format": "csv", "snapshot": True, "dry_run": False,
                "header": {n: n for n in ("sellerId", "campaignIds", "budgetType", "amount", "startDate")}}
        with run.start(tmp_path / "run", meta, source) as journal:
            journal.add_operations([create])
            journal.mark_sent([create])  # the stopped run's request: at the server, no answer seen
        before = len(sb.control.mpo.budgets(include_archived=True))
        notices: list[str] = []
        tuning = Tuning(timeouts=Timeouts(connect=0.5, read=1.5))

        async def lands() -> None:  # the stopped run's request, landing after resume's first look
            await asyncio.sleep(0.6)
            async with client_factory(PLATFORM)(conn(sb)) as api:
                await api.call("POST", f"{wire.root(api.connection.api_version)}/budgets",
                               json=[wire.create_item(create)], idempotent=False)

        with run.reopen(tmp_path / "run") as journal:
            landing = asyncio.create_task(lands())
            result = await run.resume_job(BudgetJob(), journal, conn(sb), client_factory(PLATFORM, tuning),
                                          notice=notices.append)
            await landing
        assert len(sb.control.mpo.budgets(include_archived=True)) == before + 1  # one budget, not two
        assert result.outcomes["succeeded"] == 1 and any("may still be in flight" in n for n in notices)
        assert result.files.undo is not None
