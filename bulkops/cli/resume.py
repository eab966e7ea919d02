"""`bulkops resume RUN_DIR`: finish an interrupted run, sending only what has no known outcome."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bulkops.cli import options as opt
from bulkops.cli.console import Output
from bulkops.config import resolve
from bulkops.engine.client import ApiClient
from bulkops.errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_ROWS_FAILED
from bulkops.platforms.retail_media.executor import ProductExecutor
from bulkops.runner import run
from bulkops.runner.journal import Journal
from bulkops.types import Connection


def resume(  # noqa: PLR0913 - the shared connection and output options
    run_dir: Annotated[Path, typer.Argument(help="The run directory of the interrupted run.")],
    base_url: opt.BaseUrl = None, client_id: opt.ClientId = None, client_secret: opt.ClientSecret = None,
    api_version: opt.ApiVersion = None, config: opt.ConfigFile = None, rate: opt.Rate = None,
    concurrency: opt.Concurrency = None, quiet: opt.Quiet = False, as_json: opt.Json = False,
) -> None:
    """Finish an interrupted run (Ctrl-C, crash, kill -9).

    Refuses if the input file changed since the run started. Sends again only the operations whose outcome was never seen; everything already settled stays as it is.

    The connection defaults to the run's own (base URL, client id, API version). The client secret comes from --client-secret, BULKOPS_CLIENT_SECRET or the config file, never from the run directory.

    Exit codes: 0 every operation succeeded or was skipped, 1 some failed, 2 refused (input changed, no journal, bad settings), 130 interrupted again.
    """
    out = Output(quiet=quiet, as_json=as_json)
    journal = run.reopen(run_dir)
    meta = journal.meta()
    flags = {"base_url": base_url or meta.get("base_url"), "client_id": client_id or meta.get("client_id"),
             "client_secret": client_secret, "api_version": api_version or meta.get("api_version"),
             "rate": rate, "concurrency": concurrency}
    connection = resolve(flags, config_path=str(config) if config else None)
    left = run.unfinished(journal)
    out.say(f"resuming {run_dir}: {left} operation(s) without a known outcome")
    try:
        info = asyncio.run(_send(journal, connection, out))
    except KeyboardInterrupt:
        out.error(f"interrupted; run `bulkops resume {run_dir}` to finish")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        journal.close()
    summary = {"run_dir": str(run_dir), "operations": info.counts, "counters": info.counters,
               "elapsed_s": round(info.elapsed_s, 1)}
    out.summary(summary, f"done in {info.elapsed_s:.1f}s: " + ", ".join(f"{v} {k}" for k, v in info.counts.items()))
    raise typer.Exit(EXIT_ROWS_FAILED if info.counts.get("failed") else EXIT_OK)


async def _send(journal: Journal, connection: Connection, out: Output) -> run.RunInfo:
    async with ApiClient(connection) as api:
        return await run.execute(journal, ProductExecutor(api), rows_total=run.rows_planned(journal),
                                 listener=out.progress)
