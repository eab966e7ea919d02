"""Paged reads and fan-out: every item once, pages planned from the first."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from bulkops.engine.paging import OffsetLimitPaging, Page, PageIndexPaging, PageLimitPaging, PagingError, read_all
from bulkops.platforms.retail_media.reads import line_items, products_of
from bulkops.sandbox import Sandbox
from tests.engine.conftest import client_for


@given(total=st.integers(0, 5000), size=st.integers(1, 500))
def test_page_plans_cover_everything_once(total: int, size: int) -> None:
    offsets = OffsetLimitPaging(limit=size)
    starts = [0] + [p["offset"] for p in offsets.rest(Page([], total))]
    assert starts == list(range(0, max(total, 1), size))
    index = PageIndexPaging(size=size)
    pages = -(-total // size)
    assert [p["pageIndex"] for p in index.rest(Page([], total, pages))] == list(range(1, pages))
    trackier = PageLimitPaging(limit=size)
    assert [p["page"] for p in trackier.rest(Page([], total))] == list(range(2, pages + 1))


async def test_a_listing_that_repeats_itself_is_refused() -> None:
    async def fetch(params: dict) -> dict:
        return {"data": [{"id": "same"}], "meta": {"count": 3}}

    with pytest.raises(PagingError, match="twice"):
        _ = [i async for i in read_all(fetch, OffsetLimitPaging(limit=1))]


async def test_fan_out_reads_every_product_of_every_line_item_once(make_sandbox) -> None:  # noqa: ANN001
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
