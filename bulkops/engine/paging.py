"""Paged reads: one sans-IO paginator per style, and the fan-out that reads many lists at once.

The first page tells the total (`metadata.totalPages`, `meta.count`, `pagination.totalCount` ...), so every
remaining page is planned at once and fetched through a bounded window: up to `concurrency` pages in flight,
each started as soon as a place frees (a slow page never idles the others), and handed out in order. A first
page that is full but tells no total is read on, page after page, until a short or empty page: a listing
never ends quietly. Guards: a page that repeats an id already seen in the same listing raises `PagingError`
rather than looping or duplicating rows.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import anyio

from bulkops.errors import PagingError

Params = dict[str, Any]
Fetch = Callable[[Params], Awaitable[Any]]  # query params → decoded JSON body


@dataclass(frozen=True, slots=True)
class Page:
    """The items of one page and, from the first page, the totals (None when the API did not say)."""

    items: Sequence[Mapping[str, Any]]
    total_items: int | None = None
    total_pages: int | None = None


class Paging(Protocol):
    """A pagination style."""

    def at(self, n: int) -> Params:
        """Params of the n-th page (0 = the first)."""

    def parse(self, body: Any) -> Page:
        """Items and totals of one answer."""

    def pages(self, first: Page) -> int | None:
        """How many pages the listing has, from the first page's totals; None when it does not say."""

    def full(self, page: Page) -> bool:
        """Is this page as long as a page can be (so more may follow)?"""


def _body(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise PagingError(f"a page should be a JSON object, not {type(body).__name__}")
    return body


@dataclass(frozen=True, slots=True)
class PageIndexPaging:
    """pageIndex (0-based) / pageSize with a `metadata` block carrying totalPages (Retail Media lists)."""

    size: int = 500

    def at(self, n: int) -> Params:
        return {"pageIndex": n, "pageSize": self.size}

    def parse(self, body: Any) -> Page:
        body = _body(body)
        meta = body.get("metadata") or {}
        return Page(body.get("data") or [], meta.get("totalItemsAcrossAllPages"), meta.get("totalPages"))

    def pages(self, first: Page) -> int | None:
        if first.total_pages is not None:
            return int(first.total_pages)
        return None if first.total_items is None else math.ceil(first.total_items / self.size)

    def full(self, page: Page) -> bool:
        return len(page.items) >= self.size


@dataclass(frozen=True, slots=True)
class OffsetLimitPaging:
    """offset / limit with the total in `meta.count` (products) or `metadata.count` (auction line items)."""

    limit: int = 500
    meta_key: str = "meta"
    extra: tuple[tuple[str, str], ...] = ()  # fixed params, e.g. (("fields", "status,bidOverride"),)

    def at(self, n: int) -> Params:
        return {"offset": n * self.limit, "limit": self.limit, **dict(self.extra)}

    def parse(self, body: Any) -> Page:
        body = _body(body)
        return Page(body.get("data") or [], (body.get(self.meta_key) or {}).get("count"))

    def pages(self, first: Page) -> int | None:
        return None if first.total_items is None else math.ceil(first.total_items / self.limit)

    def full(self, page: Page) -> bool:
        return len(page.items) >= self.limit


@dataclass(frozen=True, slots=True)
class PageLimitPaging:
    """page (1-based) / limit, items under `items_key` and totals in a `meta_key` block (Trackier)."""

    limit: int = 100
    items_key: str = "data"
    meta_key: str = "pagination"
    total_key: str = "totalCount"
    pages_key: str = "totalPages"
    extra: tuple[tuple[str, str], ...] = ()

    def at(self, n: int) -> Params:
        return {"page": n + 1, "limit": self.limit, **dict(self.extra)}

    def parse(self, body: Any) -> Page:
        body = _body(body)
        meta = body.get(self.meta_key) or {}
        return Page(body.get(self.items_key) or [], meta.get(self.total_key), meta.get(self.pages_key))

    def pages(self, first: Page) -> int | None:
        if first.total_pages is not None:
            return int(first.total_pages)
        return None if first.total_items is None else math.ceil(first.total_items / self.limit)

    def full(self, page: Page) -> bool:
        return len(page.items) >= self.limit


@dataclass(frozen=True, slots=True)
class Unpaged:
    """A bare JSON array holding everything (MPO lists)."""

    def at(self, n: int) -> Params:
        return {}

    def parse(self, body: Any) -> Page:
        if not isinstance(body, list):
            raise PagingError(f"the listing should be a JSON array, not {type(body).__name__}")
        return Page(body, len(body), 1)

    def pages(self, first: Page) -> int | None:
        return 1

    def full(self, page: Page) -> bool:
        return False


async def read_all(fetch: Fetch, paging: Paging, *, concurrency: int = 4) -> AsyncIterator[Mapping[str, Any]]:
    """Every item of a listing, in order: the first page, then the rest through a bounded window."""
    first = paging.parse(await fetch(paging.at(0)))
    seen: set[Any] = set()
    for item in _unique(first.items, seen):
        yield item
    total = paging.pages(first)
    if total is None:  # no totals: read on until a short page (never stop quietly after a full one)
        page, n = first, 1
        while paging.full(page):
            page = paging.parse(await fetch(paging.at(n)))
            for item in _unique(page.items, seen):
                yield item
            n += 1
        return
    async for page in _window(fetch, paging, range(1, total), concurrency):
        for item in _unique(page.items, seen):
            yield item


async def _window(fetch: Fetch, paging: Paging, numbers: range, concurrency: int) -> AsyncIterator[Page]:
    """Pages fetched `concurrency` at a time, each started as soon as a place frees, yielded in order.

    At most 2 × concurrency pages are fetched ahead of the consumer, so memory stays bounded.
    """
    ahead = anyio.Semaphore(2 * max(1, concurrency))
    in_flight = anyio.CapacityLimiter(max(1, concurrency))
    results: dict[int, Page] = {}
    arrived = {n: anyio.Event() for n in numbers}

    async def one(n: int) -> None:
        async with in_flight:
            results[n] = paging.parse(await fetch(paging.at(n)))
        arrived[n].set()

    async def feed() -> None:
        for n in numbers:
            await ahead.acquire()
            tg.start_soon(one, n)

    async with anyio.create_task_group() as tg:
        tg.start_soon(feed)
        for n in numbers:
            await arrived[n].wait()
            ahead.release()
            yield results.pop(n)


def _unique(items: Iterable[Mapping[str, Any]], seen: set[Any]) -> Iterable[Mapping[str, Any]]:
    for item in items:
        key = item.get("id") if isinstance(item, Mapping) else None
        if key is not None:
            if key in seen:
                raise PagingError(f"the listing returned id {key!r} twice; stopping rather than duplicating rows")
            seen.add(key)
        yield item


Read = Callable[[str], AsyncIterator[Any]]
FAN_OUT_BATCH = 250  # items of one parent handed to the consumer at once


async def fan_out(parents: Iterable[str], read: Read, *, concurrency: int,
                  ahead: int | None = None) -> AsyncIterator[tuple[str, Any]]:
    """(parent, item) for every item of every parent's listing, read `concurrency` parents at a time, handed out
    parent by parent in the order the parents come, each parent's items in its listing's order: an export lists
    a line item's products together, the same way each time.

    The first parent not handed out yet streams straight to the consumer; the parents read after it wait whole,
    `ahead` of them at most (twice `concurrency` by default), so memory holds that many listings whatever the
    number of parents, and a slow writer slows the readers down instead of filling memory. Items cross in batches
    of a parent's items: a million products are a few thousand hand-overs, not a million.
    """
    limit = anyio.CapacityLimiter(concurrency)
    room = anyio.Semaphore(ahead or 2 * concurrency)  # parents taken and not yet handed out whole
    order_tx, order_rx = anyio.create_memory_object_stream[tuple[str, Any]](max_buffer_size=math.inf)
    open_ends: set[Any] = set()  # the parents' stream ends not closed yet: closed on the way out, however it goes

    async def reader(parent: str, tx: Any) -> None:
        async with limit, tx:
            batch: list[Any] = []
            async for item in read(parent):
                batch.append(item)
                if len(batch) >= FAN_OUT_BATCH:
                    await tx.send(batch)
                    batch = []
            if batch:
                await tx.send(batch)
        open_ends.discard(tx)

    async def feeder(tg: Any) -> None:
        async with order_tx:
            for parent in parents:
                await room.acquire()
                tx, rx = anyio.create_memory_object_stream[list[Any]](max_buffer_size=math.inf)  # ≤ one listing
                open_ends.update((tx, rx))
                await order_tx.send((parent, rx))
                tg.start_soon(reader, parent, tx)

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(feeder, tg)
            async with order_rx:
                async for parent, rx in order_rx:
                    async with rx:
                        async for items in rx:
                            for item in items:
                                yield parent, item
                    open_ends.discard(rx)
                    room.release()
    finally:
        for end in open_ends:
            end.close()
