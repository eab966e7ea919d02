"""The `bulkops` console script's entry: the command line loads inside it, so a Ctrl-C while it loads (its first
fraction of a second) ends like any other interruption, exit 130 and, with --json, an object on stdout."""

from __future__ import annotations

import json
import sys


def main() -> None:
    """Load the command line and run it."""
    try:
        from bulkops.cli import main as run  # noqa: PLC0415 - loaded here, where a Ctrl-C is caught
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        if "--json" in sys.argv[1:]:
            print(json.dumps({"error": "interrupted", "kind": "Interrupted", "exit_code": 130}))
        sys.exit(130)
    run()
