"""The status rules of the seeds, as pure functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

USER_STATUSES = ("active", "paused", "draft")
ARCHIVE_AFTER = timedelta(days=90)
MAX_PRODUCTS = 500
MAX_LINE_ITEMS_PER_CAMPAIGN = 10_000


@dataclass(frozen=True, slots=True)
class LineItemFacts:
    """What a line item's status is derived from."""

    user_status: str  # active | paused | draft
    start_date: date
    end_date: date | None
    budget: float | None
    budget_spent: float
    has_funds: bool
    missing_attributes: bool  # e.g. a manual-bid auction line item without targetBid


def line_item_status(f: LineItemFacts, today: date) -> str:  # noqa: PLR0911 - one return per status, in the seed's order
    """Derived status; only active/paused/draft are ever set by users."""
    if f.end_date is not None and f.end_date + ARCHIVE_AFTER < today:
        return "archived"
    if f.end_date is not None and f.end_date < today:
        return "ended"
    if f.user_status == "draft" or f.missing_attributes:
        return "draft"
    if f.user_status == "paused":
        return "paused"
    if f.start_date > today:
        return "scheduled"
    if f.budget is not None and f.budget_spent >= f.budget:
        return "budgetHit"
    if not f.has_funds:
        return "noFunds"
    return "active"


def campaign_status(line_item_statuses: list[str]) -> str:
    """A campaign is active iff at least one of its line items is active."""
    return "active" if "active" in line_item_statuses else "inactive"
