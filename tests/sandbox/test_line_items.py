"""Line item writes and the status rules of seeds 000/001."""

from __future__ import annotations

from datetime import date, timedelta

import aiohttp
from hypothesis import given
from hypothesis import strategies as st

from bulkops.sandbox import Sandbox
from bulkops.sandbox.retail_media.rules import LineItemFacts, campaign_status, line_item_status
from bulkops.sandbox.retail_media.store import RetailStore
from tests.sandbox.helpers import Raw

TODAY = date(2026, 11, 23)


def _auction(sb: Sandbox, status: str) -> str:
    for li in sb.control.retail_media.line_item_ids(sb.control.retail_media.account_ids()[0]):
        attrs = sb.control.retail_media.line_item(li)
        if attrs["type"] == "auction" and attrs["status"] == status:
            return li
    raise AssertionError(status)


def _put_body(**attrs: object) -> dict:
    base = {"name": "LI renamed", "startDate": "2026-01-01T00:00:00+00:00", "endDate": None, "status": "paused",
            "isAutoDailyPacing": False, "targetBid": 0.8}
    return {"data": {"type": "SponsoredProductsLineItemUpdate", "attributes": {**base, **attrs}}}


async def test_put_replaces_every_writable_field(sandbox: Sandbox) -> None:
    li = _auction(sandbox, "active")
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(budget=None, maxBid=None))
        assert status == 200
        attrs = body["data"]["attributes"]
        assert (attrs["status"], attrs["name"], attrs["budget"], attrs["targetBid"]) == ("paused", "LI renamed", None, 0.8)
        _, again, _ = await raw.call("GET", f"/auction-line-items/{li}")
        assert again["data"]["attributes"]["status"] == "paused"
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(status="budgetHit"))
        assert status == 400 and body["errors"][0]["code"] == "invalid-status"
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(colour="red"))
        assert status == 400 and body["errors"][0]["code"] == "unknown-field"
        bare = _put_body()
        del bare["data"]["attributes"]["isAutoDailyPacing"]
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", bare)
        assert status == 400 and body["errors"][0]["source"] == {"field": "attributes.isAutoDailyPacing"}


async def test_put_and_create_refuse_what_the_2026_models_do_not_hold(sandbox: Sandbox) -> None:
    """A value outside the spec's enums, a field the model lacks, or an id in `data` is a 400, and nothing is stored:
    a script that passes here must not get a 400 from the API (nor store a value the SDK then refuses on reads)."""
    li = _auction(sandbox, "active")
    campaign = sandbox.control.retail_media.line_item(li)["campaignId"]
    create = {"name": "new", "startDate": "2026-12-01T00:00:00+00:00", "targetRetailerId": "2101"}
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        for attrs, field in (({"bidStrategy": "conversion"}, "bidStrategy"),  # a 2025 value
                             ({"optimizationStrategy": "bogus"}, "optimizationStrategy"),
                             ({"keywordStrategy": "conquesting"}, "attributes.keywordStrategy")):  # create only
            status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(**attrs))
            assert status == 400 and field in str(body["errors"][0]["source"]), (attrs, body)
        with_id = _put_body()
        with_id["data"]["id"] = li
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", with_id)
        assert status == 400 and body["errors"][0]["code"] == "json-serialization-error"
        _, kept, _ = await raw.call("GET", f"/auction-line-items/{li}")
        assert kept["data"]["attributes"]["bidStrategy"] == "manual"
        status, body, _ = await raw.call("POST", f"/campaigns/{campaign}/auction-line-items",
                                         {"data": {"type": "x", "attributes": {**create, "status": "active"}}})
        assert status == 400 and body["errors"][0]["code"] == "unknown-field"
        status, body, _ = await raw.call("POST", f"/campaigns/{campaign}/auction-line-items",
                                         {"data": {"type": "x", "attributes": {**create, "keywordStrategy": "x"}}})
        assert status == 400 and body["errors"][0]["source"] == {"field": "keywordStrategy"}
        status, body, _ = await raw.call("POST", f"/campaigns/{campaign}/auction-line-items", {"data": {
            "type": "x", "attributes": {**create, "keywordStrategy": "conquesting", "bidStrategy": "automated"}}})
        assert status == 201 and body["data"]["attributes"]["bidStrategy"] == "automated"


async def test_a_manual_line_item_without_target_bid_is_draft(sandbox: Sandbox) -> None:
    li = _auction(sandbox, "active")
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(status="active", targetBid=None))
    assert status == 200 and body["data"]["attributes"]["status"] == "draft"


async def test_time_moves_line_items_to_ended_then_archived(sandbox: Sandbox) -> None:
    li = _auction(sandbox, "active")
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        end = (date.today() + timedelta(days=5)).isoformat()
        await raw.call("PUT", f"/auction-line-items/{li}", _put_body(status="active", endDate=f"{end}T00:00:00+00:00"))
        sandbox.control.set_token_ttl(10**8)
        await raw.login()
        sandbox.control.shift_clock(days=10)
        assert sandbox.control.retail_media.line_item(li)["status"] == "ended"
        sandbox.control.shift_clock(days=90)
        assert sandbox.control.retail_media.line_item(li)["status"] == "archived"
        status, body, _ = await raw.call("PUT", f"/auction-line-items/{li}", _put_body(status="active"))
        assert status == 400 and body["errors"][0]["code"] == "line-item-archived"


async def test_create_respects_the_10000_line_item_cap(sandbox: Sandbox) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    campaign = sandbox.control.retail_media.line_item(_auction(sandbox, "active"))["campaignId"]
    body = {"data": {"type": "SponsoredProductsLineItemCreate", "attributes": {
        "name": "new", "startDate": "2026-12-01T00:00:00+00:00", "targetRetailerId": "2101"}}}
    async with aiohttp.ClientSession() as s:
        raw = await Raw(sandbox, s).login()
        status, created, _ = await raw.call("POST", f"/campaigns/{campaign}/auction-line-items", body)
        assert status == 201 and created["data"]["attributes"]["status"] == "draft"
        assert created["data"]["id"] in sandbox.control.retail_media.line_item_ids(account)
        store = RetailStore(sandbox.state.store)
        have = store.scalar("SELECT COUNT(*) FROM line_items WHERE campaign_id=?", (campaign,))
        template = store.one("SELECT * FROM line_items WHERE id=?", (created["data"]["id"],))
        rows = [(str(90_000_000 + i), *tuple(template)[1:]) for i in range(10_000 - have)]
        store.insert_line_items(rows)
        status, refused, _ = await raw.call("POST", f"/campaigns/{campaign}/auction-line-items", body)
    assert status == 400 and refused["errors"][0]["code"] == "max-line-items-exceeded"


days = st.integers(-400, 400).map(lambda n: TODAY + timedelta(days=n))


@given(user=st.sampled_from(["active", "paused", "draft"]), start=days, end=st.none() | days,
       budget=st.none() | st.floats(0, 1000), spent=st.floats(0, 1000), funds=st.booleans(), missing=st.booleans())
def test_status_rules(user, start, end, budget, spent, funds, missing) -> None:
    status = line_item_status(LineItemFacts(user, start, end, budget, spent, funds, missing), TODAY)
    if end is not None and end + timedelta(days=90) < TODAY:
        assert status == "archived"
    elif end is not None and end < TODAY:
        assert status == "ended"
    elif user == "draft" or missing:
        assert status == "draft"
    elif user == "paused":
        assert status == "paused"
    else:
        assert status in ("scheduled", "budgetHit", "noFunds", "active")
        assert (status == "active") == (start <= TODAY and (budget is None or spent < budget) and funds)


@given(st.lists(st.sampled_from(["active", "paused", "ended", "draft", "archived"])))
def test_campaign_active_iff_a_line_item_is(statuses: list[str]) -> None:
    assert (campaign_status(statuses) == "active") == ("active" in statuses)
