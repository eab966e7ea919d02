"""Line items: read, merge, PUT; no-ops, refusals before sending, undo."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import bulkops
from bulkops.platforms.retail_media.line_items import Current, _writable
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import conn, edited_export, line_items, read_csv, write_csv, writes

FIELDS = ("name", "status", "targetBid", "budget", "startDate", "endDate")


def _view(sb: Sandbox, li: str) -> dict[str, object]:
    return {k: sb.control.retail_media.line_item(li)[k] for k in ("name", "status", "budget", "startDate", "endDate")}


async def test_changes_are_merged_into_the_line_item_and_undone_exactly(sandbox: Sandbox, tmp_path: Path) -> None:
    active = line_items(sandbox, "auction", "active")[:2]
    before = {li: _view(sandbox, li) for li in active}
    rows = [[active[0], "", "paused", "1.35", "", "", ""],          # pause and set targetBid; the rest stays
            [active[1], "Renamed by bulkops", "", "", "900", "", "2027-03-31"]]
    path = write_csv(tmp_path / "li.csv", ["lineItemId", *FIELDS], rows)

    result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "run")

    assert result.outcomes["succeeded"] == 2
    first, second = _view(sandbox, active[0]), _view(sandbox, active[1])
    assert first["status"] == "paused" and first["name"] == before[active[0]]["name"]
    assert first["budget"] == before[active[0]]["budget"]
    assert second["name"] == "Renamed by bulkops" and second["budget"] == 900 and second["endDate"] == "2027-03-31"
    report = {r["lineItemId"]: r for r in read_csv(result.files.results)}
    assert "status active" in report[active[0]]["before"] and "status paused" in report[active[0]]["after"]

    undo = await bulkops.update_line_items(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")
    assert undo.exit_code == 0
    assert {li: _view(sandbox, li) for li in active} == before


async def test_bad_values_fail_before_sending(sandbox: Sandbox, tmp_path: Path) -> None:
    active = line_items(sandbox, "auction", "active")
    preferred, other = line_items(sandbox, "preferred")[:2]
    rows = [[active[0], "", "ended", "", "", "", ""],               # a status only the system sets
            [active[1], "", "", "", "", "2026-13-01", ""],          # not a date
            [active[2], "", "", "", "", "2030-01-01", "2029-01-01"],  # ends before it starts
            [preferred, "", "", "0.90", "", "", ""],                # preferred line items have no targetBid
            [active[0] + "x", "", "paused", "", "", "", ""],        # not an id: digits alone
            [other, "", "", "", "none", "", ""],                    # a preferred line item keeps a budget
            [line_items(sandbox, "auction", "archived")[0], "", "paused", "", "", "", ""]]  # archived: kept as is
    path = write_csv(tmp_path / "li.csv", ["lineItemId", *FIELDS], rows)
    result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    codes = [r["errorCode"] for r in read_csv(result.files.errors)]
    assert codes == ["status-not-settable", "bad-date", "end-before-start", "not-on-preferred", "invalid-id",
                     "budget-required", "line-item-archived"]
    assert writes(sandbox) == 0


async def test_an_export_fed_back_unchanged_changes_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    account = sandbox.control.retail_media.account_ids()[0]
    out = tmp_path / "inventory.csv"
    await bulkops.export([account], out, connection=conn(sandbox))
    sandbox.control.reset_stats()
    result = await bulkops.update_line_items(out, connection=conn(sandbox), run_dir=tmp_path / "li")
    bids = await bulkops.apply_bids(out, connection=conn(sandbox), run_dir=tmp_path / "bids")
    assert writes(sandbox) == 0
    assert result.outcomes["succeeded"] == result.outcomes["failed"] == 0
    assert bids.outcomes["succeeded"] == bids.outcomes["failed"] == 0


async def test_an_export_edit_sends_the_edit_alone_not_the_cells_a_colleague_changed_since(sandbox: Sandbox,
                                                                                          tmp_path: Path) -> None:
    """The budget edited in an export; since the export, a colleague paused and renamed the line item. The PUT
    writes the line item whole, but the cells left as exported are no ask: it stays paused and renamed, with the
    new budget. Run again, the same file changes nothing."""
    account = sandbox.control.retail_media.account_ids()[0]
    await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")
    row = next(r for r in rows if r["entity"] == "lineItem" and r["status"] == "active" and r["budget"])
    li = row["lineItemId"]
    row["budget"] = str(round(float(row["budget"]) + 123, 2))
    edited = write_csv(tmp_path / "edited.csv", list(rows[0]), [[r[c] for c in rows[0]] for r in rows])
    colleague = write_csv(tmp_path / "colleague.csv", ["lineItemId", "status", "name"], [[li, "paused", "Theirs"]])
    await bulkops.update_line_items(colleague, connection=conn(sandbox), run_dir=tmp_path / "colleague")

    result = await bulkops.update_line_items(edited, connection=conn(sandbox), run_dir=tmp_path / "mine")
    now = sandbox.control.retail_media.line_item(li)
    assert result.outcomes["succeeded"] == 1, read_csv(result.files.results)
    assert (now["status"], now["name"], float(now["budget"])) == ("paused", "Theirs", float(row["budget"]))
    again = await bulkops.update_line_items(edited, connection=conn(sandbox), run_dir=tmp_path / "again")
    assert again.outcomes["succeeded"] == again.outcomes["failed"] == 0
    assert sandbox.control.retail_media.line_item(li) == now


async def test_an_undo_sets_back_the_status_the_run_wrote_not_the_one_the_system_shows_since(
        make_sandbox, tmp_path: Path) -> None:
    """A cleared targetBid makes an auction line item draft, a past endDate makes a paused one ended: the system's
    statuses, shown over the one set. The undo puts back the status the run wrote, so an active line item is not
    left draft for good, nor a paused one made active (spending) when its dates come back."""
    async with make_sandbox() as sb:
        first, second = line_items(sb, "auction", "active")[:2]
        setup = write_csv(tmp_path / "setup.csv", ["lineItemId", "status"], [[second, "paused"]])
        await bulkops.update_line_items(setup, connection=conn(sb), run_dir=tmp_path / "setup")
        before = {li: _view(sb, li) for li in (first, second)}
        yesterday = (date.today() - timedelta(days=1)).isoformat()
        assert str(before[second]["startDate"]) < yesterday
        path = write_csv(tmp_path / "li.csv", ["lineItemId", "targetBid", "endDate"],
                         [[first, "none", ""], [second, "", yesterday]])

        result = await bulkops.update_line_items(path, connection=conn(sb), run_dir=tmp_path / "run")
        assert result.outcomes["succeeded"] == 2
        assert (_view(sb, first)["status"], _view(sb, second)["status"]) == ("draft", "ended")

        undo = await bulkops.update_line_items(result.files.undo, connection=conn(sb), run_dir=tmp_path / "undo")
        assert undo.exit_code == 0 and {li: _view(sb, li) for li in (first, second)} == before

        # an ended line item hides whether it was active or paused: changed without a status, it is not guessed
        ended = write_csv(tmp_path / "ended.csv", ["lineItemId", "name"], [[second, "Renamed"]])
        await bulkops.update_line_items(path, connection=conn(sb), run_dir=tmp_path / "again")
        refused = await bulkops.update_line_items(ended, connection=conn(sb), run_dir=tmp_path / "ended")
        [row] = read_csv(refused.files.errors)
        assert (row["errorCode"], row["errorColumn"]) == ("status-needed", "status") and "ended now" in row["error"]
        assert _view(sb, second)["name"] == before[second]["name"]
        # nor when the status cell says what the export showed (ended): that is no status to write
        shown = write_csv(tmp_path / "shown.csv", ["lineItemId", "name", "status"], [[second, "Renamed", "ended"]])
        again = await bulkops.update_line_items(shown, connection=conn(sb), run_dir=tmp_path / "shown")
        assert [r["errorCode"] for r in read_csv(again.files.errors)] == ["status-needed"]
        # told, it is done; its undo never makes the line item active (what it was set to was not shown)
        told = write_csv(tmp_path / "told.csv", ["lineItemId", "name", "status"], [[second, "Renamed", "paused"]])
        done = await bulkops.update_line_items(told, connection=conn(sb), run_dir=tmp_path / "told")
        [result_row] = read_csv(done.files.results)
        assert result_row["outcome"] == "succeeded" and "status ended" in result_row["before"]
        [undo_row] = read_csv(done.files.undo)
        assert undo_row["status"] == "paused" and "hides whether it was set active or paused" in undo_row["note"]


async def test_a_draft_shown_for_want_of_a_target_bid_is_not_written_back_as_draft(sandbox: Sandbox, tmp_path: Path,
                                                                                  capsys) -> None:
    """An auction line item without targetBid shows draft whatever it was set to. Setting its bid back without a
    status used to write draft, stopping an active line item for good: now its status is asked for."""
    li = line_items(sandbox, "auction", "active")[0]
    cleared = await bulkops.update_line_items(write_csv(tmp_path / "c.csv", ["lineItemId", "targetBid"],
                                                        [[li, "none"]]), connection=conn(sandbox),
                                              run_dir=tmp_path / "clear")
    assert cleared.outcomes["succeeded"] == 1 and _view(sandbox, li)["status"] == "draft"
    assert "stops delivering until it has one again" in capsys.readouterr().err
    bid = write_csv(tmp_path / "b.csv", ["lineItemId", "targetBid"], [[li, "1.10"]])
    asked = await bulkops.update_line_items(bid, connection=conn(sandbox), run_dir=tmp_path / "bid")
    [row] = read_csv(asked.files.errors)
    assert row["errorCode"] == "status-needed" and "without targetBid is draft" in row["error"]
    told = write_csv(tmp_path / "t.csv", ["lineItemId", "targetBid", "status"], [[li, "1.10", "active"]])
    done = await bulkops.update_line_items(told, connection=conn(sandbox), run_dir=tmp_path / "told")
    assert done.outcomes["succeeded"] == 1 and _view(sandbox, li)["status"] == "active"
    [undo_row] = read_csv(done.files.undo)  # what it was set to was hidden: the undo pauses it, and says so
    assert (undo_row["status"], undo_row["targetBid"]) == ("paused", "none") and "draft" in undo_row["note"]


def test_a_preferred_update_always_sends_end_date() -> None:
    """PreferredLineItemUpdateModelV2 requires endDate: a line item read without one (an API that leaves null
    fields out) is still sent with `endDate: null`, not without it (a 400 from the API)."""
    read = Current("7", "preferred", "active", {"name": "n", "startDate": "2026-01-01", "budget": 10.0})
    assert _writable(read) == {"name": "n", "startDate": "2026-01-01", "budget": 10.0, "status": "active",
                               "endDate": None}


async def test_the_undo_of_a_rename_keeps_the_status_a_colleague_set_since(sandbox: Sandbox, tmp_path: Path) -> None:
    """A run that renamed a line item and changed another's budget: its undo puts back the name and the budget,
    and says no status (the run changed none it could hide), so a line item paused since stays paused."""
    first, second = line_items(sandbox, "auction", "active")[:2]
    before = {li: _view(sandbox, li) for li in (first, second)}
    path = write_csv(tmp_path / "li.csv", ["lineItemId", "name", "budget"], [[first, "Renamed", ""],
                                                                              [second, "", "777"]])
    result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "run")
    assert result.outcomes["succeeded"] == 2
    assert all(not row.get("status") for row in read_csv(result.files.undo))
    paused = write_csv(tmp_path / "colleague.csv", ["lineItemId", "status"], [[first, "paused"], [second, "paused"]])
    await bulkops.update_line_items(paused, connection=conn(sandbox), run_dir=tmp_path / "colleague")

    undo = await bulkops.update_line_items(result.files.undo, connection=conn(sandbox), run_dir=tmp_path / "undo")
    assert undo.exit_code == 0
    assert {li: _view(sandbox, li) for li in (first, second)} == {li: {**before[li], "status": "paused"}
                                                                  for li in (first, second)}


async def test_a_cell_emptied_in_an_export_fails_the_row_instead_of_reading_as_done(sandbox: Sandbox,
                                                                                    tmp_path: Path) -> None:
    """An export whose budget and endDate cells were emptied (meant: clear them): a blank leaves a field as it
    is, so the row fails naming the cell and saying how to clear it, nothing is sent; `none` then clears."""
    emptied, row = await edited_export(
        sandbox, tmp_path, "emptied", lambda r: r["entity"] == "lineItem" and r["type"] == "auction"
        and bool(r["budget"]) and bool(r["endDate"]) and r["status"] == "active", budget="", endDate="")
    sandbox.control.reset_stats()

    result = await bulkops.update_line_items(emptied, connection=conn(sandbox), run_dir=tmp_path / "emptied")

    assert writes(sandbox) == 0 and result.exit_code == 1
    [error] = read_csv(result.files.errors)
    assert (error["lineItemId"], error["errorCode"], error["errorColumn"]) == (row["lineItemId"], "emptied", "budget")
    assert "write none to clear it" in error["error"] and "row " in error["error"]
    error["budget"] = error["endDate"] = "none"
    fixed = write_csv(tmp_path / "fixed.csv", list(error), [list(error.values())])
    again = await bulkops.update_line_items(fixed, connection=conn(sandbox), run_dir=tmp_path / "fixed")
    assert again.outcomes["succeeded"] == 1
    now = sandbox.control.retail_media.line_item(row["lineItemId"])
    assert now["budget"] is None and now["endDate"] is None


def _as_excel_saves(iso: str, day_first: bool) -> str:
    """A date as Excel writes it back into a CSV file: 11/6/2026 in the US, 6/11/2026 in most of Europe."""
    if not iso:
        return iso
    year, month, day = (int(p) for p in iso[:10].split("-"))
    return f"{day}/{month}/{year}" if day_first else f"{month}/{day}/{year}"


async def test_an_export_excel_saved_back_with_local_dates_changes_only_the_edit(sandbox: Sandbox,
                                                                                 tmp_path: Path) -> None:
    """Excel saves an export's dates back in the user's locale (2026-11-06 → 11/6/2026 or 6/11/2026). Which
    number is the month is told by the file's dates that say it (a day above 12) and by the dates the export
    wrote next to them (asExported): every unedited row stays as it is, the edit alone is sent, either way."""
    account = sandbox.control.retail_media.account_ids()[0]
    for day_first in (False, True):
        await bulkops.export([account], tmp_path / f"inv-{day_first}.csv", connection=conn(sandbox))
        saved = read_csv(tmp_path / f"inv-{day_first}.csv")
        for r in saved:
            r["startDate"], r["endDate"] = (_as_excel_saves(r["startDate"], day_first),
                                             _as_excel_saves(r["endDate"], day_first))
        row = next(r for r in saved if r["entity"] == "lineItem" and r["status"] == "active" and r["budget"])
        row["budget"] = str(round(float(row["budget"]) + 7, 2))
        header = list(saved[0])
        path = write_csv(tmp_path / f"saved-{day_first}.csv", header, [[r[c] for c in header] for r in saved])
        sandbox.control.reset_stats()
        result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / f"r-{day_first}")
        assert (result.outcomes["succeeded"], result.outcomes["failed"]) == (1, 0), read_csv(result.files.results)
        assert writes(sandbox) == 1
        assert float(sandbox.control.retail_media.line_item(row["lineItemId"])["budget"]) == float(row["budget"])

    # Only dates that read two ways (11/6/2026): the dates the export wrote beside them tell the order
    await bulkops.export([account], tmp_path / "inv.csv", connection=conn(sandbox))
    rows = read_csv(tmp_path / "inv.csv")

    def two_ways(iso: str) -> bool:
        return not iso or (int(iso[8:10]) <= 12 and int(iso[5:7]) != int(iso[8:10]))

    kept = [r for r in rows if r["entity"] == "lineItem" and two_ways(r["startDate"]) and two_ways(r["endDate"])
            and r["startDate"]]
    assert len(kept) >= 2
    for r in kept:
        r["startDate"], r["endDate"] = _as_excel_saves(r["startDate"], False), _as_excel_saves(r["endDate"], False)
    header = list(kept[0])
    path = write_csv(tmp_path / "two-ways.csv", header, [[r[c] for c in header] for r in kept])
    sandbox.control.reset_stats()
    result = await bulkops.update_line_items(path, connection=conn(sandbox), run_dir=tmp_path / "two-ways")
    assert (result.outcomes["skipped"], writes(sandbox)) == (len(kept), 0), read_csv(result.files.results)


async def test_a_local_date_that_nothing_tells_fails_naming_both_readings(sandbox: Sandbox, tmp_path: Path) -> None:
    """A typed sheet (no export beside it) whose only date reads two ways: nothing is sent for it, and the message
    gives both readings; one that tells (a day above 12) is read as it says."""
    li = line_items(sandbox, "auction", "active")[0]
    ambiguous = write_csv(tmp_path / "a.csv", ["lineItemId", "endDate"], [[li, "11/6/2031"]])
    sandbox.control.reset_stats()
    result = await bulkops.update_line_items(ambiguous, connection=conn(sandbox), run_dir=tmp_path / "a")
    [error] = read_csv(result.files.errors)
    assert error["errorCode"] == "ambiguous-date" and writes(sandbox) == 0
    assert "2031-11-06" in error["error"] and "2031-06-11" in error["error"]
    told = write_csv(tmp_path / "t.csv", ["lineItemId", "endDate"], [[li, "11/16/2031"]])
    done = await bulkops.update_line_items(told, connection=conn(sandbox), run_dir=tmp_path / "t")
    assert done.outcomes["succeeded"] == 1
    assert sandbox.control.retail_media.line_item(li)["endDate"].startswith("2031-11-16")
