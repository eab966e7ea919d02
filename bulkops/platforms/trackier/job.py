"""The `trackier-status` write job: campaign statuses set in chunked calls grouped by target status."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.engine.pool import Reporter, Sent, run_chunks
from bulkops.errors import RequestError
from bulkops.io.columns import Row, another_platforms
from bulkops.platforms.trackier import reads, wire
from bulkops.platforms.trackier.plan import plan_rows
from bulkops.platforms.trackier.schema import DEFAULT_CHUNK, ENTITY, STATUS_COLUMNS, UNDO_COLUMNS, VERB
from bulkops.platforms.trackier.undo import undo_rows
from bulkops.runner.protocol import Parent, PlanOptions
from bulkops.types import Chunk, Operation, OpRecord, Plan

PLATFORM = "trackier"
# Columns only a Criteo file has (Retail Media, MPO): such a file's campaignId is a Criteo campaign's
CRITEO_COLUMNS = ("lineItemId", "productId", "accountId", "retailerId", "sellerId", "sellerCampaignId", "budgetId")


@dataclass
class StatusJob:
    """trackier-status: rows of campaignId and status."""

    chunk_size: int = DEFAULT_CHUNK
    name = VERB
    platform = PLATFORM
    schema = STATUS_COLUMNS
    group_by: tuple[str, ...] = ()  # one plan: the campaigns are read once, page by page
    parent = Parent("status", "status", "statuses")

    def required(self) -> tuple[str, ...]:
        """The status column (an undo file's may be blank on rows it cannot restore)."""
        return ("status",)

    def skip_reason(self, row: Row) -> str | None:
        """An export row of another kind (the export writes campaigns only)."""
        entity = row.get("entity")
        return None if entity is None or str(entity).lower() == ENTITY else f"a {entity} row: {VERB} acts on" \
            " campaign rows"

    def foreign_rows(self, headers: tuple[str, ...]) -> str | None:
        """A Criteo file (a Retail Media or MPO export) is refused whole: its campaignId cells are Criteo campaigns,
        and one that happened to be a Trackier campaign's id would be switched on or off."""
        return another_platforms(headers, CRITEO_COLUMNS, "Criteo", "Trackier")

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Read every campaign through the paged list (unless told not to), then plan each row."""
        live = None
        if options.snapshot:
            live = await reads.campaigns(api, {str(r.get("campaignId")) for r in rows})
        return plan_rows(rows, live, options)

    def executor(self, api: ApiClient) -> StatusExecutor:
        """Status calls of up to `chunk_size` ids each."""
        return StatusExecutor(api, self.chunk_size)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """One call per target status and `chunk_size` campaigns."""
        return chunks(operations, self.chunk_size)

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | None]:
        """Is each campaign in its wanted status now (the campaigns read again)? None if they cannot be read."""
        try:
            live = await reads.campaigns(api, {op.entity_id for op in operations})
        except RequestError:
            return [None] * len(operations)
        return [_done(op, live.get(op.entity_id)) for op in operations]

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """status before → after."""
        return (None if op.before is None else {"status": op.before.get("status")}), {"status": op.fields["status"]}

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """campaignId, status, note: the old status, or a blank one with the reason it cannot be restored."""
        return UNDO_COLUMNS, list(undo_rows(r.operation for r in done))

    def options(self) -> dict[str, Any]:
        """The chunk size, for resume."""
        return {"chunk_size": self.chunk_size}


def _done(op: Operation, campaign: Mapping[str, Any] | None) -> bool | None:
    if campaign is None:  # not listed at all, deleted ones included: no status is in place there (sent again,
        return False      # safe to repeat, it fails with the API's reason instead of staying unknown for ever)
    return str(campaign.get("status")) == op.fields["status"]


class StatusExecutor:
    """The Executor of status calls. Safe to send twice (what resume relies on): a call sets a status, and
    setting a campaign to the status it already has leaves it as once."""

    def __init__(self, api: ApiClient, chunk_size: int) -> None:
        self.api, self.chunk_size = api, chunk_size

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """Send every operation once; a call the API refuses for some ids is sent again without them."""
        await run_chunks(chunks(operations, self.chunk_size), self._send, concurrency=self.api.connection.concurrency,
                         reporter=reporter)

    async def _send(self, chunk: Chunk) -> Sent:
        body = wire.status_body([op.entity_id for op in chunk.operations], chunk.parent_id)
        resp = await self.api.call("POST", wire.STATUS_PATH, json=body)
        return Sent(resp.status, resp.trace_id, resp.attempts)
