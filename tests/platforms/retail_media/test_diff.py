"""The planner refuses what the API would refuse, skips no-ops, and keeps the value it replaces."""

from __future__ import annotations

from decimal import Decimal as D

from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.diff import LineItemState, LookupFailure, ProductRow, ProductState, plan_products
from bulkops.runner.protocol import PlanOptions
from bulkops.types import OutcomeStatus


def _state(kind: str = "auction", n: int = 3, **kw: object) -> LineItemState:
    products = {f"sku{i}": ProductState(D("0.50"), "active") for i in range(n)}
    min_bids = {f"sku{i}": D("0.30") for i in range(600)}
    return LineItemState("li1", kind, products, min_bids, catalog_known=True, **kw)  # type: ignore[arg-type]


def _codes(plan) -> dict[int, str]:
    return {s.row_number: s.code for s in plan.notes}


def test_bid_rows_become_upserts_with_the_replaced_value_and_never_add_quietly() -> None:
    plan = plan_products(Action.SET_BID, [ProductRow(2, "li1", "sku0", D("0.75")),
                                          ProductRow(3, "li1", "sku9", D("0.40"))], {"li1": _state()})
    assert [(o.entity_id, o.fields, o.before) for o in plan.operations] == [
        ("sku0", {"bid_override": "0.75"}, {"bid_override": "0.50", "status": "active"}),
    ]
    assert _codes(plan) == {3: "not-on-line-item"} and "action=add" in plan.notes[0].message


def test_add_rows_add_new_products_and_set_the_bid_of_those_already_there() -> None:
    plan = plan_products(Action.ADD, [ProductRow(2, "li1", "sku0", D("0.75")),
                                      ProductRow(3, "li1", "sku9", D("0.40"))], {"li1": _state()})
    assert [(o.kind, o.entity_id, o.before) for o in plan.operations] == [
        (Action.SET_BID, "sku0", {"bid_override": "0.50", "status": "active"}),
        (Action.ADD, "sku9", None),  # a new product: undo removes it
    ]


def test_an_edited_export_row_whose_live_bid_moved_since_is_a_conflict() -> None:
    exported = {"bidOverride": D("0.40")}  # the export read 0.40; someone set 0.50 since; the user wrote 0.75
    rows = [ProductRow(2, "li1", "sku0", D("0.75"), exported), ProductRow(3, "li1", "sku1", D("0.75"),
                                                                         {"bidOverride": D("0.50")})]
    plan = plan_products(Action.SET_BID, rows, {"li1": _state()})
    assert _codes(plan) == {2: "changed-since-export"} and [o.entity_id for o in plan.operations] == ["sku1"]
    assert "0.50 now, not 0.40 as exported" in plan.notes[0].message
    forced = plan_products(Action.SET_BID, rows, {"li1": _state()}, PlanOptions(overwrite_changed=True))
    assert [o.entity_id for o in forced.operations] == ["sku0", "sku1"]


def test_rows_the_api_would_refuse_fail_before_sending() -> None:
    rows = [ProductRow(2, "li1", "sku1", D("0.10")),  # under min bid
            ProductRow(3, "li1", "nope", D("1")),  # not in the catalog
            ProductRow(4, "li1", "sku1", D("0.5"))]  # already 0.50: no-op
    plan = plan_products(Action.SET_BID, rows, {"li1": _state()})
    assert _codes(plan) == {2: "below-min-bid", 3: "not-in-catalog", 4: "no-op"}
    assert plan.operations == []
    assert "below this SKU's min bid 0.30" in plan.notes[0].message
    assert plan.notes[2].status is OutcomeStatus.SKIPPED


def test_preferred_line_items_take_no_bid_override() -> None:
    plan = plan_products(Action.SET_BID, [ProductRow(2, "li1", "sku1", D("1"))], {"li1": _state("preferred")})
    assert _codes(plan) == {2: "bid-on-preferred"}


def test_the_501st_product_fails_and_the_rest_go() -> None:
    rows = [ProductRow(10 + i, "li1", f"sku{i}", D("1")) for i in range(498, 503)]
    plan = plan_products(Action.ADD, rows, {"li1": _state(n=498)})
    assert [o.entity_id for o in plan.operations] == ["sku498", "sku499"]
    assert set(_codes(plan).values()) == {"line-item-full"}
    assert len(plan.notes) == 3


def test_unreadable_line_item_fails_its_rows_with_the_api_reason() -> None:
    failure = LookupFailure("not-found", "line item 9 was not found", 404)
    plan = plan_products(Action.PAUSE, [ProductRow(2, "9", "a"), ProductRow(3, "9", "b")], {"9": failure})
    assert [(s.status, s.message) for s in plan.notes] == [(OutcomeStatus.FAILED, "line item 9 was not found")] * 2


def test_pause_skips_paused_products_and_fails_unknown_ones() -> None:
    state = LineItemState("li1", "auction", {"a": ProductState(None, "active"), "b": ProductState(None, "paused")})
    plan = plan_products(Action.PAUSE, [ProductRow(2, "li1", "a"), ProductRow(3, "li1", "b"),
                                        ProductRow(4, "li1", "c")], {"li1": state})
    assert [(o.entity_id, o.before) for o in plan.operations] == [("a", {"status": "active"})]
    assert _codes(plan) == {3: "no-op", 4: "not-on-line-item"}


def test_removing_every_product_keeps_the_last_one() -> None:
    state = LineItemState("li1", "auction", {"a": ProductState(D("1"), "paused"), "b": ProductState(None, "active")})
    plan = plan_products(Action.REMOVE, [ProductRow(2, "li1", "a"), ProductRow(3, "li1", "b")], {"li1": state})
    assert [(o.entity_id, o.before) for o in plan.operations] == [("a", {"bid_override": "1", "status": "paused"})]
    assert _codes(plan) == {3: "last-product"}
