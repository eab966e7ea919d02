"""Promoted-product jobs (bids, pause, unpause, remove): checked rows → what to send, in three phases.

A row's `action` cell, when present, overrides the verb's action. Deletes are planned (and sent) first,
appends against the line items as the deletes leave them (a file that swaps products on a full line item makes
room before it adds), then pauses and unpauses against the line items as both leave them, so a file may add a
product and pause it in the same run (as undo files do).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from bulkops.io.columns import NONE, Row
from bulkops.io.readers import counting
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.diff import LineItemState, LookupFailure, ProductRow, ProductState, plan_products
from bulkops.runner.protocol import Columns, PlanOptions
from bulkops.types import Alike, Operation, OutcomeStatus, Plan, RowNote

REMOVALS = (Action.REMOVE,)
BIDDING = (Action.SET_BID, Action.ADD)
PHASE_TWO = (Action.PAUSE, Action.UNPAUSE)
PHASES = (REMOVALS, BIDDING, PHASE_TWO)  # each sent once the one before has settled
BIDLESS = (Action.PAUSE, Action.UNPAUSE, Action.REMOVE)  # the actions that set no bid


def asked(row: Row, verb: Action) -> Action:
    """The action a row asks for: its `action` cell, else the verb's."""
    action = row.get("action")
    return Action(action) if action else verb


def split(rows: Iterable[Row], verb: Action, add: bool = False, *,
          blind: bool = False) -> tuple[dict[Action, list[ProductRow]], list[RowNote]]:
    """Rows per action as planner rows; rows that ask nothing settled. A blank bid asks nothing of a set-bid row;
    an `add` row with a blank bid, or a set-bid row's with --add (`action=add` and --add are one ask), adds the SKU
    with no override, or leaves it as it is (`blind`, planned with no snapshot, such a row is not sent: the SKU may
    be there with an override, which an add with no bid could clear). A row
    whose action cell pauses, unpauses or removes while its bid cell is filled fails: its bid would be dropped.
    Rows asking one product for actions that undo each other fail together (`clashes`)."""
    by_kind: dict[Action, list[ProductRow]] = {}
    settled: dict[int, RowNote] = {}
    kept: list[tuple[Row, Action]] = []
    for row in rows:
        kind = asked(row, verb)
        bid = row.get("bidOverride")
        exported = (row.baseline or {}).get("bidOverride")
        if kind == Action.SET_BID and bid is None and exported is not None and exported is not NONE:
            settled[row.row_number] = _emptied(row.row_number, exported)  # meant: clear it, as line-items says
        elif kind == Action.SET_BID and bid is None and (blind or not add):  # a blank cell never clears an override
            settled[row.row_number] = _no_bid(row.row_number, blind_add=blind and add)
        elif row.get("action") and kind in BIDLESS and bid is not None:
            settled[row.row_number] = _bid_dropped(row.row_number, kind)
        else:
            kept.append((row, kind))
    settled.update(clashes([(row.row_number, row.get("lineItemId") or "", str(row.get("productId")), kind)
                            for row, kind in kept]))
    for row, kind in kept:
        if row.row_number in settled:
            continue
        bid = row.get("bidOverride")
        planned = Action.ADD if add and kind == Action.SET_BID else kind  # --add: a bid on a SKU not there adds it
        product_row = ProductRow(row.row_number, row.get("lineItemId") or "", row.get("productId"),
                                 None if bid is NONE else bid, row.baseline, blank_bid=bid is None)
        by_kind.setdefault(planned, []).append(product_row)
    return by_kind, [settled[n] for n in sorted(settled)]


# Actions one file may not ask of one product together: they undo each other, or both set its bid (an add or
# a bid re-adds a product removed in the same run). A bid and a pause, or an add and a pause (undo files), go; a
# pause or unpause of a product the file removes is moot (skipped): the undo file of an add-and-pause is that.
_CLASHING = ({Action.REMOVE, Action.SET_BID}, {Action.REMOVE, Action.ADD}, {Action.PAUSE, Action.UNPAUSE},
             {Action.SET_BID, Action.ADD})


def clashes(asks: Iterable[tuple[int, str, str, Action]]) -> dict[int, RowNote]:
    """(row, lineItemId, productId, action) → a note for the rows of a product asked for clashing actions (all
    fail), or for a pause or unpause of a product another row removes (skipped)."""
    by_product: dict[tuple[str, str], list[tuple[int, Action]]] = {}
    for number, line_item, product, kind in asks:
        by_product.setdefault((line_item, product), []).append((number, kind))
    notes: dict[int, RowNote] = {}
    for (line_item, product), found in by_product.items():
        kinds = {k for _, k in found}
        if len(found) < 2:
            continue
        where = f"product {product} of line item {line_item}" if line_item else f"product {product}"
        if Action.REMOVE in kinds and not kinds & {Action.SET_BID, Action.ADD}:
            remover = next(n for n, k in found if k == Action.REMOVE)
            notes.update({number: RowNote(number, OutcomeStatus.SKIPPED, None, "removed-by-row",
                                          f"row {remover} removes {where}: its {kind} is moot")
                          for number, kind in found if kind in PHASE_TWO})
            continue
        if not any(pair <= kinds for pair in _CLASHING):
            continue
        for number, kind in found:
            said = ", ".join(f"row {n} to {k}" for n, k in found if n != number)
            notes[number] = RowNote(number, OutcomeStatus.FAILED, "action", "conflicting-actions",
                                    f"this row asks to {kind} {where}, and {said}: one run cannot do both (one"
                                    " would undo the other); keep one of these rows")
    return notes


def _bid_dropped(number: int, kind: Action) -> RowNote:
    return RowNote(number, OutcomeStatus.FAILED, "bidOverride", "bid-with-action",
                   f"action {kind} sets no bid, so this row's bidOverride would be dropped: leave bidOverride blank"
                   " on this row and set the bid on a row of its own (action set-bid), or clear the action cell")


def _emptied(number: int, exported: Any) -> RowNote:
    return RowNote(number, OutcomeStatus.FAILED, "bidOverride", "emptied",
                   f"bidOverride was {exported} when exported and is blank now: a blank cell leaves the bid as it"
                   " is; write none to clear the override, or put back the exported value")


def _no_bid(number: int, *, blind_add: bool = False) -> RowNote:
    if blind_add:  # the SKU may be there with an override, which an add with no bid could clear
        return RowNote(number, OutcomeStatus.SKIPPED, "bidOverride", "no-bid",
                       "bidOverride is empty: with --no-snapshot, bulkops cannot tell whether the SKU is on the line"
                       " item already, so a blank bid is not sent, even with --add; write a bid, write 'add' in an"
                       " action column to add it with no override, or run with the snapshot")
    return RowNote(number, OutcomeStatus.SKIPPED, "bidOverride", "no-bid",
                   "bidOverride is empty: nothing to change (write 'none' to clear an override)")


def other_actions(counts: Mapping[Action, int], verb: Action, add: bool) -> str | None:
    """What to say when rows ask, through their action column, for something else than the verb (`counts`: rows
    per action)."""
    own = {verb, Action.ADD} if add else {verb}
    others = {k: n for k, n in counts.items() if k not in own and n}
    if not others:
        return None
    what = ", ".join(f"{n} {k}" for k, n in sorted(others.items()))
    return f"the action column asks for other actions than {verb.value}: {what} row(s); they are planned as asked"


def plan(by_kind: Mapping[Action, list[ProductRow]], states: Mapping[str, LineItemState | LookupFailure],
         options: PlanOptions) -> Plan:
    """Plan every action against the snapshot; each phase sees the line items as the phases before leave them."""
    result = Plan()
    current = dict(states)
    for at, phase in enumerate(PHASES):
        phase_ops: list[Operation] = []
        for kind in phase:
            if by_kind.get(kind):
                part = plan_products(kind, by_kind[kind], current, options)
                phase_ops += part.operations
                result.notes += part.notes
        result.operations += phase_ops
        if phase_ops and any(by_kind.get(kind) for later in PHASES[at + 1:] for kind in later):  # looked at later
            current = after(current, phase_ops)
    return result


def plan_blind(by_kind: Mapping[Action, list[ProductRow]]) -> Plan:
    """Without a snapshot: every row is sent, the API has the last word, there is no before."""
    result = Plan()
    for phase in PHASES:
        for kind in phase:
            for row in by_kind.get(kind, []):
                fields = _blind_fields(kind, row.bid_override)
                result.operations.append(Operation(row.row_number, kind, row.line_item_id, row.product_id, fields))
    return result


def plan_blind_columns(batch: Columns, verb: Action, add: bool) -> Plan:
    """`split` then `plan_blind`, column by column (pyarrow): the same notes, operations (in `Plan.alike`, one
    shared operation per action and bid) and warning, in the same order, with nothing made per row."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.compute as pc  # noqa: PLC0415

    result = Plan()
    action = batch.get("action")
    kind = pc.fill_null(action, verb.value)
    bid = batch.get("bidOverride")
    no_bid = pc.and_(pc.equal(kind, Action.SET_BID.value), pc.is_null(bid))
    dropped = pc.and_(pc.and_(pc.is_valid(action), pc.is_in(kind, pa.array([str(k) for k in BIDLESS]))),
                      pc.is_valid(bid))
    settled = pc.or_(no_bid, dropped)
    notes = {}
    if pc.any(settled).as_py():  # a blank cell never clears an override: blind, it is not sent, even with --add
        numbers, kinds = batch.numbers.filter(settled).to_pylist(), kind.filter(settled).to_pylist()
        notes = {n: _no_bid(n, blind_add=add) if k == Action.SET_BID else _bid_dropped(n, Action(k))
                 for n, k in zip(numbers, kinds, strict=True)}
    # products asked twice (rarely): their rows' actions may clash (`clashes`), looked at one by one
    open_rows = pc.invert(settled)
    line_item, sku = pc.fill_null(batch.get("lineItemId"), ""), pc.cast(batch.get("productId"), pa.string())
    product = pc.binary_join_element_wise(line_item, sku, "\x1f")
    counts = pc.value_counts(product.filter(open_rows))
    twice = counts.field("values").filter(pc.greater(counts.field("counts"), 1))
    if len(twice):
        asked_twice = pc.and_(open_rows, pc.is_in(product, twice))
        notes.update(clashes(zip(batch.numbers.filter(asked_twice).to_pylist(),
                                 line_item.filter(asked_twice).to_pylist(),
                                 sku.filter(asked_twice).to_pylist(),
                                 map(Action, kind.filter(asked_twice).to_pylist()), strict=True)))
        if notes:
            settled = pc.or_(settled, pc.is_in(batch.numbers, pa.array(list(notes), pa.int64())))
    if notes:
        result.notes += [notes[n] for n in sorted(notes)]
        keep = pc.invert(settled)
        batch = Columns(batch.numbers.filter(keep), {k: v.filter(keep) for k, v in batch.cells.items()})
        kind, bid = kind.filter(keep), bid.filter(keep)
    if add:  # --add: a bid on a SKU not there adds it
        kind = pc.if_else(pc.equal(kind, Action.SET_BID.value), Action.ADD.value, kind)
    takes_bid = pc.is_in(kind, pa.array([Action.SET_BID.value, Action.ADD.value]))
    key = pc.binary_join_element_wise(kind, pc.if_else(takes_bid, pc.fill_null(bid, "\x1e"), ""), "\x1f")
    keys = pc.unique(key)
    shared = []
    for found in keys.to_pylist():
        action, cell = found.split("\x1f")
        typed, text = Action(action), cell if cell not in ("", "\x1e") else None
        shared.append(Operation(0, typed, "", "", _blind_fields(typed, _decimal(text))))
    which = pc.index_in(key, keys)
    order = [kind for phase in PHASES for kind in phase]  # by phase; within a phase, by action; then by row
    rank = pa.array([order.index(Action(op.kind)) for op in shared], pa.int8()).take(which)
    sort = pc.sort_indices(pa.table({"rank": rank, "at": counting(0, len(rank))}),
                           [("rank", "ascending"), ("at", "ascending")])
    result.alike = Alike(batch.numbers.take(sort), pc.fill_null(batch.get("lineItemId"), "").take(sort),
                         batch.get("productId").take(sort), which.take(sort), shared)
    warning = other_actions({Action(c["values"]): c["counts"] for c in pc.value_counts(kind).to_pylist()}, verb, add)
    if warning:
        result.warnings.append(warning)
    return result


def _blind_fields(kind: Action, bid: Decimal | None) -> dict[str, str | None]:
    if kind in (Action.SET_BID, Action.ADD):
        return {"bid_override": None if bid is None else str(bid)}
    if kind in PHASE_TWO:
        return {"status": "paused" if kind == Action.PAUSE else "active"}
    return {}


def _decimal(text: str | None) -> Decimal | None:
    """A normalized bid cell as `split` reads it: `none` (and blank) is no override."""
    return None if text is None or text == "none" else Decimal(text)


def after(states: Mapping[str, LineItemState | LookupFailure],
          operations: Iterable[Operation]) -> dict[str, LineItemState | LookupFailure]:
    """The line items as they will be once the operations succeed."""
    changed: dict[str, dict[str, ProductState]] = {}
    for op in operations:
        state = states[op.parent_id]
        if isinstance(state, LookupFailure):
            continue
        products = changed.get(op.parent_id)
        if products is None:
            products = changed[op.parent_id] = dict(state.products)
        old = products.get(op.entity_id)
        if op.kind == Action.REMOVE:
            products.pop(op.entity_id, None)
        elif op.kind in (Action.SET_BID, Action.ADD):
            bid = op.fields.get("bid_override")
            products[op.entity_id] = ProductState(None if bid is None else Decimal(str(bid)),
                                                  old.status if old else "active")
        elif old is not None:
            products[op.entity_id] = replace(old, status=str(op.fields["status"]))
    result = dict(states)
    for parent, products in changed.items():  # each changed line item made once, whatever its operations
        first = states[parent]
        assert isinstance(first, LineItemState)
        count = None if first.product_count is None else first.product_count + len(products) - len(first.products)
        result[parent] = replace(first, products=products, product_count=count)
    return result
