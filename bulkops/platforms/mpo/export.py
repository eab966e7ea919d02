"""`export --mpo`: the sellers, seller-campaigns and budgets of advertisers, in one table.

One row per entity, told apart by the `entity` column (seller, sellerCampaign, budget), under the stable columns
of `schemas.EXPORT_COLUMNS`, grouped by seller. Three reads per advertiser (MPO lists are bare arrays, unpaged).
The file is the input of the write jobs as it is: `seller-bids` acts on its seller-campaign rows, `budgets` on
its budget rows; each of those rows carries its editable values as read (`asExported`), so rows fed back
unedited are skipped and edited rows whose live value moved since are conflicts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.errors import Forbidden, NotFound
from bulkops.io.columns import encode_baseline
from bulkops.platform import ids_given, unseen
from bulkops.platforms.mpo import reads
from bulkops.platforms.mpo.budget_rows import campaign_text, live_fields

ACTIVE = "active"


async def rows(api: ApiClient, options: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Every export row of the advertisers in `options["advertiser"]`."""
    for advertiser in ids_given(options.get("advertiser")):
        async for row in _advertiser_rows(api, str(advertiser)):
            yield row


async def _advertiser_rows(api: ApiClient, advertiser: str) -> AsyncIterator[dict[str, Any]]:
    try:
        listed = await reads.listing(api, f"advertisers/{advertiser}/seller-campaigns")
    except (NotFound, Forbidden) as exc:  # a typo, or another client's id: say which ids these credentials see
        seen = [str(a["id"]) for a in await reads.listing(api, "advertisers")]
        raise unseen("advertiser", advertiser, exc, seen) from None
    sellers = await reads.listing(api, "sellers", {"advertiserId": advertiser})
    scs: dict[str, list[Mapping[str, Any]]] = {}
    for sc in listed:
        scs.setdefault(str(sc["sellerId"]), []).append(sc)
    budgets: dict[str, list[Mapping[str, Any]]] = {}
    for b in await reads.listing(api, f"advertisers/{advertiser}/budgets"):
        budgets.setdefault(str(b["sellerId"]), []).append(b)
    for seller in sellers:
        seller_id = str(seller["id"])
        common = {"advertiserId": advertiser, "sellerId": seller_id, "sellerName": seller.get("sellerName")}
        yield {"entity": "seller", **common}
        for sc in sorted(scs.get(seller_id, ()), key=lambda s: int(s["campaignId"])):
            yield seller_campaign_row(common, sc)
        for b in sorted(budgets.get(seller_id, ()), key=lambda b: int(b["id"])):
            yield budget_row(common, b)


def seller_campaign_row(common: Mapping[str, Any], sc: Mapping[str, Any]) -> dict[str, Any]:
    """A seller-campaign as an export row: status `active`, or its suspension reasons joined by `;`."""
    reasons = sc.get("suspensionReasons") or ()
    return {"entity": "sellerCampaign", **common, "campaignId": str(sc["campaignId"]),
            "sellerCampaignId": str(sc["id"]), "bid": sc.get("bid"),
            "status": ";".join(reasons) if reasons else ACTIVE, "suspendedSince": sc.get("suspendedSince"),
            "asExported": encode_baseline({"bid": sc.get("bid"), "status": ";".join(reasons) if reasons else ACTIVE})}


def budget_row(common: Mapping[str, Any], budget: Mapping[str, Any]) -> dict[str, Any]:
    """A budget as an export row (endDate blank when open-ended)."""
    f = live_fields(budget)
    editable = {"campaignIds": campaign_text(f["campaignIds"]), "amount": budget.get("amount"),
                "startDate": f["startDate"], "endDate": f["endDate"], "isSuspended": f["isSuspended"]}
    return {"entity": "budget", **common, "budgetId": str(budget["id"]), "budgetType": budget.get("budgetType"),
            "spend": budget.get("spend"), "status": budget.get("status"), **editable,
            "asExported": encode_baseline({**editable, "sellerId": common["sellerId"],
                                           "budgetType": budget.get("budgetType")})}
