"""Helpers for the trust tests: the CLI as a user runs it, a fast client, a sandbox in its own process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import bulkops
from bulkops.sandbox import Sandbox

FAST = bulkops.Tuning(bulkops.Timeouts(connect=2, read=1),
                      bulkops.RetryPolicy(attempts=3, deadline_s=20, wait_initial_s=0.01, wait_max_s=0.05,
                                          wait_jitter_s=0, unreachable_after_s=5))


def cli_env(sb: Sandbox | None = None, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no BULKOPS_* of ours leaking in, the sandbox's settings if given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKOPS_")}
    if sb is not None:
        env.update(BULKOPS_BASE_URL=sb.base_url, BULKOPS_CLIENT_ID=sb.client_id,
                   BULKOPS_CLIENT_SECRET=sb.client_secret)
    env.update(extra)
    return env


def cli(*args: str, cwd: Path, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`bulkops ARGS` to the end."""
    return subprocess.run([sys.executable, "-m", "bulkops", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


def spawn(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`bulkops ARGS` in the background."""
    return subprocess.Popen([sys.executable, "-m", "bulkops", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class ServerProcess:
    """`bulkops sandbox serve` in its own process, which a test can kill and start again on the same port/data."""

    def __init__(self, db: Path, *flags: str) -> None:
        self.db, self.flags, self.port = db, flags, 0
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def start(self) -> str:
        self.proc = subprocess.Popen([sys.executable, "-m", "bulkops", "sandbox", "serve", "--port", str(self.port),
                                      "--db", str(self.db), *self.flags], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        found = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        assert found, line
        self.url, self.port = found.group(1), int(found.group(2))
        return self.url

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A sandbox process (small data, quota off), killed at the end."""
    sp = ServerProcess(tmp_path / "server.sqlite", "--line-items", "30", "--max-products", "40", "--quota", "0",
                       "--seed", "5")
    yield sp
    sp.kill()


def wait_for(check, timeout: float = 60.0, step: float = 0.1) -> None:
    """Poll `check()` until it is true."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(step)
