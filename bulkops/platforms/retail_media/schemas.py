"""The columns of Retail Media files: what the write jobs read, and what `export` writes.

One vocabulary for both directions, so an export (or any report) can be edited and fed straight back.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from bulkops.io.columns import BASELINE, Column, Schema

MAX_BID = Decimal("100")  # a bid above this (in the account's currency) is taken for a typo
MAX_BUDGET = Decimal("100000000")
PRODUCT_ACTIONS = ("set-bid", "add", "pause", "unpause", "remove")
LINE_ITEM_STATUSES = ("active", "paused", "draft", "scheduled", "ended", "budgetHit", "noFunds", "archived")
SETTABLE_STATUSES = ("active", "paused", "draft")
ENTITIES = ("campaign", "lineItem", "product")

# What `export` writes, in this order (documented in the README; stable across versions).
EXPORT_COLUMNS = ("entity", "accountId", "campaignId", "lineItemId", "productId", "name", "type", "status",
                  "retailerId", "startDate", "endDate", "budget", "budgetSpent", "targetBid", "maxBid",
                  "bidOverride", "asExported")
EXPORT_NUMERIC = ("budget", "budgetSpent", "targetBid", "maxBid", "bidOverride")
# Columns bulkops writes in its reports: accepted in inputs (a report fed back) and not used.
REPORT_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                  "attempts", "traceId", "error")

LINE_ITEM_ID = Column("lineItemId", "id", blank_ok=False, digits=True,
                      aliases=("line_item_id", "line item", "lineitem", "li", "li id", "line item id"))
PRODUCT_ID = Column("productId", "id", required=True, blank_ok=False,
                    aliases=("sku", "skuId", "sku id", "product", "product_id", "product id", "item id"))
ENTITY = Column("entity", "choice", choices=ENTITIES, aliases=("record type",))

PRODUCTS = Schema(
    columns=(LINE_ITEM_ID, PRODUCT_ID,
             Column("bidOverride", "decimal", max_value=MAX_BID, none_ok=True,
                    aliases=("bid", "bid override", "bid_override", "cpc", "max cpc", "new bid")),
             Column("action", "choice", choices=PRODUCT_ACTIONS, aliases=("operation",)),
             Column("status", "text"),  # an export's: fed back, its edits say which rows to pause or unpause
             ENTITY, BASELINE),
    key=("lineItemId", "productId", "action"),
    ignored=EXPORT_COLUMNS + REPORT_COLUMNS,
    selector="entity",
    baseline=BASELINE.name,
)
# bids set a value from a cell: an exported row fed back unedited is skipped, an edited one checked for conflicts;
# an edited status is not theirs to set, and fails the row rather than go unseen
BIDS = replace(PRODUCTS, values=("bidOverride",),
               set_elsewhere=(("status", "`bulkops pause` or `unpause` on the same file acts on the rows whose status"
                                         " was edited"),))
# pause, unpause and remove act on every row they are given; an export fed back, only on the rows edited to say so
_BID_ELSEWHERE = (("bidOverride", "`bulkops bids` on the same file sets the edited bids"),)
PRODUCT_VERB_SCHEMAS = {"pause": replace(PRODUCTS, acts_on=("status", "paused"), set_elsewhere=_BID_ELSEWHERE),
                        "unpause": replace(PRODUCTS, acts_on=("status", "active"), set_elsewhere=_BID_ELSEWHERE),
                        "remove": replace(PRODUCTS, acts_on=("status", "removed"), set_elsewhere=_BID_ELSEWHERE)}

LINE_ITEMS = Schema(
    columns=(Column("lineItemId", "id", required=True, blank_ok=False, digits=True, aliases=LINE_ITEM_ID.aliases),
             Column("name", "text"),
             Column("status", "choice", choices=LINE_ITEM_STATUSES),
             Column("targetBid", "decimal", max_value=MAX_BID, none_ok=True,
                    aliases=("target bid",)),  # not "bid": in a sheet, that is a SKU's bidOverride
             Column("maxBid", "decimal", max_value=MAX_BID, none_ok=True, aliases=("max bid",)),
             Column("budget", "decimal", max_value=MAX_BUDGET, none_ok=True),
             Column("startDate", "date", aliases=("start date", "start")),
             Column("endDate", "date", none_ok=True, aliases=("end date", "end")),
             ENTITY, BASELINE),
    key=("lineItemId",),
    ignored=EXPORT_COLUMNS + REPORT_COLUMNS,
    selector="entity",
    baseline=BASELINE.name,
    values=("name", "status", "targetBid", "maxBid", "budget", "startDate", "endDate"),
)
# The line-item columns that change something (the others identify the row).
LINE_ITEM_FIELDS = ("name", "status", "targetBid", "maxBid", "budget", "startDate", "endDate")
