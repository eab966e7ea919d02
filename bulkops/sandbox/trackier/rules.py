"""The campaign status rules of seed 003 (Trackier), as pure functions of stored facts and the sandbox's date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

ACTIVE, PENDING, PAUSED, DISABLED, SUSPENDED, EXPIRED, DELETED = (
    "active", "pending", "paused", "disabled", "suspended", "expired", "deleted")
STATUSES = (ACTIVE, PENDING, PAUSED, DISABLED, SUSPENDED, EXPIRED, DELETED)
CLIENT_STATUSES = (ACTIVE, PENDING, DISABLED, EXPIRED, DELETED)  # what a client may set
REFUSED = {  # statuses only the platform sets, and why
    PAUSED: "paused is reserved for the system (it pauses a campaign when a cap is reached)",
    SUSPENDED: "suspended is set by the Offer Checker",
}
INSTEAD = "use disabled to stop a campaign for good (it is never re-activated automatically), or pending to hold it"


@dataclass(frozen=True, slots=True)
class CampaignFacts:
    """What a campaign's status is derived from: the stored status and the day a cap paused it (if it did)."""

    status: str
    cap_paused_on: date | None = None


def status_problem(status: object) -> tuple[str, str] | None:
    """Why a client may not set this status, as (code, message); None when it may."""
    if not isinstance(status, str) or status not in STATUSES:
        return "INVALID_STATUS", f"unknown status {status!r}; a client may set: {', '.join(CLIENT_STATUSES)}"
    if status in REFUSED:
        return "STATUS_NOT_ALLOWED", f"{REFUSED[status]} and cannot be set through the API; {INSTEAD}"
    return None


def cap_reset_day(f: CampaignFacts, today: date) -> date | None:
    """The day a cap-paused campaign became active again (its cap reset the day after), or None if not yet."""
    if f.status == PAUSED and f.cap_paused_on is not None and f.cap_paused_on < today:
        return f.cap_paused_on + timedelta(days=1)
    return None


def settle(f: CampaignFacts, today: date) -> CampaignFacts:
    """The facts as of `today`: a campaign the cap paused on an earlier day is active again."""
    return CampaignFacts(ACTIVE) if cap_reset_day(f, today) is not None else f


def after_cap(f: CampaignFacts, today: date) -> CampaignFacts:
    """A cap is reached: an active campaign is paused by the system until the cap resets; others are unchanged."""
    return CampaignFacts(PAUSED, today) if f.status == ACTIVE else f


def after_status(status: str) -> CampaignFacts:
    """An explicit status change (client or platform): the new status whatever the old, and no pending cap reset."""
    return CampaignFacts(status)


def after_edit(f: CampaignFacts, status: str | None) -> CampaignFacts:
    """A saved edit: the status asked for, if any; else a paused campaign is activated; others keep theirs."""
    if status is not None:
        return after_status(status)
    return CampaignFacts(ACTIVE) if f.status == PAUSED else f


def takes_traffic(status: str) -> bool:
    """Does a campaign in this status take new traffic? Only an active one does."""
    return status == ACTIVE


def listed(status: str, asked: str | None) -> bool:
    """Is a campaign in the list: the status asked for, else every status but deleted."""
    return status == asked if asked is not None else status != DELETED
