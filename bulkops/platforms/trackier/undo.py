"""Undo rows of `trackier-status` (pure): each campaign back to the status it had, where a client may set it.

A campaign that was paused (by a cap) or suspended (by the Offer Checker) before the run cannot be put back:
only Trackier sets those statuses. Its undo row keeps the campaign id with a blank status and a `note` saying
why and what the choices are; fed back, that row is skipped with the note as its message, so the undo file
never claims to restore what it cannot, and never sends a status the API would refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bulkops.platforms.trackier.wire import SYSTEM_STATUSES
from bulkops.types import Operation

WHY_NOT = {
    "paused": ("was paused by the system (a cap was reached) before this run; bulkops cannot set paused: set it"
               " active to let it take traffic again now, or leave it"),
    "suspended": ("was suspended by the Offer Checker before this run; bulkops cannot set suspended: fix what"
                  " the Offer Checker flagged, or set it disabled to keep it stopped"),
}


def undo_rows(operations: Iterable[Operation]) -> Iterator[dict[str, str]]:
    """(campaignId, status, note) rows that put the campaigns back where a client may."""
    for op in operations:
        before = str((op.before or {}).get("status") or "")
        if not before:
            continue  # not read first (--no-snapshot): nothing known to go back to
        if before in SYSTEM_STATUSES:
            yield {"campaignId": op.entity_id, "status": "", "note": f"not restored: campaign {op.entity_id}"
                   f" {WHY_NOT[before]}"}
        else:
            yield {"campaignId": op.entity_id, "status": before, "note": ""}
