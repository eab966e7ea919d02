"""The MPO export: one table fed back to `seller-bids` and `budgets` as it is, and edited."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import bulkops
from tests.platforms.mpo.conftest import advertiser, conn, read_csv, writes


def _edit(src: Path, dst: Path, edits: dict[tuple[str, str], dict[str, str]]) -> Path:
    """Copy an export, changing cells of the rows keyed (entity, id)."""
    rows = read_csv(src)
    for r in rows:
        key = (r["entity"], r["sellerCampaignId"] if r["entity"] == "sellerCampaign" else r["budgetId"])
        r.update(edits.get(key, {}))
    with open(dst, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return dst


async def test_export_fed_back_unchanged_sends_nothing(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=30, quota=0) as sb:
        adv = advertiser(sb)
        out = tmp_path / "mpo.csv"
        exported = await bulkops.export_mpo([adv], out, connection=conn(sb))
        assert exported.rows["seller"] == 30 and exported.rows["sellerCampaign"] == 60
        assert exported.rows["budget"] == len([b for b in sb.control.mpo.budgets(include_archived=False)
                                               if b["sellerId"] in {r["sellerId"] for r in read_csv(out)}])
        sc = next(r for r in read_csv(out) if r["entity"] == "sellerCampaign" and r["bid"])
        live = sb.control.mpo.seller_campaign(sc["sellerCampaignId"])
        assert float(sc["bid"]) == live["bid"] and sc["status"] in ("active", ";".join(live["suspensionReasons"]
                                                                                      or ["active"]))
        sb.control.reset_stats()
        bids = await bulkops.apply_seller_bids(out, connection=conn(sb), run_dir=tmp_path / "bids")
        budgets = await bulkops.update_budgets(out, connection=conn(sb), run_dir=tmp_path / "budgets")
        for result in (bids, budgets):
            assert result.outcomes["skipped"] == result.rows and result.exit_code == 0
        assert writes(sb) == {}
        assert sb.control.stats()["routes"].get(
            "GET /{version}/marketing-solutions/marketplace-performance-outcomes/seller-campaigns") is None


async def test_edited_rows_are_written_and_moved_ones_are_conflicts(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=30, quota=0) as sb:
        out = tmp_path / "mpo.csv"
        await bulkops.export_mpo([advertiser(sb)], out, connection=conn(sb))
        scs = [r["sellerCampaignId"] for r in read_csv(out) if r["entity"] == "sellerCampaign"]
        budget = next(r for r in read_csv(out) if r["entity"] == "budget" and r["isSuspended"] == "false"
                      and r["status"] == "Current")
        edited = _edit(out, tmp_path / "edited.csv", {("sellerCampaign", scs[0]): {"bid": "4.10"},
                                                      ("sellerCampaign", scs[1]): {"bid": "4.20"},
                                                      ("budget", budget["budgetId"]): {"isSuspended": "true"}})
        moved = tmp_path / "moved.csv"
        moved.write_text(f"sellerCampaignId,bid\n{scs[1]},3.33\n", encoding="utf-8")
        await bulkops.apply_seller_bids(moved, connection=conn(sb), run_dir=tmp_path / "someone-else")
        result = await bulkops.apply_seller_bids(edited, connection=conn(sb), run_dir=tmp_path / "run")
        assert result.outcomes["succeeded"] == 1 and result.outcomes["failed"] == 1 and result.exit_code == 1
        assert sb.control.mpo.seller_campaign(scs[0])["bid"] == 4.10
        assert sb.control.mpo.seller_campaign(scs[1])["bid"] == 3.33  # a conflict: not overwritten
        assert result.files.errors is not None  # the edit not made is in the errors file, to decide on
        [conflict] = read_csv(result.files.errors)
        assert (conflict["sellerCampaignId"], conflict["errorCode"]) == (scs[1], "changed-since-export")
        assert result.summary["changed_since_export"] == 1  # the edit not sent is counted where it is said
        again = await bulkops.apply_seller_bids(edited, connection=conn(sb), run_dir=tmp_path / "again")
        report = {r["sellerCampaignId"]: r for r in read_csv(again.files.results)}  # the same file, run again:
        assert (report[scs[0]]["outcome"], report[scs[0]]["errorCode"]) == ("skipped", "already")  # done, no conflict
        assert report[scs[1]]["errorCode"] == "changed-since-export"
        forced = await bulkops.apply_seller_bids(edited, connection=conn(sb), run_dir=tmp_path / "forced",
                                                 overwrite_changed=True)
        assert forced.outcomes["succeeded"] == 1 and sb.control.mpo.seller_campaign(scs[1])["bid"] == 4.20
        assert forced.summary["changed_since_export"] == 0
        suspended = await bulkops.update_budgets(edited, connection=conn(sb), run_dir=tmp_path / "budgets")
        assert suspended.outcomes["succeeded"] == 1
        assert sb.control.mpo.budget(budget["budgetId"])["isSuspended"] is True


async def test_an_edit_the_verb_does_not_make_fails_its_row_instead_of_being_called_unedited(
        make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=30, quota=0) as sb:
        out = tmp_path / "mpo.csv"
        await bulkops.export_mpo([advertiser(sb)], out, connection=conn(sb))
        scs = [r["sellerCampaignId"] for r in read_csv(out) if r["entity"] == "sellerCampaign"]
        budget = next(r for r in read_csv(out) if r["entity"] == "budget" and r["status"] == "Current")
        other_type = next(t for t in ("Daily", "Capped", "Uncapped") if t != budget["budgetType"])
        edited = _edit(out, tmp_path / "edited.csv", {("sellerCampaign", scs[0]): {"status": "paused"},
                                                      ("budget", budget["budgetId"]): {"budgetType": other_type}})
        sb.control.reset_stats()
        bids = await bulkops.apply_seller_bids(edited, connection=conn(sb), run_dir=tmp_path / "bids")
        budgets = await bulkops.update_budgets(edited, connection=conn(sb), run_dir=tmp_path / "budgets")

        [status] = [r for r in read_csv(bids.files.results) if r["sellerCampaignId"] == scs[0]]
        assert (status["outcome"], status["errorCode"], status["errorColumn"]) == \
            ("failed", "edited-elsewhere", "status")
        assert "status was edited since the export (active → paused)" in status["message"]
        [kind] = [r for r in read_csv(budgets.files.results) if r["budgetId"] == budget["budgetId"]]
        assert (kind["outcome"], kind["errorCode"]) == ("failed", "budgetType-cannot-change")
        assert writes(sb) == {} and bids.exit_code == budgets.exit_code == 1


async def test_an_advertiser_the_credentials_cannot_see_is_refused_naming_those_they_can(make_sandbox,
                                                                                       tmp_path: Path) -> None:
    """A typo, or another client's advertiser: the refusal says which ids would work, and writes no file."""
    async with make_sandbox(quota=0) as sb:
        mine = advertiser(sb)
        for wrong in (str(mine + 99), str(mine + 1)):  # unknown; another client's (the sandbox's hidden one)
            with pytest.raises(bulkops.UsageError, match=rf"{wrong}.*your credentials see advertiser\(s\) {mine}$"):
                await bulkops.export_mpo([wrong], tmp_path / "mpo.csv", connection=conn(sb))
            assert not (tmp_path / "mpo.csv").exists()


async def test_a_bid_emptied_in_an_export_fails_its_row_not_skipped(make_sandbox, tmp_path: Path) -> None:
    """A seller-campaign's exported bid emptied (meant: clear it): a blank leaves the bid as it is, so the row fails
    (emptied), nothing sent, as for Retail Media's bids and line items."""
    async with make_sandbox(mpo_sellers=10, quota=0) as sb:
        out = tmp_path / "mpo.csv"
        await bulkops.export_mpo([advertiser(sb)], out, connection=conn(sb))
        sc = next(r for r in read_csv(out) if r["entity"] == "sellerCampaign" and r["bid"])
        emptied = _edit(out, tmp_path / "emptied.csv", {("sellerCampaign", sc["sellerCampaignId"]): {"bid": ""}})
        sb.control.reset_stats()
        result = await bulkops.apply_seller_bids(emptied, connection=conn(sb), run_dir=tmp_path / "run")
        assert result.exit_code == 1 and writes(sb) == {}
        [error] = read_csv(result.files.errors)
        assert (error["sellerCampaignId"], error["errorCode"]) == (sc["sellerCampaignId"], "emptied")
        assert "write none to clear it" in error["error"]
