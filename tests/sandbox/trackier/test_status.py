"""The bulk status call: all-or-nothing, statuses a client may not set, bad ids named by index and id."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from bulkops.sandbox import Sandbox
from tests.sandbox.trackier.raw import ids_in, tk


def _statuses(sb: Sandbox, ids: list[int]) -> dict[int, str]:
    return {i: sb.control.trackier.campaign(i)["status"] for i in ids}


async def test_a_bulk_change_applies_to_every_id(tsb: Sandbox) -> None:
    ids = ids_in(tsb, "active")[:3] + ids_in(tsb, "pending")[:1]
    async with tk(tsb) as t:
        status, body, _ = await t.call("POST", "/campaigns/status", {"campaignIds": ids, "status": "disabled"})
        assert (status, body["success"], body["updated"]) == (200, True, 4) and body["message"]
        assert set(_statuses(tsb, ids).values()) == {"disabled"}
        status, body, _ = await t.call("POST", "/campaigns/status", {"campaignIds": ids, "status": "active"})
    assert status == 200 and set(_statuses(tsb, ids).values()) == {"active"}


@pytest.mark.parametrize(("status", "code"), [("paused", "STATUS_NOT_ALLOWED"), ("suspended", "STATUS_NOT_ALLOWED"),
                                              ("live", "INVALID_STATUS")])
async def test_platform_and_unknown_statuses_are_refused_and_nothing_changes(tsb: Sandbox, status: str,
                                                                             code: str) -> None:
    ids = ids_in(tsb, "active")[:2]
    async with tk(tsb) as t:
        got, body, _ = await t.call("POST", "/campaigns/status", {"campaignIds": ids, "status": status})
    assert got == 400 and body["success"] is False
    assert [(e["code"], e["field"]) for e in body["errors"]] == [(code, "status")]
    if code == "STATUS_NOT_ALLOWED":
        assert status in body["message"] and "use disabled" in body["message"]
    assert set(_statuses(tsb, ids).values()) == {"active"}


async def test_bad_ids_among_good_ones_change_nothing_and_are_named(tsb: Sandbox) -> None:
    good = ids_in(tsb, "active")[:3]
    ids = [good[0], 9999, good[1], good[0], "x", good[2]]
    async with tk(tsb) as t:
        status, body, _ = await t.call("POST", "/campaigns/status", {"campaignIds": ids, "status": "pending"})
    assert status == 400
    named = {e["index"]: (e["campaignId"], e["code"]) for e in body["errors"]}
    assert named == {1: (9999, "CAMPAIGN_NOT_FOUND"), 3: (good[0], "DUPLICATE_ID"), 4: ("x", "INVALID_ID")}
    assert set(_statuses(tsb, good).values()) == {"active"}


async def test_empty_and_too_long_lists_and_malformed_bodies(
        make_sandbox: Callable[..., AbstractAsyncContextManager[Sandbox]]) -> None:
    async with make_sandbox(trackier_campaigns=10, trackier_max_ids=3) as sb, tk(sb) as t:
        ids = sb.control.trackier.campaign_ids()
        for body, code in (({"campaignIds": [], "status": "active"}, "EMPTY_CAMPAIGN_IDS"),
                           ({"campaignIds": ids[:4], "status": "active"}, "TOO_MANY_IDS"),
                           ({"campaignIds": 101, "status": "active"}, "INVALID_BODY"),
                           ([101], "INVALID_BODY")):
            status, answer, _ = await t.call("POST", "/campaigns/status", body)
            assert (status, answer["errors"][0]["code"]) == (400, code)
        before = _statuses(sb, ids)
        status, _, _ = await t.call("POST", "/campaigns/status", {"campaignIds": ids[:3], "status": "expired"})
        assert status == 200 and set(_statuses(sb, ids[:3]).values()) == {"expired"}
        assert _statuses(sb, ids[3:]) == {i: before[i] for i in ids[3:]}


async def test_deleted_campaigns_leave_the_list_but_still_read(tsb: Sandbox) -> None:
    victim = ids_in(tsb, "active")[0]
    async with tk(tsb) as t:
        await t.call("POST", "/campaigns/status", {"campaignIds": [victim], "status": "deleted"})
        _, listed, _ = await t.call("GET", "/campaigns")
        status, one, _ = await t.call("GET", f"/campaigns/{victim}")
    assert victim not in {c["id"] for c in listed["campaigns"]}
    assert (status, one["campaign"]["status"]) == (200, "deleted")
