"""Trackier listings on the engine: every campaign through the paged list (deleted ones only when needed)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Mapping
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.engine.paging import Params, read_all
from bulkops.platforms.trackier import wire

Campaign = Mapping[str, Any]


def _fetch(api: ApiClient) -> Any:
    async def fetch(params: Params) -> Any:
        return (await api.call("GET", wire.CAMPAIGNS, params=params)).body
    return fetch


def listing(api: ApiClient, status: str | None = None) -> AsyncIterator[Campaign]:
    """Every campaign the list shows (all but deleted ones), or those of one status."""
    return read_all(_fetch(api), wire.paging(status), concurrency=api.connection.concurrency)


async def campaigns(api: ApiClient, wanted: Collection[str]) -> dict[str, Campaign]:
    """The campaigns of these ids that exist, by id: one paged read of the list, page by page (never one GET
    per row); the deleted ones are read as well only when some wanted id was not listed."""
    found = {str(c.get("id")): c async for c in listing(api) if str(c.get("id")) in wanted}
    if any(i not in found for i in wanted):
        found |= {str(c.get("id")): c async for c in listing(api, "deleted") if str(c.get("id")) in wanted}
    return found
