"""A change goes only where the user thinks: the target is named, credentials never fall back to the sandbox,
resume goes where the run went, and a wrong connection or login stops the run at once, in one plain message."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from aiohttp import web

import bulkops
from bulkops.sandbox import Sandbox
from tests.jobs.conftest import line_items, write_csv
from tests.runner.test_resume import _journaled_run
from tests.trust.conftest import cli, cli_env

SHEET = ("lineItemId", "productId", "bidOverride")


def _one_bid(sb: Sandbox, tmp_path: Path) -> Path:
    li = line_items(sb, "auction", "active")[0]
    sku = sorted(sb.control.retail_media.products(li))[0]
    return write_csv(tmp_path / "one.csv", SHEET, [[li, sku, "1.37"]])


def test_credentials_without_a_base_url_go_to_the_real_api_never_to_the_sandbox(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("lineItemId,productId,bidOverride\n1,abc,1.2\n")
    env = cli_env(BULKOPS_CLIENT_ID="someone", BULKOPS_CLIENT_SECRET="s3cret-value",
                  BULKOPS_SANDBOX_DB=str(tmp_path / "sb.sqlite"))
    started = time.monotonic()
    done = cli("bids", "one.csv", "-q", cwd=tmp_path, env=env)
    assert done.returncode == 2, done.stderr
    assert "https://api.criteo.com" in done.stderr and "EMBEDDED SANDBOX" not in done.stderr
    assert time.monotonic() - started < 30  # said at once, not after minutes of retries
    assert not (tmp_path / "sb.sqlite").exists()  # the sandbox was never started
    assert "s3cret-value" not in done.stderr + done.stdout


async def test_the_sandbox_default_is_said_even_quietly_and_every_run_names_its_target(tmp_path: Path) -> None:
    env = cli_env(BULKOPS_SANDBOX_DB=str(tmp_path / "sb.sqlite"))
    export = await asyncio.to_thread(cli, "export", "--account", "4000", "--out", "inv.csv", "--no-products", "-q",
                                     cwd=tmp_path, env=env)
    assert export.returncode == 0 and "EMBEDDED SANDBOX" in export.stderr
    line_item = next(r for r in (tmp_path / "inv.csv").read_text().splitlines() if r.startswith("lineItem,"))
    write_csv(tmp_path / "li.csv", ("lineItemId", "name"), [[line_item.split(",")[3], "renamed by the test"]])
    done = await asyncio.to_thread(cli, "line-items", "li.csv", "--json", "--run-dir", "run", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["target"] == "embedded sandbox"
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["target"] == "embedded sandbox"


async def test_resume_goes_where_the_run_went_unless_told_on_purpose(make_sandbox, tmp_path: Path) -> None:
    async with make_sandbox() as sb, make_sandbox(seed=8) as other:
        ops, wanted = _journaled_run(sb, tmp_path)  # planned against `sb`, nothing sent yet
        refused = await asyncio.to_thread(cli, "resume", "run", "--base-url", other.base_url, cwd=tmp_path,
                                          env=cli_env(sb))
        assert refused.returncode == 2 and sb.base_url in refused.stderr and "--retarget" in refused.stderr
        # the environment now names the other server: resume still goes to the run's own
        done = await asyncio.to_thread(cli, "resume", "run", cwd=tmp_path, env=cli_env(other))
        assert done.returncode == 0, done.stderr
        assert other.control.stats().get("requests", 0) == 0
        assert all(sb.control.retail_media.products(li)[sku]["bidOverride"] == bid for (li, sku), bid in wanted.items())
        # finished: naming the other server still says it is another target (the user believes it goes there)
        again = await asyncio.to_thread(cli, "resume", "run", "--base-url", other.base_url, cwd=tmp_path,
                                        env=cli_env(sb))
        assert again.returncode == 2 and "--retarget" in again.stderr, again.stderr
        told = await asyncio.to_thread(cli, "resume", "run", "--base-url", other.base_url, "--retarget",
                                       cwd=tmp_path, env=cli_env(sb))
        assert told.returncode == 0 and "finished" in told.stderr + told.stdout, told.stderr
        assert other.control.stats().get("requests", 0) == 0


async def test_resume_goes_as_the_client_and_api_version_the_run_began_with(sandbox: Sandbox, tmp_path: Path) -> None:
    """An agency holding several client ids: a run is not finished under another one, nor in another API version,
    unless told on purpose."""
    _journaled_run(sandbox, tmp_path)  # planned, nothing sent yet
    for other in (bulkops.connect(sandbox.base_url, "other-client", sandbox.client_secret),
                  bulkops.connect(sandbox.base_url, sandbox.client_id, sandbox.client_secret, api_version="2027-01")):
        with pytest.raises(bulkops.UsageError, match="retarget=True"):
            await bulkops.resume(tmp_path / "run", connection=other)
    refused = await asyncio.to_thread(cli, "resume", "run", "--client-id", "other-client", cwd=tmp_path,
                                      env=cli_env(sandbox))
    assert refused.returncode == 2 and "'other-client' is another" in refused.stderr
    assert sandbox.control.stats().get("requests", 0) == 0
    done = await bulkops.resume(tmp_path / "run", connection=bulkops.connect(sandbox.base_url, sandbox.client_id,
                                                                             sandbox.client_secret))
    assert done.exit_code == 0


async def test_nothing_listening_is_said_in_seconds_and_nothing_is_written(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "b.csv", SHEET, [["1", "abc", "1.2"]])
    env = cli_env(BULKOPS_BASE_URL="http://127.0.0.1:9", BULKOPS_CLIENT_ID="i", BULKOPS_CLIENT_SECRET="s")
    started = time.monotonic()
    done = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "run", cwd=tmp_path, env=env)
    assert done.returncode == 2 and "cannot reach" in done.stderr and "127.0.0.1:9" in done.stderr
    assert time.monotonic() - started < 20 and not (tmp_path / "run").exists()


async def test_a_wrong_secret_is_one_message_before_any_row_is_read(sandbox: Sandbox, tmp_path: Path) -> None:
    path = _one_bid(sandbox, tmp_path)
    env = cli_env(sandbox, BULKOPS_CLIENT_SECRET="not-the-secret")
    done = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "run", cwd=tmp_path, env=env)
    assert done.returncode == 2 and "refused the credentials" in done.stderr, done.stderr
    assert done.stderr.count("error:") == 1 and not (tmp_path / "run").exists()
    assert sandbox.control.stats().get("requests", 0) == 0  # only the token endpoint was asked
    assert "not-the-secret" not in done.stderr


async def test_a_base_url_with_a_path_and_an_unknown_version_are_refused(sandbox: Sandbox, tmp_path: Path) -> None:
    path = _one_bid(sandbox, tmp_path)
    with_path = await asyncio.to_thread(cli, "bids", str(path), cwd=tmp_path, env=cli_env(
        sandbox, BULKOPS_BASE_URL=sandbox.base_url + "/2026-07/retail-media"))
    assert with_path.returncode == 2 and "has a path" in with_path.stderr
    version = await asyncio.to_thread(cli, "bids", str(path), "--api-version", "2019-01", cwd=tmp_path,
                                      env=cli_env(sandbox))
    assert version.returncode == 2 and "2026-07" in version.stderr
    assert sandbox.control.stats().get("requests", 0) == 0


async def test_a_redirect_is_never_followed_with_credentials(tmp_path: Path) -> None:
    hits: list[str] = []

    async def elsewhere(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.Response(text="got it")

    async def redirect(request: web.Request) -> web.Response:
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.1:{other_port}{request.path}")

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", elsewhere)
    front = web.Application()
    front.router.add_route("*", "/{tail:.*}", redirect)
    runners = [web.AppRunner(other), web.AppRunner(front)]
    for r in runners:
        await r.setup()
    other_site, front_site = web.TCPSite(runners[0], "127.0.0.1", 0), web.TCPSite(runners[1], "127.0.0.1", 0)
    await other_site.start()
    await front_site.start()
    other_port = runners[0].addresses[0][1]
    front_url = f"http://127.0.0.1:{runners[1].addresses[0][1]}"
    try:
        path = write_csv(tmp_path / "b.csv", SHEET, [["1", "abc", "1.2"]])
        env = cli_env(BULKOPS_BASE_URL=front_url, BULKOPS_CLIENT_ID="i", BULKOPS_CLIENT_SECRET="s3cret")
        done = await asyncio.to_thread(cli, "bids", str(path), cwd=tmp_path, env=env)
    finally:
        for r in runners:
            await r.cleanup()
    assert done.returncode == 2 and "redirect" in done.stderr
    assert hits == []  # the secret never went to the other origin


async def test_an_api_over_its_quota_at_the_first_call_is_waited_for_not_refused(sandbox: Sandbox,
                                                                                 tmp_path: Path) -> None:
    path = _one_bid(sandbox, tmp_path)
    sandbox.control.burst_429(3)  # the preflight's own call meets the 429s (another job using the quota)
    done = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "run", "--json", cwd=tmp_path,
                                   env=cli_env(sandbox))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcomes"]["succeeded"] == 1


async def test_an_api_failing_now_and_then_at_the_first_call_is_asked_again_not_refused(sandbox: Sandbox,
                                                                                        tmp_path: Path) -> None:
    """A server error (5xx) at the preflight proves the host is there: it is asked again a few times, as any call
    is, instead of refusing the run (a resume of a long run meets the same API). One that keeps failing is one
    message, nothing read or sent."""
    path = _one_bid(sandbox, tmp_path)
    sandbox.control.set_faults(error_rate=1.0, methods=("GET",))
    run = asyncio.create_task(asyncio.to_thread(cli, "bids", str(path), "--run-dir", "run", "--json", cwd=tmp_path,
                                                env=cli_env(sandbox)))
    await asyncio.sleep(2.5)  # the probe's two attempts and its first pause spent, all answered 503
    sandbox.control.set_faults(error_rate=0.0)
    done = await run
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["outcomes"]["succeeded"] == 1

    sandbox.control.set_faults(error_rate=1.0, methods=("GET",))
    down = await asyncio.to_thread(cli, "bids", str(path), "--run-dir", "down", cwd=tmp_path, env=cli_env(sandbox))
    assert down.returncode == 2 and "kept failing with a server error" in down.stderr, down.stderr
    assert not (tmp_path / "down").exists()


async def test_resume_keeps_the_pace_the_run_was_started_at(sandbox: Sandbox, tmp_path: Path) -> None:
    """A run started at --rate N (to spare a quota other jobs share) resumes at N, not at the learned quota,
    unless --rate is given again."""
    from bulkops.runner.journal import Journal

    _journaled_run(sandbox, tmp_path)  # planned, nothing sent yet
    with Journal.open(tmp_path / "run") as journal:
        journal.set_meta({"rate": 6000.0, "concurrency": 3})
    done = await asyncio.to_thread(cli, "resume", "run", "--json", cwd=tmp_path, env=cli_env(sandbox))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["quota_per_min"] == 6000, summary
