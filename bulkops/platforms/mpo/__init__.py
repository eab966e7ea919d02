"""Criteo Marketplace Performance Outcomes (MPO): seller bids, seller budgets, and the advertiser export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bulkops.platform import DemoStep, ExportSpec, JobSpec, Option, Platform, deferred
from bulkops.platforms import criteo
from bulkops.platforms.mpo import wire
from bulkops.platforms.mpo.schemas import EXPORT_COLUMNS, EXPORT_NUMERIC
from bulkops.runner.export import Table

if TYPE_CHECKING:
    from bulkops.engine.client import ApiClient

# the jobs, the export's reads and the demo load when a verb runs, not when the platforms are listed (--help)
SellerBidJob = deferred("bulkops.platforms.mpo.jobs:SellerBidJob")
BudgetJob = deferred("bulkops.platforms.mpo.jobs:BudgetJob")

VERSIONS = ("2025-10", "2026-01", "2026-07")

SELLER_BIDS_DOC = """Set the CPC bid of MPO seller-campaigns, from rows of sellerCampaignId and bid.

Columns: sellerCampaignId (or sellerId and campaignId), bid (or cpc). Example row: 10656107.248287,0.35

A blank bid leaves the seller-campaign as it is; `none` clears the bid (the seller-campaign then stops, with
NoCpcDefined); 0 stops delivery. Negative or non-numeric bids fail before anything is sent.

The current bids are read first, one request per campaign, so unknown seller-campaigns (or another
advertiser's) fail before sending and rows already at their bid are skipped. Bids go 2,000 per bulk PATCH;
the API refuses a whole call for one bad item, so the bad items are set aside and the others sent again.
An MPO export (`bulkops export --mpo`) is accepted as it is: its seller-campaign rows are used, the others
skipped. Reports go to the run directory: results (bid before → after), errors, undo (the old bids; feed it back
to restore them), summary.json. With --no-snapshot there are no old bids, so no undo rows."""

BUDGETS_DOC = """Create, change, suspend and resume MPO seller budgets.

Columns: budgetId (blank = create a budget), sellerId, campaignIds (one id, or several separated by `;`:
430000;430001), budgetType (Daily, Capped or Uncapped), amount, startDate, endDate (`none` = open-ended),
isSuspended (true = suspend, false = resume). A blank cell leaves the value as it is. Dates are 2027-09-01, or as
Excel saves them back (9/1/2027, 1/9/2027, 01.09.2027: the file's other dates tell which number is the month).
Example rows, in that column order: a create `,10656107,430000;430001,Capped,500,2027-09-01,2027-12-31,`;
a suspend `16501666,,,,,,,true`; a new amount, open-ended `16501666,,,,750,,none,`.

A create needs sellerId, campaignIds, budgetType, a startDate after today, and an amount for Capped and Daily
budgets (none for Uncapped). An update changes only what it gives: campaignIds may only narrow, an Uncapped
budget takes no amount, a Capped one's amount cannot go below its spend, startDate only moves before the budget
starts, endDate must be after the start and after today; Archived budgets cannot change. A seller-campaign has
at most one active daily and one active non-daily budget: a create, resume or date change that would overlap
another fails. All of this is checked against the budgets as read, before anything is sent.

Undo: an update's undo row restores the old amount, startDate, endDate and isSuspended (a narrowed campaignIds
cannot be widened again). The API cannot delete a budget, so the undo of a create suspends it (by the id the
API gave it, kept in the run's journal)."""

EXPORT_DOC = """Sellers, seller-campaigns and current or scheduled budgets of MPO advertisers (--advertiser), one
row per entity (column `entity`: seller, sellerCampaign, budget) under stable columns: entity, advertiserId,
sellerId, sellerName, campaignId, sellerCampaignId, bid, status, suspendedSince, budgetId, budgetType,
campaignIds, amount, spend, startDate, endDate, isSuspended. Edit it and feed it back to `seller-bids`
(seller-campaign rows) or `budgets` (budget rows)."""


async def _probe(api: ApiClient) -> Any:
    """The cheapest call that proves host, login and version: the advertisers list."""
    return await api.call("GET", f"{wire.root(api.connection.api_version)}/advertisers", attempts=2)


PLATFORM = Platform(
    name="mpo",
    title="Criteo MPO",
    dialect=criteo.DIALECT,
    default_base_url=criteo.BASE_URL,
    credentials="oauth",
    api_versions=VERSIONS,
    default_api_version="2026-07",
    sandbox_api="mpo",
    flag="mpo",
    jobs=(
        JobSpec("seller-bids", "Set the CPC bids of MPO seller-campaigns.", SELLER_BIDS_DOC,
                lambda options: SellerBidJob()),
        JobSpec("budgets", "Create, change, suspend or resume MPO seller budgets.", BUDGETS_DOC,
                lambda options: BudgetJob()),
    ),
    export=ExportSpec(
        rows=deferred("bulkops.platforms.mpo.export:rows"), table=Table(EXPORT_COLUMNS, EXPORT_NUMERIC),
        doc=EXPORT_DOC, required=("advertiser",),
        options=(Option("advertiser", "MPO advertiser id (repeat for several).", multiple=True),),
    ),
    demo=DemoStep("Criteo MPO: export an advertiser, 20 seller bids with bad rows, suspend a budget, undo",
                  deferred("bulkops.platforms.mpo.demo:run")),
    probe=_probe,
)
