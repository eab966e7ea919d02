"""Caps that pause and reset with the day, edits that activate paused campaigns, disabled and expired ones."""

from __future__ import annotations

from bulkops.sandbox import Sandbox
from tests.sandbox.trackier.raw import first, tk


async def test_a_cap_pauses_an_active_campaign_until_the_next_day(tsb: Sandbox) -> None:
    ident = first(tsb, "active")
    async with tk(tsb) as t:
        status, body = await t.control("trackier/cap", {"campaignId": ident})
        assert (status, body["campaign"]["status"]) == (200, "paused")
        assert (await t.control("trackier/click", {"campaignId": ident}))[1] == {"accepted": False}
        tsb.control.shift_clock(days=1)
        _, read, _ = await t.call("GET", f"/campaigns/{ident}")
        assert read["campaign"]["status"] == "active"
        assert (await t.control("trackier/click", {"campaignId": ident}))[1] == {"accepted": True}


async def test_a_cap_leaves_a_campaign_that_is_not_active_alone(tsb: Sandbox) -> None:
    for status in ("pending", "disabled", "expired"):
        ident = first(tsb, status)
        assert tsb.control.trackier.hit_cap(ident) == status
        assert tsb.control.trackier.campaign(ident)["status"] == status


async def test_a_disabled_campaign_stays_disabled_through_a_cap_reset(tsb: Sandbox) -> None:
    ident = first(tsb, "active")
    tsb.control.trackier.hit_cap(ident)
    async with tk(tsb) as t:
        status, _, _ = await t.call("POST", "/campaigns/status", {"campaignIds": [ident], "status": "disabled"})
        assert status == 200
        tsb.control.shift_clock(days=1)
        _, listed, _ = await t.call("GET", "/campaigns", params={"status": "disabled"})
        assert ident in {c["id"] for c in listed["campaigns"]}
        _, body, _ = await t.call("POST", f"/campaigns/{ident}", {"title": "Still off"})
        assert body["campaign"]["status"] == "disabled" and body["campaign"]["title"] == "Still off"
        _, body, _ = await t.call("POST", f"/campaigns/{ident}", {"status": "active"})
        assert body["campaign"]["status"] == "active"  # only an explicit change activates it


async def test_editing_a_paused_campaign_activates_it(tsb: Sandbox) -> None:
    ident = first(tsb, "paused")
    before = tsb.control.trackier.campaign(ident)
    tsb.control.shift_clock(seconds=5)
    async with tk(tsb) as t:
        status, body, _ = await t.call("POST", f"/campaigns/{ident}",
                                       {"url": "https://example.com/?c={click_id}", "caps": {"daily": {"clicks": 50}}})
    campaign = body["campaign"]
    assert status == 200 and body["success"] is True and campaign == tsb.control.trackier.campaign(ident)
    assert campaign["status"] == "active" and campaign["url"] == "https://example.com/?c={click_id}"
    assert campaign["caps"]["daily"] == {**before["caps"]["daily"], "clicks": 50}
    assert campaign["caps"]["monthly"] == before["caps"]["monthly"]
    assert campaign["updatedAt"] > before["updatedAt"]


async def test_bad_edits_change_nothing(tsb: Sandbox) -> None:
    ident = first(tsb, "paused")
    before = tsb.control.trackier.campaign(ident)
    async with tk(tsb) as t:
        for body, code in (({"status": "paused"}, "STATUS_NOT_ALLOWED"), ({"advertiserId": 12}, "FIELD_NOT_EDITABLE"),
                           ({"url": "ftp://x"}, "INVALID_URL"), ({"title": " "}, "INVALID_FIELD"),
                           ({"caps": {"weekly": {}}}, "INVALID_CAPS"), ({}, "INVALID_BODY")):
            status, answer, _ = await t.call("POST", f"/campaigns/{ident}", body)
            assert (status, answer["errors"][0]["code"]) == (400, code)
        status, answer, _ = await t.call("POST", "/campaigns/99999", {"title": "x"})
        assert (status, answer["errors"][0]["code"]) == (404, "CAMPAIGN_NOT_FOUND")
    assert tsb.control.trackier.campaign(ident) == before


async def test_expired_and_suspended_campaigns_take_no_traffic(tsb: Sandbox) -> None:
    expired, active = first(tsb, "expired"), first(tsb, "active")
    async with tk(tsb) as t:
        assert (await t.control("trackier/click", {"campaignId": expired}))[1] == {"accepted": False}
        assert (await t.control("trackier/click", {"campaignId": active}))[1] == {"accepted": True}
        status, body = await t.control("trackier/suspend", {"campaignId": active})
        assert (status, body["campaign"]["status"]) == (200, "suspended")
        assert (await t.control("trackier/click", {"campaignId": active}))[1] == {"accepted": False}
        status, _ = await t.control("trackier/cap", {"campaignId": 99999})
        assert status == 404
