"""The columns of MPO files: what `seller-bids` and `budgets` read, and what the MPO export writes.

One vocabulary for both directions, so an export can be edited and fed straight back to either job.
"""

from __future__ import annotations

from decimal import Decimal

from bulkops.io.columns import BASELINE, Column, Schema
from bulkops.platforms.mpo.wire import BUDGET_TYPES

MAX_BID = Decimal("100")  # a CPC above this (in the campaign's currency) is taken for a typo
MAX_AMOUNT = Decimal("100000000")
ENTITIES = ("seller", "sellerCampaign", "budget")
BOOLEANS = ("true", "false")
CAMPAIGN_SEPARATOR = ";"  # campaignIds cells: "430000;430001" (a comma would need quoting in a CSV)

# What the export writes, in this order (stable across versions).
EXPORT_COLUMNS = ("entity", "advertiserId", "sellerId", "sellerName", "campaignId", "sellerCampaignId", "bid",
                  "status", "suspendedSince", "budgetId", "budgetType", "campaignIds", "amount", "spend",
                  "startDate", "endDate", "isSuspended", "asExported")
EXPORT_NUMERIC = ("bid", "amount", "spend")
# Columns bulkops writes in its reports: accepted in inputs (a report fed back) and not used.
REPORT_COLUMNS = ("inputRow", "outcome", "message", "errorCode", "errorColumn", "before", "after", "httpStatus",
                  "attempts", "traceId", "error")

ENTITY = Column("entity", "choice", choices=ENTITIES, aliases=("record type",))
SELLER_ID = Column("sellerId", "id", aliases=("seller", "seller id", "seller_id"))

SELLER_BIDS = Schema(
    columns=(Column("sellerCampaignId", "id", aliases=("seller campaign id", "seller_campaign_id",
                                                       "seller campaign", "sellerCampaign")),
             SELLER_ID,
             Column("campaignId", "id", aliases=("campaign", "campaign id", "campaign_id")),
             Column("bid", "decimal", max_value=MAX_BID, none_ok=True,
                    aliases=("cpc", "bidOverride", "bid override", "new bid", "max cpc")),
             Column("status", "text"),  # an export's, read only: an edit there fails the row (`set_elsewhere`)
             ENTITY, BASELINE),
    key=("sellerCampaignId", "sellerId", "campaignId"),
    ignored=EXPORT_COLUMNS + REPORT_COLUMNS,
    selector="entity",
    values=("bid",),
    baseline=BASELINE.name,
    set_elsewhere=(("status", "a seller-campaign's status follows from its bid and its budgets (change those:"
                              " `bulkops budgets` for the budgets)"),),
)

# The budget columns that change something on an update (the others identify the row or describe a create).
BUDGET_FIELDS = ("campaignIds", "amount", "startDate", "endDate", "isSuspended")
BUDGET_IDENTITY = ("sellerId", "budgetType")  # set when a budget is created, never changed: the export keeps them

BUDGETS = Schema(
    columns=(Column("budgetId", "id", aliases=("budget id", "budget_id", "budget")),
             SELLER_ID,
             Column("campaignIds", "text", aliases=("campaign ids", "campaign_ids", "campaigns")),
             Column("budgetType", "choice", choices=BUDGET_TYPES, aliases=("budget type", "type")),
             Column("amount", "decimal", max_value=MAX_AMOUNT, aliases=("budget amount", "cap")),
             Column("startDate", "date", aliases=("start date", "start")),
             Column("endDate", "date", none_ok=True, aliases=("end date", "end")),
             Column("isSuspended", "choice", choices=BOOLEANS, aliases=("is suspended", "suspended")),
             ENTITY, BASELINE),
    key=("budgetId", "sellerId", "campaignIds", "budgetType", "amount", "startDate", "endDate", "isSuspended"),
    ignored=EXPORT_COLUMNS + REPORT_COLUMNS,
    selector="entity",
    values=(*BUDGET_FIELDS, *BUDGET_IDENTITY),  # an edited seller or type reaches the plan, which refuses it
    baseline=BASELINE.name,
)
