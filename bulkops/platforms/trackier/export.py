"""`export --trackier`: every campaign with its status and what a person checks before switching it.

The file is the input of `trackier-status` as it is: fed back unchanged, every row is skipped as not edited
(its `asExported` cell holds the status as read); a row whose status was edited is sent, unless the campaign's
live status moved since the export (a conflict, skipped unless --overwrite-changed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from bulkops.engine.client import ApiClient
from bulkops.errors import UsageError
from bulkops.io.columns import encode_baseline
from bulkops.platforms.trackier import reads, wire
from bulkops.platforms.trackier.schema import ENTITY, READ_ONLY


async def rows(api: ApiClient, options: Mapping[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Every listed campaign (deleted ones only with `status=deleted`), or those of the statuses asked for."""
    statuses = tuple(dict.fromkeys(str(s) for s in options.get("status") or ()))
    unknown = [s for s in statuses if s not in wire.STATUSES]
    if unknown:
        raise UsageError(f"--status {', '.join(unknown)}: Trackier's statuses are {', '.join(wire.STATUSES)}")
    for status in statuses or (None,):
        async for campaign in reads.listing(api, status):
            yield campaign_row(campaign)


def campaign_row(campaign: Mapping[str, Any]) -> dict[str, Any]:
    """A campaign as an export row."""
    row = {"entity": ENTITY, "campaignId": str(campaign.get("id")), "title": campaign.get("title"),
           "status": campaign.get("status"), "advertiserId": _text(campaign.get("advertiserId")),
           "advertiserName": campaign.get("advertiserName"), "currency": campaign.get("currency"),
           **wire.caps(campaign), "updatedAt": campaign.get("updatedAt")}
    row["asExported"] = encode_baseline({name: row[name] for name in ("status", *READ_ONLY)})
    return row


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
