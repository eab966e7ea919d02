"""MPO bid writes: the bulk PATCH (all-or-nothing, ≤ 2,000), the single PATCH by `?bid=`, bad bids."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bulkops.sandbox import Sandbox
from tests.sandbox.mpo.helpers import client, find_sc

MakeSandbox = Callable[..., AbstractAsyncContextManager[Sandbox]]


def _bids(sb: Sandbox) -> dict[str, float | None]:
    control = sb.control.mpo
    return {sc: control.seller_campaign(sc)["bid"] for a in control.advertiser_ids()
            for sc in control.seller_campaign_ids(a)}


async def test_bulk_patch_applies_every_bid_and_answers_the_messages(mpo: Sandbox) -> None:
    ids = mpo.control.mpo.seller_campaign_ids(mpo.control.mpo.advertiser_ids()[0])[:5]
    body = [{"id": sc, "bid": 0.5 + i} for i, sc in enumerate(ids)]
    async with client(mpo) as api:
        status, answer = await api.call("PATCH", "/seller-campaigns", body)
    assert status == 200 and [m["id"] for m in answer] == ids
    assert [m["bid"] for m in answer] == [0.5, 1.5, 2.5, 3.5, 4.5]
    assert answer == [mpo.control.mpo.seller_campaign(sc) for sc in ids]


async def test_one_bad_bid_among_2000_changes_nothing(make_sandbox: MakeSandbox) -> None:
    async with make_sandbox(mpo_sellers=1000) as sb:
        ids = sb.control.mpo.seller_campaign_ids(sb.control.mpo.advertiser_ids()[0])
        assert len(ids) == 2000
        before = _bids(sb)
        body = [{"id": sc, "bid": 1.25} for sc in ids]
        body[1234]["bid"] = -0.5
        async with client(sb) as api:
            status, answer = await api.call("PATCH", "/seller-campaigns", body)
            assert status == 400 and len(answer["errors"]) == 1
            error = answer["errors"][0]
            assert error["code"] == "WithInvalidBidValue" and error["type"] == "validation"
            assert error["source"] == {"index": "1234", "id": ids[1234]}
            assert error["instance"] == "@data[1234].bid" and ids[1234] in error["detail"]
            assert _bids(sb) == before
            status, answer = await api.call("PATCH", "/seller-campaigns", [*body[:1234], *body[1235:], body[0]])
            assert status == 400 and answer["errors"][0]["code"] == "WithDuplicateId"
            assert answer["errors"][0]["source"] == {"index": "1999", "id": ids[0]}
            body[1234]["bid"] = 1.25
            status, answer = await api.call("PATCH", "/seller-campaigns", body)
            assert status == 200 and len(answer) == 2000 and {m["bid"] for m in answer} == {1.25}
            status, answer = await api.call("PATCH", "/seller-campaigns", [*body, body[0]])
            assert status == 400 and answer["errors"][0]["code"] == "WithTooManyItems"


async def test_each_bad_item_is_named_with_its_own_code(mpo: Sandbox) -> None:
    ids = mpo.control.mpo.seller_campaign_ids(mpo.control.mpo.advertiser_ids()[0])
    hidden = mpo.control.mpo.seller_campaign_ids(mpo.control.mpo.hidden_advertiser_ids()[0])[0]
    before = _bids(mpo)
    body = [{"id": ids[0], "bid": 1}, {"id": "999.1", "bid": 1}, {"id": hidden, "bid": 1}, {"id": ids[1], "bid": "1"},
            {"id": ids[2], "bid": True}, {"id": ids[3], "bid": 1, "colour": "red"}, {"id": "no-dot", "bid": 1},
            ["not", "an", "object"], {"id": ids[4]}]
    async with client(mpo) as api:
        status, answer = await api.call("PATCH", "/seller-campaigns", body)
        assert status == 400
        assert [(e["source"]["index"], e["source"]["id"], e["code"]) for e in answer["errors"]] == [
            ("1", "999.1", "WithInvalidSellerCampaignId"), ("2", hidden, "WithInvalidSellerCampaignId"),
            ("3", ids[1], "WithInvalidBidValue"), ("4", ids[2], "WithInvalidBidValue"),
            ("5", ids[3], "WithUnknownAttribute"), ("6", "no-dot", "WithInvalidSellerCampaignId"),
            ("7", "", "WithInvalidItem"), ("8", ids[4], "WithInvalidBidValue")]
        assert _bids(mpo) == before
        nan = b'[{"id": "%s", "bid": NaN}]' % ids[0].encode()
        status, answer = await api.call("PATCH", "/seller-campaigns", raw=nan)
        assert status == 400 and _bids(mpo) == before
        status, answer = await api.call("PATCH", "/seller-campaigns", {"bids": [{"id": ids[0], "bid": 1}]})
        assert status == 400 and answer["errors"][0]["code"] == "WithInvalidBody"
        status, answer = await api.call("PATCH", "/seller-campaigns", [])
        assert (status, answer) == (200, [])


async def test_single_patch_takes_the_bid_from_the_query(mpo: Sandbox) -> None:
    sc = find_sc(mpo, lambda s: s["suspensionReasons"] is None)["id"]
    async with client(mpo) as api:
        status, answer = await api.call("PATCH", f"/seller-campaigns/{sc}", params={"bid": "1.5"})
        assert (status, answer) == (200, mpo.control.mpo.seller_campaign(sc)) and answer["bid"] == 1.5
        for bad in ("-1", "NaN", "inf", "abc"):
            status, answer = await api.call("PATCH", f"/seller-campaigns/{sc}", params={"bid": bad})
            assert status == 400 and answer["errors"][0]["code"] == "WithInvalidBidValue", bad
        assert mpo.control.mpo.seller_campaign(sc)["bid"] == 1.5
        status, _ = await api.call("PATCH", "/seller-campaigns/1.2", params={"bid": "1"})
        assert status == 404


async def test_no_bid_or_zero_bid_suspends_with_no_cpc_defined(mpo: Sandbox) -> None:
    sc = find_sc(mpo, lambda s: s["suspensionReasons"] is None)["id"]
    async with client(mpo) as api:
        _, (stopped,) = await api.call("PATCH", "/seller-campaigns", [{"id": sc, "bid": None}])
        assert stopped["bid"] is None and stopped["suspensionReasons"] == ["NoCpcDefined"]
        assert stopped["suspendedSince"] is not None
        _, zero = await api.call("PATCH", f"/seller-campaigns/{sc}", params={"bid": "0"})
        assert zero["suspensionReasons"] == ["NoCpcDefined"] and zero["suspendedSince"] == stopped["suspendedSince"]
        _, back = await api.call("PATCH", f"/seller-campaigns/{sc}", params={"bid": "0.4"})
        assert back["suspensionReasons"] is None and back["suspendedSince"] is None
