"""Paged reads: one sans-IO paginator per style, and the fan-out that reads many lists at once.

The first page tells the total (`metadata.totalPages`, `meta.count`, ...), so every remaining page is
planned at once and fetched concurrently, instead of one after the other. Guards: a page that repeats
an id already seen in the same listing raises `PagingError` rather than looping or duplicating rows.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from bulkops.errors import BulkopsError

Params = dict[str, Any]
Fetch = Callable[[Params], Awaitable[Any]]  # query params → decoded JSON body


class PagingError(BulkopsError):
    """A listing that repeats itself or contradicts its own totals."""


@dataclass(frozen=True, slots=True)
class Page:
    """The items of one page and, from the first page, the plan for the rest."""

    items: Sequence[Mapping[str, Any]]
    total_items: int | None = None
    total_pages: int | None = None


class Paging(Protocol):
    """A pagination style."""

    def first(self) -> Params:
        """Params of the first page."""

    def parse(self, body: Any) -> Page:
        """Items and totals of one answer."""

    def rest(self, first: Page) -> list[Params]:
        """Params of every remaining page."""


@dataclass(frozen=True, slots=True)
class PageIndexPaging:
    """pageIndex (0-based) / pageSize with a `metadata` block carrying totalPages (Retail Media lists)."""

    size: int = 500

    def first(self) -> Params:
        return {"pageIndex": 0, "pageSize": self.size}

    def parse(self, body: Any) -> Page:
        meta = body.get("metadata") or {}
        return Page(body.get("data") or [], meta.get("totalItemsAcrossAllPages"), meta.get("totalPages"))

    def rest(self, first: Page) -> list[Params]:
        pages = first.total_pages
        if pages is None and first.total_items is not None:
            pages = math.ceil(first.total_items / self.size)
        return [{"pageIndex": i, "pageSize": self.size} for i in range(1, pages or 1)]


@dataclass(frozen=True, slots=True)
class OffsetLimitPaging:
    """offset / limit with the total in `meta.count` (products) or `metadata.count` (auction line items)."""

    limit: int = 500
    meta_key: str = "meta"
    extra: tuple[tuple[str, str], ...] = ()  # fixed params, e.g. (("fields", "status,bidOverride"),)

    def first(self) -> Params:
        return {"offset": 0, "limit": self.limit, **dict(self.extra)}

    def parse(self, body: Any) -> Page:
        return Page(body.get("data") or [], (body.get(self.meta_key) or {}).get("count"))

    def rest(self, first: Page) -> list[Params]:
        total = first.total_items or 0
        return [{"offset": o, "limit": self.limit, **dict(self.extra)} for o in range(self.limit, total, self.limit)]


@dataclass(frozen=True, slots=True)
class PageLimitPaging:
    """page (1-based) / limit with a total count at `total_key` (Trackier)."""

    limit: int = 100
    items_key: str = "data"
    total_key: str = "total"

    def first(self) -> Params:
        return {"page": 1, "limit": self.limit}

    def parse(self, body: Any) -> Page:
        return Page(body.get(self.items_key) or [], body.get(self.total_key))

    def rest(self, first: Page) -> list[Params]:
        pages = math.ceil((first.total_items or 0) / self.limit)
        return [{"page": p, "limit": self.limit} for p in range(2, pages + 1)]


@dataclass(frozen=True, slots=True)
class Unpaged:
    """A bare JSON array holding everything (MPO lists)."""

    def first(self) -> Params:
        return {}

    def parse(self, body: Any) -> Page:
        return Page(body if isinstance(body, list) else [])

    def rest(self, first: Page) -> list[Params]:
        return []


async def read_all(fetch: Fetch, paging: Paging, *, concurrency: int = 4) -> AsyncIterator[Mapping[str, Any]]:
    """Every item of a listing: the first page, then the rest fetched concurrently, duplicates refused."""
    first = paging.parse(await fetch(paging.first()))
    seen: set[Any] = set()
    for item in _unique(first.items, seen):
        yield item
    rest = paging.rest(first)
    for start in range(0, len(rest), concurrency):
        pages: list[Page] = [Page([])] * len(rest[start:start + concurrency])

        async def one(i: int, params: Params, pages: list[Page] = pages) -> None:
            pages[i] = paging.parse(await fetch(params))

        async with anyio.create_task_group() as tg:
            for i, params in enumerate(rest[start:start + concurrency]):
                tg.start_soon(one, i, params)
        for page in pages:
            for item in _unique(page.items, seen):
                yield item


def _unique(items: Iterable[Mapping[str, Any]], seen: set[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        key = item.get("id")
        if key is not None:
            if key in seen:
                raise PagingError(f"the listing returned id {key!r} twice; stopping rather than duplicating rows")
            seen.add(key)
        yield item


Read = Callable[[str], AsyncIterator[Any]]


async def fan_out(parents: Iterable[str], read: Read, *, concurrency: int,
                  buffer: int = 1000) -> AsyncIterator[tuple[str, Any]]:
    """(parent, item) for every item of every parent's listing, read `concurrency` parents at a time.

    A bounded stream sits between the readers and the consumer, so memory holds at most `buffer` items
    whatever the number of parents: a slow writer slows the readers down instead of filling memory.
    """
    tx, rx = anyio.create_memory_object_stream[tuple[str, Any]](max_buffer_size=buffer)
    todo = iter(parents)

    async def reader(tx_clone: Any) -> None:
        async with tx_clone:
            for parent in todo:  # workers share one iterator: each parent is read once
                async for item in read(parent):
                    await tx_clone.send((parent, item))

    async with anyio.create_task_group() as tg:
        for _ in range(concurrency):
            tg.start_soon(reader, tx.clone())
        tx.close()
        async with rx:
            async for pair in rx:
                yield pair
