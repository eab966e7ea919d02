"""`budgets` rows and budgets as read, in one canonical form (what is journaled and compared): campaignIds a
sorted list of ints, amount a decimal text, dates `yyyy-mm-dd`, endDate None when open-ended, isSuspended a bool."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from bulkops.io.columns import NONE, Row
from bulkops.platforms.mpo.schemas import BUDGET_FIELDS, BUDGET_IDENTITY, CAMPAIGN_SEPARATOR
from bulkops.types import OutcomeStatus, RowNote

OPEN_ENDED = ("", "never")  # endDate "" (the spec) or "Never" (a guide's example): no end date


@dataclass(frozen=True, slots=True)
class BudgetRow:
    """One row: a create (no budgetId) or an update of the fields it gives (`asked`, canonical form)."""

    row_number: int
    budget_id: str | None
    seller_id: str | None
    budget_type: str | None
    asked: Mapping[str, Any] = field(default_factory=dict)
    baseline: Mapping[str, Any] | None = None  # the exported values (canonical), when the row came from an export


def amount_text(value: Any) -> str | None:
    """An amount as journaled: its plain decimal text."""
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def campaign_list(text: Any) -> list[int]:
    """A campaignIds cell ("430000;430001") → sorted ints; ValueError when it is not a list of ids."""
    parts = [p for p in re.split(r"[;,\s]+", str(text).strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        raise ValueError(f"campaignIds {str(text)!r} is not a list of campaign ids separated by"
                         f" {CAMPAIGN_SEPARATOR!r} (e.g. 430000;430001)")
    return sorted({int(p) for p in parts})


def campaign_text(ids: Any) -> str:
    """Campaign ids as a cell writes them."""
    return CAMPAIGN_SEPARATOR.join(str(c) for c in ids)


def canonical(name: str, value: Any) -> Any:
    """A typed cell value (or a baseline's) → its canonical form."""
    if value is None or value is NONE:
        return None
    if name == "campaignIds":
        return campaign_list(value)
    if name == "amount":
        return amount_text(value)
    if name in ("startDate", "endDate"):
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if name == "isSuspended":
        return str(value).lower() == "true"
    return value


def live_fields(budget: Mapping[str, Any]) -> dict[str, Any]:
    """A SellerBudgetMessage in canonical form (the fields rows set, plus budgetType)."""
    end = budget.get("endDate")
    return {"campaignIds": sorted(int(c) for c in budget.get("campaignIds") or ()),
            "budgetType": budget.get("budgetType"), "amount": amount_text(budget.get("amount")),
            "startDate": None if not budget.get("startDate") else str(budget["startDate"])[:10],
            "endDate": None if end is None or str(end).strip().lower() in OPEN_ENDED else str(end)[:10],
            "isSuspended": bool(budget.get("isSuspended"))}


def has_fields(live: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Does a budget (`live_fields`) hold every value `wanted` asks (an update applied, a create made)?"""
    return all(live.get(k) == v for k, v in wanted.items())


def shown(name: str, value: Any) -> str:
    """A canonical value as a person reads it (and as undo cells write it)."""
    if name == "campaignIds":
        return campaign_text(value)
    if name == "isSuspended":
        return "true" if value else "false"
    return "none" if value is None else str(value)


NOTHING = "no amount, startDate, endDate, isSuspended or campaignIds to change"


def parse(rows: list[Row]) -> tuple[list[BudgetRow], list[RowNote]]:
    """Rows in canonical form; rows with a bad campaignIds cell, or nothing to do, settled."""
    found: list[BudgetRow] = []
    notes: list[RowNote] = []
    for row in rows:
        try:
            asked = {n: canonical(n, row.get(n)) for n in BUDGET_FIELDS if row.get(n) is not None}
            baseline = None if row.baseline is None else \
                {n: canonical(n, row.baseline.get(n)) for n in BUDGET_FIELDS if n in row.baseline}
        except ValueError as exc:
            notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, "campaignIds", "invalid-campaign-ids",
                                 str(exc)))
            continue
        if baseline is not None:  # cells left as exported are not the row's to change (someone else may have)
            asked = {n: v for n, v in asked.items() if n not in baseline or baseline[n] != v}
        # a seller or type given (edited, in an export) goes to the plan, which refuses a change of either
        identity = [n for n in BUDGET_IDENTITY if row.get(n) is not None and (
            row.baseline is None or n not in row.baseline or str(row.get(n)) != str(row.baseline.get(n)))]
        if row.get("budgetId") is not None and not asked and not identity:
            notes.append(RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "nothing-to-change", NOTHING))
            continue
        found.append(BudgetRow(row.row_number, row.get("budgetId"), row.get("sellerId"), row.get("budgetType"),
                               asked, baseline))
    return found, notes
