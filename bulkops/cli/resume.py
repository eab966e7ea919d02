"""`bulkops resume RUN_DIR`: finish an interrupted run, sending only what has no known outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bulkops import registry
from bulkops.cli import options as opt
from bulkops.cli.jobs import interruptible, show_result


def resume(run_dir: Path, **values: Any) -> None:
    """Finish an interrupted run (Ctrl-C, crash, kill -9) and rewrite its reports.

    Refuses if the input file changed since the run started. Sends again only the operations whose outcome was
    never seen; everything already settled stays as it is. A run that finished is left as it is (nothing is sent,
    its reports are not rewritten): its result is shown again. summary.json counts every process of the run.

    The connection is the run's own (its base URL, client id and API version; its embedded sandbox if it used
    one). The secret or API key comes from the flags, the environment or the config file, never from the run
    directory.

    Exit codes: 0 every row succeeded or was skipped, 1 some failed, 2 refused (input changed, no journal, bad
    settings), 75 the API stopped answering (or answered only server errors) again, 130 interrupted again
    (Ctrl-C), 143 terminated (SIGTERM): resume again.
    """
    from bulkops import api  # noqa: PLC0415 - the engine loads when the verb runs, not for --help
    from bulkops.cli.console import Output  # noqa: PLC0415
    from bulkops.runner.journal import Journal  # noqa: PLC0415
    from bulkops.runner.pipeline import refuse_a_dry_run  # noqa: PLC0415

    out = Output(quiet=values.pop("quiet"), as_json=values.pop("as_json"))
    flags = opt.connection_flags(values)
    with Journal.open(run_dir, lock=True) as journal:  # in use by another process: said before anything else
        meta = journal.meta()
        pending = journal.counts()
    refuse_a_dry_run(run_dir, meta)
    left = pending.get("pending", 0) + pending.get("unknown", 0)
    if meta.get("reported") and meta.get("phase") == "done" and not left:
        out.say(f"{run_dir} ({meta.get('job')}) finished earlier: every operation has its outcome, nothing to"
                " resume; its reports stand as written")
    elif meta.get("phase") in ("checking", "planning"):  # stopped before its plan was whole: nothing sent yet
        out.say(f"resuming {run_dir} ({meta.get('job')}): stopped while {meta['phase']} its rows, before anything"
                " was sent; it goes on from there")
    else:
        out.say(f"resuming {run_dir} ({meta.get('job')}): {left} operation(s) without a known outcome")
    retarget = values.pop("retarget")
    result = interruptible(lambda: api.resume(run_dir, connection=flags, listener=out.progress, notice=out.notice,
                                              retarget=retarget), out, run_dir)
    show_result(meta["job"], result, out, label=f"resume {meta['job']}")
    raise click.exceptions.Exit(result.exit_code)


def command() -> click.Command:
    """The `resume` command."""
    return opt.command("resume", resume, [
        opt.Arg("run_dir", metavar="RUN_DIR", help="The run directory of the interrupted run."),
        *opt.connection_params(list(registry.platforms())),
        opt.param("retarget", bool, False, opt.flag(
            "--retarget", panel=opt.CONN,
            help="Send the rest to the target given now (--base-url, --client-id, --api-version), not the run's"
                 " own: only on purpose.")),
        *opt.output_params()], resume.__doc__ or "")
