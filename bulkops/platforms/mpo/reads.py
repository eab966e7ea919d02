"""MPO reads: bare JSON arrays (no paging), filtered by campaign or seller to keep each answer small."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio

from bulkops.engine.client import ApiClient
from bulkops.engine.paging import Unpaged, read_all
from bulkops.errors import ApiError, RequestError
from bulkops.platforms.mpo import wire

T = TypeVar("T")
UNPAGED = Unpaged()


@dataclass(frozen=True, slots=True)
class LookupFailure:
    """A read that failed: the rows that needed it fail with this reason, nothing is sent for them."""

    reason: str


async def listing(api: ApiClient, path: str, params: Mapping[str, Any] | None = None) -> list[Mapping[str, Any]]:
    """Every item of one MPO list (a bare array; the id-repeat guard of `read_all` still applies)."""
    async def fetch(_: dict[str, Any]) -> Any:
        return (await api.call("GET", f"{wire.root(api.connection.api_version)}/{path}", params=dict(params or {}))
                ).body
    return [item async for item in read_all(fetch, UNPAGED)]


async def each(keys: Iterable[str], read: Callable[[str], Awaitable[T]], concurrency: int) -> dict[str, T]:
    """`read` every key, `concurrency` at a time; results by key."""
    limiter = anyio.CapacityLimiter(max(1, concurrency))
    results: dict[str, T] = {}

    async def one(key: str) -> None:
        async with limiter:
            results[key] = await read(key)

    async with anyio.create_task_group() as tg:
        for key in dict.fromkeys(keys):
            tg.start_soon(one, key)
    return results


async def seller_campaigns_by_campaign(api: ApiClient, campaign_ids: Iterable[str]
                                       ) -> dict[str, dict[str, Mapping[str, Any]] | LookupFailure]:
    """campaign id → its seller-campaigns by id: one GET /seller-campaigns?campaignId= per campaign."""
    async def read(campaign: str) -> dict[str, Mapping[str, Any]] | LookupFailure:
        try:
            return {str(sc["id"]): sc for sc in await listing(api, "seller-campaigns", {"campaignId": campaign})}
        except RequestError as exc:
            return LookupFailure(f"campaign {campaign}'s seller-campaigns could not be read: {exc}")
    return await each(campaign_ids, read, api.connection.concurrency)


async def budgets_by_seller(api: ApiClient, seller_ids: Iterable[str]
                            ) -> dict[str, list[Mapping[str, Any]] | LookupFailure]:
    """seller id → its current and scheduled budgets: one GET /budgets?sellerId= per seller."""
    async def read(seller: str) -> list[Mapping[str, Any]] | LookupFailure:
        try:
            return await listing(api, "budgets", {"sellerId": seller})
        except RequestError as exc:
            return LookupFailure(f"seller {seller}'s budgets could not be read: {exc}")
    return await each(seller_ids, read, api.connection.concurrency)


async def budgets_by_id(api: ApiClient,
                        budget_ids: Iterable[str]) -> dict[str, Mapping[str, Any] | LookupFailure | None]:
    """budget id → the budget whatever its status (GET /budgets/{id}); None when unknown or not the client's."""
    async def read(budget_id: str) -> Mapping[str, Any] | LookupFailure | None:
        try:
            body = (await api.call("GET", f"{wire.root(api.connection.api_version)}/budgets/{budget_id}")).body
        except ApiError as exc:
            if exc.status in (403, 404):  # the API tells "not yours" from "unknown" only this way: both not found
                return None
            return LookupFailure(f"budget {budget_id} could not be read: {exc}")
        except RequestError as exc:
            return LookupFailure(f"budget {budget_id} could not be read: {exc}")
        return body if isinstance(body, Mapping) else None
    return await each(budget_ids, read, api.connection.concurrency)
