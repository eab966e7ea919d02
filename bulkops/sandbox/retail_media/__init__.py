"""The Criteo Retail Media API in the sandbox: accounts, campaigns, line items, promoted products, min bids."""

from __future__ import annotations

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import bearer
from bulkops.sandbox.retail_media import routes_read, routes_write
from bulkops.sandbox.retail_media.control import RetailMediaControl
from bulkops.sandbox.retail_media.generator import generate
from bulkops.sandbox.retail_media.store import SCHEMA
from bulkops.sandbox.settings import Option

VERSIONS = ("2026-01", "2026-07", "2027-01")


API = SandboxApi(
    name="retail-media",
    title="Criteo Retail Media",
    prefix="/{version}/retail-media/",
    versions=VERSIONS,
    authenticate=bearer,
    routes=(*routes_read.routes, *routes_write.routes),
    schema=SCHEMA,
    generate=lambda st: generate(st.store, st.settings, st.clock.today()),
    is_empty=lambda st: st.store.is_empty("accounts"),
    control=RetailMediaControl,
    quota_group="criteo",
    options=(
        Option("accounts", 2, "Accounts the client may see (one more exists that it may not)."),
        Option("line_items", 40, "Line items per account.", serve_default=200),
        Option("max_products", 60, "Promoted products per line item, drawn 0..N (≤ 500).", serve_default=500),
    ),
    summary=lambda st: (f"accounts {', '.join(RetailMediaControl(st).account_ids())}"
                        f" ({RetailMediaControl(st).product_count()} promoted products)"),
)
