"""The Trackier export: what it shows (caps pausing and resetting), and fed back as the status job's input."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import read_csv
from tests.platforms.trackier.conftest import conn, ids_in, status_calls, statuses


async def _exported(sb: Sandbox, path: Path) -> dict[int, dict[str, str]]:
    await bulkops.export_trackier(path, connection=conn(sb))
    return {int(r["campaignId"]): r for r in read_csv(path)}


async def test_the_export_lists_every_campaign_but_deleted_ones(tsb: Sandbox, tmp_path: Path) -> None:
    rows = await _exported(tsb, tmp_path / "e.csv")
    assert {i: r["status"] for i, r in rows.items()} == {i: s for i, s in statuses(tsb).items() if s != "deleted"}
    one = rows[min(rows)]
    assert one["entity"] == "campaign" and one["title"] and one["advertiserName"] and "dailyClicksCap" in one
    deleted = await bulkops.export_trackier(tmp_path / "d.csv", connection=conn(tsb), statuses=["deleted"])
    assert deleted.rows == {"campaign": len(ids_in(tsb, "deleted"))}


async def test_a_cap_pauses_a_campaign_until_the_next_day_as_the_export_shows(tsb: Sandbox, tmp_path: Path) -> None:
    capped, disabled = ids_in(tsb, "active")[0], ids_in(tsb, "active")[1]
    path = tmp_path / "one.csv"
    path.write_text(f"campaignId,status\n{disabled},disabled\n")
    await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert tsb.control.trackier.hit_cap(capped) == "paused"
    assert tsb.control.trackier.hit_cap(disabled) == "disabled"  # a cap does nothing to a disabled campaign
    assert (await _exported(tsb, tmp_path / "today.csv"))[capped]["status"] == "paused"
    tsb.control.shift_clock(days=1)
    tomorrow = await _exported(tsb, tmp_path / "tomorrow.csv")
    assert tomorrow[capped]["status"] == "active" and tomorrow[disabled]["status"] == "disabled"


async def test_a_disabled_campaign_stays_disabled_through_a_cap_reset(tsb: Sandbox, tmp_path: Path) -> None:
    campaign = ids_in(tsb, "active")[0]
    tsb.control.trackier.hit_cap(campaign)  # paused by the cap today, due back tomorrow ...
    path = tmp_path / "s.csv"
    path.write_text(f"campaignId,status\n{campaign},disabled\n")
    result = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert result.outcomes["succeeded"] == 1
    tsb.control.shift_clock(days=1)  # ... but disabled now: the reset does not bring it back
    assert (await _exported(tsb, tmp_path / "e.csv"))[campaign]["status"] == "disabled"
    assert not tsb.control.trackier.click(campaign)


async def test_an_unchanged_export_fed_back_sends_nothing(tsb: Sandbox, tmp_path: Path) -> None:
    await _exported(tsb, tmp_path / "e.csv")
    result = await bulkops.set_trackier_status(tmp_path / "e.csv", connection=conn(tsb), run_dir=tmp_path / "r")
    assert result.outcomes["skipped"] == result.rows > 0 and status_calls(tsb) == 0


async def test_a_stale_edited_row_is_a_conflict_unless_overwrite_changed(tsb: Sandbox, tmp_path: Path) -> None:
    stale, fresh = ids_in(tsb, "active")[:2]
    await _exported(tsb, tmp_path / "e.csv")
    rows = read_csv(tmp_path / "e.csv")
    for r in rows:
        if int(r["campaignId"]) in (stale, fresh):
            r["status"] = "disabled"
    with open(tmp_path / "edited.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    tsb.control.trackier.set_status(stale, "pending")  # someone else changed it since the export

    result = await bulkops.set_trackier_status(tmp_path / "edited.csv", connection=conn(tsb), run_dir=tmp_path / "a")
    assert statuses(tsb, [stale, fresh]) == {stale: "pending", fresh: "disabled"}
    conflicts = [r for r in read_csv(result.files.results) if r["errorCode"] == "changed-since-export"]
    assert [int(r["campaignId"]) for r in conflicts] == [stale] and "pending now" in conflicts[0]["message"]

    forced = await bulkops.set_trackier_status(tmp_path / "edited.csv", connection=conn(tsb),
                                               run_dir=tmp_path / "b", overwrite_changed=True)
    assert forced.outcomes["succeeded"] == 1 and statuses(tsb, [stale]) == {stale: "disabled"}


async def test_an_edited_title_or_cap_fails_its_row_instead_of_being_called_unedited(tsb: Sandbox,
                                                                                       tmp_path: Path) -> None:
    rows = list((await _exported(tsb, tmp_path / "e.csv")).values())
    rows[0]["title"] = rows[0]["title"] + " (renamed)"
    rows[1]["dailyClicksCap"] = "777"
    with open(tmp_path / "edited.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    result = await bulkops.set_trackier_status(tmp_path / "edited.csv", connection=conn(tsb), run_dir=tmp_path / "r")

    failed = {r["campaignId"]: r for r in read_csv(result.files.results) if r["outcome"] == "failed"}
    assert {k: (r["errorCode"], r["errorColumn"]) for k, r in failed.items()} == {
        rows[0]["campaignId"]: ("edited-elsewhere", "title"), rows[1]["campaignId"]: ("edited-elsewhere", "dailyClicksCap")}
    assert "trackier-status changes a campaign's status only" in failed[rows[1]["campaignId"]]["message"]
    assert status_calls(tsb) == 0 and result.outcomes["skipped"] == result.rows - 2


async def test_an_export_saved_back_by_pandas_sends_the_one_edit(tsb: Sandbox, tmp_path: Path) -> None:
    """pandas reads the caps as floats and writes 245 back as 245.0 (or 245,0 with a decimal comma): no edit, so
    the unedited rows are skipped and the one status edited is sent."""
    import pandas as pd

    campaign = ids_in(tsb, "active")[0]
    await _exported(tsb, tmp_path / "e.csv")
    frame = pd.read_csv(tmp_path / "e.csv")
    assert any(frame[c].dtype == float for c in frame.columns)  # some column went through a float
    frame.loc[frame["campaignId"] == campaign, "status"] = "disabled"
    frame.to_csv(tmp_path / "dot.csv", index=False)
    frame.to_csv(tmp_path / "comma.csv", index=False, sep=";", decimal=",")
    for name in ("dot", "comma"):
        result = await bulkops.set_trackier_status(tmp_path / f"{name}.csv", connection=conn(tsb),
                                                   run_dir=tmp_path / name)
        assert result.outcomes["failed"] == 0, [r for r in read_csv(result.files.results) if r["errorCode"]][:3]
        assert result.outcomes["succeeded"] == (1 if name == "dot" else 0)
    assert statuses(tsb, [campaign]) == {campaign: "disabled"} and status_calls(tsb) == 1


async def test_a_criteo_export_is_refused_whole_by_trackier_status(tsb: Sandbox, tmp_path: Path) -> None:
    """A Retail Media export has campaignId and status columns too: fed to trackier-status, it is refused before
    anything is read or sent (a Criteo campaign id may be some Trackier campaign's)."""
    campaign = ids_in(tsb, "active")[0]
    path = tmp_path / "criteo.csv"
    path.write_text(f"entity,accountId,campaignId,lineItemId,productId,status\ncampaign,4000,{campaign},,,disabled\n")
    with pytest.raises(bulkops.InputError, match="a Criteo file's: its ids are Criteo ids, not Trackier ones"):
        await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert status_calls(tsb) == 0 and not (tmp_path / "r").exists()
