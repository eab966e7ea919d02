"""The columns of Trackier files: what `trackier-status` reads and what the export writes (one vocabulary)."""

from __future__ import annotations

from bulkops.io.columns import BASELINE, Column, Schema
from bulkops.platforms.trackier.wire import STATUSES

ENTITY = "campaign"  # the export's one kind of row
VERB = "trackier-status"
DEFAULT_CHUNK = 100  # campaign ids per status call (the sandbox's cap; Trackier publishes none)
CAP_COLUMNS = ("dailyClicksCap", "dailyConversionsCap", "monthlyClicksCap", "monthlyConversionsCap")
# What the export writes, in this order (stable across versions).
EXPORT_COLUMNS = ("entity", "campaignId", "title", "status", "advertiserId", "advertiserName", "currency",
                  *CAP_COLUMNS, "updatedAt", BASELINE.name)
# Columns of bulkops' own reports: accepted in an input (a report fed back) and not used.
REPORT_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                  "attempts", "traceId", "error")
UNDO_COLUMNS = ("campaignId", "status", "note")
READ_ONLY = ("title", *CAP_COLUMNS)  # exported as read; fed back edited, the row fails rather than the edit be lost

STATUS_COLUMNS = Schema(
    columns=(Column("campaignId", "id", required=True, blank_ok=False,
                    aliases=("campaign id", "campaign_id", "id", "offer id", "offer_id", "offerId")),
             # every status parses, so that paused and suspended are refused with their reason, not as typos
             Column("status", "choice", choices=STATUSES, aliases=("new status", "target status")),
             Column("note", "text"),  # the undo file's why, for a row it cannot restore (status left blank)
             *(Column(name, "text") for name in READ_ONLY),  # an export's: an edit there fails the row
             Column("entity", "choice", choices=(ENTITY,)), BASELINE),
    key=("campaignId",),
    ignored=EXPORT_COLUMNS + REPORT_COLUMNS,
    selector="entity",
    values=("status",),
    baseline=BASELINE.name,
    set_elsewhere=tuple((name, f"{VERB} changes a campaign's status only (change its {name} in Trackier)")
                        for name in READ_ONLY),
)
