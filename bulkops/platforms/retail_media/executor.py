"""Sends Retail Media product operations: one request per line item and per 500 products."""

from __future__ import annotations

from collections.abc import Iterable

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.engine.pool import Reporter, Sent, run_chunks
from bulkops.errors import ItemError
from bulkops.platforms.retail_media import wire
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.products import PHASES
from bulkops.runner.protocol import of_kinds
from bulkops.types import Chunk, Operation


class ProductExecutor:
    """The Executor of promoted-product writes (set-bid, pause, unpause, remove).

    Safe to send twice (what resume relies on): an append is an upsert (the same bidOverride twice leaves the
    product as once); pause and unpause set a status; a delete of a product already gone is refused as "not
    on the line item", which counts as done when the delete may have been applied before (see
    `already_done`).
    """

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """Send every operation once; report each chunk as it leaves and as it settles.

        Three phases (`products.PHASES`): deletes first, so that a file swapping products on a full line item
        makes room before it adds; then appends; then pauses and unpauses, so that a file can add a product and
        pause it (as an undo file does to restore a removed, paused product).
        """
        for phase in PHASES:  # `operations` is read once per phase (see WriteJob.executor)
            await run_chunks(chunks(of_kinds(operations, phase), wire.MAX_PRODUCTS_PER_CALL), self._send,
                             concurrency=self.api.connection.concurrency, reporter=reporter,
                             already_done=already_done)

    async def _send(self, chunk: Chunk) -> Sent:
        path = wire.product_action_path(self.api.connection.api_version, chunk.parent_id, chunk.kind)
        resp = await self.api.call("POST", path, json={"data": [wire.product_item(op) for op in chunk.operations]})
        return Sent(resp.status, resp.trace_id, resp.attempts)


def already_done(chunk: Chunk, item: ItemError, attempts: int) -> str | None:
    """A retried delete refused as "not on the line item" did its job: a dropped connection hid the answer.

    Only for a request that was sent more than once (here or by an earlier process of the run): a first-time
    refusal is a real error.
    """
    if chunk.kind == Action.REMOVE and attempts > 1 and item.code == wire.NOT_ON_LINE_ITEM:
        return "removed (an earlier answer was lost; sent again, it was found gone)"
    return None
