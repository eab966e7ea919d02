"""Sends MPO writes: bulk PATCH of bids, PATCH of budgets, POST of new budgets (≤ 2,000 items a call).

Each call is all-or-nothing: a 400 names the bad items (`source.index` / `source.id`), and the engine's pool
fails those and sends the rest again (see `engine.pool`). So `Operation.entity_id` is what `source.id` says:
the seller-campaign id for bids, the budgetId for updates, the sellerId for creates.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.engine.pool import Reporter, Sent, run_chunks
from bulkops.platforms.mpo import wire
from bulkops.types import Chunk, Operation

# Updates go first: a file that suspends a budget and creates its successor must not see the create refused
# for overlapping the budget it also suspends.
BUDGET_PHASES = ((wire.UPDATE_BUDGET,), (wire.CREATE_BUDGET,))


class BidExecutor:
    """PATCH /seller-campaigns with `[{"id", "bid"}]`.

    Safe to send twice (what resume relies on): it sets each bid to a value, so a repeat leaves it as once.
    """

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """Send every operation once, 2,000 per call; report each chunk as it leaves and as it settles."""
        await run_chunks(chunks(operations, wire.MAX_ITEMS), self._send,
                         concurrency=self.api.connection.concurrency, reporter=reporter)

    async def _send(self, chunk: Chunk) -> Sent:
        path = f"{wire.root(self.api.connection.api_version)}/seller-campaigns"
        resp = await self.api.call("PATCH", path, json=[wire.bid_item(op) for op in chunk.operations])
        return Sent(resp.status, resp.trace_id, resp.attempts)


class BudgetExecutor:
    """PATCH /budgets (updates), then POST /budgets (creates).

    An update sets values (amount, endDate, isSuspended ...): safe to repeat. A create is not: it is sent with
    `idempotent=False`, so the engine never sends it again blindly; a create whose answer was lost is read back
    (a budget of the same seller, campaigns, type, amount and dates) before anything is sent again. Each created
    budget's answer (its id) is returned per operation, so the journal keeps it for the undo.
    """

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """Updates first, then creates, each 2,000 per call."""
        for phase in BUDGET_PHASES:  # `operations` is read once per phase (see WriteJob.executor)
            await run_chunks(chunks((op for op in operations if op.kind in phase), wire.MAX_ITEMS), self._send,
                             concurrency=self.api.connection.concurrency, reporter=reporter)

    async def _send(self, chunk: Chunk) -> Sent:
        path = f"{wire.root(self.api.connection.api_version)}/budgets"
        if chunk.kind == wire.CREATE_BUDGET:
            resp = await self.api.call("POST", path, json=[wire.create_item(op) for op in chunk.operations],
                                       idempotent=False)
            return Sent(resp.status, resp.trace_id, resp.attempts, _created(resp.body, len(chunk.operations)))
        resp = await self.api.call("PATCH", path, json=[wire.update_item(op) for op in chunk.operations])
        return Sent(resp.status, resp.trace_id, resp.attempts)


def _created(body: Any, count: int) -> tuple[dict[str, Any] | None, ...] | None:
    """The created budgets' ids, in input order (the API answers one SellerBudgetMessage per item)."""
    if not isinstance(body, list) or len(body) != count:
        return None
    return tuple({"budgetId": str(b["id"])} if isinstance(b, dict) and b.get("id") is not None else None
                 for b in body)
