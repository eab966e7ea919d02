"""The actions a Retail Media row can ask for: the `kind` of its operations and the `action` column's values."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """What one operation does."""

    SET_BID = "set-bid"  # promoted product already on the line item: append (an upsert) with bidOverride
    ADD = "add"  # promoted product not on the line item yet: append, with its bidOverride if any
    PAUSE = "pause"  # promoted product: pause
    UNPAUSE = "unpause"  # promoted product: unpause
    REMOVE = "remove"  # promoted product: delete from the line item
    UPDATE_LINE_ITEM = "update-line-item"  # line item: read, merge, PUT
