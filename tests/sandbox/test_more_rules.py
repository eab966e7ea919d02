"""Preferred line item PUT, negative bids, and state kept in a --db file across restarts."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bulkops.sandbox import Sandbox
from tests.sandbox.helpers import Raw, products_body


def _first(sb: Sandbox, kind: str) -> dict:
    for li in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]):
        attrs = sb.control.retail_media.line_item(li)
        if attrs["type"] == kind and attrs["status"] == "active":
            return {"id": li, **attrs}
    raise AssertionError(kind)


async def test_preferred_put_sets_active_or_paused_only(sandbox: Sandbox) -> None:
    li = _first(sandbox, "preferred")
    attrs = {"name": "Homepage takeover", "startDate": li["startDate"], "endDate": None, "status": "paused",
             "budget": 1234.5, "pacing": "accelerated"}
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("PUT", f"/preferred-line-items/{li['id']}",
                                         {"data": {"type": "PreferredLineItemUpdate", "attributes": attrs}})
        assert status == 200
        assert (body["data"]["attributes"]["status"], body["data"]["attributes"]["budget"]) == ("paused", 1234.5)
        status, body, _ = await raw.call("PUT", f"/preferred-line-items/{li['id']}",
                                         {"data": {"type": "x", "attributes": {**attrs, "status": "draft"}}})
        assert status == 400 and body["errors"][0]["code"] == "invalid-status"
        status, body, _ = await raw.call("PUT", f"/preferred-line-items/{li['id']}",
                                         {"data": {"type": "x", "attributes": {**attrs, "pacing": "bogus"}}})
        assert status == 400 and body["errors"][0]["source"] == {"field": "pacing"}
        no_end = {k: v for k, v in attrs.items() if k != "endDate"}  # required by PreferredLineItemUpdateModelV2
        status, body, _ = await raw.call("PUT", f"/preferred-line-items/{li['id']}",
                                         {"data": {"type": "x", "attributes": {**no_end, "status": "active"}}})
        assert status == 400 and body["errors"][0]["source"] == {"field": "attributes.endDate"}
        _, kept, _ = await raw.call("GET", f"/preferred-line-items/{li['id']}")
    assert (kept["data"]["attributes"]["status"], kept["data"]["attributes"]["pacing"]) == ("paused", "accelerated")


async def test_negative_bid_on_a_catalog_sku_is_refused(sandbox: Sandbox) -> None:
    li = _first(sandbox, "auction")
    sku = next(iter(sandbox.control.retail_media.catalog(li["targetRetailerId"])))
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("POST", f"/line-items/{li['id']}/products/append", products_body((sku, -0.5)))
    assert status == 400 and body["errors"][0]["code"] == "invalid-bid-override"


async def test_a_db_file_keeps_state_across_restarts(make_sandbox, tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.sqlite")
    async with make_sandbox(db=db) as sb:
        li = _first(sb, "auction")["id"]
        sku = next(iter(sb.control.retail_media.products(li)))
        async with aiohttp.ClientSession() as s:
            raw = await Raw(sb, s).login()
            assert (await raw.call("POST", f"/line-items/{li}/products/pause", products_body(sku)))[0] == 204
    async with make_sandbox(db=db, seed=99) as again:  # an existing file is reused, not regenerated
        assert again.control.retail_media.products(li)[sku]["status"] == "paused"
