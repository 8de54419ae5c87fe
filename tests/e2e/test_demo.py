"""`make demo`: examples/demo.py starts a server, runs the quickstart against it, stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.py"


def test_demo_runs_the_quickstart_against_a_fresh_server_and_exits_0(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    results = tmp_path / "results"

    # Its own session, so that a hung demo is killed together with the server it started
    # (killing only the demo would leave that server running after the suite).
    demo = subprocess.Popen(
        [sys.executable, str(DEMO), "--results-dir", str(results)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = demo.communicate(timeout=270)
    except subprocess.TimeoutExpired:
        os.killpg(demo.pid, signal.SIGKILL)
        out, err = demo.communicate()
        pytest.fail(f"demo did not finish within 270s:\n{out[-4000:]}\n{err[-4000:]}")
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()

    assert demo.returncode == 0, f"demo failed:\n{out[-4000:]}\n{err[-4000:]}"
    for expected in (
        "==> Server is up",
        "==> Added user demo-collaborator",
        "Uploaded analysis.py",
        "finished: Succeeded",
        "sum of the first 10 squares is 385",
        "results/squares.csv",
        "results/summary.json",
        '"sum_of_squares": 385',
        "Tags: demo, quickstart",
        "demo-collaborator",
        "Uploaded folder sample-data (3 files)",
        "Quickstart finished OK",
        "==> Quickstart OK",
        "==> Stopping domino-server",
    ):
        assert expected in out, f"{expected!r} missing from demo output:\n{out}"
    assert out.index("==> Stopping domino-server") > out.index("Quickstart finished OK")
    assert (results / "summary.json").read_text() == ('{"n": 10, "sum_of_squares": 385}')
    assert (results / "squares.csv").read_text().splitlines()[-1] == "10,100"


def test_ctrl_c_during_the_demo_stops_everything_with_one_line_and_no_traceback(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOMINO_")}
    demo = subprocess.Popen(
        [sys.executable, str(DEMO), "--results-dir", str(tmp_path / "results")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # its own process group: the "terminal" the test presses ^C in
    )
    try:
        assert demo.stdout is not None
        seen = []
        for line in demo.stdout:
            seen.append(line)
            if "==> Running examples/quickstart.py" in line:
                break
        assert seen and "Running examples/quickstart.py" in seen[-1], "".join(seen)
        os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        out, err = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait()
    out = "".join(seen) + out
    assert demo.returncode == 130, out + err
    assert "Traceback" not in out + err, out + err
    assert "==> Interrupted" in err and "==> Stopping domino-server" in out
