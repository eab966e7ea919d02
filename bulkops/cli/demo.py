"""`bulkops demo`: every platform's jobs, start to finish, against a fresh embedded sandbox."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bulkops import registry
from bulkops.cli import options as opt
from bulkops.cli.jobs import show_result
from bulkops.errors import UsageError
from bulkops.platform import DemoContext
from bulkops.types import Connection

if TYPE_CHECKING:
    from bulkops.cli.console import Output
    from bulkops.runner.protocol import RunResult

DEMO_QUOTA = 3000  # calls per minute: a demo should not take minutes (the real quotas are lower)


def demo(out_dir: Path | None = None, seed: int = 1) -> None:
    """Run every platform's jobs against a fresh embedded sandbox and show where every report is.

    Retail Media: export an account, apply a bid sheet with some bad rows, mass-pause SKUs across the account,
    undo the bid change; then each other platform's own short step."""
    folder = out_dir or Path("runs") / f"demo-{datetime.now():%Y%m%d-%H%M%S}"
    if folder.is_dir() and any(folder.iterdir()):  # an earlier demo's (or the user's) files: refused before any work
        raise UsageError(f"{folder} is not empty: the demo writes a fresh set of runs; give another --dir")
    folder.mkdir(parents=True, exist_ok=True)
    import asyncio  # noqa: PLC0415 - what a verb needs loads when it runs, not for --help

    from bulkops.cli.console import Output  # noqa: PLC0415

    asyncio.run(_demo(folder, seed, Output()))


def command() -> click.Command:
    """The `demo` command."""
    return opt.command("demo", demo, [
        opt.param("out_dir", Path, None, opt.flag("--dir", metavar="DIR",
                                                  help="Where the demo's files go. [default: runs/demo-<time>]")),
        opt.param("seed", int, 1, opt.flag("--seed", metavar="N", help="Seed of the sandbox data. [default: 1]"))],
        demo.__doc__ or "")


async def _demo(folder: Path, seed: int, out: Output) -> None:
    from bulkops.sandbox import Sandbox, SandboxSettings  # noqa: PLC0415 - only the demo builds a sandbox
    from bulkops.target import sandbox_credentials  # noqa: PLC0415

    data = folder / "sandbox.sqlite"
    settings = SandboxSettings(seed=seed, db=str(data), quota=DEMO_QUOTA)
    # the demo's data is its own: what a hint says to run next goes there, not to runs/sandbox.sqlite
    command = f"BULKOPS_SANDBOX_DB={data} bulkops"
    async with Sandbox(settings) as sb:
        out.say(f"embedded sandbox at {sb.base_url} (quota {DEMO_QUOTA}/min); files in {folder}\n")
        for platform in registry.platforms():
            if platform.demo is None:
                continue
            out.say(f"== {platform.demo.title}")
            conn = Connection(platform.name, sb.base_url, sandbox_credentials(platform, sb.client_id,
                                                                              sb.client_secret),
                              platform.default_api_version, target="embedded sandbox (demo)")
            sub = folder / platform.name if platform is not registry.default() else folder
            sub.mkdir(parents=True, exist_ok=True)
            def show(label: str, result: RunResult) -> None:
                show_result(label.split(maxsplit=1)[0], result, out, label=label, command=command)

            await platform.demo.run(DemoContext(conn, sub, out.say, show))
            out.say("")
        out.say(f"all done: every file above is in {folder}; the demo's data is {data}: a command run with"
                f" BULKOPS_SANDBOX_DB={data} (as each hint above is) works on it")
