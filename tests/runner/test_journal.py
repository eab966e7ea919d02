"""The run journal keeps every planned operation and outcome, across process death."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from bulkops.errors import JournalError
from bulkops.platforms.retail_media.actions import Action
from bulkops.report.outcomes import widened
from bulkops.runner import journal as journal_module
from bulkops.runner.journal import Journal, file_fingerprint
from bulkops.types import Operation, Outcome, OutcomeStatus, RowError, RowNote


def _ops(n: int) -> list[Operation]:
    return [
        Operation(row_number=i + 2, kind=Action.SET_BID, parent_id=f"li{i % 3}", entity_id=f"sku{i}",
                  fields={"bid_override": "1.25"}, before={"bid_override": None})
        for i in range(n)
    ]


def test_outcomes_recorded_and_pending_shrinks(tmp_path: Path) -> None:
    ops = _ops(10)
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(ops)
        j.record([(ops[0], Outcome(2, OutcomeStatus.SUCCEEDED, attempts=1)),
                  (ops[1], Outcome(3, OutcomeStatus.FAILED, reason="below min bid", http_status=400, attempts=2)),
                  (ops[2], Outcome(4, OutcomeStatus.UNKNOWN, attempts=1))])
        pending = list(j.pending())
        assert sorted(op.row_number for op in pending) == list(range(5, 12))  # never sent
        assert [op.parent_id for op in pending] == sorted(op.parent_id for op in pending)  # ready to chunk
        assert list(j.unknown()) == [ops[2]]  # sent, no answer: read back before anything is sent again
        assert ops[3] in pending  # fields and before survive the round trip
        assert j.counts() == {"succeeded": 1, "failed": 1, "unknown": 1, "pending": 7}
        j.mark_sent(ops[3:5])
        assert j.counts()["unknown"] == 3
        j.mark_unsent(ops[4:5])  # the connection could not even be made: not sent after all
        assert j.counts() == {"succeeded": 1, "failed": 1, "unknown": 2, "pending": 6}
        failed = [r for r in j.operations() if r.outcome and r.outcome.status is OutcomeStatus.FAILED]
        assert failed[0].outcome.reason == "below min bid"
        assert failed[0].outcome.attempts == 2


def test_why_rows_failed_names_failed_rows_alone(tmp_path: Path) -> None:
    """A row sent when the run was killed is not failed (resume reads it back): it is not listed under "why rows
    failed" as an "error" with no message; the failed rows are, with the API's reason."""
    ops = _ops(6)
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(ops)
        j.mark_sent(ops[:4])
        j.record([(ops[0], Outcome(2, OutcomeStatus.FAILED, reason="below min bid", error_code="below-min-bid",
                                   http_status=400, attempts=1)),
                  (ops[1], Outcome(3, OutcomeStatus.UNKNOWN, reason="sent, no answer (timeout)", attempts=1))])
        assert j.top_errors() == [{"code": "below-min-bid", "count": 1, "example_row": 2, "example": "below min bid"}]


def test_a_settled_request_is_journaled_whole(tmp_path: Path) -> None:
    """Its outcomes, its operations that never reached the API (unsent again) and its time, in one transaction."""
    ops = _ops(4)
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(ops)
        j.mark_sent(ops[:3])
        j.settle([(ops[0], Outcome(2, OutcomeStatus.SUCCEEDED, attempts=1)),
                  (ops[1], Outcome(3, OutcomeStatus.FAILED, reason="below min bid", http_status=400, attempts=1)),
                  (ops[2], Outcome(4, OutcomeStatus.PENDING))], ("li0", "set_bid", 3, 0.25))
        assert j.counts() == {"succeeded": 1, "failed": 1, "pending": 2}  # none left sent with no answer
        assert sorted(op.row_number for op in j.pending()) == [4, 5]
        assert j.chunk_times() == [("li0", "set_bid", 3, 0.25)]


def test_notes_keep_validation_errors_in_row_order(tmp_path: Path) -> None:
    with Journal.create(tmp_path, {"job": "bids"}) as j:
        j.add_notes([RowNote.from_error(RowError("bids.csv", 9, "bidOverride", "not-a-number", "'x' is not a number")),
                     RowNote(3, OutcomeStatus.SKIPPED, None, "no-op", "already at 1.20")])
        notes = list(j.notes())
    assert [n.row_number for n in notes] == [3, 9]
    assert notes[1].message == "bids.csv, row 9, column 'bidOverride': 'x' is not a number"
    assert notes[1].status is OutcomeStatus.FAILED


def test_a_finished_run_in_a_relative_directory_is_named_as_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`--run-dir run` (relative, as users type it): a dry run there is said to be one, not sent to resume."""
    monkeypatch.chdir(tmp_path)
    Journal.create(Path("run"), {"job": "bids", "dry_run": True}).close()
    with pytest.raises(JournalError, match="already holds a dry run"):
        Journal.create(Path("run"), {"job": "bids"})


def test_a_run_dir_is_never_reused_and_a_missing_one_is_named(tmp_path: Path) -> None:
    Journal.create(tmp_path, {"job": "bids"}).close()
    with pytest.raises(JournalError, match=r"already holds a run.*bulkops resume"):
        Journal.create(tmp_path, {"job": "bids"})
    with pytest.raises(JournalError, match=r"no such run directory.*run the job again"):
        Journal.open(tmp_path / "elsewhere")  # a typo, or a run killed before it made its directory
    (tmp_path / "empty").mkdir()
    with pytest.raises(JournalError, match="no run journal"):
        Journal.open(tmp_path / "empty")
    for meta, said in (({"dry_run": True}, "already holds a dry run"),
                       ({"phase": "done", "reported": True}, "already holds a finished run")):
        Journal.create(tmp_path / said, {"job": "bids", **meta}).close()
        with pytest.raises(JournalError, match=said) as caught:  # not "finish it with resume": it has nothing left
            Journal.create(tmp_path / said, {"job": "bids"})
        assert "resume" not in str(caught.value)


def test_the_users_files_are_never_taken_for_a_run_dir(tmp_path: Path) -> None:
    mine = tmp_path / "work1"
    mine.mkdir()
    (mine / "errors.csv").write_text("my own file\n")
    with pytest.raises(JournalError, match="not empty and holds no bulkops run"):
        Journal.create(mine, {"job": "bids"})
    assert (mine / "errors.csv").read_text() == "my own file\n" and sorted(p.name for p in mine.iterdir()) == ["errors.csv"]
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(JournalError, match="is a file"):
        Journal.create(tmp_path / "a-file", {"job": "bids"})


def test_one_process_at_a_time_and_the_lock_dies_with_its_process(tmp_path: Path) -> None:
    with Journal.create(tmp_path / "run", {"job": "bids"}):
        with pytest.raises(JournalError, match=f"in use by pid {os.getpid()}"):
            Journal.open(tmp_path / "run", lock=True)
        with Journal.open(tmp_path / "run") as peek:  # reading needs no lock
            assert peek.meta()["job"] == "bids"
    proc = multiprocessing.get_context("spawn").Process(target=_lock_then_die, args=(str(tmp_path / "run"),))
    proc.start()
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    Journal.open(tmp_path / "run", lock=True).close()  # kill -9 left no lock behind


def _lock_then_die(run_dir: str) -> None:
    Journal.open(run_dir, lock=True)
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_damaged_journal_is_a_clean_error(tmp_path: Path) -> None:
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(_ops(2000))
    path = tmp_path / "run" / "journal.sqlite"
    data = bytearray(path.read_bytes())
    data[len(data) // 2:len(data) // 2 + 4096] = b"\xff" * 4096  # scribbled over in the middle
    path.write_bytes(bytes(data))
    with pytest.raises(JournalError, match=r"damaged|cannot be used"), Journal.open(tmp_path / "run") as j:
        list(j.operations())


def test_fingerprint_changes_with_content(tmp_path: Path) -> None:
    f = tmp_path / "in.csv"
    f.write_text("a\n1\n")
    first = file_fingerprint(f)
    f.write_text("a\n2\n")
    assert file_fingerprint(f) != first


def _write_then_die(run_dir: str, ops: list[Operation]) -> None:
    j = Journal.open(run_dir)
    j.record([(op, Outcome(op.row_number, OutcomeStatus.SUCCEEDED, attempts=1)) for op in ops[:5]])
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no checkpoint


def test_recorded_outcomes_survive_kill_9(tmp_path: Path) -> None:
    ops = _ops(8)
    with Journal.create(tmp_path, {"job": "bids"}) as j:
        j.add_operations(ops)
    proc = multiprocessing.get_context("spawn").Process(target=_write_then_die, args=(str(tmp_path), ops))
    proc.start()
    proc.join(30)
    assert proc.exitcode == -signal.SIGKILL
    with Journal.open(tmp_path) as j:
        assert j.counts() == {"succeeded": 5, "pending": 3}


def test_planning_resumes_after_the_last_batch_it_journaled(tmp_path: Path) -> None:
    """Batches hold whole groups; a batch's plan and how far planning got are one transaction, so a run stopped
    while planning plans again exactly the rows it had not journaled (no operation twice)."""
    rows = [(n, f"li{n % 4}", f"li{n % 4}\x1fsku{n}", f"li{n % 4}\x1fsku{n}\x1f1.00", None) for n in range(2, 42)]
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.stage([list(c) for c in zip(*rows, strict=True)], [])
        assert j.settle_duplicates(lambda *a: "") == 0
        batches = list(j.staged(12))
        assert [len({grp for _, grp, _, _ in batch}) for batch, _ in batches] == [2, 2]  # whole groups, 10 rows each
        first, through = batches[0]
        (shape,) = j.shapes([("{}", None, "", "")])
        j.record_plan([], [(n, "set-bid", grp, f"sku{n}", shape) for n, grp, _, _ in first], through)
    with Journal.open(tmp_path / "run", lock=True) as j:
        left = [n for batch, _ in j.staged(12) for n, _, _, _ in batch]
        assert sorted(left) == sorted(n for n, *_ in rows if n not in {r[0] for r in first})
        assert j.staged_count() == len(left) == 20


def test_duplicates_settle_in_batches_and_a_stop_between_them_undoes_all(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeats skipped, conflicts failed, written a batch at a time; a stop between batches (a Ctrl-C) leaves the
    staged rows as they were, to be settled again."""
    monkeypatch.setattr(journal_module, "_NOTES_BATCH", 2)
    rows = [(n, "li0", f"li0\x1fsku{n // 3}", f"li0\x1fsku{n // 3}\x1f{n % 3 if n < 12 else 0}", None)
            for n in range(3, 18)]  # sku1..3: three rows each, other values; sku4, sku5: the same values thrice
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.stage([list(c) for c in zip(*rows, strict=True)], [])

        def stop() -> None:
            raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            j.settle_duplicates(lambda key, row, numbers: f"{row} of {numbers}", between=stop)
        assert j.staged_count() == 15 and list(j.notes()) == []
        assert j.settle_duplicates(lambda key, row, numbers: f"{row} of {numbers}") == 13
        notes = {n.row_number: (n.status, n.code, n.message) for n in j.notes()}
        assert j.staged_count() == 2  # rows 12 and 15, done once
    assert notes[3] == (OutcomeStatus.FAILED, "duplicate-conflict", "3 of [3, 4, 5]")
    assert notes[13] == (OutcomeStatus.SKIPPED, "duplicate", "same as row 12; done once") and 12 not in notes


def test_a_plan_made_out_of_row_order_reads_back_in_row_order(tmp_path: Path) -> None:
    """Line items planned in another order than the sheet's rows (a shuffled sheet): the reports still read every
    operation by row, with how it is shown; a batch planned again (a resume that lost track) clashes, never
    doubles."""
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        bid, pause = j.shapes([('{"bid": "1.00"}', None, "", "bid 1.00"), ('{"status": "paused"}', None, "active",
                                                                            "paused")])
        j.record_plan([], [(10, "set-bid", "li2", "a", bid), (11, "set-bid", "li2", "b", bid)], ("li2", 11))
        j.record_plan([], [(3, "pause", "li1", "c", pause), (2, "set-bid", "li1", "d", bid),
                           (3, "pause", "li3", "c", pause)], ("li3", 3))
        assert j.counts() == {"pending": 5}  # planned, whichever order
        j.plan_whole()
        notes, ops, shown = j.pieces(2, 11)
        ops = widened(ops)
        assert notes == []
        assert [(op[0], op[1], *shown[op[8]]) for op in ops] == [
            (2, "li1", "", "bid 1.00"), (3, "li1", "active", "paused"), (3, "li3", "active", "paused"),
            (10, "li2", "", "bid 1.00"), (11, "li2", "", "bid 1.00")]
        assert [op[0] for op in j.pieces(3, 3)[1]] == [3, 3]
        assert j.counts() == {"pending": 5}
        assert j.planned() == {"pause": 2, "set-bid": 3}  # what the dry run's summary says, without a pass
        assert [(op.parent_id, op.kind, op.entity_id, n) for op, n in j.groups()] == [  # its requests file
            ("li1", "pause", "c", 1), ("li1", "set-bid", "d", 1), ("li2", "set-bid", "a", 2), ("li3", "pause", "c", 1)]
    with Journal.create(tmp_path / "again", {"job": "bids"}) as j:
        (bid,) = j.shapes([('{"bid": "1.00"}', None, "", "bid 1.00")])
        with pytest.raises(JournalError, match="UNIQUE"):  # as it is journaled, or once the plan is whole
            for _ in range(2):
                j.record_plan([], [(2, "set-bid", "li1", "d", bid)], ("li1", 2))
            j.plan_whole()


def test_shapes_outlive_their_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run of more distinct shapes than the journal keeps in memory (a budgets sheet: nearly one a row) keeps
    planning: a shape forgotten is looked up again, never a crash; each id still reads back its own shape."""
    monkeypatch.setattr(journal_module, "_SHAPES_KEPT", 4)
    shape = {k: (f'{{"bid": "{k}"}}', None, "", f"bid {k}") for k in "abcdefg"}
    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        first = j.shapes([shape[k] for k in "abc"])
        again = j.shapes([shape[k] for k in "adea"])  # over the limit, with one it knew
        assert again[0] == again[3] == first[0] and len(set(again)) == 3
        later = j.shapes([shape[k] for k in "bfg"])  # b was forgotten: added again, as another id of the same
        j.record_plan([], [(n, "set-bid", "li", f"s{n}", i) for n, i in enumerate([*first, *again[1:3], *later], 2)])
        j.plan_whole()
        _, ops, shown = j.pieces(2, 20)
    assert [shown[op[-1]][1] for op in ops] == [f"bid {k}" for k in "abcdebfg"]


def test_a_rows_operations_read_back_by_line_item_whatever_order_they_were_planned_in(tmp_path: Path) -> None:
    """A SKU paused on several line items: its operations come back by line item, not in the order the line items'
    reads happened to finish (so a resumed run's results read as an uninterrupted one's)."""
    with Journal.create(tmp_path / "run", {"job": "pause"}) as j:
        (pause,) = j.shapes([('{"status": "paused"}', None, "active", "paused")])
        j.record_plan([], [(2, "pause", li, "sku", pause) for li in ("li3", "li1", "li2")] +
                      [(3, "pause", li, "sku9", pause) for li in ("li2", "li1")])
        j.plan_whole()
        _, ops, _ = j.pieces(2, 3)
    assert [(op[0], op[1]) for op in ops] == [(2, "li1"), (2, "li2"), (2, "li3"), (3, "li1"), (3, "li2")]


def test_the_reports_read_the_apis_answers_where_a_run_has_some(tmp_path: Path) -> None:
    """A created budget's id is kept with its operation; the reports read that column only in runs that have such
    answers (a million NULLs otherwise), and in any run journaled before they said so."""
    ops = _ops(2)
    with Journal.create(tmp_path / "run", {"job": "budgets"}) as j:
        j.add_operations(ops)
        j.mark_sent(ops)
        assert all(len(op) == 9 for op in j.pieces(2, 3)[1])
        j.settle([(ops[0], Outcome(2, OutcomeStatus.SUCCEEDED, attempts=1, result={"budgetId": "16500124"})),
                  (ops[1], Outcome(3, OutcomeStatus.SUCCEEDED, attempts=1))], ("li0", "set_bid", 2, 0.1))
        assert [op[9] for op in j.pieces(2, 3)[1]] == ['{"budgetId": "16500124"}', None]
    with Journal.open(tmp_path / "run") as j:
        j._db.execute("DELETE FROM meta WHERE key = 'answered'")  # as a journal of an earlier bulkops
        assert [op[9] for op in j.pieces(2, 3)[1]] == ['{"budgetId": "16500124"}', None]


def test_the_reports_read_statuses_once_an_operation_has_one(tmp_path: Path) -> None:
    """A dry run's operations (no status, ever) are read as their keys alone; an outcome recorded without a send
    (settled before the request: a product already at its bid), a send, or a journal of an earlier bulkops, which
    never said, are read whole, and in a new process too: an operation done is never reported as not sent."""
    ops = _ops(2)
    for step in ("record", "mark_sent", "earlier"):
        with Journal.create(tmp_path / step, {"job": "bids"}) as j:
            j.add_operations(ops)
            assert [len(op) for op in j.pieces(2, 3)[1]] == [3, 3]
            assert widened(j.pieces(2, 3)[1])[0][2:8] == (None, None, None, None, None, 0)
            if step == "record":
                j.record([(ops[0], Outcome(2, OutcomeStatus.SKIPPED, reason="already at its bid"))])
            elif step == "mark_sent":
                j.mark_sent(ops[:1])
            else:
                with j._db:
                    j._db.execute("DELETE FROM meta WHERE key = 'outcomes'")
        with Journal.open(tmp_path / step) as j:
            first, second = j.pieces(2, 3)[1]
            assert len(first) == 9
            assert (first[2], second[2]) == {"record": ("skipped", None), "mark_sent": ("unknown", None),
                                             "earlier": (None, None)}[step]


def test_a_journal_is_made_durable_before_anything_is_sent(tmp_path: Path) -> None:
    """A new run's journal skips the disk syncs while it stages and plans (nothing is sent then: a power cut
    means beginning again), and syncs every write once it is ready to send, in this process or a resumed one."""
    def synchronous(j: Journal) -> int:
        return int(j._db.execute("PRAGMA synchronous").fetchone()[0])

    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(_ops(3))
        assert synchronous(j) == 0  # OFF: staging and planning
        j.ready_to_send()
        assert synchronous(j) == 1  # NORMAL: from the first send on
        j.mark_sent(_ops(1))
    with Journal.open(tmp_path / "run", lock=True) as j:  # resumed
        assert synchronous(j) == 1
        j.ready_to_send()
        assert synchronous(j) == 1 and j.counts() == {"pending": 2, "unknown": 1}


def test_a_second_process_names_the_holder_of_a_run_or_says_it_cannot(tmp_path: Path) -> None:
    """Two resumes at once: the loser names the winner's pid; caught before the winner has written it (or with a
    stale one of a dead process), it says "another process", never "pid " and nothing, nor a wrong pid."""
    with Journal.create(tmp_path / "run", {"job": "bids"}):
        with pytest.raises(JournalError, match=f"in use by pid {os.getpid()} "):
            Journal.open(tmp_path / "run", lock=True)
        (tmp_path / "run" / "lock.pid").write_text("", encoding="utf-8")
        with pytest.raises(JournalError, match="in use by another process"):
            Journal.open(tmp_path / "run", lock=True)
        (tmp_path / "run" / "lock.pid").write_text("999999999", encoding="utf-8")
        with pytest.raises(JournalError, match="in use by another process"):
            Journal.open(tmp_path / "run", lock=True)


def test_a_send_rolled_back_says_nothing_and_the_next_one_says_it(tmp_path: Path) -> None:
    """A transaction that recorded an outcome and was rolled back (it failed half way) leaves no status and no word
    of one; the next one that commits says it, so its statuses are read."""
    ops = _ops(2)

    class Broken:  # an operation whose key cannot be read: the settling fails after the outcome was written
        @property
        def row_number(self) -> int:
            raise RuntimeError("half way")

    with Journal.create(tmp_path / "run", {"job": "bids"}) as j:
        j.add_operations(ops)
        with pytest.raises(RuntimeError):
            j.settle([(ops[0], Outcome(2, OutcomeStatus.SUCCEEDED, attempts=1)),
                      (Broken(), Outcome(3, OutcomeStatus.PENDING))], ("li0", "set_bid", 2, 0.1))  # type: ignore[list-item]
        assert [len(op) for op in j.pieces(2, 3)[1]] == [3, 3]
        j.mark_sent(ops[:1])
        assert [op[2] for op in j.pieces(2, 3)[1]] == ["unknown", None]
