"""`bulkops resume RUN_DIR`: finish an interrupted run, sending only what has no known outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bulkops.cli import options as opt
from bulkops.cli.console import Output
from bulkops.cli.embedded import connection_for
from bulkops.cli.jobs import _interruptible, show_result
from bulkops.platforms.retail_media.jobs import make_job
from bulkops.runner import run
from bulkops.runner.job import RunResult, open_input, resume_job


def resume(  # noqa: PLR0913 - the shared connection and output options
    run_dir: Annotated[Path, typer.Argument(help="The run directory of the interrupted run.")],
    base_url: opt.BaseUrl = None, client_id: opt.ClientId = None, client_secret: opt.ClientSecret = None,
    api_version: opt.ApiVersion = None, config: opt.ConfigFile = None, rate: opt.Rate = None,
    concurrency: opt.Concurrency = None, quiet: opt.Quiet = False, as_json: opt.Json = False,
) -> None:
    """Finish an interrupted run (Ctrl-C, crash, kill -9) and rewrite its reports.

    Refuses if the input file changed since the run started. Sends again only the operations whose outcome was never seen; everything already settled stays as it is.

    The connection defaults to the run's own (base URL, client id, API version; the embedded sandbox if the run used it). The client secret comes from --client-secret, BULKOPS_CLIENT_SECRET or the config file, never from the run directory.

    Exit codes: 0 every row succeeded or was skipped, 1 some failed, 2 refused (input changed, no journal, bad settings), 130 interrupted again.
    """
    out = Output(quiet=quiet, as_json=as_json)
    journal = run.reopen(run_dir)
    meta = journal.meta()
    flags = {k: v for k, v in {"base_url": base_url or meta.get("base_url"),
                               "client_id": client_id or meta.get("client_id"), "client_secret": client_secret,
                               "api_version": api_version or meta.get("api_version"), "rate": rate,
                               "concurrency": concurrency}.items() if v is not None}
    sandbox = None if base_url else meta.get("embedded_sandbox")
    out.say(f"resuming {run_dir}: {run.unfinished(journal)} operation(s) without a known outcome")

    async def go() -> RunResult:
        async with connection_for(flags, config, out, sandbox_db_path=sandbox) as (connection, _):
            job = make_job(meta["job"], meta.get("job_options"))
            return await resume_job(job, journal, connection, open_input(journal), out.progress)

    try:
        result = _interruptible(go, out, f"interrupted; run `bulkops resume {run_dir}` to finish")
    finally:
        journal.close()
    show_result(meta["job"], result, out, label=f"resume {meta['job']}")
    raise typer.Exit(result.exit_code)
