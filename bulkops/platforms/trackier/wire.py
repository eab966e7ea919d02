"""Trackier v2 on the client side: paths, statuses, list paging and the error body (several shapes inferred).

No official Trackier v2 reference was found (/work/shared/reference/mpo-trackier.md, part B and gap C.3). Seen in
third-party code: the `X-Api-Key` header, `POST /v2/campaigns/status` with `{"campaignIds", "status"}`,
`{"campaigns": [...]}`, `pagination.totalCount`, `.success`, `API_KEY_MISSING`. INFERRED, and to be corrected
HERE once the real API is checked (api.trackier.com docs or a Postman collection): the `page`/`limit`/`status`
list parameters and the page cap (500), `pagination.totalPages`, the campaign fields read below (`title`,
`advertiserId`, `advertiserName`, `currency`, `caps.daily|monthly.clicks|conversions`, `updatedAt`), that a
list leaves deleted campaigns out unless `status=deleted` is asked, and the error body
`{"success": false, "message": ..., "errors": [{"code", "message", "index"?, "campaignId"?, "field"?}]}`.
The sandbox writes the same shapes on purpose in its own module (`bulkops/sandbox/trackier/shapes.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bulkops.engine.envelope import parse_body, retry_after, typed_error
from bulkops.engine.paging import PageLimitPaging
from bulkops.errors import ApiError, ItemError

CAMPAIGNS = "/v2/campaigns"
STATUS_PATH = "/v2/campaigns/status"
PAGE_LIMIT = 500  # inferred: the most campaigns a list page may hold

STATUSES = ("active", "pending", "paused", "disabled", "suspended", "expired", "deleted")
CLIENT_STATUSES = ("active", "pending", "disabled", "expired", "deleted")  # what a client may set
# Statuses only Trackier itself sets (seed 003): why a client may not, and what to use instead.
SYSTEM_STATUSES = {
    "paused": "paused is set by the system when a cap is reached (and lifted the next day when the cap resets)",
    "suspended": "suspended is set by the Offer Checker",
}
INSTEAD = ("use disabled to stop a campaign for good (it is never re-activated automatically), or pending to"
           " hold it")


def paging(status: str | None = None) -> PageLimitPaging:
    """The list's paging: every listed campaign, or those of one status (`status=deleted` lists deleted ones)."""
    extra = () if status is None else (("status", status),)
    return PageLimitPaging(limit=PAGE_LIMIT, items_key="campaigns", meta_key="pagination", total_key="totalCount",
                           pages_key="totalPages", extra=extra)


def status_body(campaign_ids: list[str], status: str) -> dict[str, Any]:
    """The body of one status call; ids go as numbers, as Trackier's are (a non-numeric one as given)."""
    return {"campaignIds": [int(i) if i.isdigit() else i for i in campaign_ids], "status": status}


def read_error(status: int, headers: Mapping[str, str], body: bytes, method: str, path: str) -> ApiError:
    """The typed error of an error answer; errors naming an index or a campaign id become item errors."""
    data = parse_body(body)
    errors = data.get("errors") if isinstance(data, dict) else None
    errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
    first = errors[0] if errors else {}
    message = (data.get("message") if isinstance(data, dict) else None) or first.get("message")
    return typed_error(status, str(message or f"HTTP {status}"), code=str(first.get("code") or ""),
                       items=_items(errors), rate=retry_after(headers), method=method, path=path)


def _items(errors: list[dict[str, Any]]) -> tuple[ItemError, ...]:
    found = []
    for e in errors:
        index, ident = e.get("index"), e.get("campaignId")
        if index is None and ident is None:
            continue  # a field's error (status, campaignIds): it names no campaign
        found.append(ItemError(index if isinstance(index, int) else None, None if ident is None else str(ident),
                               str(e.get("code") or ""), str(e.get("message") or "")))
    return tuple(found)


def caps(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """The daily and monthly click and conversion caps of a campaign (None: no cap)."""
    found = _table(campaign.get("caps"))
    return {f"{period}{kind.capitalize()}Cap": _table(found.get(period)).get(kind)
            for period in ("daily", "monthly") for kind in ("clicks", "conversions")}


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
