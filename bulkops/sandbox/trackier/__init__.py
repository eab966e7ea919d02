"""The Trackier campaign API (v2) in the sandbox: campaigns, their statuses, caps that pause and reset them."""

from __future__ import annotations

from bulkops.sandbox.api import SandboxApi
from bulkops.sandbox.auth import api_key
from bulkops.sandbox.settings import Option
from bulkops.sandbox.state import SandboxState
from bulkops.sandbox.trackier import routes
from bulkops.sandbox.trackier.control import TrackierControl, control_routes
from bulkops.sandbox.trackier.generator import generate
from bulkops.sandbox.trackier.shapes import render
from bulkops.sandbox.trackier.store import SCHEMA


def _summary(state: SandboxState) -> str:
    counts = TrackierControl(state).counts()
    return f"{sum(counts.values())} campaigns (" + ", ".join(f"{n} {s}" for s, n in counts.items()) + ")"


API = SandboxApi(
    name="trackier",
    title="Trackier",
    prefix="/v2/",
    versions=(),
    authenticate=api_key(header="X-Api-Key", query="apiKey", key_option="api_key", missing="API_KEY_MISSING",
                         invalid="INVALID_API_KEY"),
    routes=routes.routes,
    schema=SCHEMA,
    generate=lambda st: generate(st.store, st.settings, st.clock.utcnow()),
    is_empty=lambda st: st.store.is_empty("trackier_campaigns"),
    control=TrackierControl,
    control_routes=control_routes,
    render=render,
    quota_group="trackier",
    quota_option="trackier_quota",
    rate_headers=False,
    options=(
        Option("trackier_campaigns", 60, "Trackier campaigns (ids from 101).", serve_default=1000),
        Option("trackier_quota", 60, "Trackier calls per minute per API key (Trackier publishes none); 0 = off."),
        Option("trackier_max_ids", 100, "Most campaignIds in one Trackier status call."),
        Option("api_key", "", "The API key of API-key APIs (Trackier); empty = the client secret.", kind=str),
    ),
    summary=_summary,
)
