"""The MPO write jobs the runner drives: `seller-bids` (bids of seller-campaigns) and `budgets`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.io.columns import Row, another_platforms, other_entity
from bulkops.platforms.mpo import budget_plan, read_back, reads, wire
from bulkops.platforms.mpo.bid_plan import NO_BID, plan_bids, plan_blind, resolve, shown
from bulkops.platforms.mpo.budget_snapshot import budget_snapshot
from bulkops.platforms.mpo.executor import BidExecutor, BudgetExecutor
from bulkops.platforms.mpo.schemas import BUDGETS, SELLER_BIDS
from bulkops.platforms.mpo.undo import budget_undo_rows
from bulkops.runner.protocol import Parent, PlanOptions
from bulkops.types import Chunk, Operation, OpRecord, Plan

PLATFORM = "mpo"
UNGROUPED = Parent(None, "seller-campaign")
BUDGET = Parent(None, "budget")


# Columns only a Retail Media file has: such a file's campaignId and type cells are Retail Media's
RETAIL_MEDIA_COLUMNS = ("lineItemId", "productId", "accountId", "retailerId")
CHANGED_BY = {"seller": "bulkops changes no seller: change it in Criteo's UI",
              "sellerCampaign": "`bulkops seller-bids` changes their bids",
              "budget": "`bulkops budgets` changes those"}


@dataclass
class SellerBidJob:
    """seller-bids: rows of sellerCampaignId (or sellerId + campaignId) and bid."""

    name: str = "seller-bids"
    platform = PLATFORM
    schema = SELLER_BIDS
    parent = UNGROUPED  # bids of any campaigns and sellers go in the same bulk call
    group_by: tuple[str, ...] = ("campaignId", "sellerCampaignId")  # planned by batches of rows; reads are per campaign

    named_by = (("sellerCampaignId",), ("sellerId", "campaignId"))  # a file must have one form (`fit.check`)

    def required(self) -> tuple[str, ...]:
        """bid; the seller-campaign is named by either column form (checked row by row)."""
        return ("bid",)

    def foreign_rows(self, headers: tuple[str, ...]) -> str | None:
        """A Retail Media file is refused whole: its ids are Retail Media's."""
        return another_platforms(headers, RETAIL_MEDIA_COLUMNS, "Criteo Retail Media", "MPO")

    def skip_reason(self, row: Row) -> str | None:
        """Export rows that are not seller-campaigns."""
        return other_entity(row, "sellerCampaign", self.name, CHANGED_BY)

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Read each distinct campaign's seller-campaigns once (unless told not to), then plan every row."""
        wanted, notes = resolve(rows)
        if not options.snapshot:
            result = plan_blind(wanted)
        else:
            snapshot = await reads.seller_campaigns_by_campaign(api, sorted({r.campaign_id for r in wanted}))
            result = plan_bids(wanted, snapshot, options)
        result.notes += notes
        return result

    def executor(self, api: ApiClient) -> BidExecutor:
        """Bulk PATCH of 2,000 bids per call."""
        return BidExecutor(api)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """2,000 bids per request."""
        return chunks(operations, wire.MAX_ITEMS)

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | None]:
        """Is each bid in place (the seller-campaigns read again)?"""
        return await read_back.bids_now(api, operations)

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """bid before → after (`none` = no bid)."""
        before = None if op.before is None else {"bid": shown(op.before.get("bid"))}
        return before, {"bid": shown(op.fields.get("bid"))}

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """sellerCampaignId and the old bid (`none` for no bid); rows sent without a snapshot have no old bid."""
        rows = [{"sellerCampaignId": r.operation.entity_id, "bid": r.operation.before.get("bid") or NO_BID}
                for r in done if r.operation.before is not None]
        return ("sellerCampaignId", "bid"), rows

    def options(self) -> dict[str, Any]:
        """Nothing beyond the input."""
        return {}


@dataclass
class BudgetJob:
    """budgets: create (no budgetId), change amount, dates or campaigns, suspend or resume (budgetId)."""

    name: str = "budgets"
    platform = PLATFORM
    schema = BUDGETS
    parent = BUDGET
    group_by: tuple[str, ...] = ()  # one plan: the overlap rules span a seller's budgets, whatever rows name them
    not_idempotent: tuple[str, ...] = (wire.CREATE_BUDGET,)  # sent twice, a create makes two budgets

    def required(self) -> tuple[str, ...]:
        """Nothing more: a create and an update need different cells, checked row by row."""
        return ()

    def foreign_rows(self, headers: tuple[str, ...]) -> str | None:
        """A Retail Media file is refused whole: its ids are Retail Media's."""
        return another_platforms(headers, RETAIL_MEDIA_COLUMNS, "Criteo Retail Media", "MPO")

    def skip_reason(self, row: Row) -> str | None:
        """Export rows that are not budgets."""
        return other_entity(row, "budget", self.name, CHANGED_BY)

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Read the budgets concerned once per seller (and by id where no seller is given), then plan."""
        wanted, notes = budget_plan.parse(rows)
        if not options.snapshot:
            result = budget_plan.plan_blind(wanted)
        else:
            result = budget_plan.plan_budgets(wanted, await budget_snapshot(api, wanted), options)
        result.notes += notes
        return result

    def executor(self, api: ApiClient) -> BudgetExecutor:
        """Bulk PATCH of updates, then bulk POST of creates."""
        return BudgetExecutor(api)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """2,000 budgets per request, creates and updates apart."""
        return chunks(operations, wire.MAX_ITEMS)

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | Mapping[str, Any] | None]:
        """Is each update in place, each create there (a budget of the same seller, campaigns, type, amount,
        dates; given back so its id reaches the undo)?"""
        return await read_back.budgets_now(api, operations)

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The changed fields before → after; a create has no before."""
        return budget_plan.view(op)

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """budgetId and the old values; a created budget is suspended (the API cannot delete one)."""
        return budget_undo_rows(done)

    def options(self) -> dict[str, Any]:
        """Nothing beyond the input."""
        return {}
