"""The Trackier part of the control plane: campaigns as the API shows them, caps, the Offer Checker, clicks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bulkops.sandbox.control import json_object
from bulkops.sandbox.problems import problem
from bulkops.sandbox.state import STATE, SandboxState
from bulkops.sandbox.trackier import rules, shapes
from bulkops.sandbox.trackier.routes import now, settled
from bulkops.sandbox.trackier.store import TrackierStore, facts_of


class TrackierControl:
    """`sb.control.trackier`: read campaigns, hit caps, suspend, click, and arrange statuses for tests."""

    def __init__(self, state: SandboxState) -> None:
        self._st = state

    def _db(self) -> TrackierStore:
        return settled(self._st)

    def campaign_ids(self) -> list[int]:
        """Every campaign id, ascending (deleted ones too)."""
        return self._db().ids()

    def campaign(self, campaign_id: int) -> dict[str, Any]:
        """A campaign exactly as GET /v2/campaigns/{id} shows it; KeyError when unknown."""
        row = self._db().campaign(int(campaign_id))
        if row is None:
            raise KeyError(campaign_id)
        return shapes.campaign_json(row)

    def counts(self) -> dict[str, int]:
        """Campaigns per status, in the order of the statuses."""
        counts = self._db().counts()
        return {s: counts[s] for s in rules.STATUSES if s in counts}

    def _apply(self, campaign_id: int, facts: rules.CampaignFacts) -> None:
        self._db().set_facts([int(campaign_id)], facts, now(self._st))

    def _facts(self, campaign_id: int) -> rules.CampaignFacts:
        row = self._db().campaign(int(campaign_id))
        if row is None:
            raise KeyError(campaign_id)
        return facts_of(row)

    def hit_cap(self, campaign_id: int) -> str:
        """A cap is reached today: an active campaign is paused until tomorrow; others are unchanged. The status."""
        facts = rules.after_cap(self._facts(campaign_id), self._st.clock.today())
        self._apply(campaign_id, facts)
        return facts.status

    def suspend(self, campaign_id: int) -> None:
        """The Offer Checker suspends a campaign (too many redirects, preview URL mismatch)."""
        self._facts(campaign_id)
        self._apply(campaign_id, rules.after_status(rules.SUSPENDED))

    def click(self, campaign_id: int) -> bool:
        """A click arrives: is the traffic taken? Only by an active campaign."""
        return rules.takes_traffic(self._facts(campaign_id).status)

    def set_status(self, campaign_id: int, status: str) -> None:
        """Any status, as the platform may set it (no cap pending), for arranging tests."""
        if status not in rules.STATUSES:
            raise ValueError(f"unknown status {status!r}; statuses: {', '.join(rules.STATUSES)}")
        self._facts(campaign_id)
        self._apply(campaign_id, rules.after_status(status))


control_routes = web.RouteTableDef()


async def _target(request: web.Request) -> tuple[TrackierControl, int]:
    body = await json_object(request)
    ident = body.get("campaignId")
    control = TrackierControl(request.app[STATE])
    if type(ident) is not int or ident not in control.campaign_ids():
        raise problem(404, "validation", "campaign-not-found", f"campaign {ident!r} not found")
    return control, ident


@control_routes.post("/__sandbox__/trackier/cap")
async def _cap(request: web.Request) -> web.Response:
    control, ident = await _target(request)
    control.hit_cap(ident)
    return web.json_response({"campaign": control.campaign(ident)})


@control_routes.post("/__sandbox__/trackier/suspend")
async def _suspend(request: web.Request) -> web.Response:
    control, ident = await _target(request)
    control.suspend(ident)
    return web.json_response({"campaign": control.campaign(ident)})


@control_routes.post("/__sandbox__/trackier/click")
async def _click(request: web.Request) -> web.Response:
    control, ident = await _target(request)
    return web.json_response({"accepted": control.click(ident)})
