"""Reads: envelopes, paging across pages, access rules, versions."""

from __future__ import annotations

import aiohttp

from bulkops.sandbox import Sandbox
from tests.sandbox.helpers import Raw


async def _raw(sb: Sandbox, session: aiohttp.ClientSession) -> Raw:
    return await Raw(sb, session).login()


async def test_line_item_pages_cover_the_account_once_in_id_order(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        seen, url_pages, index = [], 0, 0
        while True:
            status, body, _ = await raw.call("GET", f"/accounts/{account}/line-items?pageIndex={index}&pageSize=7")
            assert status == 200
            seen += [li["id"] for li in body["data"]]
            meta = body["metadata"]
            assert meta["currentPageIndex"] == index and meta["totalItemsAcrossAllPages"] == 30
            assert (meta["previousPage"] is None) == (index == 0)
            url_pages += 1
            if meta["nextPage"] is None:
                break
            assert f"pageIndex={index + 1}" in meta["nextPage"] and meta["nextPage"].startswith(sandbox.base_url)
            index += 1
    assert seen == sandbox.control.retail_media.line_item_ids(account) == sorted(seen)
    assert url_pages == meta["totalPages"] == 5


async def test_every_status_exists_and_attributes_are_typed(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    async with aiohttp.ClientSession() as s:
        _, body, _ = await (await _raw(sandbox, s)).call("GET", f"/accounts/{account}/line-items?pageSize=500")
    statuses = {li["attributes"]["status"] for li in body["data"]}
    assert statuses == {"active", "paused", "scheduled", "ended", "budgetHit", "noFunds", "draft", "archived"}
    attrs = body["data"][0]["attributes"]
    assert isinstance(attrs["campaignId"], str) and attrs["type"] in ("auction", "preferred")


async def test_products_pages_use_meta_and_fields_default_to_status(sandbox: Sandbox) -> None:
    li = next(li for li in sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])
              if len(sandbox.control.retail_media.products(li)) > 20)
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        _, first, _ = await raw.call("GET", f"/line-items/{li}/products?limit=10")
        assert set(first["data"][0]["attributes"]) == {"id", "status"}
        got = []
        for offset in range(0, first["meta"]["count"], 10):
            _, page, _ = await raw.call("GET", f"/line-items/{li}/products?offset={offset}&limit=10"
                                               "&fields=status,bidOverride")
            assert page["meta"]["responseCount"] == len(page["data"])
            got += [(p["id"], p["attributes"]["bidOverride"], p["attributes"]["status"]) for p in page["data"]]
    stored = sandbox.control.retail_media.products(li)
    assert got == [(k, v["bidOverride"], v["status"]) for k, v in stored.items()]


async def test_campaign_status_is_derived_from_its_line_items(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        _, body, _ = await raw.call("GET", f"/accounts/{account}/campaigns")
        for campaign in body["data"]:
            _, lis, _ = await raw.call("GET", f"/accounts/{account}/line-items?pageSize=500"
                                              f"&limitToCampaignId={campaign['id']}")
            any_active = any(li["attributes"]["status"] == "active" for li in lis["data"])
            assert campaign["attributes"]["status"] == ("active" if any_active else "inactive")
            _, one, _ = await raw.call("GET", f"/campaigns/{campaign['id']}")
            assert one["data"] == campaign


async def test_other_accounts_are_forbidden_and_unknown_ids_not_found(sandbox: Sandbox) -> None:
    hidden = sandbox.control.retail_media.hidden_account_ids()[0]
    hidden_li = sandbox.control.retail_media.line_item_ids(hidden)[0]
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        for path in (f"/accounts/{hidden}/line-items", f"/line-items/{hidden_li}", f"/line-items/{hidden_li}/products"):
            status, body, _ = await raw.call("GET", path)
            assert status == 403 and body["errors"][0]["type"] == "access-control"
        status, body, _ = await raw.call("GET", "/line-items/1/products")
        assert status == 404 and body["errors"][0]["traceId"]
        _, accounts, _ = await raw.call("GET", "/accounts")
        assert hidden not in [a["id"] for a in accounts["data"]]


async def test_versions_share_shapes_and_unknown_versions_are_404(sandbox: Sandbox) -> None:
    li = sandbox.control.retail_media.line_item_ids(sandbox.control.retail_media.account_ids()[0])[0]
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        bodies = [(await raw.call("GET", f"/line-items/{li}", version=v))[1] for v in ("2026-01", "2026-07", "2027-01")]
        assert bodies[0] == bodies[1] == bodies[2]
        status, body, _ = await raw.call("GET", f"/line-items/{li}", version="2019-01")
        assert status == 404 and body["errors"][0]["code"] == "unknown-version"


async def test_auction_and_preferred_listings(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    async with aiohttp.ClientSession() as s:
        raw = await _raw(sandbox, s)
        _, campaigns, _ = await raw.call("GET", f"/accounts/{account}/campaigns")
        auction = next(c["id"] for c in campaigns["data"] if c["attributes"]["type"] == "auction")
        preferred = next(c["id"] for c in campaigns["data"] if c["attributes"]["type"] == "preferred")
        _, page, _ = await raw.call("GET", f"/campaigns/{auction}/auction-line-items?offset=1&limit=2")
        assert page["metadata"]["offset"] == 1 and page["metadata"]["limit"] == 2 and len(page["data"]) == 2
        assert page["data"][0]["attributes"]["startDate"].endswith("T00:00:00+00:00")
        status, _, _ = await raw.call("GET", f"/campaigns/{auction}/auction-line-items?limit=501")
        assert status == 400
        _, pref, _ = await raw.call("GET", f"/campaigns/{preferred}/preferred-line-items")
        assert pref["data"] and all(isinstance(li["attributes"]["budget"], float) for li in pref["data"])
        status, _, _ = await raw.call("GET", f"/auction-line-items/{pref['data'][0]['id']}")
        assert status == 404
