"""Read what the account holds now, for the planner: line items, their products, the SKUs' min bids.

A line item's own fields (type, retailer) come from a list of every line item the credentials see, when listing
costs fewer requests than reading the named ones one at a time (a page holds 500; a sheet over a thousand line
items of one account costs 3 pages, not a thousand GETs; see `LineItemDirectory`), else from one GET each. A
line item that cannot be read (unknown id, another account's) becomes a `LookupFailure` for its rows, with the
API's reason, and the others go on.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import anyio

from bulkops.engine.client import ApiClient
from bulkops.errors import ApiError, RequestError, leaves
from bulkops.platforms.retail_media import reads, wire
from bulkops.platforms.retail_media.diff import LineItemState, LookupFailure, ProductState

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")
MIN_BIDS_PER_CALL = 500
LISTING = reads.LINE_ITEM_PAGING  # 500 a page
DIRECTORY_FROM = 8  # line items to read before listing them all may pay (an accounts call and a page at least)


class AccountRefused(Exception):
    """An --account the API refuses (403/404) while it is read."""

    def __init__(self, account: str, error: ApiError) -> None:
        super().__init__(f"account {account!r} cannot be read with these credentials (HTTP {error.status}: {error})")
        self.account = account



def lookup_failure(exc: RequestError, line_item_id: str) -> LookupFailure:
    """The API's refusal of a read, in words for the rows that depend on it."""
    if isinstance(exc, ApiError) and exc.status == 403:  # it is there: its account is not one of these credentials'
        return LookupFailure("no-access", f"line item {line_item_id} is in an account these credentials may not use"
                             f" (HTTP 403: {exc}): ask for access to that account, or check the id", exc.status)
    if isinstance(exc, ApiError) and exc.status == 404:
        return LookupFailure("line-item-not-found", f"line item {line_item_id} was not found in the accounts"
                             f" these credentials may use (HTTP {exc.status}: {exc})", exc.status)
    status = exc.status if isinstance(exc, ApiError) else None
    return LookupFailure(getattr(exc, "code", "") or "read-failed",
                         f"line item {line_item_id} could not be read: {exc}", status)


async def each(items: Iterable[K], read: Callable[[K], Awaitable[T]], concurrency: int) -> dict[K, T]:
    """`read` every item, `concurrency` at a time; results by item.

    `concurrency` workers take the next item as soon as they are free: thousands of ids never become thousands
    of waiting tasks, and a slow read holds up only its own worker.
    """
    results: dict[K, T] = {}
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


@dataclass
class LineItemDirectory:
    """Every line item of every account the credentials see (their CommonLineItem attributes), listed once in a
    run, and only when that takes fewer requests than half of the line items it is first asked for: accounts,
    each account's first page (it tells the total), then the other pages. Otherwise (many accounts, huge ones,
    a listing the API refuses) it stays empty and line items are read one by one, as before."""

    listed: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    tried: bool = False

    async def known(self, api: ApiClient, line_item_ids: list[str]) -> dict[str, Mapping[str, Any]]:
        """The attributes of the named line items the listing holds (none, until listing pays)."""
        if not self.tried and len(line_item_ids) >= DIRECTORY_FROM:
            self.tried = True
            try:
                self.listed = await self._list(api, budget=len(line_item_ids) // 2)
            except RequestError:
                self.listed = {}  # the one-by-one reads say what is wrong, line item by line item
        return {li: self.listed[li] for li in line_item_ids if li in self.listed}

    async def _list(self, api: ApiClient, budget: int) -> dict[str, Mapping[str, Any]]:
        root = wire.root(api.connection.api_version)

        async def page(path: str, n: int) -> Any:
            return LISTING.parse((await api.call("GET", path, params=LISTING.at(n))).body)

        first = await page(f"{root}/accounts", 0)
        accounts = [str(a["id"]) for a in first.items]
        if (LISTING.pages(first) or 1) > 1 or 1 + len(accounts) > budget:
            return {}
        paths = [f"{root}/accounts/{a}/line-items" for a in accounts]
        firsts = await each(paths, lambda path: page(path, 0), api.connection.concurrency)
        rest = [(path, n) for path, got in firsts.items() for n in range(1, LISTING.pages(got) or 1)]
        if 1 + len(accounts) + len(rest) > budget:
            return {}
        more = await each(rest, lambda at: page(*at), api.connection.concurrency)
        return {str(li["id"]): li.get("attributes") or {}
                for got in (*firsts.values(), *more.values()) for li in got.items}


async def product_states(api: ApiClient, line_item_ids: Iterable[str],
                         bid_skus: Mapping[str, set[str]] | None = None,
                         directory: LineItemDirectory | None = None) -> dict[str, LineItemState | LookupFailure]:
    """Every named line item with its products; with `bid_skus` (line item → SKUs), the SKUs' min bids too.
    With a `directory`, the line items' own fields come from its listing where it has them."""
    ids = list(dict.fromkeys(line_item_ids))
    listed = await directory.known(api, ids) if directory is not None else {}

    async def read(line_item_id: str) -> tuple[Mapping[str, Any], dict[str, ProductState]] | LookupFailure:
        try:
            attributes = listed.get(line_item_id) or await line_item(api, line_item_id)
            found = {p["id"]: product_state(p) async for p in reads.products(api, line_item_id)}
        except RequestError as exc:
            return lookup_failure(exc, line_item_id)
        return attributes, found

    raw = await each(ids, read, api.connection.concurrency)
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


async def promoted_in_accounts(api: ApiClient, account_ids: Iterable[str], skus: set[str]
                               ) -> tuple[dict[str, list[str]], dict[str, LineItemState], set[str]]:
    """For `--account` rows: SKU → the line items of the accounts that promote it, those line items' state, and
    every line item of the accounts (no product is read when no SKU is looked up). An account the API refuses
    (403/404: access taken away since the run began) raises `AccountRefused`."""
    kinds: dict[str, str] = {}
    for account in account_ids:
        try:
            kinds.update({str(li["id"]): str((li.get("attributes") or {}).get("type", "auction"))
                          async for li in reads.line_items(api, account)})
        except (ApiError, BaseExceptionGroup) as exc:  # the listing's pages are read by a pool: a group
            found = leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
            refused = [e for e in found if isinstance(e, ApiError) and e.status in (403, 404)]
            if not refused or len(refused) < len(found):
                raise
            raise AccountRefused(account, refused[0]) from None
    where: dict[str, list[str]] = {}
    named: dict[str, dict[str, ProductState]] = {}  # only the SKUs the rows name: memory stays small
    count: dict[str, int] = {}
    if not skus:
        return where, {}, set(kinds)
    async for li, product in reads.products_of(api, kinds):
        count[li] = count.get(li, 0) + 1
        if product["id"] in skus:
            named.setdefault(li, {})[product["id"]] = product_state(product)
            where.setdefault(product["id"], []).append(li)
    states = {li: LineItemState(li, kinds[li], found, product_count=count[li]) for li, found in named.items()}
    return where, states, set(kinds)


def product_state(item: Mapping[str, Any]) -> ProductState:
    """A promoted product as the planner sees it."""
    attributes = item.get("attributes") or {}
    bid = attributes.get("bidOverride")
    return ProductState(None if bid is None else Decimal(str(bid)), str(attributes.get("status") or "active"))
