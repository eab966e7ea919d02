"""The MPO part of the control plane: what the store holds, as the API shows it, and what tests may change."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from bulkops.sandbox.control import json_object
from bulkops.sandbox.mpo import views
from bulkops.sandbox.mpo.rules import budget_status
from bulkops.sandbox.mpo.store import MpoStore, budget_facts, budget_row
from bulkops.sandbox.problems import ApiProblem, problem
from bulkops.sandbox.state import STATE, SandboxState


class MpoControl:
    """`sb.control.mpo`: advertisers, seller-campaigns and budgets of the running sandbox."""

    def __init__(self, state: SandboxState) -> None:
        self._st = state
        self._store = MpoStore(state.store)

    def advertiser_ids(self) -> list[int]:
        """Advertisers the default client may see."""
        rows = self._store.all("SELECT id FROM mpo_advertisers WHERE owner=? ORDER BY id",
                               (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def hidden_advertiser_ids(self) -> list[int]:
        """Advertisers that exist but that the default client may not see (403)."""
        rows = self._store.all("SELECT id FROM mpo_advertisers WHERE owner<>? ORDER BY id",
                               (self._st.settings.client_id,))
        return [r["id"] for r in rows]

    def campaign_ids(self, advertiser_id: int) -> list[int]:
        """The campaigns of an advertiser, ascending."""
        rows = self._store.all("SELECT id FROM mpo_campaigns WHERE advertiser_id=? ORDER BY id", (advertiser_id,))
        return [r["id"] for r in rows]

    def seller_campaign_ids(self, advertiser_id: int) -> list[str]:
        """Every seller-campaign id of an advertiser, by seller then campaign."""
        return [r["id"] for r in self._store.seller_campaigns_where("sc.advertiser_id=?", (advertiser_id,))]

    def seller_campaign(self, sc_id: str) -> dict[str, Any]:
        """A seller-campaign exactly as the API shows it (SellerCampaignMessage)."""
        row = self._store.seller_campaign(sc_id)
        if row is None:
            raise KeyError(sc_id)
        return views.seller_campaigns(self._st, [row])[0]

    def budgets(self, seller_campaign_id: str | None = None, *, include_archived: bool = True) -> list[dict[str, Any]]:
        """SellerBudgetMessages, of one seller-campaign or of every advertiser, by id."""
        if seller_campaign_id is None:
            rows = self._store.budgets_where("1=1", ())
        else:
            seller_id, _, campaign = seller_campaign_id.partition(".")
            rows = [r for r in self._store.budgets_where("b.seller_id=?", (seller_id,))
                    if campaign in r["campaign_ids"].split(",")]
        out = [views.budget(budget_facts(r), self._st) for r in rows]
        return [b for b in out if include_archived or b["status"] != "Archived"]

    def budget(self, budget_id: int | str) -> dict[str, Any]:
        """A budget exactly as the API shows it (SellerBudgetMessage)."""
        row = self._store.budget(int(budget_id))
        if row is None:
            raise KeyError(budget_id)
        return views.budget(budget_facts(row), self._st)

    def set_spend(self, budget_id: int | str, spend: float) -> None:
        """Set what a budget has spent (a Daily budget: today's spend); seller-campaigns follow."""
        row = self._store.budget(int(budget_id))
        if row is None:
            raise KeyError(budget_id)
        self._store.save_budgets([budget_row(replace(budget_facts(row), spend=float(spend)), row["advertiser_id"])])
        views.refresh_sellers(self._st, [row["seller_id"]])

    def set_in_catalog(self, seller_id: str, in_catalog: bool) -> None:
        """Put a seller's products back in the feed, or remove them (RemovedFromCatalog)."""
        if self._store.seller(seller_id) is None:
            raise KeyError(seller_id)
        self._store.store.run("UPDATE mpo_sellers SET in_catalog=? WHERE id=?", (int(in_catalog), seller_id))
        views.refresh_sellers(self._st, [seller_id])

    def mark_processed(self, seller_campaign_id: str) -> None:
        """A new seller-campaign has been processed: NotYetStarted no longer applies."""
        row = self._store.seller_campaign(seller_campaign_id)
        if row is None:
            raise KeyError(seller_campaign_id)
        self._store.store.run("UPDATE mpo_seller_campaigns SET processed=1 WHERE id=?", (seller_campaign_id,))
        views.refresh_sellers(self._st, [row["seller_id"]])

    def budget_statuses(self) -> dict[str, int]:
        """How many budgets are Current, Scheduled and Archived today."""
        counts = dict.fromkeys(("Current", "Scheduled", "Archived"), 0)
        for r in self._store.budgets_where("1=1", ()):
            f = budget_facts(r)
            counts[budget_status(f.start, f.end, self._st.clock.today())] += 1
        return counts

    def summary(self) -> str:
        """One line: advertisers, seller-campaigns and budgets."""
        ids = self.advertiser_ids()
        scs = self._store.scalar("SELECT COUNT(*) FROM mpo_seller_campaigns sc JOIN mpo_advertisers a"
                                 " ON a.id=sc.advertiser_id WHERE a.owner=?", (self._st.settings.client_id,))
        budgets = self._store.scalar("SELECT COUNT(*) FROM mpo_budgets b JOIN mpo_advertisers a"
                                     " ON a.id=b.advertiser_id WHERE a.owner=?", (self._st.settings.client_id,))
        return f"advertisers {', '.join(map(str, ids))} ({scs} seller-campaigns, {budgets} budgets)"


routes = web.RouteTableDef()


def _control(request: web.Request) -> MpoControl:
    return MpoControl(request.app[STATE])


def _not_found(exc: KeyError) -> ApiProblem:
    return problem(404, "validation", "not-found", f"{exc.args[0]} was not found")


@routes.post("/__sandbox__/mpo/spend")
async def _spend(request: web.Request) -> web.Response:
    body = await json_object(request)
    budget_id, spend = int(body["budgetId"]), float(body["spend"])  # a bad body is a 400 (control plane)
    control = _control(request)
    try:
        control.set_spend(budget_id, spend)
    except KeyError as exc:
        raise _not_found(exc) from None
    return web.json_response(control.budget(budget_id))


@routes.post("/__sandbox__/mpo/catalog")
async def _catalog(request: web.Request) -> web.Response:
    body = await json_object(request)
    seller_id, in_catalog = str(body["sellerId"]), body.get("inCatalog")
    if not isinstance(in_catalog, bool):
        raise problem(400, "validation", "invalid-body", "inCatalog must be true or false")
    try:
        _control(request).set_in_catalog(seller_id, in_catalog)
    except KeyError as exc:
        raise _not_found(exc) from None
    return web.json_response({"sellerId": seller_id, "inCatalog": in_catalog})


@routes.get("/__sandbox__/mpo/seller-campaigns/{id}")
async def _seller_campaign(request: web.Request) -> web.Response:
    try:
        return web.json_response(_control(request).seller_campaign(request.match_info["id"]))
    except KeyError as exc:
        raise _not_found(exc) from None
