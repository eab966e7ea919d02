"""`seller-bids` end to end against the sandbox: bids as the server holds them, before and after."""

from __future__ import annotations

from pathlib import Path

import pytest

import bulkops
from tests.platforms.mpo.conftest import advertiser, conn, read_csv, write_csv, writes


async def test_bids_none_zero_blank_and_unknown_ids(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=12, quota=0) as sb:
        mpo = sb.control.mpo
        ids = mpo.seller_campaign_ids(advertiser(sb))
        hidden = mpo.seller_campaign_ids(mpo.hidden_advertiser_ids()[0])[0]
        seller, campaign = ids[1].split(".")
        path = write_csv(tmp_path / "bids.csv", ["seller campaign id", "seller", "campaign", "cpc"], [
            [ids[0], "", "", "1.37"],
            ["", seller, campaign, "none"],
            [ids[2], "", "", "0"],
            [ids[3], "", "", ""],
            [hidden, "", "", "0.5"],
            ["123.456", "", "", "0.5"],
            ["not-an-id", "", "", "0.5"],
            [ids[4], "", "", "-1"],
            ["", seller, "abc", "0.5"],  # the cell the user typed is named, not an id made of it
        ])
        result = await bulkops.apply_seller_bids(path, connection=conn(sb), run_dir=tmp_path / "run")
        assert mpo.seller_campaign(ids[0])["bid"] == 1.37
        assert mpo.seller_campaign(ids[1])["bid"] is None
        assert "NoCpcDefined" in mpo.seller_campaign(ids[1])["suspensionReasons"]
        assert mpo.seller_campaign(ids[2])["bid"] == 0
        assert result.outcomes["succeeded"] == 3 and result.outcomes["failed"] == 5
        assert result.outcomes["skipped"] == 1
        assert sum(writes(sb).values()) == 1  # unknown ids failed before sending: one bulk PATCH
        codes = {r["inputRow"]: r["errorCode"] for r in read_csv(tmp_path / "run" / "results.csv")}
        assert codes["6"] == codes["7"] == "seller-campaign-not-found"
        assert codes["8"] == "invalid-id" and codes["9"] == "negative"
        [typed] = [r for r in read_csv(tmp_path / "run" / "results.csv") if r["inputRow"] == "10"]
        assert (typed["errorCode"], typed["errorColumn"]) == ("invalid-id", "campaign")
        assert "campaignId 'abc' is not a number" in typed["message"]


async def test_rows_at_their_bid_are_no_ops_and_undo_restores(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=20, quota=0) as sb:
        mpo = sb.control.mpo
        ids = mpo.seller_campaign_ids(advertiser(sb))[:30]
        before = {i: mpo.seller_campaign(i)["bid"] for i in ids}
        same = write_csv(tmp_path / "same.csv", ["sellerCampaignId", "bid"],
                         [[i, "none" if b is None else b] for i, b in before.items()])
        noop = await bulkops.apply_seller_bids(same, connection=conn(sb), run_dir=tmp_path / "same")
        assert noop.outcomes["skipped"] == len(ids) and writes(sb) == {}
        path = write_csv(tmp_path / "bids.csv", ["sellerCampaignId", "bid"],
                         [[i, f"{3 + n / 100:.2f}"] for n, i in enumerate(ids)])
        done = await bulkops.apply_seller_bids(path, connection=conn(sb), run_dir=tmp_path / "run")
        assert done.outcomes["succeeded"] == len(ids)
        assert all(mpo.seller_campaign(i)["bid"] == round(3 + n / 100, 2) for n, i in enumerate(ids))
        rows = read_csv(tmp_path / "run" / "results.csv")
        assert rows[0]["before"] and rows[0]["after"]
        assert done.files.undo is not None
        undone = await bulkops.apply_seller_bids(done.files.undo, connection=conn(sb), run_dir=tmp_path / "undo")
        assert undone.outcomes["failed"] == 0
        assert {i: mpo.seller_campaign(i)["bid"] for i in ids} == before


async def test_one_bad_bid_among_2000_does_not_sink_the_others(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox(mpo_sellers=1000, quota=0) as sb:
        mpo = sb.control.mpo
        ids = mpo.seller_campaign_ids(advertiser(sb))
        assert len(ids) == 2000
        hidden = mpo.seller_campaign_ids(mpo.hidden_advertiser_ids()[0])[0]
        rows = [[i, "0.77"] for i in ids[:1999]]
        rows.insert(1234, [hidden, "0.77"])  # another advertiser's: only the API can tell (no snapshot)
        path = write_csv(tmp_path / "bids.csv", ["sellerCampaignId", "bid"], rows)
        result = await bulkops.apply_seller_bids(path, connection=conn(sb), run_dir=tmp_path / "run",
                                                 snapshot=False)
        assert result.outcomes["succeeded"] == 1999 and result.outcomes["failed"] == 1
        assert all(mpo.seller_campaign(i)["bid"] == 0.77 for i in ids[:1999])
        assert sum(writes(sb).values()) == 2  # the refused call, then the 1,999 others once
        failed = [r for r in read_csv(tmp_path / "run" / "results.csv") if r["outcome"] == "failed"]
        assert failed[0]["errorCode"] == "WithInvalidSellerCampaignId" and failed[0]["inputRow"] == "1236"


async def test_a_file_naming_no_seller_campaign_is_refused_whole(tmp_path: Path) -> None:
    """A Retail Media bids sheet fed to seller-bids (its bidOverride reads as bid): every row failed as a conflict
    of rows with no id, exit 1, instead of the file being refused."""
    path = write_csv(tmp_path / "bids.csv", ["lineItemId", "productId", "bidOverride"], [["1", "a", "1.2"],
                                                                                         ["2", "b", "1.3"]])
    with pytest.raises(bulkops.InputError, match="a Criteo Retail Media file's: its ids are Criteo Retail Media ids, not MPO ones") as caught:
        await bulkops.apply_seller_bids(path, run_dir=tmp_path / "run")
    assert "`bulkops bids`" in str(caught.value) and not (tmp_path / "run" / "journal.sqlite").exists()


async def test_a_retail_media_file_is_refused_whole_by_the_mpo_verbs(make_sandbox, tmp_path: Path) -> None:
    """A Retail Media export (its entity column deleted) has campaignId, type and budget columns MPO's verbs read:
    refused before anything is read or sent, rather than its rows taken for budgets and seller-campaigns."""
    async with make_sandbox(mpo_sellers=4, quota=0) as sb:
        path = write_csv(tmp_path / "inv.csv", ["accountId", "campaignId", "lineItemId", "productId", "type", "budget",
                                                "startDate", "bid"],
                         [["4000", "3000001", "50000001", "", "auction", "2000", "2026-01-01", "1.5"]])
        for run in (bulkops.update_budgets, bulkops.apply_seller_bids):
            with pytest.raises(bulkops.InputError, match="a Criteo Retail Media file's: its ids are Criteo Retail Media ids, not MPO ones"):
                await run(path, connection=conn(sb), run_dir=tmp_path / run.__name__)
        assert not writes(sb)
