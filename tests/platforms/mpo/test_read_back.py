"""Read back, as resume does for operations sent with no answer seen: bids and budget creates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bulkops.api import client_factory
from bulkops.platforms.mpo import PLATFORM, wire
from bulkops.platforms.mpo.jobs import BudgetJob, SellerBidJob
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
        async with client_factory(PLATFORM)(conn(sb)) as api:
            assert await SellerBidJob().read_back(api, [applied, not_applied]) == [True, False]
            assert await BudgetJob().read_back(api, [create]) == [False]
            made = await api.call("POST", f"{wire.root(api.connection.api_version)}/budgets",
                                  json=[wire.create_item(create)], idempotent=False)
            # created once: never sent again, and its id reaches the journal (the undo suspends it by that id)
            assert await BudgetJob().read_back(api, [create]) == [{"budgetId": str(made.body[0]["id"])}]
