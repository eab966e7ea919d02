"""The Python API and the command line raise the documented exceptions, never the task group that carried one."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

import bulkops
from bulkops.api import default_run_dir
from bulkops.errors import ApiUnreachable, ServerError
from bulkops.target import in_python_terms


@in_python_terms
async def _fanned_out(*failures: BaseException, connection: object = None, notice: object = None) -> None:
    """Reads fanned out by a pool, as an export's products are: each failure in a task of its own."""
    async def fail(exc: BaseException) -> None:
        raise exc

    async with anyio.create_task_group() as tg:
        for exc in failures:
            tg.start_soon(fail, exc)


async def test_an_error_inside_a_task_group_is_raised_as_itself() -> None:
    with pytest.raises(bulkops.RequestError, match="Injected server error") as caught:
        await _fanned_out(ServerError("Injected server error", status=500))
    assert isinstance(caught.value, ServerError)


async def test_the_api_gone_wins_over_the_other_errors_of_the_group() -> None:
    with pytest.raises(ApiUnreachable):
        await _fanned_out(ServerError("boom", status=500), ApiUnreachable("API unreachable: gone", sent=False))


async def test_a_group_holding_anything_but_bulkops_errors_stays_a_group() -> None:
    with pytest.raises(BaseExceptionGroup):
        await _fanned_out(ServerError("boom", status=500), ValueError("a bug"))


def test_runs_started_in_the_same_second_get_directories_of_their_own(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Two processes starting a run in the same second both saw the directory free and took the same one."""
    monkeypatch.chdir(tmp_path)
    made = [default_run_dir("bids") for _ in range(3)]
    assert len(set(made)) == 3 and all(p.is_dir() and not any(p.iterdir()) for p in made)
