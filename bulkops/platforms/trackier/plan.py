"""Plan `trackier-status` rows (pure): refuse the system's statuses, skip no-ops and stale export rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bulkops.io.columns import Row
from bulkops.platforms.trackier.wire import INSTEAD, SYSTEM_STATUSES
from bulkops.runner.protocol import PlanOptions, conflict
from bulkops.types import Operation, OutcomeStatus, Plan, RowNote

SET_STATUS = "set-status"  # the one action; an operation's parent is its target status (what a call groups by)


def plan_rows(rows: Iterable[Row], live: Mapping[str, Mapping[str, Any]] | None,
              options: PlanOptions = PlanOptions()) -> Plan:  # noqa: B008 - frozen
    """One operation per row that changes a status; `live` is the campaigns read first (None: not read)."""
    plan = Plan()
    for row in rows:
        planned = plan_row(row, live, options)
        if isinstance(planned, Operation):
            plan.operations.append(planned)
        else:
            plan.notes.append(planned)
    return plan


def plan_row(row: Row, live: Mapping[str, Mapping[str, Any]] | None,
             options: PlanOptions) -> Operation | RowNote:
    """The operation of one row, or why nothing is sent for it."""
    ident, wanted = str(row.get("campaignId")), row.get("status")
    refused = refusal(row)
    if refused is not None:
        return refused
    if live is None:  # --no-snapshot: sent as asked, no before, no undo
        return Operation(row.row_number, SET_STATUS, wanted, ident, {"status": wanted})
    campaign = live.get(ident)
    if campaign is None:
        return _note(row, OutcomeStatus.FAILED, "campaignId", "campaign-not-found",
                     f"campaign {ident} not found (the campaigns were read, deleted ones included)")
    now = str(campaign.get("status"))
    if now == wanted:
        return _note(row, OutcomeStatus.SKIPPED, "status", "no-op", f"campaign {ident} is already {wanted}")
    stale = conflict(row.row_number, row.baseline, "status", now, options, what=f"of campaign {ident}")
    return stale or Operation(row.row_number, SET_STATUS, wanted, ident, {"status": wanted}, {"status": now})


def refusal(row: Row) -> RowNote | None:
    """Why a row is settled before anything is read: no status, a status only Trackier sets, a bad id."""
    ident, wanted = str(row.get("campaignId")), row.get("status")
    if wanted is None:  # an undo row that cannot be restored carries its reason in `note`
        return _note(row, OutcomeStatus.SKIPPED, "status", "no-status",
                     row.get("note") or "status is blank: nothing to change")
    if wanted in SYSTEM_STATUSES:
        return _note(row, OutcomeStatus.FAILED, "status", "status-not-settable",
                     f"{SYSTEM_STATUSES[wanted]}: a client cannot set it; {INSTEAD}")
    if not ident.isdigit():
        return _note(row, OutcomeStatus.FAILED, "campaignId", "invalid-id",
                     f"campaign id {ident!r} is not a number (Trackier's campaign ids are)")
    return None


def _note(row: Row, status: OutcomeStatus, column: str, code: str, message: str) -> RowNote:
    return RowNote(row.row_number, status, column, code, message)
