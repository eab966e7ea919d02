"""MPO reads: bare arrays, filters, single gets, 403 for another client's things, 404s, determinism."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from bulkops.sandbox import Sandbox
from tests.sandbox.mpo.helpers import client, find_budget, find_sc, hidden_sellers

MakeSandbox = Callable[..., AbstractAsyncContextManager[Sandbox]]


async def test_lists_are_bare_arrays_of_the_spec_shapes(mpo: Sandbox) -> None:
    advertiser = mpo.control.mpo.advertiser_ids()[0]
    async with client(mpo) as api:
        _, advertisers = await api.get("/advertisers")
        _, campaigns = await api.get(f"/advertisers/{advertiser}/campaigns")
        _, sellers = await api.get("/sellers")
        _, scs = await api.get("/seller-campaigns")
        _, budgets = await api.get("/budgets")
    assert [a["id"] for a in advertisers] == mpo.control.mpo.advertiser_ids()
    assert set(advertisers[0]) == {"id", "advertiserName", "currencyName", "timeZoneId"}
    assert [c["id"] for c in campaigns] == mpo.control.mpo.campaign_ids(advertiser)
    assert set(campaigns[0]) == {"id", "campaignName", "adSetDeliveryStatus", "status"}
    assert len(sellers) == 20 and set(sellers[0]) == {"id", "sellerName"} and isinstance(sellers[0]["id"], str)
    assert [s["id"] for s in scs] == mpo.control.mpo.seller_campaign_ids(advertiser)
    assert set(scs[0]) == {"id", "sellerId", "campaignId", "bid", "suspendedSince", "suspensionReasons"}
    assert all(s["id"] == f"{s['sellerId']}.{s['campaignId']}" and isinstance(s["campaignId"], int) for s in scs)
    assert {b["status"] for b in budgets} <= {"Current", "Scheduled"}  # past budgets only on request
    assert set(budgets[0]) == {"id", "sellerId", "campaignIds", "budgetType", "amount", "startDate", "endDate",
                               "spend", "status", "isSuspended"}
    assert all(isinstance(b["id"], str) and (b["amount"] is None) == (b["budgetType"] == "Uncapped") for b in budgets)


async def test_the_seed_shows_every_reason_and_status(make_sandbox: MakeSandbox) -> None:
    async with make_sandbox(mpo_sellers=300) as sb, client(sb) as api:
        _, scs = await api.get("/seller-campaigns")
        _, budgets = await api.get("/budgets", endAfterDate="2000-01-01")
    reasons = {r for s in scs for r in s["suspensionReasons"] or ()}
    assert reasons == {"NoMoreBudget", "ManuallyStopped", "NoBudgetDefined", "NoCpcDefined", "RemovedFromCatalog",
                       "NotYetStarted", "NoMoreDailyBudget"}
    active = [s for s in scs if s["suspensionReasons"] is None]
    assert len(active) > len(scs) / 2 and all(s["suspendedSince"] is None and s["bid"] for s in active)
    assert all(s["suspendedSince"] for s in scs if s["suspensionReasons"])
    assert {b["status"] for b in budgets} == {"Current", "Scheduled", "Archived"}
    assert {b["budgetType"] for b in budgets} == {"Daily", "Capped", "Uncapped"}
    assert any(b["endDate"] == "" for b in budgets) and any(b["isSuspended"] for b in budgets)


async def test_seller_campaign_filters_all_hold(mpo: Sandbox) -> None:
    async with client(mpo) as api:
        _, everything = await api.get("/seller-campaigns")
        campaign = everything[0]["campaignId"]
        seller = everything[0]["sellerId"]
        _, by_campaign = await api.get("/seller-campaigns", campaignId=str(campaign))
        _, active = await api.get("/seller-campaigns", sellerStatus="Active", campaignId=str(campaign))
        _, inactive = await api.get("/seller-campaigns", sellerStatus="Inactive")
        _, by_seller = await api.get("/seller-campaigns", sellerId=seller)
        _, scheduled = await api.get("/seller-campaigns", budgetStatus="Scheduled")
        status, bad = await api.get("/seller-campaigns", sellerStatus="Sleeping")
    assert by_campaign == [s for s in everything if s["campaignId"] == campaign]
    assert active == [s for s in by_campaign if s["suspensionReasons"] is None]
    assert inactive == [s for s in everything if s["suspensionReasons"]]
    assert {s["sellerId"] for s in by_seller} == {seller}
    with_scheduled = {f"{b['sellerId']}.{c}" for b in mpo.control.mpo.budgets() if b["status"] == "Scheduled"
                      for c in b["campaignIds"]}
    assert {s["id"] for s in scheduled} == with_scheduled & {s["id"] for s in everything}
    assert status == 400 and bad["errors"][0]["code"] == "WithInvalidParameter"


async def test_seller_and_budget_filters(mpo: Sandbox) -> None:
    async with client(mpo) as api:
        _, sellers = await api.get("/sellers")
        word = sellers[0]["sellerName"].split()[1].upper()
        _, named = await api.get("/sellers", sellerName=word)
        _, active = await api.get("/sellers", sellerStatus="Active")
        _, scs = await api.get("/seller-campaigns", sellerStatus="Active")
        seller = sellers[0]["id"]
        _, of_seller = await api.get("/budgets", sellerId=seller, endAfterDate="2000-01-01")
        _, daily = await api.get("/budgets", type="Daily")
        _, spent = await api.get("/budgets", withSpend="false")
        _, archived = await api.get("/budgets", status="Archived")
        _, balance = await api.get("/budgets", withBalance="true")
    assert named == [s for s in sellers if word.lower() in s["sellerName"].lower()]
    assert {s["id"] for s in active} == {s["sellerId"] for s in scs}
    assert of_seller == [b for b in mpo.control.mpo.budgets() if b["sellerId"] == seller]
    assert daily and all(b["budgetType"] == "Daily" for b in daily)
    assert all(b["spend"] == 0 for b in spent) and spent
    assert archived and all(b["status"] == "Archived" for b in archived)
    assert all(b["amount"] is None or b["spend"] < b["amount"] for b in balance)


async def test_single_gets_and_nested_lists(mpo: Sandbox) -> None:
    sc = find_sc(mpo, lambda s: s["suspensionReasons"] is None)
    budget = find_budget(mpo, lambda b: b["sellerId"] == sc["sellerId"] and sc["campaignId"] in b["campaignIds"]
                         and b["status"] == "Current")
    async with client(mpo) as api:
        assert await api.get(f"/seller-campaigns/{sc['id']}") == (200, sc)
        assert await api.get(f"/budgets/{budget['id']}") == (200, budget)
        _, of_sc = await api.get(f"/seller-campaigns/{sc['id']}/budgets")
        _, of_seller = await api.get(f"/sellers/{sc['sellerId']}/seller-campaigns")
        _, seller_budgets = await api.get(f"/sellers/{sc['sellerId']}/budgets")
        status, seller = await api.get(f"/sellers/{sc['sellerId']}")
    assert budget in of_sc and all(sc["campaignId"] in b["campaignIds"] for b in of_sc)
    assert sc in of_seller and {s["sellerId"] for s in of_seller} == {sc["sellerId"]}
    assert budget in seller_budgets and status == 200 and seller["id"] == sc["sellerId"]


async def test_another_clients_things_are_403_and_never_listed(mpo: Sandbox) -> None:
    hidden = mpo.control.mpo.hidden_advertiser_ids()[0]
    seller = hidden_sellers(mpo)[0]
    sc = mpo.control.mpo.seller_campaign_ids(hidden)[0]
    budget = next(b for b in mpo.control.mpo.budgets() if b["sellerId"] == seller)
    async with client(mpo) as api:
        for path in (f"/advertisers/{hidden}", f"/advertisers/{hidden}/seller-campaigns", f"/sellers/{seller}",
                     f"/sellers/{seller}/budgets", f"/seller-campaigns/{sc}", f"/budgets/{budget['id']}"):
            status, body = await api.get(path)
            assert status == 403 and body["errors"][0]["type"] == "access-control", path
        status, _ = await api.call("PATCH", f"/seller-campaigns/{sc}", params={"bid": "1"})
        assert status == 403
        _, sellers = await api.get("/sellers", advertiserId=str(hidden))
        _, scs = await api.get("/seller-campaigns")
        _, budgets = await api.get("/budgets", endAfterDate="2000-01-01")
    assert sellers == [] and sc not in {s["id"] for s in scs}
    assert budget["id"] not in {b["id"] for b in budgets}


async def test_unknown_ids_and_versions_are_404(mpo: Sandbox) -> None:
    async with client(mpo) as api:
        for path in ("/advertisers/1", "/advertisers/abc", "/sellers/nobody", "/seller-campaigns/1.2",
                     "/seller-campaigns/garbage", "/budgets/42", "/budgets/x"):
            status, body = await api.get(path)
            assert status == 404 and body["errors"][0]["code"] == "not-found", path
        status, body = await api.call("GET", "/advertisers", version="2024-01")
        assert status == 404 and body["errors"][0]["code"] == "unknown-version"
        for version in ("2025-10", "2026-01"):
            assert (await api.call("GET", "/advertisers", version=version))[0] == 200


async def test_the_same_seed_gives_the_same_data(make_sandbox: MakeSandbox) -> None:
    snapshots = []
    for seed in (7, 7, 8):
        async with make_sandbox(seed=seed, mpo_sellers=20) as sb, client(sb) as api:
            scs = (await api.get("/seller-campaigns"))[1]
            snapshots.append((scs, (await api.get("/sellers"))[1], sb.control.mpo.budgets()))
    assert snapshots[0][1:] == snapshots[1][1:] and snapshots[0][1] != snapshots[2][1]
    strip = [[{**s, "suspendedSince": None} for s in snap[0]] for snap in snapshots]  # it is relative to now
    assert strip[0] == strip[1] != strip[2]
