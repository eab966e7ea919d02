"""`budgets` rows → operations (pure): every rule that can be known locally refused per row before sending.

Updates are planned first, then creates, in the order the executor sends them; each planned change is kept in a
per-seller pool, so a file cannot create two overlapping budgets, nor resume one that a create overlaps.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

from bulkops.platforms.mpo import wire
from bulkops.platforms.mpo.budget_rows import NOTHING, BudgetRow, has_fields, live_fields, parse, shown
from bulkops.platforms.mpo.budget_rules import Facts, Problem, create_problem, overlap, update_problem
from bulkops.platforms.mpo.budget_snapshot import BudgetSnapshot
from bulkops.platforms.mpo.reads import LookupFailure
from bulkops.runner.protocol import PlanOptions, conflict
from bulkops.types import Operation, OutcomeStatus, Plan, RowNote

__all__ = ["live_fields", "parse", "plan_blind", "plan_budgets", "view"]
CREATE_FIELDS = ("campaignIds", "budgetType", "amount", "startDate", "endDate")


def today() -> date:
    """The API's day (UTC)."""
    return datetime.now(UTC).date()


def _fail(row: BudgetRow, problem: Problem) -> RowNote:
    return RowNote(row.row_number, OutcomeStatus.FAILED, problem[0], problem[1], problem[2])


def _create_fields(row: BudgetRow) -> dict[str, Any]:
    fields = {n: row.asked.get(n) for n in CREATE_FIELDS if n != "budgetType"}
    return {**fields, "budgetType": row.budget_type, "isSuspended": row.asked.get("isSuspended", False)}


class _Planner:
    """Plans rows against the snapshot, keeping each seller's budgets as the run will leave them."""

    def __init__(self, snapshot: BudgetSnapshot, options: PlanOptions, day: date) -> None:
        self.snap, self.options, self.day = snapshot, options, day
        self.plan = Plan()
        self.pools: dict[str, dict[str, Facts]] = {}
        self.claimed: dict[str, int] = {}  # budget id → the row that changes it

    def pool(self, seller_id: str) -> dict[str, Facts] | LookupFailure:
        found = self.snap.by_seller.get(seller_id)
        if isinstance(found, LookupFailure):
            return found
        if seller_id not in self.pools:
            self.pools[seller_id] = {str(b["id"]): Facts.of(str(b["id"]), seller_id, live_fields(b))
                                     for b in found or ()}
        return self.pools[seller_id]

    def update(self, row: BudgetRow) -> None:
        budget_id = str(row.budget_id)
        budget = self.snap.by_id.get(budget_id)
        note = self._update_note(row, budget_id, budget)
        if note is not None:
            self.plan.notes.append(note)
            return
        assert isinstance(budget, Mapping)
        live = live_fields(budget)
        changes = {n: v for n, v in row.asked.items() if live.get(n) != v}
        seller = str(budget.get("sellerId"))
        pool = self.pool(seller)
        problem = update_problem(changes, live, budget.get("spend"), self.day)
        if problem is None and not isinstance(pool, LookupFailure) and self._may_overlap(live, changes):
            problem = overlap(Facts.of(budget_id, seller, {**live, **changes}), pool.values(), self.day)
        if problem is not None:
            self.plan.notes.append(_fail(row, problem))
            return
        if not isinstance(pool, LookupFailure):
            pool[budget_id] = Facts.of(budget_id, seller, {**live, **changes})
        self.plan.operations.append(Operation(row.row_number, wire.UPDATE_BUDGET, "", budget_id, changes,
                                              {n: live.get(n) for n in changes}))

    def _update_note(self, row: BudgetRow, budget_id: str, budget: Any) -> RowNote | None:  # noqa: PLR0911
        if isinstance(budget, LookupFailure):
            return RowNote(row.row_number, OutcomeStatus.FAILED, None, "lookup-failed", budget.reason)
        if budget is None:
            return _fail(row, ("budgetId", "budget-not-found", f"budget {budget_id} is not one of yours"))
        if budget_id in self.claimed:
            return _fail(row, ("budgetId", "duplicate-conflict", f"budget {budget_id} is also changed by row"
                               f" {self.claimed[budget_id]}; keep one row per budget"))
        self.claimed[budget_id] = row.row_number
        live = live_fields(budget)
        for name, given in (("sellerId", row.seller_id), ("budgetType", row.budget_type)):
            now = str(budget.get(name))
            if given is not None and given != now:
                return _fail(row, (name, f"{name}-cannot-change", f"budget {budget_id} has {name} {now}, not"
                                   f" {given}: it cannot change (create a new budget instead)"))
        if not row.asked:  # its seller and type, as they are
            return RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "nothing-to-change", NOTHING)
        for name in row.asked:
            note = conflict(row.row_number, row.baseline, name, live.get(name), self.options,
                            asked=row.asked[name], show=partial(shown, name), what=f"of budget {budget_id}")
            if note is not None:
                return note
        if all(live.get(n) == v for n, v in row.asked.items()):
            changed = ", ".join(f"{n} {shown(n, v)}" for n, v in row.asked.items())
            return RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "already",
                           f"budget {budget_id} already has {changed}")
        return None

    @staticmethod
    def _may_overlap(live: Mapping[str, Any], changes: Mapping[str, Any]) -> bool:
        """Only a resume or a date change can make a budget overlap another (the API checks no more)."""
        return (live.get("isSuspended") and changes.get("isSuspended") is False) or \
            "startDate" in changes or "endDate" in changes

    def create(self, row: BudgetRow) -> None:
        fields = _create_fields(row)
        problem = create_problem(fields, row.seller_id, self.day)
        pool = self.pool(str(row.seller_id)) if problem is None else {}
        if isinstance(pool, LookupFailure):
            self.plan.notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, None, "lookup-failed", pool.reason))
            return
        done = None if problem is not None else self._created_already(row)
        if done is not None:
            self.plan.notes.append(RowNote(row.row_number, OutcomeStatus.SKIPPED, None, "already",
                                           f"budget {done} of seller {row.seller_id} has every value of this row,"
                                           " running: not created again (the same file run twice?)"))
            return
        key = f"row {row.row_number}"
        facts = Facts.of(key, str(row.seller_id), fields)
        problem = problem or overlap(facts, pool.values(), self.day)
        if problem is not None:
            self.plan.notes.append(_fail(row, problem))
            return
        pool[key] = facts
        self.plan.operations.append(_create_op(row))

    def _created_already(self, row: BudgetRow) -> str | None:
        """The id of a running budget of the row's seller with every value the create asks: the file run again
        after it created the budget (a second one would overlap it, and the rules' advice would make two)."""
        found = self.snap.by_seller.get(str(row.seller_id))
        if isinstance(found, LookupFailure):
            return None
        wanted = _create_op(row).fields
        for budget in found or ():
            live = live_fields(budget)
            if not live.get("isSuspended") and has_fields(live, wanted):
                return str(budget["id"])
        return None


def _create_op(row: BudgetRow) -> Operation:
    fields = {n: row.asked.get(n) for n in CREATE_FIELDS if n != "budgetType"}
    return Operation(row.row_number, wire.CREATE_BUDGET, "", str(row.seller_id),
                     {**fields, "budgetType": row.budget_type})


def _one_row_per_budget(rows: list[BudgetRow], plan: Plan) -> list[BudgetRow]:
    """Rows changing one budget with other values (exact repeats were settled before): no one can tell which was
    meant, so every one of them fails and nothing is sent for that budget. The others, to plan."""
    by_budget: dict[str, list[int]] = {}
    for row in rows:
        if row.budget_id:
            by_budget.setdefault(row.budget_id, []).append(row.row_number)
    shared = {b: numbers for b, numbers in by_budget.items() if len(numbers) > 1}
    for row in rows:
        if row.budget_id in shared:
            numbers = ", ".join(map(str, shared[row.budget_id]))
            plan.notes.append(_fail(row, ("budgetId", "duplicate-conflict", f"budget {row.budget_id} is changed by"
                                          f" rows {numbers} with other values; keep one row per budget")))
    return [row for row in rows if row.budget_id not in shared]


def plan_budgets(rows: list[BudgetRow], snapshot: BudgetSnapshot, options: PlanOptions) -> Plan:
    """Every row against the budgets as read: updates first, then creates (as they are sent)."""
    planner = _Planner(snapshot, options, today())
    rows = _one_row_per_budget(rows, planner.plan)
    for row in rows:
        if row.budget_id:
            planner.update(row)
    for row in rows:
        if not row.budget_id:
            planner.create(row)
    return planner.plan


def plan_blind(rows: list[BudgetRow]) -> Plan:
    """Without a snapshot: the local rules of creates still hold; updates are sent as written, with no before."""
    plan, day = Plan(), today()
    for row in _one_row_per_budget(rows, plan):
        if row.budget_id:
            plan.operations.append(Operation(row.row_number, wire.UPDATE_BUDGET, "", row.budget_id, dict(row.asked)))
            continue
        problem = create_problem(_create_fields(row), row.seller_id, day)
        if problem is not None:
            plan.notes.append(_fail(row, problem))
        else:
            plan.operations.append(_create_op(row))
    return plan


def view(op: Operation) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The changed fields before → after; a create has no before."""
    after = {n: shown(n, v) for n, v in op.fields.items()}
    if op.kind == wire.CREATE_BUDGET:
        return None, {"created": "yes", "sellerId": op.entity_id, **after}
    before = None if op.before is None else {n: shown(n, v) for n, v in op.before.items()}
    return before, after
