"""Retail Media listings on the engine: line items of an account, products of line items (fanned out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.engine.paging import OffsetLimitPaging, PageIndexPaging, Params, fan_out, read_all
from bulkops.platforms.retail_media import wire

LINE_ITEM_PAGING = PageIndexPaging(size=500)
PRODUCT_PAGING = OffsetLimitPaging(limit=500, meta_key="meta", extra=(("fields", "status,bidOverride"),))


def _fetcher(api: ApiClient, path: str) -> Any:
    async def fetch(params: Params) -> Any:
        return (await api.call("GET", path, params=params)).body
    return fetch


def line_items(api: ApiClient, account_id: str) -> AsyncIterator[Mapping[str, Any]]:
    """Every line item of an account (CommonLineItem resources)."""
    path = f"{wire.root(api.connection.api_version)}/accounts/{account_id}/line-items"
    return read_all(_fetcher(api, path), LINE_ITEM_PAGING, concurrency=api.connection.concurrency)


async def first_line_item(api: ApiClient, account_id: str) -> Any:
    """One page of one line item of an account: is the account there, and ours? (ApiError if not)."""
    path = f"{wire.root(api.connection.api_version)}/accounts/{account_id}/line-items"
    return (await api.call("GET", path, params={"pageIndex": 0, "pageSize": 1})).body


def products(api: ApiClient, line_item_id: str) -> AsyncIterator[Mapping[str, Any]]:
    """Every promoted product of a line item, with status and bidOverride."""
    path = f"{wire.root(api.connection.api_version)}/line-items/{line_item_id}/products"
    return read_all(_fetcher(api, path), PRODUCT_PAGING, concurrency=2)


def products_of(api: ApiClient, line_item_ids: Iterable[str]) -> AsyncIterator[tuple[str, Mapping[str, Any]]]:
    """(line item id, product) for every product of many line items, read concurrently, streamed."""
    return fan_out(line_item_ids, lambda li: products(api, li), concurrency=api.connection.concurrency)
