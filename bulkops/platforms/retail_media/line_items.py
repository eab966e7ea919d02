"""Line-item changes: read each line item, merge the row's values into it, PUT the whole writable set.

The API's PUT is a full replacement (an omitted field becomes null), so the current values are always
read first, whatever `--no-snapshot` says; the journal keeps the merged body, so a resumed PUT writes
exactly the same values. Auction and preferred line items each have their own resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from bulkops.engine.chunks import chunks
from bulkops.engine.client import ApiClient
from bulkops.engine.pool import Reporter, Sent, run_chunks
from bulkops.errors import RequestError
from bulkops.io.columns import NONE, Row, edited, parse_cell
from bulkops.io.writers import cell_text
from bulkops.platforms.retail_media import snapshot, wire
from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.diff import LookupFailure
from bulkops.platforms.retail_media.schemas import LINE_ITEM_FIELDS, LINE_ITEMS, SETTABLE_STATUSES
from bulkops.runner.protocol import PlanOptions, conflict
from bulkops.types import Chunk, Operation, OutcomeStatus, Plan, RowNote

# Writable attributes of each resource (PUT replaces all of them).
WRITABLE = {
    "auction": ("name", "startDate", "endDate", "status", "isAutoDailyPacing", "targetBid", "maxBid", "budget",
                "dailyPacing", "monthlyPacing", "bidStrategy", "optimizationStrategy", "flightSchedule"),
    "preferred": ("name", "startDate", "endDate", "status", "budget", "pacing"),
}
AUCTION_ONLY = ("targetBid", "maxBid")
RESOURCE = {"auction": "auction-line-items", "preferred": "preferred-line-items"}
UPDATE_TYPE = {"auction": "SponsoredProductsLineItemUpdateRequestModel", "preferred": "PreferredLineItemUpdateModel"}


@dataclass(frozen=True, slots=True)
class Current:
    """A line item as read: its kind, its derived status and its resource's attributes."""

    line_item_id: str
    kind: str
    status: str
    attributes: Mapping[str, Any]


async def read_current(api: ApiClient, line_item_ids: Iterable[str]) -> dict[str, Current | LookupFailure]:
    """Each line item's kind (from the common resource), then its own resource."""
    async def read(line_item_id: str) -> Current | LookupFailure:
        try:
            common = await snapshot.line_item(api, line_item_id)
            kind = str(common.get("type"))
            if kind not in RESOURCE:
                return LookupFailure("unsupported-line-item", f"line item {line_item_id} is of type {kind!r}")
            path = f"{wire.root(api.connection.api_version)}/{RESOURCE[kind]}/{line_item_id}"
            attributes = (await api.call("GET", path)).body["data"]["attributes"]
        except RequestError as exc:
            return snapshot.lookup_failure(exc, line_item_id)
        return Current(line_item_id, kind, str(common.get("status")), attributes)

    return await snapshot.each(line_item_ids, read, api.connection.concurrency)


def plan_line_items(rows: Iterable[Row], current: Mapping[str, Current | LookupFailure],
                    options: PlanOptions = PlanOptions()) -> Plan:  # noqa: B008 - frozen
    """One PUT per row that changes something; rows already at their values are no-ops; rows of an old export
    whose edited fields moved on the API since are conflicts."""
    plan = Plan()
    stopped: list[str] = []
    for row in rows:
        li = row.get("lineItemId")
        state = current[li]
        if isinstance(state, LookupFailure):
            plan.notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, "lineItemId", state.code, state.message))
            continue
        changes, problem = _changes(row, state)
        problem = problem or _conflict(row, state, options)
        if problem is None and changes and state.status == "archived":
            problem = _fail(row, "lineItemId", "line-item-archived", f"line item {li} is archived: the API keeps"
                            " it as it is (a line item is archived 90 days after it ends)")
        hidden = hidden_status(state)
        if problem is None and changes and "status" not in changes and hidden:
            problem = _fail(row, "status", "status-needed", f"line item {li} is {hidden} now, which hides"
                            " whether it was set active or paused: the change writes the line item whole, status"
                            " included, so say which it is to be (status active or paused on this row)")
        if problem is not None:
            plan.notes.append(problem)
        elif not changes:
            plan.notes.append(RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "no-op",
                                        "every value is already as asked"))
        else:
            attributes = {**_writable(state), **changes}
            # a hidden status is shown as it is (ended), not as the active a guess would write
            before = {k: state.status if k == "status" and hidden else _wire_value(state, k) for k in changes}
            fields = {"kind": state.kind, "attributes": attributes, "changes": changes}
            if hidden:
                fields["hidden"] = hidden  # the undo cannot know the status it hid: it says so
            plan.operations.append(Operation(row.row_number, Action.UPDATE_LINE_ITEM, li, li, fields, before))
            if "targetBid" in changes and changes["targetBid"] is None and state.kind == "auction" \
                    and attributes.get("bidStrategy", "manual") == "manual" and attributes["status"] == "active":
                stopped.append(li)
    if stopped:
        plan.warnings.append(f"{len(stopped)} active auction line item(s) lose their targetBid (e.g. {stopped[0]}):"
                             " one without a targetBid shows draft and stops delivering until it has one again")
    return plan


def _conflict(row: Row, state: Current, options: PlanOptions) -> RowNote | None:
    """The first field the row edits (compared with what the export read) that moved on the API since."""
    for name in LINE_ITEM_FIELDS:
        exported = (row.baseline or {}).get(name, _ABSENT)
        if exported is _ABSENT or row.get(name) is None or row.get(name) == exported:
            continue  # not an exported value, not asked, or not edited
        found = conflict(row.row_number, row.baseline, name, live_value(state, name), options, asked=row.get(name),
                         what=f"of line item {state.line_item_id}")
        if found is not None:
            return found
    return None


_ABSENT = object()


def live_value(state: Current, name: str) -> Any:
    """A field as read now, typed as a cell of the line-items file (as the export wrote it)."""
    raw = state.status if name == "status" else state.attributes.get(name)
    if raw is None:
        return None
    text = str(raw)[:10] if name in ("startDate", "endDate") else cell_text(raw)
    return parse_cell(replace(LINE_ITEMS.column(name), max_value=None), text, written=True)


def _changes(row: Row, state: Current) -> tuple[dict[str, Any], RowNote | None]:
    """The fields the row changes. A row of an export changes only the cells edited since the export read them:
    a cell left as exported is no ask, whatever the API holds now (a colleague who paused or renamed the line item
    since keeps it so: the PUT writes the line item whole, as it is now but for the edits). A cell the export
    filled and the user emptied fails the row: a blank leaves a field as it is, which is not what emptying it
    meant (`none` clears)."""
    changes: dict[str, Any] = {}
    for name in LINE_ITEM_FIELDS:
        if row.get(name) is None:
            exported = (row.baseline or {}).get(name)
            if exported is not None and exported is not NONE:
                clear = "write none to clear it, or put" if LINE_ITEMS.column(name).none_ok else "it cannot be" \
                    " cleared: put"
                return {}, _fail(row, name, "emptied", f"{name} was {_shown(exported)} when exported and is blank"
                                 f" now: a blank cell leaves a field as it is; {clear} back the exported value")
            continue  # blank: leave as is
        if row.baseline is not None and name in row.baseline and not edited(row.get(name), row.baseline[name]):
            continue  # as exported: not the user's ask
        wanted = _to_wire(name, row.get(name), state)
        if name == "status":
            if row.get(name) == state.status:
                continue
            if wanted not in SETTABLE_STATUSES:
                return {}, _fail(row, name, "status-not-settable",
                                 f"status {wanted!r} is set by the system; a line item can be set to"
                                 f" {', '.join(SETTABLE_STATUSES)} (it is {state.status} now)")
        elif name in AUCTION_ONLY and state.kind != "auction":
            return {}, _fail(row, name, "not-on-preferred", f"line item {state.line_item_id} is a preferred line"
                             f" item: it has no {name}")
        elif name == "budget" and wanted is None and state.kind == "preferred":
            return {}, _fail(row, name, "budget-required", f"line item {state.line_item_id} is a preferred line"
                             " item: it must keep a budget (give an amount, not none)")
        if not _same(name, wanted, state.attributes.get(name)):
            changes[name] = wanted
    start, end = changes.get("startDate", state.attributes.get("startDate")), changes.get("endDate",
                                                                                          state.attributes.get("endDate"))
    if start and end and str(end)[:10] < str(start)[:10]:
        return {}, _fail(row, "endDate", "end-before-start", f"endDate {str(end)[:10]} is before startDate"
                         f" {str(start)[:10]}")
    return changes, None


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else cell_text(value)


def _to_wire(name: str, value: Any, state: Current) -> Any:
    if value is NONE:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        text = value.isoformat()
        return f"{text}T00:00:00+00:00" if state.kind == "auction" else text  # the auction model takes date-times
    return value


def _same(name: str, wanted: Any, current: Any) -> bool:
    if name in ("startDate", "endDate"):
        return (wanted or "")[:10] == (current or "")[:10]
    if isinstance(wanted, float) and current is not None:
        return Decimal(str(wanted)) == Decimal(str(current))
    return bool(wanted == current)


def same_as_now(state: Current, name: str, wanted: Any) -> bool:
    """Is a field of the line item as read already at `wanted` (a wire value)?"""
    if name == "status":
        return wanted == user_status(state.status)
    return _same(name, wanted, state.attributes.get(name))


def _writable(state: Current) -> dict[str, Any]:
    attributes = {k: state.attributes[k] for k in WRITABLE[state.kind] if k in state.attributes}
    attributes["status"] = user_status(state.status)
    if state.kind == "preferred":
        attributes.setdefault("endDate", None)  # required by PreferredLineItemUpdateModelV2, even when none is set
    return attributes


# Statuses the system shows over the one a user set, whatever it was (the others sit on an active line item only)
HIDDEN_STATUS = ("ended", "archived")  # (an archived one cannot change at all: refused first)


def hidden_status(state: Current) -> str | None:
    """The status the system shows over the one set, hiding it, in words; None when the shown one is the one set.
    An auction line item without a targetBid shows draft (while its bidStrategy is manual), whatever it was set to:
    written back whole as draft, an active one would stop for good."""
    if state.status in HIDDEN_STATUS:
        return state.status
    if state.kind == "auction" and state.status == "draft" and state.attributes.get("targetBid") is None \
            and state.attributes.get("bidStrategy", "manual") == "manual":
        return "draft (an auction line item without targetBid is draft, whatever it was set to)"
    return None


def user_status(derived: str) -> str:
    """The status a user set, seen through the derived one: the system's statuses sit on an active line item."""
    return derived if derived in SETTABLE_STATUSES else "active"


def _wire_value(state: Current, name: str) -> Any:
    return user_status(state.status) if name == "status" else state.attributes.get(name)


def _fail(row: Row, column: str, code: str, message: str) -> RowNote:
    return RowNote(row.row_number, OutcomeStatus.FAILED, column, code, message)


class LineItemExecutor:
    """The Executor of line-item PUTs: one request per line item. A PUT carries the whole journaled body, so
    sending it again (resume) writes the same values."""

    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def execute(self, operations: Iterable[Operation], reporter: Reporter) -> None:
        """PUT every merged line item once; report each as it leaves and as it settles."""
        await run_chunks(chunks(operations, 1), self._send, concurrency=self.api.connection.concurrency,
                         reporter=reporter)

    async def _send(self, chunk: Chunk) -> Sent:
        op = chunk.operations[0]
        kind = op.fields["kind"]
        path = f"{wire.root(self.api.connection.api_version)}/{RESOURCE[kind]}/{op.entity_id}"
        body = {"data": {"type": UPDATE_TYPE[kind], "attributes": dict(op.fields["attributes"])}}
        resp = await self.api.call("PUT", path, json=body)
        return Sent(resp.status, resp.trace_id, resp.attempts)
