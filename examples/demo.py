"""What ``make demo`` runs: a local domino-server, the quickstart against it, then shutdown.

1. start ``python -m domino.server serve --port 0`` (the OS picks a free loopback port, which
   the server prints) with a temporary data directory and a random admin API key;
2. wait until ``GET /version`` answers;
3. create a second user to be added as a collaborator;
4. run examples/quickstart.py with DOMINO_API_HOST / DOMINO_USER_API_KEY set;
5. stop the server with Ctrl-C (SIGINT) and exit with the quickstart's exit code.

Ctrl-C during the demo stops the quickstart and the server and exits 130 with one line, not a
traceback from each process.

The files the quickstart downloads are kept in ``demo-data/results`` (or ``--results-dir``).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_RESULTS = HERE.parent / "demo-data" / "results"
QUICKSTART = HERE / "quickstart.py"
COLLABORATOR = "demo-collaborator"
# Generous: these only stop a hung demo, and a busy CI machine can be many times slower.
STARTUP_TIMEOUT = 60.0
QUICKSTART_TIMEOUT = 240.0
LISTENING = re.compile(r"listening on (http://\S+)")


def wait_until_up(log_path: Path, server: subprocess.Popen[bytes]) -> str | None:
    """The server's URL once it answers ``GET /version``; None if it exits or never answers.

    The server binds port 0 itself and prints the port it got: picking a free port here and
    passing it on would leave a window in which another process can take it.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT
    url = None
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return None
        if url is None:
            found = LISTENING.search(log_path.read_text(errors="replace"))
            url = found.group(1) if found else None
        if url is not None:
            try:
                with urllib.request.urlopen(url + "/version", timeout=5) as response:
                    if response.status == 200:
                        return url
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.1)
    return None


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        print("domino-server did not stop after Ctrl-C; killing it", file=sys.stderr)
        server.kill()
        server.wait()


def clean_env() -> dict[str, str]:
    # A developer's own DOMINO_* settings must not point the demo at a real deployment.
    return {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results-dir", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args(argv)
    data_dir = Path(tempfile.mkdtemp(prefix="domino-demo-"))
    log_path = data_dir.parent / f"{data_dir.name}-server.log"
    api_key = secrets.token_hex(20)
    started = time.monotonic()
    server_cmd = [sys.executable, "-m", "domino.server", "serve", "--port", "0"]
    server_cmd += ["--data-dir", str(data_dir), "--user", f"admin:{api_key}"]

    print(f"==> Starting domino-server (data in {data_dir})", flush=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(server_cmd, stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        url = wait_until_up(log_path, server)
        if url is None:
            print("domino-server did not come up; its log:", file=sys.stderr)
            print(log_path.read_text(errors="replace"), file=sys.stderr)
            return 1
        print(f"==> Server is up on {url} ({time.monotonic() - started:.1f}s)", flush=True)

        added = subprocess.run(
            [sys.executable, "-m", "domino.server", "add-user", "--data-dir", str(data_dir)]
            + [COLLABORATOR],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=60,
        )
        if added.returncode != 0:
            print(f"could not add user {COLLABORATOR}:\n{added.stderr}", file=sys.stderr)
            return 1
        print(f"==> Added user {COLLABORATOR}", flush=True)

        env = clean_env()
        env.update(
            DOMINO_API_HOST=url,
            DOMINO_USER_API_KEY=api_key,
            DOMINO_DEMO_COLLABORATOR=COLLABORATOR,
            DOMINO_DEMO_OUTPUT_DIR=str(args.results_dir),
        )
        print("==> Running examples/quickstart.py", flush=True)
        # Its own session: a Ctrl-C in the terminal reaches only this script, which stops the
        # quickstart itself (SIGTERM ends it without a traceback of its own).
        quickstart = subprocess.Popen(
            [sys.executable, str(QUICKSTART)], env=env, start_new_session=True
        )
        try:
            quickstart.wait(timeout=QUICKSTART_TIMEOUT)
        except subprocess.TimeoutExpired:
            print(f"quickstart did not finish within {QUICKSTART_TIMEOUT:.0f}s", file=sys.stderr)
            return 1
        finally:
            if quickstart.poll() is None:
                quickstart.terminate()
                quickstart.wait()
        verdict = "OK" if quickstart.returncode == 0 else f"FAILED ({quickstart.returncode})"
        print(f"==> Quickstart {verdict}", flush=True)
        if quickstart.returncode != 0:
            tail = log_path.read_text(errors="replace").splitlines()[-40:]
            print("Last lines of the server log:", *tail, sep="\n    ", file=sys.stderr)
        return quickstart.returncode
    except KeyboardInterrupt:
        print("==> Interrupted", file=sys.stderr, flush=True)
        return 130
    finally:
        print("==> Stopping domino-server", flush=True)
        stop(server)
        print(f"==> Demo finished in {time.monotonic() - started:.1f}s", flush=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        log_path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
