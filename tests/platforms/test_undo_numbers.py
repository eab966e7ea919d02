"""Undo files write numbers that read back as they were: 100.125 as 100.1250, never an ambiguous 100.125."""

from __future__ import annotations

from decimal import Decimal

from bulkops.io.columns import parse_cell
from bulkops.platforms.mpo import wire as mpo_wire
from bulkops.platforms.mpo.schemas import BUDGETS
from bulkops.platforms.mpo.undo import budget_undo_rows
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.jobs import LineItemJob
from bulkops.platforms.retail_media.schemas import LINE_ITEMS
from bulkops.types import Operation, OpRecord


def test_a_line_items_undo_budget_reads_back() -> None:
    op = Operation(2, Action.UPDATE_LINE_ITEM, "50000001", "50000001",
                   {"kind": "auction", "attributes": {"status": "active"}, "changes": {"budget": 900.0}},
                   {"budget": 100.125})
    _, [row] = LineItemJob().undo([OpRecord(op, None)])
    assert row["budget"] == "100.1250" and parse_cell(LINE_ITEMS.column("budget"), row["budget"]) == Decimal("100.125")


def test_an_mpo_budget_undo_amount_reads_back() -> None:
    op = Operation(2, mpo_wire.UPDATE_BUDGET, "", "16501666", {"amount": Decimal("900")}, {"amount": Decimal("100.125")})
    _, [row] = budget_undo_rows([OpRecord(op, None)])
    assert row["amount"] == "100.1250" and parse_cell(BUDGETS.column("amount"), row["amount"]) == Decimal("100.125")


def test_a_narrowed_budget_says_in_its_undo_row_what_it_cannot_restore() -> None:
    op = Operation(2, mpo_wire.UPDATE_BUDGET, "", "16501666", {"campaignIds": [430000]},
                   {"campaignIds": [430000, 430001]})
    _, [row] = budget_undo_rows([OpRecord(op, None)])
    assert row["budgetId"] == "16501666" and "campaignIds were 430000;430001" in row["note"]
