"""The pure MPO rules: budget status, suspension reasons, overlap, and the per-item budget and bid checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bulkops.sandbox.mpo.checks import (
    Issue,
    check_bid_item,
    check_create,
    check_update,
    may_overlap_anew,
    split_seller_campaign_id,
)
from bulkops.sandbox.mpo.rules import (
    BudgetFacts,
    SellerCampaignFacts,
    budget_status,
    first_overlap,
    not_yet_started,
    overlaps,
    suspension_reasons,
)

TODAY = date(2026, 11, 23)
D = timedelta(days=1)
CAPPED = BudgetFacts("1", (10,), "Capped", 100.0, TODAY - 5 * D, None, 20.0, False, 7)
DAILY = BudgetFacts("1", (10,), "Daily", 10.0, TODAY - 5 * D, None, 2.0, False, 8)
days = st.integers(-400, 400).map(lambda n: TODAY + n * D)


@given(start=days, end=st.none() | days)
def test_budget_status(start: date, end: date | None) -> None:
    status = budget_status(start, end, TODAY)
    assert status == ("Scheduled" if start > TODAY else "Archived" if end is not None and end < TODAY else "Current")


def _reasons(bid: float | None = 1.0, *budgets: BudgetFacts, **kw: bool) -> list[str]:
    return list(suspension_reasons(SellerCampaignFacts(bid, budgets, **kw), TODAY))


def test_suspension_reasons() -> None:
    assert _reasons(1.0, CAPPED) == []
    assert _reasons(None, CAPPED) == _reasons(0.0, CAPPED) == ["NoCpcDefined"]
    assert _reasons(1.0) == _reasons(1.0, DAILY) == ["NoBudgetDefined"]
    assert _reasons(1.0, replace(CAPPED, start=TODAY + D)) == ["NoBudgetDefined"]  # only Scheduled
    assert _reasons(1.0, replace(CAPPED, end=TODAY - D)) == ["NoBudgetDefined"]  # only Archived
    assert _reasons(1.0, replace(CAPPED, suspended=True)) == ["ManuallyStopped"]
    assert _reasons(1.0, CAPPED, replace(DAILY, suspended=True)) == ["ManuallyStopped"]
    assert _reasons(1.0, replace(CAPPED, suspended=True), replace(CAPPED, id=9)) == []  # the running one governs
    assert _reasons(1.0, replace(CAPPED, spend=100.0)) == ["NoMoreBudget"]
    assert _reasons(1.0, replace(CAPPED, budget_type="Uncapped", amount=None, spend=1e6)) == []
    assert _reasons(1.0, CAPPED, replace(DAILY, spend=10.0)) == ["NoMoreDailyBudget"]
    assert _reasons(1.0, CAPPED, in_catalog=False) == ["RemovedFromCatalog"]
    assert _reasons(None, not_yet_started=True) == ["NoBudgetDefined", "NoCpcDefined", "NotYetStarted"]
    assert not_yet_started(1000.0, False, 1000.0 + 3599) and not not_yet_started(1000.0, False, 1000.0 + 3600)
    assert not not_yet_started(1000.0, True, 1001.0)


def test_overlap_needs_same_kind_live_budgets_on_a_common_campaign_and_time() -> None:
    later = replace(CAPPED, id=0, start=TODAY + 10 * D)
    assert overlaps(later, CAPPED, TODAY) and first_overlap(later, [DAILY, CAPPED], TODAY) == CAPPED
    assert not overlaps(later, replace(CAPPED, end=TODAY + 9 * D), TODAY)
    assert not overlaps(replace(later, budget_type="Daily"), CAPPED, TODAY)
    assert overlaps(replace(later, budget_type="Uncapped", amount=None), CAPPED, TODAY)
    assert not overlaps(replace(later, campaign_ids=(11,)), CAPPED, TODAY)
    assert not overlaps(later, replace(CAPPED, suspended=True), TODAY)
    assert not overlaps(later, replace(CAPPED, seller_id="2"), TODAY)
    assert not overlaps(replace(CAPPED, start=TODAY - 30 * D, end=TODAY - D), replace(later, start=TODAY - 9 * D),
                        TODAY)  # an Archived budget blocks nothing
    assert not overlaps(CAPPED, CAPPED, TODAY)  # a budget never collides with itself


def _code(result: object) -> str | None:
    return result.code if isinstance(result, Issue) else None


def test_create_checks() -> None:
    mine = {"1": {10, 11}}
    good = {"sellerId": "1", "campaignIds": ["10", 11], "budgetType": "Capped", "amount": "5.5",
            "startDate": "2026-11-24T08:00:00Z", "endDate": ""}
    made = check_create(good, TODAY, mine)
    assert made == BudgetFacts("1", (10, 11), "Capped", 5.5, TODAY + D, None)
    for change, code in (({"startDate": "2026-11-23"}, "WithInvalidDate"),
                         ({"amount": -1}, "WithInvalidAmountValue"), ({"amount": True}, "WithInvalidAmountValue"),
                         ({"budgetType": "Uncapped"}, "WithInvalidTypeForAmount"),
                         ({"amount": None}, "WithInvalidTypeForAmount"),
                         ({"endDate": "2026-11-24"}, "WithInvalidEndDate"),
                         ({"campaignIds": [12]}, "WithInvalidCampaignId"),
                         ({"campaignIds": "10"}, "WithInvalidCampaignId"), ({"sellerId": "2"}, "WithInvalidSellerId"),
                         ({"budgetType": None}, "WithInvalidBudgetType"), ({"spend": 1}, "WithUnknownAttribute")):
        assert _code(check_create({**good, **change}, TODAY, mine)) == code, change
    assert _code(check_create({**good, "budgetType": "Uncapped", "amount": None}, TODAY, mine)) is None
    assert _code(check_create(None, TODAY, mine)) == "WithInvalidItem"


def test_update_checks() -> None:
    scheduled = replace(CAPPED, start=TODAY + 3 * D, end=TODAY + 9 * D, spend=0.0)
    two = replace(CAPPED, campaign_ids=(10, 11))
    assert check_update({"campaignIds": [11]}, TODAY, two) == replace(two, campaign_ids=(11,))
    assert _code(check_update({"campaignIds": [10, 12]}, TODAY, two)) == "WithInvalidCampaignId"
    assert _code(check_update({"amount": 19}, TODAY, CAPPED)) == "WithAmountBelowSpend"
    assert check_update({"amount": "20"}, TODAY, CAPPED) == replace(CAPPED, amount=20.0)
    uncapped = replace(CAPPED, budget_type="Uncapped", amount=None)
    assert _code(check_update({"amount": 1}, TODAY, uncapped)) == "WithInvalidTypeForAmount"
    assert check_update({"amount": 1}, TODAY, DAILY) == replace(DAILY, amount=1.0)  # daily spend is today's only
    assert _code(check_update({"isSuspended": True}, TODAY, replace(CAPPED, end=TODAY - D))) == "WithInactiveBudget"
    assert _code(check_update({"startDate": "2026-12-01"}, TODAY, CAPPED)) == "WithInvalidDate"  # already started
    assert check_update({"startDate": "2026-11-25"}, TODAY, scheduled) == replace(scheduled, start=TODAY + 2 * D)
    assert _code(check_update({"startDate": "2026-12-05"}, TODAY, scheduled)) == "WithInvalidDate"  # after its end
    assert _code(check_update({"endDate": "2026-11-23"}, TODAY, CAPPED)) == "WithInvalidEndDate"  # not future
    assert check_update({"endDate": ""}, TODAY, scheduled) == replace(scheduled, end=None)
    assert _code(check_update({"budgetId": 7}, TODAY, CAPPED)) == "WithUnknownAttribute"
    assert check_update({"amount": None}, TODAY, CAPPED) == CAPPED  # null = not supplied
    resumed = check_update({"isSuspended": False}, TODAY, replace(CAPPED, suspended=True))
    assert resumed == CAPPED and may_overlap_anew(replace(CAPPED, suspended=True), CAPPED)
    assert not may_overlap_anew(CAPPED, replace(CAPPED, amount=500.0))


def test_bid_items() -> None:
    assert check_bid_item({"id": "12.34", "bid": 1}) == ("12.34", 1.0)
    assert check_bid_item({"id": "12.34", "bid": None}) == ("12.34", None)
    for item, code in (({"id": "12.34", "bid": -0.1}, "WithInvalidBidValue"),
                       ({"id": "12.34", "bid": "1"}, "WithInvalidBidValue"),
                       ({"id": "12.34", "bid": float("nan")}, "WithInvalidBidValue"),
                       ({"id": "12.34"}, "WithInvalidBidValue"),
                       ({"id": "1234", "bid": 1}, "WithInvalidSellerCampaignId"),
                       ({"id": "12.34", "bid": 1, "x": 0}, "WithUnknownAttribute")):
        assert _code(check_bid_item(item)) == code, item
    assert split_seller_campaign_id("a.b.1") is None and split_seller_campaign_id("ab.1") == ("ab", 1)
