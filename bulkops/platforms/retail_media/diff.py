"""Retail Media products: current state vs wanted state → operations (pure).

The planner is where a run becomes trustworthy: it checks each row against what the account
holds right now (the snapshot), so that rows the API would refuse fail *before* anything is
sent, rows already at their target are skipped as no-ops, and every operation carries the value
it replaces (`Operation.before`) so the run can be undone exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bulkops.platforms.retail_media.actions import Action
from bulkops.runner.protocol import NOT_ASKED, PlanOptions, conflict
from bulkops.types import Operation, OutcomeStatus, Plan, RowNote

MAX_PRODUCTS_PER_LINE_ITEM = 500


@dataclass(frozen=True, slots=True)
class ProductState:
    """A promoted product as the API reports it."""

    bid_override: Decimal | None
    status: str  # "active" | "paused"


@dataclass(frozen=True, slots=True)
class LineItemState:
    """What the planner needs to know about one line item."""

    line_item_id: str
    kind: str  # "auction" | "preferred"
    products: Mapping[str, ProductState]
    min_bids: Mapping[str, Decimal] = field(default_factory=dict)  # sku → min bid; absent = not in catalog
    catalog_known: bool = False  # True when min_bids was read for every SKU the rows name
    product_count: int | None = None  # when `products` holds only the SKUs the rows name

    @property
    def count(self) -> int:
        """How many products the line item holds."""
        return len(self.products) if self.product_count is None else self.product_count


@dataclass(frozen=True, slots=True)
class LookupFailure:
    """The line item could not be read (the API's reason is kept for the rows)."""

    code: str
    message: str
    http_status: int | None = None


@dataclass(frozen=True, slots=True)
class ProductRow:
    """One valid input row about one promoted product."""

    row_number: int
    line_item_id: str
    product_id: str
    bid_override: Decimal | None = None  # only for bid changes and additions
    exported: Mapping[str, Any] | None = None  # the row's values as an export read them, when it is from one
    blank_bid: bool = False  # an `add` row with no bid: the SKU is added with none, or left as it is


_STATUS_TARGET = {Action.PAUSE: "paused", Action.UNPAUSE: "active"}


def plan_products(
    kind: Action,
    rows: Iterable[ProductRow],
    states: Mapping[str, LineItemState | LookupFailure],
    options: PlanOptions = PlanOptions(),  # noqa: B008 - frozen
) -> Plan:
    """Plan SET_BID, ADD, PAUSE, UNPAUSE or REMOVE rows against the line items' current state."""
    plan = Plan()
    by_line_item: dict[str, list[ProductRow]] = {}
    for row in rows:
        by_line_item.setdefault(row.line_item_id, []).append(row)
    for line_item_id, group in by_line_item.items():
        state = states[line_item_id]
        if isinstance(state, LookupFailure):
            plan.notes += [_fail(r, "lineItemId", state.code, state.message) for r in group]
        elif kind in (Action.SET_BID, Action.ADD):
            _plan_bids(kind, state, group, plan, options)
        elif kind == Action.REMOVE:
            _plan_removals(state, group, plan)
        else:
            _plan_status(kind, state, group, plan)
    return plan


def _plan_bids(kind: Action, state: LineItemState, rows: list[ProductRow], plan: Plan, options: PlanOptions) -> None:
    """A bid changes a product that is on the line item; adding one is the explicit `add` action (an append
    upserts, so a typo in lineItemId would otherwise quietly promote products on the wrong line item)."""
    room = MAX_PRODUCTS_PER_LINE_ITEM - state.count
    for row in rows:
        problem = _bid_problem(state, row)
        current = state.products.get(row.product_id)
        if problem is None and current is None and kind == Action.SET_BID:
            problem = _fail(row, "productId", "not-on-line-item", f"SKU {row.product_id!r} is not promoted on line"
                            f" item {state.line_item_id}: a bid changes a product already there; to add it, write"
                            " action=add (or pass --add)")
        if problem is None and current is not None:
            problem = conflict(row.row_number, row.exported, "bidOverride", current.bid_override, options,
                               asked=NOT_ASKED if row.blank_bid else row.bid_override, show=_fmt,
                               what=f"of SKU {row.product_id} on line item {state.line_item_id}")
        if problem:
            plan.notes.append(problem)
        elif current is not None and row.blank_bid:
            plan.notes.append(_skip(row, "no-op", f"SKU {row.product_id!r} is on line item {state.line_item_id}"
                                    " already; bidOverride is blank: left as it is"))
        elif current is not None and current.bid_override == row.bid_override:
            plan.notes.append(_skip(row, "no-op", f"bidOverride is already {_fmt(row.bid_override)}"))
        elif current is None and room <= 0:
            message = (f"line item {state.line_item_id} would hold more than {MAX_PRODUCTS_PER_LINE_ITEM}"
                       f" promoted products (it has {state.count})")
            plan.notes.append(_fail(row, "productId", "line-item-full", message))
        else:
            room -= current is None
            before = None if current is None else {"bid_override": _text(current.bid_override),
                                                   "status": current.status}
            action = Action.ADD if current is None else Action.SET_BID
            plan.operations.append(_op(action, row, {"bid_override": _text(row.bid_override)}, before))


def _bid_problem(state: LineItemState, row: ProductRow) -> RowNote | None:
    if state.kind == "preferred" and row.bid_override is not None:
        return _fail(row, "bidOverride", "bid-on-preferred",
                     f"line item {state.line_item_id} is a preferred line item: its products take no bidOverride")
    in_catalog = row.product_id in state.min_bids or row.product_id in state.products
    if state.catalog_known and not in_catalog:
        return _fail(row, "productId", "not-in-catalog",
                     f"SKU {row.product_id!r} is not in the retailer's catalog")
    min_bid = state.min_bids.get(row.product_id)
    if row.bid_override is not None and min_bid is not None and row.bid_override < min_bid:
        return _fail(row, "bidOverride", "below-min-bid",
                     f"bidOverride {_fmt(row.bid_override)} is below this SKU's min bid {_fmt(min_bid)}")
    return None


def _plan_status(kind: Action, state: LineItemState, rows: list[ProductRow], plan: Plan) -> None:
    target = _STATUS_TARGET[kind]
    for row in rows:
        current = state.products.get(row.product_id)
        if current is None:
            plan.notes.append(_not_on_line_item(state, row))
        elif current.status == target:
            plan.notes.append(_skip(row, "no-op", f"product is already {target}"))
        else:
            plan.operations.append(_op(kind, row, {"status": target}, {"status": current.status}))


def _plan_removals(state: LineItemState, rows: list[ProductRow], plan: Plan) -> None:
    remaining = state.count
    for row in rows:
        current = state.products.get(row.product_id)
        if current is None:
            plan.notes.append(_skip(row, "no-op", f"product {row.product_id} is not on line item"
                                                   f" {state.line_item_id}: removed already, or never there (check"
                                                   " the SKU if you expected it)"))
        elif remaining <= 1:
            plan.notes.append(_fail(row, "productId", "last-product",
                                      f"line item {state.line_item_id} must keep at least one promoted product"))
        else:
            remaining -= 1
            before = {"bid_override": _text(current.bid_override), "status": current.status}
            plan.operations.append(_op(Action.REMOVE, row, {}, before))


def _op(kind: Action, row: ProductRow, fields: dict[str, str | None],
        before: dict[str, str | None] | None) -> Operation:
    return Operation(row.row_number, kind, row.line_item_id, row.product_id, fields, before)


def _not_on_line_item(state: LineItemState, row: ProductRow) -> RowNote:
    return _fail(row, "productId", "not-on-line-item",
                 f"SKU {row.product_id!r} is not promoted on line item {state.line_item_id}")


def _fail(row: ProductRow, column: str | None, code: str, message: str) -> RowNote:
    return RowNote(row.row_number, OutcomeStatus.FAILED, column, code, message)


def _skip(row: ProductRow, code: str, message: str) -> RowNote:
    return RowNote(row.row_number, OutcomeStatus.SKIPPED, None, code, message)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _fmt(value: Decimal | None) -> str:
    return "none" if value is None else str(value)
