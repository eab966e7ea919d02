"""The budget rules of the MPO reference that can be known before sending (pure); the rest is the API's answer.

Each check answers None or (column, code, message) for the row's failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

Problem = tuple[str | None, str, str]


@dataclass(frozen=True, slots=True)
class Facts:
    """What the "one active daily and one active non-daily budget per seller-campaign" rule reads."""

    key: str  # the budget id, or "row N" for a budget this run creates
    seller_id: str
    campaign_ids: frozenset[int]
    daily: bool
    start: date
    end: date | None
    suspended: bool

    @classmethod
    def of(cls, key: str, seller_id: str, fields: Mapping[str, Any]) -> Facts:
        """From canonical fields (a budget as read, or as a row will leave it)."""
        start = fields.get("startDate")
        return cls(key, seller_id, frozenset(fields.get("campaignIds") or ()), fields.get("budgetType") == "Daily",
                   date.min if not start else date.fromisoformat(start),  # no startDate said: already started
                   None if not fields.get("endDate") else date.fromisoformat(fields["endDate"]),
                   bool(fields.get("isSuspended")))


def status(start: str | None, end: str | None, today: date) -> str:
    """Scheduled before its start, Archived after its (inclusive) end date, else Current."""
    if start and date.fromisoformat(start) > today:
        return "Scheduled"
    if end and date.fromisoformat(end) < today:
        return "Archived"
    return "Current"


def _overlaps(a: Facts, b: Facts, today: date) -> bool:
    if a.key == b.key or a.seller_id != b.seller_id or a.daily != b.daily:
        return False
    if a.suspended or b.suspended or not a.campaign_ids & b.campaign_ids:
        return False
    if (a.end is not None and a.end < today) or (b.end is not None and b.end < today):
        return False  # an Archived budget is in force no more
    return a.start <= (b.end or date.max) and b.start <= (a.end or date.max)


def overlap(candidate: Facts, pool: Iterable[Facts], today: date) -> Problem | None:
    """At most one active daily and one active non-daily budget per seller-campaign, at any time."""
    clash = next((b for b in pool if _overlaps(candidate, b, today)), None)
    if clash is None:
        return None
    kind = "daily" if candidate.daily else "non-daily (Capped or Uncapped)"
    common = ";".join(str(c) for c in sorted(candidate.campaign_ids & clash.campaign_ids))
    who = f"budget {clash.key}" if clash.key.isdigit() else f"the budget of {clash.key}"
    return (None, "overlapping-budget", f"seller {candidate.seller_id} would have two active {kind} budgets on"
            f" campaign(s) {common}: this one and {who}; suspend or end one first")


def amount_for(budget_type: str | None, amount: str | None, *, create: bool) -> Problem | None:
    """An amount only when not Uncapped; required for Capped and Daily when creating."""
    if budget_type == "Uncapped" and amount is not None:
        return "amount", "amount-for-uncapped", "an Uncapped budget takes no amount; leave amount empty"
    if create and budget_type in ("Capped", "Daily") and amount is None:
        return "amount", "missing-amount", f"a {budget_type} budget needs an amount"
    return None


def create_problem(fields: Mapping[str, Any], seller_id: str | None, today: date) -> Problem | None:
    """A create: seller, campaigns, type, a future start, an amount as the type wants, an end after the start."""
    missing = [n for n, v in (("sellerId", seller_id), ("campaignIds", fields.get("campaignIds")),
                              ("budgetType", fields.get("budgetType")), ("startDate", fields.get("startDate")))
               if not v]
    if missing:
        return missing[0], "missing-value", f"a new budget (no budgetId) needs {', '.join(missing)}"
    if fields.get("isSuspended"):
        return "isSuspended", "not-on-create", "a budget is created running; suspend it in a later run"
    problem = amount_for(fields["budgetType"], fields.get("amount"), create=True)
    return problem or start_problem(fields["startDate"], today) or end_problem(fields, today)


def start_problem(start: str, today: date) -> Problem | None:
    """A start date strictly after today."""
    if date.fromisoformat(start) <= today:
        return "startDate", "start-not-in-future", f"startDate {start} must be after today ({today.isoformat()})"
    return None


def end_problem(fields: Mapping[str, Any], today: date) -> Problem | None:
    """An end date (None = open-ended) after the start date and after today."""
    end, start = fields.get("endDate"), fields.get("startDate")
    if end is None:
        return None
    if start and date.fromisoformat(end) <= date.fromisoformat(start):
        return "endDate", "end-not-after-start", f"endDate {end} must be after startDate {start}"
    if date.fromisoformat(end) <= today:
        return "endDate", "end-not-in-future", f"endDate {end} must be after today ({today.isoformat()})"
    return None


def update_problem(changes: Mapping[str, Any], live: Mapping[str, Any], spend: Any,  # noqa: PLR0911 - one per rule
                   today: date) -> Problem | None:
    """An update of a budget as read: campaigns a subset, amount as the type wants and not below a Capped
    budget's spend, a start date only before the budget starts, an end after the start."""
    state = status(live.get("startDate"), live.get("endDate"), today)
    if state == "Archived":
        return None, "budget-archived", f"the budget ended on {live.get('endDate')} (Archived): it can no longer change"
    if "campaignIds" in changes:
        added = sorted(set(changes["campaignIds"]) - set(live["campaignIds"]))
        if added:
            return "campaignIds", "campaign-not-in-budget", (f"campaign {added[0]} is not in the budget"
                                                              f" ({';'.join(map(str, live['campaignIds']))}): an"
                                                              " update may only narrow its campaigns")
    if "amount" in changes:
        problem = amount_for(live.get("budgetType"), changes["amount"], create=False)
        if problem is not None:
            return problem
        amount = Decimal(changes["amount"])
        if live.get("budgetType") == "Capped" and spend is not None and amount < Decimal(str(spend)):
            return "amount", "amount-below-spend", f"amount {amount} is below what the budget spent ({spend})"
    if "startDate" in changes:
        if state != "Scheduled":
            return "startDate", "already-started", f"the budget started on {live.get('startDate')}: its startDate"\
                " can no longer change"
        problem = start_problem(changes["startDate"], today)
        if problem is not None:
            return problem
    if "endDate" in changes or "startDate" in changes:
        return end_problem({**live, **changes}, today) if "endDate" in changes else \
            _start_before_end({**live, **changes})
    return None


def _start_before_end(fields: Mapping[str, Any]) -> Problem | None:
    end, start = fields.get("endDate"), fields.get("startDate")
    if end and start and date.fromisoformat(end) <= date.fromisoformat(start):
        return "startDate", "end-not-after-start", f"startDate {start} must be before endDate {end}"
    return None
