"""Trackier: switch hundreds of campaigns on and off at once (`trackier-status`), and the campaign export."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bulkops.platform import DemoStep, ExportSpec, JobSpec, Option, Platform, deferred
from bulkops.platforms.trackier import wire
from bulkops.platforms.trackier.dialect import BASE_URL, DIALECT
from bulkops.platforms.trackier.schema import CAP_COLUMNS, DEFAULT_CHUNK, EXPORT_COLUMNS, VERB
from bulkops.runner.export import Table

if TYPE_CHECKING:
    from bulkops.engine.client import ApiClient
    from bulkops.platforms.trackier.job import StatusJob

# the job, the export's reads and the demo load when a verb runs, not when the platforms are listed (--help)
_StatusJob = deferred("bulkops.platforms.trackier.job:StatusJob")

STATUS_DOC = """Set the status of Trackier campaigns, from rows of campaignId and status.

Columns: campaignId (or id, offer id), status (active, pending, disabled, expired, deleted). Example row: 101,disabled

Rows are grouped by status into calls of --chunk-size campaigns. Every campaign is read first (the paged list),
so campaigns already in their status are skipped and unknown ids fail before sending. paused (set by the system
when a cap is reached, lifted the next day) and suspended (the Offer Checker's) cannot be set: such rows fail
before sending; use disabled to stop a campaign for good. The export (`bulkops export --trackier`) is an input
as it is. Reports: results, errors, and an undo file that puts each campaign back in the status it had, where a
client may (a campaign that was paused or suspended gets a blank status and a note saying why)."""

EXPORT_DOC = """Every campaign (deleted ones only with --status deleted): entity, campaignId, title, status,
advertiserId, advertiserName, currency, daily/monthly click and conversion caps, updatedAt. Edit the status
column and feed it back to `trackier-status`; --status (repeatable) keeps those statuses only."""

CHUNK_SIZE = Option("chunk_size", "Campaigns per status call.", kind=int, default=DEFAULT_CHUNK)


def _make(options: Mapping[str, Any]) -> StatusJob:
    return _StatusJob(int(options.get("chunk_size") or DEFAULT_CHUNK))


def _refuse(options: Mapping[str, Any], snapshot: bool) -> str | None:
    del snapshot  # without a snapshot the rows are sent as asked: allowed (no no-op skipping, no undo)
    size = options.get("chunk_size")
    return None if size is None or int(size) >= 1 else f"--chunk-size must be at least 1, not {size}"


async def _probe(api: ApiClient) -> Any:
    """The cheapest call that proves host and API key: one campaign."""
    return await api.call("GET", wire.CAMPAIGNS, params={"limit": 1}, attempts=2)


PLATFORM = Platform(
    name="trackier",
    title="Trackier",
    dialect=DIALECT,
    default_base_url=BASE_URL,
    credentials="api-key",
    settings_section="trackier",
    sandbox_api="trackier",
    flag="trackier",
    jobs=(JobSpec(VERB, "Switch Trackier campaigns on and off (set their status).", STATUS_DOC, _make,
                  (CHUNK_SIZE,), refuse=_refuse),),
    export=ExportSpec(rows=deferred("bulkops.platforms.trackier.export:rows"),
                      table=Table(EXPORT_COLUMNS, CAP_COLUMNS), doc=EXPORT_DOC,
                      options=(Option("status", "Only campaigns with this status (repeat for several).",
                                      multiple=True),)),
    demo=DemoStep("Trackier: export the campaigns, disable ten of them (one row asks for paused), undo",
                  deferred("bulkops.platforms.trackier.demo:run")),
    probe=_probe,
)
