"""Paged reads and fan-out: every item once, pages planned from the first."""

from __future__ import annotations

from itertools import groupby

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bulkops.engine.paging import (
    OffsetLimitPaging,
    Page,
    PageIndexPaging,
    PageLimitPaging,
    PagingError,
    fan_out,
    read_all,
)
from bulkops.platforms.retail_media.reads import line_items, products_of
from tests.engine.conftest import client_for


@given(total=st.integers(0, 5000), size=st.integers(1, 500))
def test_page_plans_cover_everything_once(total: int, size: int) -> None:
    offsets = OffsetLimitPaging(limit=size)
    pages = offsets.pages(Page([], total)) or 0
    starts = [offsets.at(n)["offset"] for n in range(max(pages, 1))]
    assert starts == list(range(0, max(total, 1), size))
    index = PageIndexPaging(size=size)
    assert index.pages(Page([], total)) == pages == -(-total // size)
    assert [index.at(n)["pageIndex"] for n in range(pages)] == list(range(pages))
    paged = PageLimitPaging(limit=size)
    assert paged.pages(Page([], total)) == pages
    assert [paged.at(n)["page"] for n in range(pages)] == list(range(1, pages + 1))


async def test_a_full_page_without_totals_is_read_on_until_a_short_page() -> None:
    items = [{"id": str(i)} for i in range(7)]

    async def fetch(params: dict) -> dict:  # an API that never says how many there are
        start = params["offset"]
        return {"data": items[start:start + params["limit"]]}

    got = [i["id"] async for i in read_all(fetch, OffsetLimitPaging(limit=3))]
    assert got == [str(i) for i in range(7)]


async def test_pages_are_handed_out_in_order_while_a_slow_page_does_not_hold_the_others() -> None:
    import anyio

    log: list[str] = []

    async def fetch(params: dict) -> dict:
        page = params["pageIndex"]
        log.append(f"start {page}")
        if page == 1:
            await anyio.sleep(0.2)  # the slow one
        log.append(f"end {page}")
        return {"data": [{"id": page}], "metadata": {"totalPages": 8}}

    got = [i["id"] async for i in read_all(fetch, PageIndexPaging(size=1), concurrency=3)]
    assert got == list(range(8))
    # pages 2..5 were fetched while page 1 was still in flight: no wave waits for its slowest page
    assert all(log.index(f"end {n}") < log.index("end 1") for n in (2, 3, 4, 5))


async def test_a_listing_that_repeats_itself_is_refused() -> None:
    async def fetch(params: dict) -> dict:
        return {"data": [{"id": "same"}], "meta": {"count": 3}}

    with pytest.raises(PagingError, match="twice"):
        _ = [i async for i in read_all(fetch, OffsetLimitPaging(limit=1))]


async def test_fan_out_reads_every_product_of_every_line_item_once(make_sandbox) -> None:
    async with make_sandbox(line_items=40, max_products=500, error_rate=0.05) as sb:
        account = sb.control.retail_media.account_ids()[0]
        async with client_for(sb) as api:
            ids = [li["id"] async for li in line_items(api, account)]
            got = [(li, p["id"], p["attributes"]["bidOverride"]) async for li, p in products_of(api, ids)]
            requests = api.counters["requests"]
        assert ids == sb.control.retail_media.line_item_ids(account)
        expected = {(li, sku, v["bidOverride"]) for li in ids for sku, v in sb.control.retail_media.products(li).items()}
        assert sorted(got) == sorted(expected) and len(got) == len(expected)
        assert requests >= len(ids) + 1  # one page per line item (≤ 500 products each) plus the listing
        # each line item's products together, line items in the order given (an export reads the same each time)
        assert [li for li, _ in groupby(li for li, _, _ in got)] == [li for li in ids if expected_of(sb, li)]


def expected_of(sb, li: str) -> bool:
    return bool(sb.control.retail_media.products(li))


async def test_fan_out_hands_parents_out_in_order_while_a_slow_one_does_not_hold_the_others() -> None:
    """Parent 1 is slow: the next ones are read meanwhile (up to `ahead`), then handed out after it, in order."""
    import anyio

    log: list[str] = []

    async def read(parent: str):
        log.append(f"start {parent}")
        if parent == "1":
            await anyio.sleep(0.2)
        for n in range(600):  # more than one hand-over each
            yield f"{parent}-{n}"
        log.append(f"end {parent}")

    got = [(p, item) async for p, item in fan_out([str(i) for i in range(8)], read, concurrency=3, ahead=5)]
    assert [p for p, _ in groupby(p for p, _ in got)] == [str(i) for i in range(8)]
    assert [item for p, item in got if p == "3"] == [f"3-{n}" for n in range(600)]
    assert all(log.index(f"end {n}") < log.index("end 1") for n in (2, 3))  # read while 1 was slow
    assert log.index("start 6") > log.index("end 1")  # no more than `ahead` parents waiting
