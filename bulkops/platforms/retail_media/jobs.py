"""The Retail Media write jobs the runner drives: product actions (bids, pause, unpause, remove) and line items."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.errors import ApiError, UsageError
from bulkops.io.columns import Row, Schema, mapped, other_entity
from bulkops.io.writers import cell_text, unambiguous
from bulkops.platforms.retail_media import line_items, products, read_back, reads, wire
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.diff import LineItemState, LookupFailure, ProductRow
from bulkops.platforms.retail_media.executor import ProductExecutor
from bulkops.platforms.retail_media.line_items import HIDDEN_STATUS
from bulkops.platforms.retail_media.schemas import BIDS, LINE_ITEM_FIELDS, LINE_ITEMS, PRODUCT_VERB_SCHEMAS, PRODUCTS
from bulkops.platforms.retail_media.snapshot import (
    AccountRefused,
    LineItemDirectory,
    product_states,
    promoted_in_accounts,
)
from bulkops.platforms.retail_media.undo import NO_OVERRIDE, undo_rows
from bulkops.runner.protocol import Columns, Parent, PlanOptions
from bulkops.types import Chunk, Operation, OpRecord, OutcomeStatus, Plan, RowNote

MAY_HIDE_STATUS = frozenset({"targetBid", "endDate"})  # changed, they may leave a line item draft or ended

PLATFORM = "retail-media"
VERBS = {"bids": Action.SET_BID, "pause": Action.PAUSE, "unpause": Action.UNPAUSE, "remove": Action.REMOVE}
LINE_ITEM = Parent("lineItemId", "line item")
_LABELS = {"bid_override": "bidOverride", "status": "status"}


@dataclass
class ProductJob:
    """bids / pause / unpause / remove: rows of lineItemId + productId, or productId alone with accounts."""

    name: str
    accounts: tuple[str, ...] = ()
    add: bool = False  # bids: a SKU not on the line item is added (else such a row fails: a bid changes, not adds)
    platform = PLATFORM
    parent = LINE_ITEM
    group_by: tuple[str, ...] = ("lineItemId",)  # a line item's rows together: its reads, 500-product cap, phases
    verb: Action = field(init=False)
    schema: Schema = field(init=False)
    directory: LineItemDirectory = field(init=False, repr=False, compare=False)  # listed once, for every batch

    def __post_init__(self) -> None:
        self.directory = LineItemDirectory()
        self.verb = VERBS[self.name]
        schema = BIDS if self.verb == Action.SET_BID else PRODUCT_VERB_SCHEMAS[self.verb.value]
        if self.accounts:  # a blank lineItemId, as a sheet without the column: wherever the accounts promote the SKU
            schema = replace(schema, columns=tuple(replace(c, blank_ok=True) if c.name == "lineItemId" else c
                                                   for c in schema.columns))
        self.schema = schema

    @property
    def key_blanks(self) -> tuple[tuple[str, str], ...]:
        """A blank action cell is the verb's action: a row of `set-bid` and one left blank are one key."""
        return (("action", self.verb.value),)

    def required(self) -> tuple[str, ...]:
        """lineItemId, unless the SKUs are looked up in accounts; bidOverride for bids."""
        needed = () if self.accounts else ("lineItemId",)
        return (*needed, "bidOverride") if self.verb == Action.SET_BID else needed

    def missing_hint(self, missing: tuple[str, ...]) -> str | None:
        """A sheet of SKUs alone: say that --account takes them wherever the account promotes them."""
        if "lineItemId" in missing and not self.accounts:
            done = {Action.PAUSE: "paused", Action.UNPAUSE: "unpaused", Action.REMOVE: "removed"}.get(self.verb)
            if done is not None:  # a bid needs its line item: no account-wide bids
                return (f"a sheet of productId alone works with --account ID: each SKU is {done} on every line item"
                        " of that account that promotes it")
        return None

    async def preflight(self, api: ApiClient) -> None:
        """Before anything is journaled: each --account is one these credentials may use (a typo is refused here,
        not found while planning)."""
        for account in self.accounts:
            try:
                await reads.first_line_item(api, account)
            except ApiError as exc:
                if exc.status not in (400, 403, 404):
                    raise
                raise UsageError(f"account {account!r} is not one these credentials may use (HTTP {exc.status}):"
                                 " check the id (one account per --account, or several as 4000,4001)") from None

    def skip_reason(self, row: Row) -> str | None:
        """Rows of an export that are not products."""
        return other_entity(row, "product", self.name, CHANGED_BY)

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Resolve `--account` rows, read current values (unless told not to), plan every row."""
        blind = not options.snapshot and not self.accounts
        by_kind, settled = products.split(rows, self.verb, self.add, blind=blind)
        missing: list[RowNote] = []
        if self.accounts:
            by_kind, missing, states = await self._expand(api, by_kind)
        elif options.snapshot:
            ids = [r.line_item_id for group in by_kind.values() for r in group]
            states = await product_states(api, ids, _bid_skus(by_kind), self.directory)
        if blind:
            result = products.plan_blind(by_kind)
        else:
            result = products.plan(by_kind, states, options)
        result.notes += settled + missing
        warning = products.other_actions({k: len(v) for k, v in by_kind.items()}, self.verb, self.add)
        if warning:
            result.warnings.append(warning)
        return result

    def plan_columns(self, batch: Columns, options: PlanOptions) -> Plan | None:
        """Without a snapshot (and no --account to look SKUs up in), rows become operations as they are: planned
        column by column, as `plan` would."""
        if options.snapshot or self.accounts:
            return None
        return products.plan_blind_columns(batch, self.verb, self.add)

    async def _expand(self, api: ApiClient, by_kind: dict[Action, list[ProductRow]]) -> tuple[Any, list[RowNote], Any]:
        skus = {r.product_id for group in by_kind.values() for r in group if not r.line_item_id}
        refused: AccountRefused | None = None
        inside: set[str] | None = None  # the accounts' line items (None: not known, the accounts refused)
        try:
            where, states, inside = await promoted_in_accounts(api, self.accounts, skus)
        except AccountRefused as exc:  # every SKU row meant the whole of the accounts: none can be done as meant
            where, states, refused = {}, {}, exc
        expanded: dict[Action, list[ProductRow]] = {}
        missing: list[RowNote] = []
        accounts = ", ".join(self.accounts)
        for kind, group in by_kind.items():
            for r in group:
                if r.line_item_id:
                    if inside is not None and r.line_item_id not in inside:
                        missing.append(RowNote(r.row_number, OutcomeStatus.FAILED, "lineItemId", "other-account",
                                               f"line item {r.line_item_id} is not in account(s) {accounts}, which"
                                               " --account names: nothing was sent for it; give its account too,"
                                               " or leave out --account"))
                    else:
                        expanded.setdefault(kind, []).append(r)
                    continue
                found = where.get(r.product_id, [])
                if refused is not None:
                    missing.append(RowNote(r.row_number, OutcomeStatus.FAILED, "productId", "account-refused",
                                           f"{refused}: nothing was sent for SKU {r.product_id!r}"))
                elif not found:
                    missing.append(RowNote(r.row_number, OutcomeStatus.FAILED, "productId", "not-promoted",
                                           f"SKU {r.product_id!r} is not promoted on any line item of account(s)"
                                           f" {accounts}"))
                expanded.setdefault(kind, []).extend(replace(r, line_item_id=li) for li in found)
        # the line items rows name are read whole (the accounts' listing kept only the SKUs looked up there)
        named = [r.line_item_id for group in by_kind.values() for r in group
                 if r.line_item_id and (inside is None or r.line_item_id in inside)]
        merged: dict[str, LineItemState | LookupFailure] = dict(states)
        merged.update(await product_states(api, named, _bid_skus(by_kind), self.directory))
        return expanded, missing, merged

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | None]:
        """Is each product change in place (its line item's products, read again)?"""
        return await read_back.products_now(api, operations)

    def executor(self, api: ApiClient) -> ProductExecutor:
        """Appends, deletes, pauses, unpauses in chunks of 500 per line item."""
        return ProductExecutor(api)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """One request per action, line item and 500 products."""
        return chunks(operations, wire.MAX_PRODUCTS_PER_CALL)

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """bidOverride for bids, status for pauses, presence for removals."""
        if op.kind == Action.REMOVE:
            return (None if op.before is None else _labelled(op.before)), {"removed": "yes"}
        if op.kind == Action.ADD and op.before is None:
            return None, {"added": "yes", **_labelled({"bid_override": op.fields.get("bid_override")})}
        keys = ("bid_override",) if op.kind in (Action.SET_BID, Action.ADD) else ("status",)
        before = None  # no snapshot, or a product the append adds to the line item
        if op.before is not None:
            before = _labelled({k: op.before.get(k) for k in keys})
        return before, _labelled({k: op.fields.get(k) for k in keys})

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """lineItemId, productId, bidOverride, action rows (see `undo`)."""
        return ("lineItemId", "productId", "bidOverride", "action"), list(undo_rows(r.operation for r in done))

    def options(self) -> dict[str, Any]:
        """The accounts and --add, for resume."""
        return {"accounts": list(self.accounts), "add": self.add}


def _bid_skus(by_kind: Mapping[Action, list[ProductRow]]) -> dict[str, set[str]]:
    """Line item → the SKUs rows set a bid on there (whose min bids are read); rows naming no line item aside."""
    found: dict[str, set[str]] = {}
    for kind in (Action.SET_BID, Action.ADD):
        for r in by_kind.get(kind, []):
            if r.line_item_id:
                found.setdefault(r.line_item_id, set()).add(r.product_id)
    return found


CHANGED_BY = {"campaign": "bulkops changes no campaign: change it in Criteo's UI",
              "lineItem": "`bulkops line-items` changes those",
              "product": "`bulkops bids`, `pause`, `unpause` or `remove` change those"}


def _labelled(values: Mapping[str, Any]) -> dict[str, Any]:
    return {_LABELS.get(k, k): v for k, v in values.items()}


@dataclass
class LineItemJob:
    """line-items: rows of lineItemId and the values to set (blank = leave as is)."""

    name: str = "line-items"
    platform = PLATFORM
    schema = LINE_ITEMS
    parent = LINE_ITEM
    group_by: tuple[str, ...] = ("lineItemId",)

    def required(self) -> tuple[str, ...]:
        """lineItemId only: any of the value columns may be there."""
        return ()

    def skip_reason(self, row: Row) -> str | None:
        """Export rows that are not line items."""
        return other_entity(row, "lineItem", self.name, CHANGED_BY)

    def foreign_rows(self, headers: tuple[str, ...]) -> str | None:
        """A sheet naming products with no `entity` column to tell its rows apart is a product sheet: refused
        whole (its `bid` would otherwise be taken for the line item's targetBid, its SKUs ignored). An export's
        product rows, told apart by `entity`, are skipped one by one instead."""
        found = mapped(headers, PRODUCTS)
        if "productId" not in found or "entity" in found:
            return None
        return (f"its rows name products (column {found['productId']!r}) and no `entity` column says which rows are"
                f" line items: `{self.name}` changes line items, one per row")

    async def plan(self, api: ApiClient, rows: list[Row], options: PlanOptions) -> Plan:
        """Always read (the PUT replaces everything), then plan."""
        current = await line_items.read_current(api, [r.get("lineItemId") for r in rows])
        return line_items.plan_line_items(rows, current, options)

    async def read_back(self, api: ApiClient, operations: list[Operation]) -> list[bool | None]:
        """Is each line item's change in place (read again)?"""
        return await read_back.line_items_now(api, operations)

    def executor(self, api: ApiClient) -> line_items.LineItemExecutor:
        """One PUT per line item."""
        return line_items.LineItemExecutor(api)

    def chunks(self, operations: Iterable[Operation]) -> Iterator[Chunk]:
        """One PUT per line item."""
        return chunks(operations, 1)

    def view(self, op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The changed fields, before and after."""
        before = None if op.before is None else {k: _day(v) for k, v in op.before.items()}
        return before, {k: _day(v) for k, v in op.fields["changes"].items()}

    def undo(self, done: Iterable[OpRecord]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
        """lineItemId and the old value of every field the run changed; and, where the run changed a field that can
        hide the status (`MAY_HIDE_STATUS`: a cleared targetBid makes a line item draft, a past endDate ended), the
        status the run wrote, which the undo sets back, not what is shown then. A line item whose run changed
        neither (a rename, a budget) gets no status: its undo keeps the one it has then (a colleague's pause since
        stays)."""
        rows = []
        for op in (r.operation for r in done):
            attributes = op.fields.get("attributes", {})
            written = {"status": attributes["status"]} if "status" in attributes \
                and MAY_HIDE_STATUS & op.fields.get("changes", {}).keys() else {}
            values = {**written, **(op.before or {})}
            hidden = op.fields.get("hidden") or (values["status"] if values.get("status") in HIDDEN_STATUS else None)
            note = {}
            if hidden and "status" in values:  # what it was set to, the system did not show: never made active
                values["status"] = "paused"
                note = {"note": f"its status was {hidden} before the run, which hides whether it was set active or"
                                " paused: this undo pauses it; write active here if it was active"}
            rows.append({"lineItemId": op.entity_id, **{k: _undo_value(v) for k, v in values.items()}, **note})
        used = {k for row in rows for k in row}
        return ("lineItemId", *[f for f in LINE_ITEM_FIELDS if f in used], *(["note"] if "note" in used else [])), rows

    def options(self) -> dict[str, Any]:
        """Nothing beyond the input."""
        return {}


def _day(value: Any) -> Any:
    return value[:10] if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-" \
        else value


def _undo_value(value: Any) -> str:
    if value is None:
        return NO_OVERRIDE
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | int | Decimal) and not isinstance(value, bool):
        return unambiguous(cell_text(value))  # 100.125 as 100.1250: it reads back as it was
    return str(_day(value))


def make_job(name: str, options: dict[str, Any] | None = None) -> ProductJob | LineItemJob:
    """A job from its verb (and the options a journal kept)."""
    if name == "line-items":
        return LineItemJob()
    return ProductJob(name, tuple((options or {}).get("accounts") or ()))


__all__ = ["VERBS", "LineItemJob", "LookupFailure", "ProductJob", "make_job"]
