"""An export's edited row whose live value moved since: a conflict, unless the live value is the one asked."""

from __future__ import annotations

from decimal import Decimal

from bulkops.io.columns import NONE
from bulkops.runner.protocol import NOT_ASKED, PlanOptions, conflict
from bulkops.types import OutcomeStatus


def test_a_moved_value_is_a_conflict_unless_it_is_what_the_row_asks() -> None:
    exported = {"bid": Decimal("1.20")}
    moved = conflict(2, exported, "bid", Decimal("1.35"), PlanOptions(), asked=Decimal("1.50"))
    assert moved is not None and moved.status is OutcomeStatus.FAILED and moved.code == "changed-since-export"
    assert conflict(2, exported, "bid", Decimal("1.50"), PlanOptions(), asked=Decimal("1.5")) is None  # applied
    assert conflict(2, exported, "bid", None, PlanOptions(), asked=None) is None  # "none", cleared already
    assert conflict(2, exported, "bid", None, PlanOptions(), asked=NONE) is None
    assert conflict(2, exported, "bid", None, PlanOptions(), asked=NOT_ASKED) is not None  # a blank cell asks nothing
    assert conflict(2, exported, "bid", Decimal("1.35"), PlanOptions(overwrite_changed=True)) is None
