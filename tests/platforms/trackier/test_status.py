"""trackier-status end to end against the sandbox: refusals, no-ops, chunks by status, bad ids, undo."""

from __future__ import annotations

from pathlib import Path

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import answers_lost, read_csv, write_csv
from tests.platforms.trackier.conftest import conn, ids_in, status_calls, statuses


async def test_system_statuses_are_refused_before_anything_is_sent(tsb: Sandbox, tmp_path: Path) -> None:
    active = ids_in(tsb, "active")
    before = statuses(tsb)
    path = write_csv(tmp_path / "s.csv", ["campaign id", "status"], [[active[0], "paused"], [active[1], "suspended"]])
    result = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert result.outcomes["failed"] == 2 and result.exit_code == 1
    assert status_calls(tsb) == 0 and statuses(tsb) == before
    errors = read_csv(result.files.errors)
    assert [e["errorCode"] for e in errors] == ["status-not-settable"] * 2
    assert "cap" in errors[0]["error"] and "Offer Checker" in errors[1]["error"]
    assert all("use disabled" in e["error"] for e in errors)


async def test_a_campaign_already_in_its_status_is_a_no_op(tsb: Sandbox, tmp_path: Path) -> None:
    disabled = ids_in(tsb, "disabled")
    path = write_csv(tmp_path / "s.csv", ["id", "status"], [[i, "disabled"] for i in disabled])
    result = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert result.outcomes["skipped"] == len(disabled) and status_calls(tsb) == 0
    assert {r["errorCode"] for r in read_csv(result.files.results)} == {"no-op"}


async def test_rows_are_grouped_by_status_into_chunks_of_chunk_size(tsb: Sandbox, tmp_path: Path) -> None:
    active, pending = ids_in(tsb, "active")[:12], ids_in(tsb, "pending")[:3]
    rows = [[i, "disabled"] for i in active] + [[i, "active"] for i in pending]
    path = write_csv(tmp_path / "s.csv", ["offer id", "status"], rows)
    result = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r", chunk_size=5)
    assert result.outcomes["succeeded"] == 15
    assert status_calls(tsb) == 3 + 1  # 12 disabled in 5+5+2, 3 active in one call
    assert set(statuses(tsb, active).values()) == {"disabled"} and set(statuses(tsb, pending).values()) == {"active"}
    assert tsb.control.stats()["routes"]["GET /v2/campaigns"] <= 3  # probe + paged list (+ the deleted ones)
    report = read_csv(result.files.results)
    assert report[0]["before"] == "status active" and report[0]["after"] == "status disabled"


async def test_an_unknown_id_fails_alone_with_the_apis_reason(tsb: Sandbox, tmp_path: Path) -> None:
    active = ids_in(tsb, "active")[:4]
    path = write_csv(tmp_path / "s.csv", ["campaignId", "status"],
                     [[active[0], "disabled"], [999999, "disabled"], *[[i, "disabled"] for i in active[1:]]])
    blind = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "blind", snapshot=False)
    assert blind.outcomes["succeeded"] == 4 and blind.outcomes["failed"] == 1
    assert set(statuses(tsb, active).values()) == {"disabled"}
    error = read_csv(blind.files.errors)[0]
    assert error["errorCode"] == "CAMPAIGN_NOT_FOUND" and "campaign 999999 not found" in error["error"]

    answers_lost(tmp_path / "blind")  # stopped with every call sent and no answer seen: resume settles every row
    calls = status_calls(tsb)
    resumed = await bulkops.resume(tmp_path / "blind", connection=conn(tsb))
    assert resumed.outcomes["succeeded"] == 4 and resumed.outcomes["failed"] == 1  # not unknown for ever
    assert status_calls(tsb) == calls + 1  # the four read back in place; the unknown id sent again, to hear why

    calls = status_calls(tsb)
    read = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "read")
    assert read.outcomes["failed"] == 1 and status_calls(tsb) == calls  # with the snapshot: before sending
    assert read_csv(read.files.errors)[0]["errorCode"] == "campaign-not-found"


async def test_undo_restores_what_a_client_may_set_and_says_so_for_the_rest(tsb: Sandbox, tmp_path: Path) -> None:
    picked = [ids_in(tsb, s)[0] for s in ("active", "pending", "expired", "deleted", "paused", "suspended")]
    before = statuses(tsb, picked)
    path = write_csv(tmp_path / "s.csv", ["campaignId", "status"], [[i, "disabled"] for i in picked])
    done = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    assert done.outcomes["succeeded"] == 6 and set(statuses(tsb, picked).values()) == {"disabled"}

    undo = {int(r["campaignId"]): r for r in read_csv(done.files.undo)}
    assert [undo[i]["status"] for i in picked] == ["active", "pending", "expired", "deleted", "", ""]
    assert "paused by the system" in undo[picked[4]]["note"] and "Offer Checker" in undo[picked[5]]["note"]

    back = await bulkops.set_trackier_status(done.files.undo, connection=conn(tsb), run_dir=tmp_path / "undo")
    assert back.outcomes["succeeded"] == 4 and back.outcomes["skipped"] == 2 and back.exit_code == 0
    now = statuses(tsb, picked)
    assert [now[i] for i in picked[:4]] == [before[i] for i in picked[:4]]
    assert [now[i] for i in picked[4:]] == ["disabled", "disabled"]  # said, not restored
    skipped = [r for r in read_csv(back.files.results) if r["outcome"] == "skipped"]
    assert all(r["message"].startswith("not restored") for r in skipped)


async def test_rows_asking_one_status_with_other_notes_are_one_change(tsb: Sandbox, tmp_path: Path) -> None:
    """The note says why, it changes nothing: two rows asking one campaign the same status are done once."""
    first, second = ids_in(tsb, "active")[:2]
    path = write_csv(tmp_path / "s.csv", ["campaignId", "status", "note"], [
        [first, "disabled", "out of stock"], [first, "disabled", "season over"],
        [second, "disabled", "a"], [second, "pending", "b"]])
    result = await bulkops.set_trackier_status(path, connection=conn(tsb), run_dir=tmp_path / "r")
    report = {int(r["inputRow"]): (r["outcome"], r["errorCode"]) for r in read_csv(result.files.results)}
    assert report == {2: ("succeeded", ""), 3: ("skipped", "duplicate"), 4: ("failed", "duplicate-conflict"),
                      5: ("failed", "duplicate-conflict")}
    assert statuses(tsb, [first, second]) == {first: "disabled", second: "active"}
