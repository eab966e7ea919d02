"""MPO status rules as pure functions: budget status, seller-campaign suspension reasons, budget overlap."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

BUDGET_TYPES = ("Daily", "Capped", "Uncapped")
BUDGET_STATUSES = ("Archived", "Current", "Scheduled")
SELLER_STATUSES = ("Active", "Inactive")
# The spec's SellerCampaignSuspensionReason order; reasons are always emitted in it.
REASONS = ("NoMoreBudget", "ManuallyStopped", "NoBudgetDefined", "NoCpcDefined", "RemovedFromCatalog",
           "NotYetStarted", "NoMoreDailyBudget")
NOT_YET_STARTED_S = 3600.0  # a new seller-campaign is processed within an hour
MAX_ITEMS = 2000


@dataclass(frozen=True, slots=True)
class BudgetFacts:
    """What a budget's status and its seller-campaigns' reasons are derived from."""

    seller_id: str
    campaign_ids: tuple[int, ...]
    budget_type: str  # Daily | Capped | Uncapped
    amount: float | None  # None for Uncapped
    start: date
    end: date | None  # None = open-ended
    spend: float = 0.0
    suspended: bool = False
    id: int = 0  # 0 = not created yet


@dataclass(frozen=True, slots=True)
class SellerCampaignFacts:
    """What a seller-campaign's suspension reasons are derived from."""

    bid: float | None
    budgets: Sequence[BudgetFacts] = field(default_factory=tuple)  # the budgets covering it
    in_catalog: bool = True
    not_yet_started: bool = False  # created < 1 h ago and not processed yet


def budget_status(start: date, end: date | None, today: date) -> str:
    """Scheduled before its start, Archived after its end (inclusive end date), else Current."""
    if start > today:
        return "Scheduled"
    if end is not None and end < today:
        return "Archived"
    return "Current"


def is_daily(budget_type: str) -> bool:
    """Daily budgets cap a day; Capped and Uncapped ones are lifetime ("non-daily")."""
    return budget_type == "Daily"


def not_yet_started(created_at: float, processed: bool, now: float) -> bool:
    """A seller-campaign created less than an hour ago and not yet processed."""
    return not processed and now - created_at < NOT_YET_STARTED_S


def _governing(budgets: list[BudgetFacts]) -> BudgetFacts | None:
    """The budget in force among Current budgets of one kind: a non-suspended one if any."""
    running = [b for b in budgets if not b.suspended]
    return next(iter(running or budgets), None)


def _exhausted(budget: BudgetFacts | None) -> bool:
    return budget is not None and budget.amount is not None and budget.spend >= budget.amount


def suspension_reasons(facts: SellerCampaignFacts, today: date) -> tuple[str, ...]:
    """Why a seller-campaign does not deliver, in the spec's enum order; empty = active."""
    current = [b for b in facts.budgets if budget_status(b.start, b.end, today) == "Current"]
    lifetime = _governing([b for b in current if not is_daily(b.budget_type)])
    daily = _governing([b for b in current if is_daily(b.budget_type)])
    found = set()
    if lifetime is None:
        found.add("NoBudgetDefined")
    if (lifetime is not None and lifetime.suspended) or (daily is not None and daily.suspended):
        found.add("ManuallyStopped")
    if lifetime is not None and lifetime.budget_type == "Capped" and _exhausted(lifetime):
        found.add("NoMoreBudget")
    if _exhausted(daily):
        found.add("NoMoreDailyBudget")
    if not facts.bid:
        found.add("NoCpcDefined")
    if not facts.in_catalog:
        found.add("RemovedFromCatalog")
    if facts.not_yet_started:
        found.add("NotYetStarted")
    return tuple(r for r in REASONS if r in found)


def _intersects(a: BudgetFacts, b: BudgetFacts) -> bool:
    far = date.max
    return a.start <= (b.end or far) and b.start <= (a.end or far)


def overlaps(a: BudgetFacts, b: BudgetFacts, today: date) -> bool:
    """Would these two budgets both be in force, of the same kind, on a common seller-campaign at some time?"""
    if a.id and a.id == b.id:
        return False
    if a.seller_id != b.seller_id or is_daily(a.budget_type) != is_daily(b.budget_type):
        return False
    if a.suspended or b.suspended or not set(a.campaign_ids) & set(b.campaign_ids):
        return False
    if "Archived" in (budget_status(a.start, a.end, today), budget_status(b.start, b.end, today)):
        return False
    return _intersects(a, b)


def first_overlap(candidate: BudgetFacts, others: Iterable[BudgetFacts], today: date) -> BudgetFacts | None:
    """The first budget among `others` that `candidate` would overlap, if any."""
    return next((o for o in others if overlaps(candidate, o, today)), None)


def balance_positive(budget: BudgetFacts) -> bool:
    """Uncapped budgets always have a balance; others while spend < amount."""
    return budget.amount is None or budget.amount - budget.spend > 0
