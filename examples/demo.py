"""What ``make demo`` runs: a local domino-server, the quickstart against it, then shutdown.

1. start ``python -m domino.server serve`` on a free loopback port with a temporary data
   directory and a random admin API key;
2. wait until ``GET /version`` answers;
3. create a second user to be added as a collaborator;
4. run examples/quickstart.py with DOMINO_API_HOST / DOMINO_USER_API_KEY set;
5. stop the server with Ctrl-C (SIGINT) and exit with the quickstart's exit code.

The files the quickstart downloads are kept in ``demo-data/results`` (or ``--results-dir``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
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
STARTUP_TIMEOUT = 30.0
QUICKSTART_TIMEOUT = 100.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "/version", timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    return False


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
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    api_key = secrets.token_hex(20)
    started = time.monotonic()
    server_cmd = [sys.executable, "-m", "domino.server", "serve", "--port", str(port)]
    server_cmd += ["--data-dir", str(data_dir), "--user", f"admin:{api_key}"]

    print(f"==> Starting domino-server on {url} (data in {data_dir})", flush=True)
    with log_path.open("wb") as log:
        server = subprocess.Popen(server_cmd, stdout=log, stderr=subprocess.STDOUT, env=clean_env())
    try:
        if not wait_until_up(url, server):
            print("domino-server did not come up; its log:", file=sys.stderr)
            print(log_path.read_text(errors="replace"), file=sys.stderr)
            return 1
        print(f"==> Server is up ({time.monotonic() - started:.1f}s)", flush=True)

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
        try:
            quickstart = subprocess.run(
                [sys.executable, str(QUICKSTART)], env=env, timeout=QUICKSTART_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            print(f"quickstart did not finish within {QUICKSTART_TIMEOUT:.0f}s", file=sys.stderr)
            return 1
        verdict = "OK" if quickstart.returncode == 0 else f"FAILED ({quickstart.returncode})"
        print(f"==> Quickstart {verdict}", flush=True)
        if quickstart.returncode != 0:
            tail = log_path.read_text(errors="replace").splitlines()[-40:]
            print("Last lines of the server log:", *tail, sep="\n    ", file=sys.stderr)
        return quickstart.returncode
    finally:
        print("==> Stopping domino-server", flush=True)
        stop(server)
        print(f"==> Demo finished in {time.monotonic() - started:.1f}s", flush=True)
        shutil.rmtree(data_dir, ignore_errors=True)
        log_path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
