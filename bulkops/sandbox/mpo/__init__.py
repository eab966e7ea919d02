"""The Criteo Marketplace Performance Outcomes (MPO) API in the sandbox: sellers, seller-campaigns, bids, budgets.

Served under `/{version}/marketing-solutions/marketplace-performance-outcomes/` with the Retail Media OAuth
token, quota group and faults. Lists are bare JSON arrays, unpaged. Bulk writes (PATCH /seller-campaigns,
POST and PATCH /budgets, ≤ 2,000 items) are all-or-nothing: any bad item → 400, nothing applied, one error
per bad item with `instance` "@data[i].field" and `source` {"index", "id"}.

Validation codes from the reference: WithInvalidSellerCampaignId (unknown or not yours), WithInvalidBidValue,
WithInvalidSellerId, WithInvalidCampaignId, WithInvalidBudgetId, WithInvalidTypeForAmount (amount given for
Uncapped, or missing for Capped/Daily), WithInvalidDate (startDate), WithInvalidEndDate, WithInvalidAdvertiserId.
Codes of our own, for rules the reference lists without a code:
- WithInvalidBudgetType [INFERRED]: budgetType missing or not Daily|Capped|Uncapped.
- WithInvalidAmountValue [INFERRED]: amount negative or not a number (string or number accepted).
- WithAmountBelowSpend [INFERRED]: a Capped budget's amount lowered below its spend.
- WithInactiveBudget [INFERRED]: an update of an Archived budget.
- WithOverlappingBudget [INFERRED]: two non-suspended, non-archived budgets of one kind (Daily vs lifetime)
  would overlap in time on a common seller-campaign (create, resume or date change).
- WithInvalidIsSuspended [INFERRED]: isSuspended not a boolean.
- WithUnknownAttribute [INFERRED]: an attribute the operation does not take; WithDuplicateId [INFERRED]: the
  same id twice in one call (the second is refused); WithInvalidItem [INFERRED]: an item that is not an object.
- WithInvalidBody / WithTooManyItems [INFERRED]: a body that is not an array / more than 2,000 items.
- WithInvalidParameter [INFERRED]: a query filter with a bad value.
Choices where the reference is silent [INFERRED]: `source.id` of a POST /budgets item is its sellerId; a seller is
Active when one of its seller-campaigns is; `sellerName` matches a case-insensitive substring; withBalance /
withSpend filter both ways; `status=Archived` lifts the default "no past endDate" exclusion as `endAfterDate`
does; PATCH /seller-campaigns/{id} without `bid` sets the bid to null; `endDate: ""` on update makes a budget
open-ended; a null attribute in an update means "not supplied".
"""

from __future__ import annotations

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import bearer
from bulkops.sandbox.mpo import control, routes_bids, routes_budgets, routes_read
from bulkops.sandbox.mpo.control import MpoControl
from bulkops.sandbox.mpo.generator import generate
from bulkops.sandbox.mpo.store import SCHEMA
from bulkops.sandbox.settings import Option

VERSIONS = ("2025-10", "2026-01", "2026-07")

API = SandboxApi(
    name="mpo",
    title="Criteo MPO",
    prefix="/{version}/marketing-solutions/marketplace-performance-outcomes/",
    versions=VERSIONS,
    authenticate=bearer,
    routes=(*routes_read.routes, *routes_bids.routes, *routes_budgets.routes),
    schema=SCHEMA,
    generate=lambda st: generate(st.store, st.settings, st.clock.now(), st.clock.today()),
    is_empty=lambda st: st.store.is_empty("mpo_advertisers"),
    control=MpoControl,
    control_routes=tuple(control.routes),
    quota_group="criteo",
    options=(
        Option("mpo_advertisers", 1, "MPO advertisers the client may see (one more exists that it may not)."),
        Option("mpo_sellers", 60, "MPO sellers per advertiser.", serve_default=2000),
        Option("mpo_campaigns", 2, "MPO campaigns per advertiser (every seller has a seller-campaign in each)."),
    ),
    summary=lambda st: MpoControl(st).summary(),
)
