"""Bid writes of the MPO sandbox: PATCH /seller-campaigns (bulk, all-or-nothing) and PATCH one by `?bid=`."""

from __future__ import annotations

import math
from typing import Any

from aiohttp import web

from bulkops.sandbox.mpo import views
from bulkops.sandbox.mpo.checks import Issue, check_bid_item
from bulkops.sandbox.mpo.common import (
    PREFIX,
    bulk_items,
    fail_if,
    item_error,
    owned_seller_campaign,
    state,
    store,
)
from bulkops.sandbox.problems import problem
from bulkops.sandbox.state import CLIENT_ID

routes = web.RouteTableDef()
UNKNOWN = Issue("WithInvalidSellerCampaignId", "id", "Invalid seller-campaign id",
                "no seller-campaign of yours has this id")
DUPLICATE = Issue("WithDuplicateId", "id", "Duplicate id", "this seller-campaign appears earlier in the same call")


@routes.patch(PREFIX + "/seller-campaigns")
async def update_bids(request: web.Request) -> web.Response:
    """Set the bids of up to 2,000 seller-campaigns; any bad item → 400 and nothing changes."""
    raw_items = await bulk_items(request)
    parsed = [check_bid_item(raw) for raw in raw_items]
    db = store(request)
    found = db.seller_campaigns_by_id(p[0] for p in parsed if not isinstance(p, Issue))
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, (raw, p) in enumerate(zip(raw_items, parsed, strict=True)):
        issue = _item_issue(request, p[0], found, seen) if not isinstance(p, Issue) else p
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            seen.add(raw["id"])
        if issue is not None:
            errors.append(item_error(i, raw.get("id") if isinstance(raw, dict) else None, issue))
    fail_if(errors)
    bids = [(bid, sc_id) for sc_id, bid in parsed]  # type: ignore[misc]
    db.set_bids(bids)
    rows = db.seller_campaigns_by_id(sc_id for _, sc_id in bids)
    return web.json_response(views.seller_campaigns(state(request), [rows[sc_id] for _, sc_id in bids]))


def _item_issue(request: web.Request, sc_id: str, found: dict[str, Any], seen: set[str]) -> Issue | None:
    row = found.get(sc_id)
    if row is None or row["owner"] != request[CLIENT_ID]:
        return UNKNOWN
    return DUPLICATE if sc_id in seen else None


@routes.patch(PREFIX + "/seller-campaigns/{sellerCampaignId}")
async def update_bid(request: web.Request) -> web.Response:
    """Set one seller-campaign's bid from the query (`?bid=1.5`; no bid = null, no CPC)."""
    row = owned_seller_campaign(request)
    bid = _query_bid(request.query.get("bid"))
    store(request).set_bids([(bid, row["id"])])
    fresh = store(request).seller_campaign(row["id"])
    return web.json_response(views.seller_campaigns(state(request), [fresh])[0])  # type: ignore[list-item]


def _query_bid(raw: str | None) -> float | None:
    """The `bid` query parameter: absent or empty = null, else a finite non-negative number."""
    if raw is None or raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise problem(400, "validation", "WithInvalidBidValue", "Invalid bid value",
                      f"bid must be a non-negative number, not {raw!r}", {"parameter": "bid"})
    return value
