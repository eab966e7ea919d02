"""`seller-bids` rows → operations (pure): resolve each row's seller-campaign, compare with its bid now."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bulkops.io.columns import NONE, Row
from bulkops.platforms.mpo.reads import LookupFailure
from bulkops.platforms.mpo.wire import SET_BID
from bulkops.runner.protocol import PlanOptions, conflict
from bulkops.types import Operation, OutcomeStatus, Plan, RowNote

SC_ID = re.compile(r"^[^.\s]+\.\d+$")  # "<sellerId>.<campaignId>"
NO_BID = "none"  # the bid cell (and the journaled text) of a null bid: no CPC, the seller-campaign stops
Snapshot = Mapping[str, Mapping[str, Mapping[str, Any]] | LookupFailure]  # campaign → sc id → SellerCampaignMessage


@dataclass(frozen=True, slots=True)
class BidRow:
    """One row asking for a bid on one seller-campaign."""

    row_number: int
    seller_campaign_id: str
    bid: Decimal | None  # None: clear the bid
    baseline: Mapping[str, Any] | None = None

    @property
    def campaign_id(self) -> str:
        """The campaign part of the composite id."""
        return self.seller_campaign_id.rsplit(".", 1)[1]


def bid_text(bid: Any) -> str | None:
    """A bid as journaled: its decimal text, None for no bid."""
    return None if bid is None else format(Decimal(str(bid)).normalize(), "f")


def shown(bid: Any) -> str:
    """A bid as a person reads it in messages and reports."""
    return NO_BID if bid is None or bid is NONE else str(bid_text(bid))


def resolve(rows: list[Row]) -> tuple[list[BidRow], list[RowNote]]:
    """Rows with a seller-campaign id and a bid; the others settled (blank bid, bad or missing id, repeats)."""
    found: list[BidRow] = []
    notes: list[RowNote] = []
    for row in rows:
        sc_id, problem = _seller_campaign_id(row)
        if problem is not None:
            notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, problem[0], problem[1], problem[2]))
        elif row.get("bid") is None and (row.baseline or {}).get("bid") not in (None, NONE):
            notes.append(RowNote(row.row_number, OutcomeStatus.FAILED, "bid", "emptied",
                                 f"bid was {shown((row.baseline or {})['bid'])} when exported and is blank now: a"
                                 " blank cell leaves the bid as it is; write none to clear it, or put back the"
                                 " exported value"))
        elif row.get("bid") is None:
            notes.append(RowNote(row.row_number, OutcomeStatus.SKIPPED, "bid", "no-bid",
                                 "bid is empty: nothing to change (write 'none' to clear the bid, 0 to stop delivery)"))
        else:
            bid = row.get("bid")
            found.append(BidRow(row.row_number, sc_id, None if bid is NONE else bid, row.baseline))
    return _one_per_seller_campaign(found, notes)


def _seller_campaign_id(row: Row) -> tuple[str, tuple[str, str, str] | None]:
    given, seller, campaign = row.get("sellerCampaignId"), row.get("sellerId"), row.get("campaignId")
    composed = f"{seller}.{campaign}" if seller and campaign else None
    if given is None and composed is None:
        return "", ("sellerCampaignId", "missing-id", "give sellerCampaignId, or both sellerId and campaignId")
    if given is not None and composed is not None and given != composed:
        return "", ("sellerCampaignId", "id-mismatch", f"sellerCampaignId {given} is not sellerId.campaignId"
                    f" ({composed}); keep one or make them agree")
    sc_id = str(given or composed)
    if not SC_ID.match(sc_id):
        if given is None:  # the cells the user typed, not the id made of them
            bad = next(n for n, v in (("sellerId", seller), ("campaignId", campaign)) if not str(v).isdigit())
            return "", (bad, "invalid-id", f"{bad} {row.get(bad)!r} is not a number (sellerId and campaignId are"
                        " digits, as in 10656107 and 248287)")
        return "", ("sellerCampaignId", "invalid-id", f"sellerCampaignId {sc_id!r} is not <sellerId>.<campaignId>"
                    " (e.g. 10656107.248287)")
    return sc_id, None


def _one_per_seller_campaign(rows: list[BidRow], notes: list[RowNote]) -> tuple[list[BidRow], list[RowNote]]:
    """Rows naming one seller-campaign in two ways (id, or seller + campaign): a repeat is done once, a
    disagreement fails every such row (no one can tell which bid was meant)."""
    groups: dict[str, list[BidRow]] = {}
    for r in rows:
        groups.setdefault(r.seller_campaign_id, []).append(r)
    keep = []
    for sc_id, group in groups.items():
        if all(r.bid == group[0].bid for r in group):
            keep.append(group[0])
            notes += [RowNote(r.row_number, OutcomeStatus.SKIPPED, None, "duplicate",
                              f"same as row {group[0].row_number}; done once") for r in group[1:]]
            continue
        numbers = ", ".join(str(r.row_number) for r in group)
        notes += [RowNote(r.row_number, OutcomeStatus.FAILED, "bid", "duplicate-conflict",
                          f"seller-campaign {sc_id} is on rows {numbers} with other bids; keep one") for r in group]
    return sorted(keep, key=lambda r: r.row_number), notes


def plan_bids(rows: list[BidRow], snapshot: Snapshot, options: PlanOptions) -> Plan:
    """Each row against its seller-campaign as read: unknown ids fail, rows at their bid are no-ops."""
    plan = Plan()
    for r in rows:
        known = snapshot.get(r.campaign_id)
        if isinstance(known, LookupFailure):
            plan.notes.append(RowNote(r.row_number, OutcomeStatus.FAILED, None, "lookup-failed", known.reason))
            continue
        sc = (known or {}).get(r.seller_campaign_id)
        if sc is None:
            plan.notes.append(RowNote(r.row_number, OutcomeStatus.FAILED, "sellerCampaignId",
                                      "seller-campaign-not-found", f"seller-campaign {r.seller_campaign_id} is not"
                                      " one of yours (unknown seller, campaign, or another advertiser's)"))
            continue
        live = None if sc.get("bid") is None else Decimal(str(sc["bid"]))
        note = conflict(r.row_number, r.baseline, "bid", live, options, asked=r.bid, show=shown,
                        what=f"of seller-campaign {r.seller_campaign_id}")
        if note is None and live == r.bid:
            note = RowNote(r.row_number, OutcomeStatus.SKIPPED, "bid", "already",
                           f"seller-campaign {r.seller_campaign_id} already has bid {shown(live)}")
        if note is not None:
            plan.notes.append(note)
            continue
        plan.operations.append(_op(r, {"bid": bid_text(live)}))
    return plan


def plan_blind(rows: list[BidRow]) -> Plan:
    """Without a snapshot: every row is sent, the API has the last word, there is no before (and no undo)."""
    return Plan([_op(r, None) for r in rows])


def _op(r: BidRow, before: dict[str, Any] | None) -> Operation:
    return Operation(r.row_number, SET_BID, "", r.seller_campaign_id, {"bid": bid_text(r.bid)}, before)
