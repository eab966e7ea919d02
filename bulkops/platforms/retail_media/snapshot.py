"""Read what the account holds now, for the planner: line items, their products, the SKUs' min bids.

Each line item is read on its own: one that cannot be read (unknown id, another account's) becomes a
`LookupFailure` for its rows, with the API's reason, and the others go on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import anyio

from bulkops.engine.client import ApiClient
from bulkops.errors import ApiError, RequestError
from bulkops.platforms.retail_media import reads, wire
from bulkops.platforms.retail_media.diff import LineItemState, LookupFailure, ProductState

T = TypeVar("T")
MIN_BIDS_PER_CALL = 500


def lookup_failure(exc: RequestError, line_item_id: str) -> LookupFailure:
    """The API's refusal of a read, in words for the rows that depend on it."""
    if isinstance(exc, ApiError) and exc.status in (403, 404):
        return LookupFailure("line-item-not-found", f"line item {line_item_id} was not found in the accounts"
                             f" these credentials may use (HTTP {exc.status}: {exc})", exc.status)
    status = exc.status if isinstance(exc, ApiError) else None
    return LookupFailure(getattr(exc, "code", "") or "read-failed",
                         f"line item {line_item_id} could not be read: {exc}", status)


async def each(items: Iterable[str], read: Callable[[str], Awaitable[T]], concurrency: int) -> dict[str, T]:
    """`read` every item, `concurrency` at a time; results by item.

    `concurrency` workers take the next item as soon as they are free: thousands of ids never become thousands
    of waiting tasks, and a slow read holds up only its own worker.
    """
    results: dict[str, T] = {}
    queue = iter(dict.fromkeys(items))  # shared by the workers: each `next` hands out a different id

    async def worker() -> None:
        for item in queue:
            results[item] = await read(item)

    async with anyio.create_task_group() as tg:
        for _ in range(max(1, concurrency)):
            tg.start_soon(worker)
    return results


async def line_item(api: ApiClient, line_item_id: str) -> Mapping[str, Any]:
    """The CommonLineItem attributes of one line item (type, retailer, derived status)."""
    path = f"{wire.root(api.connection.api_version)}/line-items/{line_item_id}"
    return (await api.call("GET", path)).body["data"]["attributes"]


async def product_states(api: ApiClient, line_item_ids: Iterable[str],
                         bid_skus: Mapping[str, set[str]] | None = None) -> dict[str, LineItemState | LookupFailure]:
    """Every named line item with its products; with `bid_skus` (line item → SKUs), the SKUs' min bids too."""
    async def read(line_item_id: str) -> tuple[Mapping[str, Any], dict[str, ProductState]] | LookupFailure:
        try:
            attributes = await line_item(api, line_item_id)
            found = {p["id"]: product_state(p) async for p in reads.products(api, line_item_id)}
        except RequestError as exc:
            return lookup_failure(exc, line_item_id)
        return attributes, found

    raw = await each(line_item_ids, read, api.connection.concurrency)
    wanted: dict[str, set[str]] = {}  # every line item's SKUs, auction or preferred: one catalog per retailer
    for li, got in raw.items():
        if not isinstance(got, LookupFailure) and bid_skus and li in bid_skus:
            wanted.setdefault(str(got[0]["targetRetailerId"]), set()).update(bid_skus[li])
    min_bids = await catalog_min_bids(api, wanted)
    states: dict[str, LineItemState | LookupFailure] = {}
    for li, got in raw.items():
        if isinstance(got, LookupFailure):
            states[li] = got
            continue
        attributes, products = got
        retailer_bids = min_bids.get(str(attributes.get("targetRetailerId")))
        known = retailer_bids is not None and bool(bid_skus) and li in (bid_skus or {})
        states[li] = LineItemState(li, str(attributes.get("type", "auction")), products,
                                   retailer_bids or {}, catalog_known=known)
    return states


async def catalog_min_bids(api: ApiClient, skus_by_retailer: Mapping[str, set[str]]) -> dict[str, dict[str, Decimal]]:
    """retailer → {SKU: min bid} for the SKUs in its catalog; a retailer whose read failed is left out."""
    result: dict[str, dict[str, Decimal]] = {}
    for retailer, skus in skus_by_retailer.items():
        ordered = sorted(skus)
        try:
            found: dict[str, Decimal] = {}
            for start in range(0, len(ordered), MIN_BIDS_PER_CALL):
                body = {"data": {"type": "CpcMinBidsRequest",
                                 "attributes": {"skuIds": ordered[start:start + MIN_BIDS_PER_CALL]}}}
                path = f"{wire.root(api.connection.api_version)}/retailers/{retailer}/cpc-min-bids"
                answer = (await api.call("POST", path, json=body)).body
                for entry in answer["data"]["attributes"].get("skuMinBids") or []:
                    found[entry["skuId"]] = Decimal(str(entry["minBid"]))
        except RequestError:
            continue  # without min bids the API still checks them; the rows just are not pre-checked
        result[retailer] = found
    return result


async def promoted_in_accounts(api: ApiClient, account_ids: Iterable[str],
                               skus: set[str]) -> tuple[dict[str, list[str]], dict[str, LineItemState]]:
    """For `--account` rows: SKU → the line items of the accounts that promote it, and those line items' state."""
    kinds: dict[str, str] = {}
    for account in account_ids:
        kinds.update({str(li["id"]): str((li.get("attributes") or {}).get("type", "auction"))
                      async for li in reads.line_items(api, account)})
    where: dict[str, list[str]] = {}
    named: dict[str, dict[str, ProductState]] = {}  # only the SKUs the rows name: memory stays small
    count: dict[str, int] = {}
    async for li, product in reads.products_of(api, kinds):
        count[li] = count.get(li, 0) + 1
        if product["id"] in skus:
            named.setdefault(li, {})[product["id"]] = product_state(product)
            where.setdefault(product["id"], []).append(li)
    states = {li: LineItemState(li, kinds[li], found, product_count=count[li]) for li, found in named.items()}
    return where, states


def product_state(item: Mapping[str, Any]) -> ProductState:
    """A promoted product as the planner sees it."""
    attributes = item.get("attributes") or {}
    bid = attributes.get("bidOverride")
    return ProductState(None if bid is None else Decimal(str(bid)), str(attributes.get("status") or "active"))
