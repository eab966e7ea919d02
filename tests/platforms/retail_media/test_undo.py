"""Undo rows revert exactly what succeeded."""

from __future__ import annotations

from bulkops.platforms.retail_media.actions import Action
from bulkops.platforms.retail_media.undo import undo_rows
from bulkops.types import Operation


def _op(kind: Action, before: dict | None, fields: dict | None = None) -> Operation:
    return Operation(2, kind, "li1", "sku1", fields or {}, before)


def test_each_kind_has_its_inverse() -> None:
    ops = [
        _op(Action.ADD, None, {"bid_override": "1.2"}),  # added: undo removes
        _op(Action.SET_BID, {"bid_override": "0.70", "status": "active"}),
        _op(Action.SET_BID, {"bid_override": None, "status": "active"}),  # had no override
        _op(Action.PAUSE, {"status": "active"}),
        _op(Action.UNPAUSE, {"status": "paused"}),
        _op(Action.REMOVE, {"bid_override": "0.40", "status": "paused"}),
    ]
    got = [(r["action"], r["bidOverride"]) for r in undo_rows(ops)]
    assert got == [("remove", ""), ("set-bid", "0.70"), ("set-bid", "none"), ("unpause", ""),
                   ("pause", ""), ("add", "0.40"), ("pause", "")]  # a removed product is added back
