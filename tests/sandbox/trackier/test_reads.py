"""Trackier auth, listing (paging, filters), reading one campaign, 404 and 405."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bulkops.sandbox import Sandbox
from tests.sandbox.trackier.raw import first, ids_in, tk

CAMPAIGN_KEYS = {"id", "title", "status", "advertiserId", "advertiserName", "url", "previewUrl", "description",
                 "currency", "caps", "createdAt", "updatedAt"}


async def test_the_key_goes_in_the_header_or_the_query(tsb: Sandbox) -> None:
    async with tk(tsb) as t:
        assert (await t.call("GET", "/campaigns", params={"limit": "1"}))[0] == 200
        status, _, _ = await t.call("GET", "/campaigns", key=None, params={"apiKey": tsb.client_secret})
        assert status == 200
        status, body, _ = await t.call("GET", "/campaigns", key=None)
        assert status == 401 and body["success"] is False and body["errors"][0]["code"] == "API_KEY_MISSING"
        status, body, _ = await t.call("GET", "/campaigns", key="nope")
        assert (status, body["errors"][0]["code"]) == (401, "INVALID_API_KEY")
        assert body["message"] == body["errors"][0]["message"]


async def test_an_api_key_set_apart_from_the_secret(
        make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> None:
    async with make_sandbox(trackier_campaigns=5, api_key="tk-key-1") as sb, tk(sb) as t:
        assert (await t.call("GET", "/campaigns", key="tk-key-1"))[0] == 200
        status, body, _ = await t.call("GET", "/campaigns")  # the client secret is no longer the key
        assert (status, body["errors"][0]["code"]) == (401, "INVALID_API_KEY")


async def test_paging_covers_every_listed_campaign_once_by_id(tsb: Sandbox) -> None:
    listed = [i for i in tsb.control.trackier.campaign_ids() if tsb.control.trackier.campaign(i)["status"] != "deleted"]
    seen: list[int] = []
    async with tk(tsb) as t:
        for page in range(1, 6):
            status, body, _ = await t.call("GET", "/campaigns", params={"page": page, "limit": 7})
            assert status == 200 and body["success"] is True
            assert body["pagination"] == {"page": page, "limit": 7, "totalCount": len(listed),
                                          "totalPages": -(-len(listed) // 7)}
            seen += [c["id"] for c in body["campaigns"]]
        _, past, _ = await t.call("GET", "/campaigns", params={"page": 99, "limit": 7})
    assert seen == listed and len(seen) == 28
    assert past["campaigns"] == [] and past["pagination"]["totalCount"] == len(listed)


async def test_the_default_limit_is_100_and_campaigns_read_as_their_own(tsb: Sandbox) -> None:
    async with tk(tsb) as t:
        _, body, _ = await t.call("GET", "/campaigns")
    assert body["pagination"]["limit"] == 100 and body["pagination"]["totalPages"] == 1
    one = body["campaigns"][0]
    assert set(one) == CAMPAIGN_KEYS and isinstance(one["id"], int) and isinstance(one["advertiserId"], int)
    assert one == tsb.control.trackier.campaign(one["id"])
    assert set(one["caps"]) == {"daily", "monthly"}


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "x"}, {"limit": "0"}, {"limit": "501"},
                                    {"limit": "-1"}, {"status": "running"}, {"advertiser[]": "abc"}])
async def test_bad_list_parameters_are_400(tsb: Sandbox, params: dict[str, str]) -> None:
    async with tk(tsb) as t:
        status, body, _ = await t.call("GET", "/campaigns", params=params)
    assert status == 400 and body["success"] is False and body["errors"][0]["field"] == next(iter(params))


async def test_status_and_advertiser_filters(tsb: Sandbox) -> None:
    async with tk(tsb) as t:
        _, paused, _ = await t.call("GET", "/campaigns", params={"status": "paused"})
        _, deleted, _ = await t.call("GET", "/campaigns", params={"status": "deleted"})
        _, some, _ = await t.call("GET", "/campaigns", params=[("advertiser[]", "11"), ("advertiser[]", "13")])
    assert [c["id"] for c in paused["campaigns"]] == ids_in(tsb, "paused")
    assert [c["id"] for c in deleted["campaigns"]] == ids_in(tsb, "deleted") and deleted["campaigns"]
    assert some["campaigns"] and {c["advertiserId"] for c in some["campaigns"]} <= {11, 13}
    assert "deleted" not in {c["status"] for c in some["campaigns"]}


async def test_one_campaign_deleted_ones_too_and_404(tsb: Sandbox) -> None:
    gone = first(tsb, "deleted")
    async with tk(tsb) as t:
        status, body, _ = await t.call("GET", f"/campaigns/{gone}")
        assert (status, body) == (200, {"success": True, "campaign": tsb.control.trackier.campaign(gone)})
        for unknown in ("99999", "abc"):
            status, body, _ = await t.call("GET", f"/campaigns/{unknown}")
            assert (status, body["errors"][0]["code"]) == (404, "CAMPAIGN_NOT_FOUND")


async def test_patch_is_method_not_allowed(tsb: Sandbox) -> None:
    async with tk(tsb) as t:
        for path in ("/campaigns/101", "/campaigns"):
            status, body, _ = await t.call("PATCH", path, {"title": "x"})
            assert (status, body["success"], body["errors"][0]["code"]) == (405, False, "METHOD_NOT_ALLOWED")
    assert tsb.control.trackier.campaign(101)["title"] != "x"
