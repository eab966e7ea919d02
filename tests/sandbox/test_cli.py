"""`bulkops sandbox serve` as a person runs it: prints where it listens, serves, stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys

import aiohttp


async def test_serve_prints_url_and_credentials_and_stops_on_ctrl_c() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "bulkops", "sandbox", "serve", "--port", "0", "--line-items", "5",
                             "--client-secret", "s3"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        url = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first).group(1)  # type: ignore[union-attr]
        lines = [proc.stdout.readline() for _ in range(6)]  # type: ignore[union-attr]
        assert any("client secret: s3" in line for line in lines)
        async with aiohttp.ClientSession() as s:
            form = {"client_id": "bulkops-sandbox", "client_secret": "s3", "grant_type": "client_credentials"}
            async with s.post(f"{url}/oauth2/token", data=form) as r:
                assert r.status == 200
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0 and "sandbox stopped" in rest


def test_a_port_it_cannot_take_is_said_in_one_line() -> None:
    """A port in use (another sandbox) or out of range, a --db it cannot open: a one-line refusal, exit 2, not a
    traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for given, said in ((str(port), f"cannot listen on 127.0.0.1:{port}"), ("99999", "between 0 and 65535"),
                            ("0 --db /nonexistent/x.sqlite", "cannot use --db")):
            done = subprocess.run([sys.executable, "-m", "bulkops", "sandbox", "serve", "--port", *given.split(),
                                   "--line-items", "5"], capture_output=True, text=True, timeout=60, check=False)
            assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
