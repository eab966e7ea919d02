"""Criteo Retail Media: promoted products (bids, pause, unpause, remove), line items, and the account export."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bulkops.platform import DemoStep, ExportSpec, JobSpec, Option, Platform, deferred, ids_given
from bulkops.platforms import criteo
from bulkops.platforms.retail_media import wire
from bulkops.platforms.retail_media.schemas import EXPORT_COLUMNS, EXPORT_NUMERIC
from bulkops.runner.export import Table

if TYPE_CHECKING:
    from bulkops.engine.client import ApiClient

# the jobs, the export's reads and the demo load when a verb runs, not when the platforms are listed (--help)
ProductJob = deferred("bulkops.platforms.retail_media.jobs:ProductJob")
LineItemJob = deferred("bulkops.platforms.retail_media.jobs:LineItemJob")

VERSIONS = ("2026-01", "2026-07", "2027-01")

ACCOUNTS = Option("accounts", "Rows may name productId alone (no lineItemId column, or a blank cell): act on the"
                  " SKU wherever these accounts promote it"
                  " (repeat for several, or 4000,4001); a row naming a line item of another account fails"
                  " (other-account); an account these credentials cannot use is refused before anything is read.",
                  multiple=True, flag="--account")
ADD = Option("add", "Add SKUs that are not on the line item yet, with their bid, or with no override where the"
             " bid is blank (otherwise such a row fails: a bid changes a product, it does not add one; action=add"
             " does the same row by row).", kind=bool, default=False)

BIDS_DOC = """Set bidOverride on promoted products, from rows of lineItemId, productId, bidOverride.

Columns: lineItemId, productId (or sku), bidOverride (or bid), and optionally action (set-bid, add, pause,
unpause, remove) to override the verb row by row, as undo files do; a pause, unpause or remove row sets no
bid, so its bid cell must be blank (a filled one fails the row). Example row: 50000012,0a1b2c3d4e5,1.25

A bid changes a product already on the line item: a SKU that is not there fails (a typo in lineItemId must not
promote products on the wrong line item); action=add, or --add, adds it.

Column names are matched loosely (sku, product id, bid, cpc, line item id ... work). A blank bidOverride
leaves the product as it is; `none` clears the override (the line item's bid applies).

Every row is checked first (ids, numbers, duplicates); then current values are read, so rows already at their
target are skipped, bids under the SKU's min bid, bids on preferred line items and line items that would hold
more than 500 products fail before sending. Reports go to the run directory: results, errors (fix and feed
back), undo (feed back to restore), summary.json."""

STATUS_DOC = """{what} the promoted products of the file: rows of lineItemId and productId.

Columns: lineItemId, productId (or sku). Example row: 50000012,0a1b2c3d4e5

With --account, rows may give productId alone (no lineItemId column, or its cell blank): the SKU is {done} on
every line item of those accounts that promotes it; a row naming a line item of another account fails.
{skipped} An export fed back acts only on the rows whose status was set to {status} since (delete its asExported
column to act on every row). Reports as for `bids`, with an undo file."""

LINE_ITEMS_DOC = """Change line items from rows of lineItemId and the values to set.

Columns: lineItemId, and any of name, status (active/paused/draft), targetBid, maxBid, budget, startDate,
endDate. Example row: 50000012,,paused,1.10,,,,2026-12-31

A blank cell leaves the value as it is; `none` clears targetBid, maxBid, budget or endDate. Dates are
2026-12-31, or as Excel saves them back (12/31/2026, 31/12/2026, 31.12.2026: the file's other dates tell which
number is the month). Each line item is read, merged with the row and written back whole (the API's PUT
replaces every field), so each changed line item costs three requests. Reports as for `bids`, with an undo
file."""

EXPORT_DOC = """Campaigns, line items and promoted products of accounts (--account), one row per entity (column
`entity`: campaign, lineItem, product) under stable columns: entity, accountId, campaignId, lineItemId,
productId, name, type, status, retailerId, startDate, endDate, budget, budgetSpent, targetBid, maxBid,
bidOverride. Edit it and feed it back: to `bids` (product rows whose bidOverride you edited), to `pause`,
`unpause` or `remove` (product rows whose status you set to paused, active or removed; the other rows are
skipped), or to `line-items` (line item rows you edited)."""


def _products(verb: str) -> Any:
    return lambda options: ProductJob(verb, ids_given(options.get("accounts")), bool(options.get("add")))


def _bids_refused(options: Any, snapshot: bool) -> str | None:
    if not snapshot and not options.get("add"):
        return ("bids --no-snapshot sends every row blind: a bid on a SKU that is not on the line item would add"
                " it. Pass --add to accept that, or drop --no-snapshot")
    return None


async def _probe(api: ApiClient) -> Any:
    """The cheapest call that proves host, login and version: one account."""
    return await api.call("GET", f"{wire.root(api.connection.api_version)}/accounts", params={"pageSize": 1},
                          attempts=2)


PLATFORM = Platform(
    name="retail-media",
    title="Criteo Retail Media",
    dialect=criteo.DIALECT,
    default_base_url=criteo.BASE_URL,
    credentials="oauth",
    api_versions=VERSIONS,
    default_api_version="2026-07",
    sandbox_api="retail-media",
    jobs=(
        JobSpec("bids", "Set bidOverride on promoted products.", BIDS_DOC, _products("bids"), (ADD,),
                refuse=_bids_refused),
        JobSpec("pause", "Pause promoted products (SKUs).",
                STATUS_DOC.format(what="Pause", done="paused", skipped="Rows already paused are skipped.",
                                  status="paused"),
                _products("pause"), (ACCOUNTS,)),
        JobSpec("unpause", "Unpause promoted products (SKUs).",
                STATUS_DOC.format(what="Unpause", done="unpaused", skipped="Rows already active are skipped.",
                                  status="active"),
                _products("unpause"), (ACCOUNTS,)),
        JobSpec("remove", "Remove promoted products from line items.",
                STATUS_DOC.format(what="Remove", done="removed", skipped="Rows whose product is already gone are"
                                  " skipped; a line item keeps at least one product.", status="removed"),
                _products("remove"), (ACCOUNTS,)),
        JobSpec("line-items", "Change line items (name, status, bids, budget, dates).", LINE_ITEMS_DOC,
                lambda options: LineItemJob(), snapshot_optional=False),
    ),
    export=ExportSpec(
        rows=deferred("bulkops.platforms.retail_media.export:rows"), table=Table(EXPORT_COLUMNS, EXPORT_NUMERIC),
        doc=EXPORT_DOC, required=("account",),
        options=(
            Option("account", "Account id (repeat for several).", multiple=True),
            Option("campaign", "Only these campaign ids.", multiple=True),
            Option("status", "Only line items with this status (active, paused, scheduled, ended, ...).",
                   multiple=True),
            Option("product_status", "Only products with this status (active, paused).", multiple=True),
            Option("no_products", "Campaigns and line items only.", kind=bool, default=False),
        ),
    ),
    demo=DemoStep("Criteo Retail Media: export, a bid sheet with bad rows, a pause across an account, undo",
                  deferred("bulkops.platforms.retail_media.demo:run")),
    probe=_probe,
)
