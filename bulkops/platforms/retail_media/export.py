"""`export`: the campaigns, line items and promoted products of accounts, streamed to one file.

One row per entity, told apart by the `entity` column (campaign, lineItem, product), under the stable
columns of `schemas.EXPORT_COLUMNS`. Products stream from many concurrent reads through a bounded buffer
straight into the writer, so memory stays flat however big the account. The file is the input of the write
jobs as it is: `bids`, `pause`, `unpause`, `remove` act on its product rows, `line-items` on its line items.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.engine.paging import OffsetLimitPaging, PageIndexPaging, read_all
from bulkops.errors import Forbidden, NotFound, UsageError
from bulkops.io.columns import encode_baseline
from bulkops.platform import ids_given, unseen
from bulkops.platforms.retail_media import reads, wire
from bulkops.platforms.retail_media.schemas import LINE_ITEM_FIELDS, LINE_ITEM_STATUSES

CAMPAIGN_PAGING = PageIndexPaging(size=500)
AUCTION_PAGING = OffsetLimitPaging(limit=500, meta_key="metadata")


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """What to export: all by default."""

    campaigns: tuple[str, ...] = ()  # campaign ids
    statuses: tuple[str, ...] = ()  # line item statuses (active, paused, scheduled, ...)
    product_statuses: tuple[str, ...] = ()  # active, paused
    products: bool = True  # False: campaigns and line items only

    @classmethod
    def of(cls, options: Mapping[str, Any]) -> ExportFilter:
        """From the export's options (CLI flags or Python keywords); a status no line item or product can have is
        refused (it would export nothing, exit 0), matched as the API spells it whatever the case."""
        statuses = _known(ids_given(options.get("status")), LINE_ITEM_STATUSES, "--status")
        products = _known(ids_given(options.get("product_status")), ("active", "paused"), "--product-status")
        return cls(ids_given(options.get("campaign")), statuses, products, not options.get("no_products"))


def _known(given: tuple[str, ...], known: tuple[str, ...], flag: str) -> tuple[str, ...]:
    spelled = {k.lower(): k for k in known}
    wrong = [g for g in given if g.lower() not in spelled]
    if wrong:
        raise UsageError(f"{flag} {', '.join(wrong)}: not a status; one of {', '.join(known)}")
    return tuple(spelled[g.lower()] for g in given)




async def rows(api: ApiClient, options: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Every export row of the accounts in `options["account"]`, campaigns first, products streamed last."""
    filters = ExportFilter.of(options)
    for account in ids_given(options.get("account")):
        async for row in _account_rows(api, str(account), filters):
            yield row


async def _account_rows(api: ApiClient, account: str, filters: ExportFilter) -> AsyncIterator[dict[str, Any]]:
    root = wire.root(api.connection.api_version)
    try:
        campaigns = [c async for c in read_all(_get(api, f"{root}/accounts/{account}/campaigns"), CAMPAIGN_PAGING)]
    except (NotFound, Forbidden) as exc:  # a typo, or another client's id: say which ids these credentials see
        seen = [str(a["id"]) async for a in read_all(_get(api, f"{root}/accounts"), CAMPAIGN_PAGING)]
        raise unseen("account", account, exc, seen) from None
    campaigns = [c for c in campaigns if not filters.campaigns or str(c["id"]) in filters.campaigns]
    for c in campaigns:
        yield campaign_row(account, c)
    kept = {str(c["id"]) for c in campaigns}
    items = [li async for li in reads.line_items(api, account)
             if str(li["attributes"]["campaignId"]) in kept
             and (not filters.statuses or li["attributes"]["status"] in filters.statuses)]
    bids = await _auction_bids(api, {str(li["attributes"]["campaignId"]) for li in items
                                     if li["attributes"].get("type") == "auction"})
    for li in items:
        yield line_item_row(account, li, bids.get(str(li["id"]), {}))
    if not filters.products:
        return
    campaign_of = {str(li["id"]): str(li["attributes"]["campaignId"]) for li in items}
    async for li_id, product in reads.products_of(api, campaign_of):
        row = product_row(account, campaign_of[li_id], li_id, product)
        if not filters.product_statuses or row["status"] in filters.product_statuses:
            yield row


async def _auction_bids(api: ApiClient, campaign_ids: Iterable[str]) -> dict[str, Mapping[str, Any]]:
    """targetBid and maxBid, which only the auction resource carries, per line item id."""
    root = wire.root(api.connection.api_version)
    found: dict[str, Mapping[str, Any]] = {}
    for campaign in sorted(campaign_ids):
        async for li in read_all(_get(api, f"{root}/campaigns/{campaign}/auction-line-items"), AUCTION_PAGING):
            found[str(li["id"])] = li.get("attributes") or {}
    return found


def _get(api: ApiClient, path: str) -> Any:
    async def fetch(params: dict[str, Any]) -> Any:
        return (await api.call("GET", path, params=params)).body
    return fetch


def campaign_row(account: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign as an export row."""
    a = item.get("attributes") or {}
    return {"entity": "campaign", "accountId": account, "campaignId": str(item["id"]), "name": a.get("name"),
            "type": a.get("type"), "status": a.get("status"), "startDate": _day(a.get("startDate")),
            "endDate": _day(a.get("endDate")), "budget": a.get("budget"), "budgetSpent": a.get("budgetSpent"),
            # no verb changes a campaign: its baseline lets a run fed an edited one fail the row, not skip it
            "asExported": encode_baseline({"name": a.get("name"), "status": a.get("status")})}


def line_item_row(account: str, item: Mapping[str, Any], auction: Mapping[str, Any]) -> dict[str, Any]:
    """A line item as an export row (bids from its auction resource)."""
    a = item.get("attributes") or {}
    row = {"entity": "lineItem", "accountId": account, "campaignId": str(a.get("campaignId")),
           "lineItemId": str(item["id"]), "name": a.get("name"), "type": a.get("type"), "status": a.get("status"),
           "retailerId": a.get("targetRetailerId"), "startDate": _day(a.get("startDate")),
           "endDate": _day(a.get("endDate")), "budget": a.get("budget"), "budgetSpent": a.get("budgetSpent"),
           "targetBid": auction.get("targetBid"), "maxBid": auction.get("maxBid")}
    row["asExported"] = encode_baseline({k: row[k] for k in LINE_ITEM_FIELDS})
    return row


def product_row(account: str, campaign: str, line_item: str, item: Mapping[str, Any]) -> dict[str, Any]:
    """A promoted product as an export row."""
    a = item.get("attributes") or {}
    return {"entity": "product", "accountId": account, "campaignId": campaign, "lineItemId": line_item,
            "productId": str(item["id"]), "status": a.get("status"), "bidOverride": a.get("bidOverride"),
            "asExported": encode_baseline({"bidOverride": a.get("bidOverride"), "status": a.get("status")})}


def _day(value: Any) -> Any:
    return value[:10] if isinstance(value, str) else value
