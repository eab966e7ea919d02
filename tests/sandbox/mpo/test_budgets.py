"""MPO budget writes over HTTP: the create and update rules, suspend/resume, spend and time moving statuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import aiohttp

from bulkops.sandbox import Sandbox
from tests.sandbox.mpo.helpers import client, find_budget, find_sc, hidden_sellers


def _today(sb: Sandbox) -> date:
    return datetime.fromtimestamp(sb.control.now(), UTC).date()


def _day(sb: Sandbox, days: int) -> str:
    return (_today(sb) + timedelta(days=days)).isoformat()


def _lifetime(sb: Sandbox, sc: str) -> dict[str, Any]:
    """The one non-archived lifetime budget of an active seller-campaign (which has no other)."""
    found = [b for b in sb.control.mpo.budgets(sc, include_archived=False) if b["budgetType"] != "Daily"]
    assert len(found) == 1
    return found[0]


def _sole_capped(sb: Sandbox, *, ended: bool = False) -> tuple[str, dict[str, Any]]:
    """An active seller-campaign whose only live lifetime budget is Capped (with an end date if `ended`)."""
    def fits(s: dict[str, Any]) -> bool:
        if s["suspensionReasons"] is not None:
            return False
        live = [b for b in sb.control.mpo.budgets(s["id"], include_archived=False) if b["budgetType"] != "Daily"]
        return len(live) == 1 and live[0]["budgetType"] == "Capped" and (not ended or live[0]["endDate"] != "")
    sc = find_sc(sb, fits)["id"]
    return sc, _lifetime(sb, sc)


def _free(sb: Sandbox) -> dict[str, Any]:
    """A seller-campaign without any live budget: new budgets on it can only collide with each other."""
    return find_sc(sb, lambda s: not sb.control.mpo.budgets(s["id"], include_archived=False))


def _new(sc: dict[str, Any], **attrs: Any) -> dict[str, Any]:
    return {"sellerId": sc["sellerId"], "campaignIds": [sc["campaignId"]], **attrs}


async def test_create_answers_the_budgets_and_accepts_strings(mpo: Sandbox) -> None:
    sc = find_sc(mpo, lambda s: True)
    body = [{"sellerId": sc["sellerId"], "campaignIds": [str(sc["campaignId"])], "budgetType": "Daily",
             "amount": "12.50", "startDate": f"{_day(mpo, 400)}T10:30:00Z", "endDate": ""}]
    async with client(mpo) as api:
        status, (created,) = await api.call("POST", "/budgets", body)
    assert status == 200 and created == mpo.control.mpo.budget(created["id"])
    assert (created["amount"], created["campaignIds"], created["startDate"], created["endDate"]) == (
        12.5, [sc["campaignId"]], _day(mpo, 400), "")
    assert (created["status"], created["spend"], created["isSuspended"]) == ("Scheduled", 0.0, False)


async def test_create_rules_refuse_the_whole_call(mpo: Sandbox) -> None:
    sc = _free(mpo)
    other = hidden_sellers(mpo)[0]
    future = _day(mpo, 500)
    items = [
        _new(sc, budgetType="Capped", amount=10, startDate=future),  # good, yet not created
        _new(sc, budgetType="Capped", amount=10, startDate=_day(mpo, 0)),
        _new(sc, budgetType="Uncapped", amount=10, startDate=future),
        _new(sc, budgetType="Capped", startDate=future),
        _new(sc, budgetType="Daily", amount=-1, startDate=future),
        _new(sc, budgetType="Capped", amount=10, startDate=future, endDate=future),
        _new(sc, budgetType="Capped", amount=10, startDate=future, isSuspended=True),
        {**_new(sc, budgetType="Capped", amount=10, startDate=future), "campaignIds": [1]},
        {**_new(sc, budgetType="Capped", amount=10, startDate=future), "campaignIds": []},
        {**_new(sc, budgetType="Capped", amount=10, startDate=future), "sellerId": other},
        _new(sc, budgetType="Weekly", amount=10, startDate=future),
        _new(sc, budgetType="Capped", amount=10, startDate="soon"),
    ]
    before = mpo.control.mpo.budgets()
    async with client(mpo) as api:
        status, answer = await api.call("POST", "/budgets", items)
    assert status == 400
    assert [(int(e["source"]["index"]), e["code"]) for e in answer["errors"]] == [
        (1, "WithInvalidDate"), (2, "WithInvalidTypeForAmount"), (3, "WithInvalidTypeForAmount"),
        (4, "WithInvalidAmountValue"), (5, "WithInvalidEndDate"), (6, "WithUnknownAttribute"),
        (7, "WithInvalidCampaignId"), (8, "WithInvalidCampaignId"), (9, "WithInvalidSellerId"),
        (10, "WithInvalidBudgetType"), (11, "WithInvalidDate")]
    assert answer["errors"][8]["source"]["id"] == other and answer["errors"][0]["instance"] == "@data[1].startDate"
    assert mpo.control.mpo.budgets() == before


async def test_one_active_daily_and_one_non_daily_per_seller_campaign(mpo: Sandbox) -> None:
    sc = _free(mpo)
    start, later = _day(mpo, 600), _day(mpo, 700)
    async with client(mpo) as api:
        status, answer = await api.call("POST", "/budgets", [
            _new(sc, budgetType="Daily", amount=5, startDate=start, endDate=later),
            _new(sc, budgetType="Capped", amount=50, startDate=start, endDate=later),
            _new(sc, budgetType="Daily", amount=7, startDate=_day(mpo, 650))])
        assert status == 400 and [(e["source"]["index"], e["code"]) for e in answer["errors"]] == [
            ("2", "WithOverlappingBudget")] and "item 0 of this call" in answer["errors"][0]["detail"]
        status, (daily, capped) = await api.call("POST", "/budgets", [
            _new(sc, budgetType="Daily", amount=5, startDate=start, endDate=later),
            _new(sc, budgetType="Capped", amount=50, startDate=start, endDate=later)])
        assert status == 200
        status, answer = await api.call("POST", "/budgets", [_new(sc, budgetType="Uncapped", startDate=later)])
        assert status == 400 and answer["errors"][0]["code"] == "WithOverlappingBudget"
        status, answer = await api.call("POST", "/budgets", [
            _new(sc, budgetType="Daily", amount=9, startDate=_day(mpo, 620))])
        assert status == 400 and f"budget {daily['id']}" in answer["errors"][0]["detail"]
        _, (paused,) = await api.call("PATCH", "/budgets", [{"budgetId": int(daily["id"]), "isSuspended": True}])
        status, _ = await api.call("POST", "/budgets", [
            _new(sc, budgetType="Daily", amount=9, startDate=_day(mpo, 620))])
        assert paused["isSuspended"] and status == 200  # a suspended budget blocks nothing
        status, answer = await api.call("PATCH", f"/budgets/{daily['id']}", {"isSuspended": False})
        assert status == 400 and answer["errors"][0]["code"] == "WithOverlappingBudget"  # resume would overlap
        status, (next_capped,) = await api.call("POST", "/budgets", [
            _new(sc, budgetType="Capped", amount=50, startDate=_day(mpo, 701), endDate=_day(mpo, 800))])
        assert status == 200
        status, answer = await api.call("PATCH", f"/budgets/{next_capped['id']}", {"startDate": _day(mpo, 690)})
        assert status == 400 and answer["errors"][0]["code"] == "WithOverlappingBudget"  # a date change overlaps
        status, answer = await api.call("PATCH", f"/budgets/{capped['id']}", {"endDate": _day(mpo, 750)})
        assert status == 400 and answer["errors"][0]["code"] == "WithOverlappingBudget"
        status, moved = await api.call("PATCH", f"/budgets/{next_capped['id']}", {"startDate": _day(mpo, 720)})
        assert status == 200 and moved["startDate"] == _day(mpo, 720)


def _pick(sb: Sandbox, taken: list[dict[str, Any]], **want: Any) -> dict[str, Any]:
    """A visible budget with the wanted attributes, not among `taken` (which it joins)."""
    ids = {b["id"] for b in taken}
    found = find_budget(sb, lambda b: b["id"] not in ids and all(
        f(b) if callable(f) else b[k] == f for k, f in want.items()))
    taken.append(found)
    return found


async def test_update_rules(mpo: Sandbox) -> None:
    taken: list[dict[str, Any]] = []
    shared = _pick(mpo, taken, status="Current", campaignIds=lambda b: len(b["campaignIds"]) > 1)
    capped = _pick(mpo, taken, status="Current", budgetType="Capped", spend=lambda b: b["spend"] > 1)
    uncapped = _pick(mpo, taken, status="Current", budgetType="Uncapped")
    archived = _pick(mpo, taken, status="Archived")
    started = _pick(mpo, taken, status="Current")
    other = _pick(mpo, taken, status="Current")
    hidden = next(b for b in mpo.control.mpo.budgets() if b["sellerId"] in hidden_sellers(mpo))
    async with client(mpo) as api:
        status, answer = await api.call("PATCH", "/budgets", [
            {"budgetId": int(shared["id"]), "campaignIds": shared["campaignIds"][:1]},
            {"budgetId": capped["id"], "campaignIds": [*capped["campaignIds"], 1]},
            {"budgetId": int(capped["id"]), "amount": capped["spend"] - 1},
            {"budgetId": int(uncapped["id"]), "amount": "10"},
            {"budgetId": int(archived["id"]), "isSuspended": True},
            {"budgetId": int(started["id"]), "startDate": _day(mpo, 30)},
            {"budgetId": int(other["id"]), "endDate": _day(mpo, 0)},
            {"budgetId": int(hidden["id"]), "isSuspended": True},
            {"budgetId": 1, "amount": 5},
            {"budgetId": int(shared["id"]), "amount": 5},
            {"budgetId": int(uncapped["id"]), "isSuspended": "yes"},
            {"budgetId": int(started["id"]), "budgetType": "Daily"}])
        assert status == 400
        assert [(e["source"]["index"], e["code"]) for e in answer["errors"]] == [
            ("1", "WithInvalidCampaignId"), ("2", "WithDuplicateId"), ("3", "WithInvalidTypeForAmount"),
            ("4", "WithInactiveBudget"), ("5", "WithInvalidDate"), ("6", "WithInvalidEndDate"),
            ("7", "WithInvalidBudgetId"), ("8", "WithInvalidBudgetId"), ("9", "WithDuplicateId"),
            ("10", "WithDuplicateId"), ("11", "WithDuplicateId")]
        assert answer["errors"][6]["source"]["id"] == hidden["id"]
        assert mpo.control.mpo.budget(shared["id"]) == shared  # nothing applied
        status, answer = await api.call("PATCH", "/budgets", [
            {"budgetId": int(capped["id"]), "amount": capped["spend"] - 1},
            {"budgetId": int(uncapped["id"]), "isSuspended": "yes"},
            {"budgetId": int(started["id"]), "budgetType": "Daily"}])
        assert [e["code"] for e in answer["errors"]] == [
            "WithAmountBelowSpend", "WithInvalidIsSuspended", "WithUnknownAttribute"]
        status, (narrowed, raised) = await api.call("PATCH", "/budgets", [
            {"budgetId": shared["id"], "campaignIds": shared["campaignIds"][:1]},
            {"budgetId": int(capped["id"]), "amount": str(capped["spend"]), "endDate": ""}])
        assert status == 200 and narrowed["campaignIds"] == shared["campaignIds"][:1]
        assert (raised["amount"], raised["endDate"]) == (capped["spend"], "")
        status, answer = await api.call("PATCH", f"/budgets/{archived['id']}", {"isSuspended": True})
        assert status == 400 and answer["errors"][0]["code"] == "WithInactiveBudget"
        assert (await api.call("PATCH", f"/budgets/{hidden['id']}", {"isSuspended": True}))[0] == 403
        assert (await api.call("PATCH", "/budgets/1", {"isSuspended": True}))[0] == 404


async def test_suspend_and_resume_move_manually_stopped_and_suspended_since(mpo: Sandbox) -> None:
    sc, budget = _sole_capped(mpo)
    async with client(mpo) as api:
        status, paused = await api.call("PATCH", f"/budgets/{budget['id']}", {"isSuspended": True})
        assert status == 200 and paused["isSuspended"]
        stopped = mpo.control.mpo.seller_campaign(sc)
        assert stopped["suspensionReasons"] == ["ManuallyStopped"]
        assert stopped["suspendedSince"].startswith(_today(mpo).isoformat())
        _, resumed = await api.call("PATCH", "/budgets", [{"budgetId": int(budget["id"]), "isSuspended": False}])
        _, again = await api.get(f"/seller-campaigns/{sc}")
    assert not resumed[0]["isSuspended"] and again["suspensionReasons"] is None and again["suspendedSince"] is None


async def test_spend_reaching_the_amount_gives_no_more_budget(mpo: Sandbox) -> None:
    sc, budget = _sole_capped(mpo)
    async with client(mpo) as api, aiohttp.ClientSession() as session:
        async with session.post(f"{mpo.base_url}/__sandbox__/mpo/spend",
                                json={"budgetId": budget["id"], "spend": budget["amount"]}) as r:
            assert r.status == 200 and (await r.json())["spend"] == budget["amount"]
        _, message = await api.get(f"/seller-campaigns/{sc}")
        assert message["suspensionReasons"] == ["NoMoreBudget"] and message["suspendedSince"]
        _, with_balance = await api.get("/budgets", withBalance="true", sellerId=budget["sellerId"])
        assert budget["id"] not in {b["id"] for b in with_balance}
        mpo.control.mpo.set_spend(budget["id"], 0)
        async with session.get(f"{mpo.base_url}/__sandbox__/mpo/seller-campaigns/{sc}") as r:
            assert (await r.json())["suspensionReasons"] is None


async def test_catalog_and_new_seller_campaigns(mpo: Sandbox) -> None:
    sc = find_sc(mpo, lambda s: s["suspensionReasons"] is None)
    fresh = find_sc(mpo, lambda s: "NotYetStarted" in (s["suspensionReasons"] or ()))
    async with aiohttp.ClientSession() as session, session.post(
            f"{mpo.base_url}/__sandbox__/mpo/catalog", json={"sellerId": sc["sellerId"], "inCatalog": False}) as r:
        assert r.status == 200
    assert mpo.control.mpo.seller_campaign(sc["id"])["suspensionReasons"] == ["RemovedFromCatalog"]
    mpo.control.mpo.set_in_catalog(sc["sellerId"], True)
    assert mpo.control.mpo.seller_campaign(sc["id"])["suspensionReasons"] is None
    mpo.control.mpo.mark_processed(fresh["id"])
    after = mpo.control.mpo.seller_campaign(fresh["id"])
    assert "NotYetStarted" not in after["suspensionReasons"] and after["suspendedSince"] == fresh["suspendedSince"]


async def test_time_past_the_end_date_archives_the_budget(mpo: Sandbox) -> None:
    sc, budget = _sole_capped(mpo, ended=True)
    mpo.control.set_token_ttl(10**8)
    async with client(mpo) as api:
        days = (date.fromisoformat(budget["endDate"]) - _today(mpo)).days + 1
        mpo.control.shift_clock(days=days)
        _, message = await api.get(f"/seller-campaigns/{sc}")
        _, archived = await api.get(f"/budgets/{budget['id']}")
        _, current = await api.get("/budgets", sellerId=budget["sellerId"])
    assert archived["status"] == "Archived" and budget["id"] not in {b["id"] for b in current}
    assert "NoBudgetDefined" in message["suspensionReasons"]
    assert message["suspendedSince"].startswith(_today(mpo).isoformat())
