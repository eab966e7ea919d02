"""The `bulkops` console script's entry: the command line loads inside it, so a Ctrl-C while it loads (its first
fraction of a second) ends like any other interruption, exit 130 and, with --json, an object on stdout.

When the command is done it leaves without the interpreter's teardown (as mypy does): every file is written and
closed by then, and tearing down aiohttp, pyarrow and the rest (a last garbage collection over everything they
loaded, then module by module) took 0.1-0.15 s of a 10-row run's 0.9 s. It is also where pyarrow's own threads
once aborted the process (SIGABRT, after every report was written)."""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
from typing import NoReturn


def main() -> None:
    """Load the command line, run it, and leave."""
    _closed_streams_to_devnull()
    try:
        from bulkops.cli import main as run  # noqa: PLC0415 - loaded here, where a Ctrl-C is caught
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        if "--json" in sys.argv[1:]:
            print(json.dumps({"error": "interrupted", "kind": "Interrupted", "exit_code": 130}))
        sys.exit(130)
    try:
        run()
    except SystemExit as done:
        leave(done.code)
    leave(0)


def _closed_streams_to_devnull() -> None:
    """Started with stdout or stderr closed (`2>&-`, a service manager): Python leaves that stream None, and
    `print(..., file=None)` writes to stdout, so every warning would land in the --json object a script reads.
    What would go to a closed stream goes nowhere instead."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - for the process's life


def leave(code: object) -> NoReturn:
    """End the process with `code` (as `sys.exit` reads it) once what it printed is out and the atexit hooks have
    run, skipping the interpreter's teardown. If a thread of ours is still alive, or the output cannot be
    flushed (a closed pipe), it exits the usual way instead, so nothing is cut short and Python reports what it
    reports."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with that descriptor closed (`>&-`), as Python allows
                stream.flush()
    except (OSError, ValueError):
        sys.exit(status)
    os._exit(status)
