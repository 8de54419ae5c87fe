"""Interrupted dataset uploads resume: after ``kill -9``, after Ctrl-C, and start over when the
local files changed or the server forgot the session."""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import dataset_listing, upload_stats

import domino
from domino.exceptions import DatasetUploadError
from domino.server import uploads

MiB = 1 << 20


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture
def dataset(client: domino.Domino) -> str:
    created = client.datasets_create(f"ds-{uuid.uuid4().hex[:8]}", "resume tests")
    return str(created["datasetId"])


def _settled_stats(server: Any, *, quiet: float = 1.0, timeout: float = 60.0) -> dict[str, int]:
    """The upload counters once they have stopped moving for ``quiet`` seconds.

    After a client dies or is interrupted, the server may still be finishing a chunk whose body
    had fully arrived (hashing it, recording it); on a busy machine that can take a while. A
    fixed sleep would read the counters too early there; waiting for them to settle does not.
    """
    deadline = time.monotonic() + timeout
    last = upload_stats(server)
    still_since = time.monotonic()
    while time.monotonic() - still_since < quiet:
        assert time.monotonic() < deadline, f"upload counters still moving after {timeout}s"
        time.sleep(0.1)
        now = upload_stats(server)
        if now != last:
            last, still_since = now, time.monotonic()
    return last


def _random_file(path: Path, size: int) -> tuple[int, str]:
    data = os.urandom(size)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return size, hashlib.sha256(data).hexdigest()


def _session_states(server: Any) -> dict[str, str]:
    rows = server.app.state.store.query("SELECT key, state FROM upload_sessions")
    return {r["key"]: r["state"] for r in rows}


@pytest.fixture
def slow_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Make every chunk POST take a little longer, so an upload can be caught half-way."""
    original = requests.Session.request

    def slowed(self: requests.Session, method: str, url: str, *args: Any, **kw: Any) -> Any:
        if method == "POST" and "/snapshot/file?" in url:
            time.sleep(0.03)
        return original(self, method, url, *args, **kw)

    monkeypatch.setattr(requests.Session, "request", slowed)
    yield


# The child restores Python's Ctrl-C handler: it inherits SIGINT ignored whenever pytest itself
# runs with SIGINT ignored (a background job of a non-interactive shell, as on some CI
# runners), and an ignored SIGINT would let it finish the upload instead of stopping.
CHILD = textwrap.dedent(
    """
    import signal, sys, time
    import requests
    import domino

    signal.signal(signal.SIGINT, signal.default_int_handler)
    url, key, project, dataset, path = sys.argv[1:6]
    original = requests.Session.request

    def slowed(self, method, u, *args, **kw):
        if method == "POST" and "/snapshot/file?" in u:
            time.sleep(0.05)
        return original(self, method, u, *args, **kw)

    requests.Session.request = slowed
    client = domino.Domino(project, api_key=key, host=url)
    client.datasets_upload_files(
        dataset, path, max_workers=4, target_chunk_size=1 << 20, progress=False
    )
    print("finished")
    """
)


def _start_child_upload(
    tmp_path: Path, server: Any, project: str, dataset: str, path: Path, cache_dir: Path
) -> subprocess.Popen[str]:
    """Run CHILD (one upload) in its own process, with resume state in ``cache_dir``."""
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    return subprocess.Popen(
        [sys.executable, str(script), server.url, server.api_key, project, dataset, str(path)],
        env={**os.environ, "XDG_CACHE_HOME": str(cache_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_stored(
    server: Any, child: subprocess.Popen[str], base: dict[str, Any], *, chunks: int
) -> None:
    """Wait until the server has stored ``chunks`` more chunks, while the child still runs."""
    deadline = time.monotonic() + 60
    while upload_stats(server)["chunks_stored"] - base["chunks_stored"] < chunks:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child never got going"
        time.sleep(0.01)


def test_upload_killed_with_sigkill_resumes_resending_at_most_one_chunk_per_worker(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    project: str,
    tmp_path: Path,
    cache_dir: Path,
) -> None:
    workers, chunk = 4, MiB
    path = tmp_path / "payload.bin"
    size, digest = _random_file(path, 64 * MiB + 12345)
    base = upload_stats(domino_server)
    child = _start_child_upload(tmp_path, domino_server, project, dataset, path, cache_dir)
    try:
        _wait_until_stored(domino_server, child, base, chunks=12)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    stored_by_child = _settled_stats(domino_server)["bytes_stored"] - base["bytes_stored"]
    assert 0 < stored_by_child < size
    assert list(cache_dir.rglob("*.jsonl")), "the child left no resume state"

    result = client.datasets_upload_files(
        dataset, path, max_workers=workers, target_chunk_size=chunk, progress=False
    )

    summary = result.summary  # type: ignore[attr-defined]
    after = upload_stats(domino_server)
    assert summary.resumed
    assert summary.bytes_skipped == stored_by_child
    assert summary.bytes_sent + summary.bytes_skipped == size
    resent = (after["bytes_received"] - base["bytes_received"]) - size
    assert resent <= workers * chunk + 0.05 * size
    assert dataset_listing(domino_server, dataset) == {"payload.bin": (size, digest)}
    assert not list(cache_dir.rglob("*.jsonl")), "state must be removed after success"


def _interrupt_after_first_progress(event: Any) -> None:
    if event.bytes_done > 0:
        raise KeyboardInterrupt


def _upload_interrupted(client: domino.Domino, dataset: str, path: Path, **kw: Any) -> None:
    """Start an upload and press Ctrl-C as soon as its first bytes are reported."""
    with pytest.raises(KeyboardInterrupt):
        client.datasets_upload_files(dataset, path, progress=_interrupt_after_first_progress, **kw)


def test_ctrl_c_keeps_the_session_and_calling_again_sends_only_what_is_missing(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tmp_path: Path,
    cache_dir: Path,
    slow_chunks: None,
) -> None:
    folder = tmp_path / "data"
    expected = {
        "data/a.bin": _random_file(folder / "a.bin", 6 * MiB),
        "data/sub/b.bin": _random_file(folder / "sub" / "b.bin", 3 * MiB + 7),
    }
    kw = {"max_workers": 2, "target_chunk_size": 256 * 1024}
    _upload_interrupted(client, dataset, folder, **kw)
    stopped_at = upload_stats(domino_server)["chunks_stored"]
    # Queued chunks are not sent after Ctrl-C: at most the requests in flight complete.
    assert _settled_stats(domino_server)["chunks_stored"] - stopped_at <= kw["max_workers"]
    assert "open" in _session_states(domino_server).values()
    assert dataset_listing(domino_server, dataset) == {}

    result = client.datasets_upload_files(dataset, folder, resume=True, **kw)

    summary = result.summary  # type: ignore[attr-defined]
    assert summary.resumed and summary.bytes_skipped > 0
    assert summary.bytes_sent + summary.bytes_skipped == 9 * MiB + 7
    assert dataset_listing(domino_server, dataset) == expected
    assert not list(cache_dir.rglob("*.jsonl"))


def test_changed_local_file_starts_a_fresh_session(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tmp_path: Path,
    cache_dir: Path,
    slow_chunks: None,
) -> None:
    path = tmp_path / "data.bin"
    _random_file(path, 4 * MiB)
    kw = {"max_workers": 2, "target_chunk_size": 128 * 1024}
    before = set(_session_states(domino_server))
    _upload_interrupted(client, dataset, path, **kw)
    old_sessions = set(_session_states(domino_server)) - before
    assert len(old_sessions) == 1

    expected = _random_file(path, 4 * MiB)  # same size, new content and mtime
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    result = client.datasets_upload_files(dataset, path, **kw)

    summary = result.summary  # type: ignore[attr-defined]
    assert not summary.resumed and summary.bytes_skipped == 0
    assert dataset_listing(domino_server, dataset) == {"data.bin": expected}
    states = _session_states(domino_server)
    assert [states[k] for k in old_sessions] == ["cancelled"]


def test_resume_starts_over_when_the_server_expired_the_session(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tmp_path: Path,
    cache_dir: Path,
    slow_chunks: None,
) -> None:
    path = tmp_path / "data.bin"
    expected = _random_file(path, 3 * MiB)
    kw = {"max_workers": 2, "target_chunk_size": 128 * 1024}
    _upload_interrupted(client, dataset, path, **kw)
    uploads.expire_stale_sessions(domino_server.app.state.store, ttl=0, now=1e12)

    result = client.datasets_upload_files(dataset, path, **kw)

    assert not result.summary.resumed  # type: ignore[attr-defined]
    assert dataset_listing(domino_server, dataset) == {"data.bin": expected}


def test_sigint_stops_a_child_upload_keeps_its_state_and_a_second_call_finishes_it(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    project: str,
    tmp_path: Path,
    cache_dir: Path,
) -> None:
    path = tmp_path / "payload.bin"
    size, digest = _random_file(path, 48 * MiB)
    base = upload_stats(domino_server)
    child = _start_child_upload(tmp_path, domino_server, project, dataset, path, cache_dir)
    try:
        _wait_until_stored(domino_server, child, base, chunks=6)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode != 0 and "finished" not in out
    assert "KeyboardInterrupt" in err
    assert "call datasets_upload_files again to resume" in err
    stored = _settled_stats(domino_server)["bytes_stored"] - base["bytes_stored"]
    assert 0 < stored < size

    result = client.datasets_upload_files(
        dataset, path, max_workers=4, target_chunk_size=MiB, progress=False
    )

    assert result.summary.resumed  # type: ignore[attr-defined]
    assert result.summary.bytes_skipped == stored  # type: ignore[attr-defined]
    assert dataset_listing(domino_server, dataset) == {"payload.bin": (size, digest)}


def test_an_outage_past_the_retry_deadline_keeps_the_session_and_the_next_call_resumes(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tmp_path: Path,
    cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from domino._upload import _engine

    folder = tmp_path / "data"
    expected = {f"data/{i}.bin": _random_file(folder / f"{i}.bin", 512 * 1024) for i in range(6)}
    kw = {"max_workers": 3, "target_chunk_size": 128 * 1024}
    # The network goes away after 8 chunks and stays away past the (shortened) retry deadline.
    monkeypatch.setattr(_engine, "DEFAULT_RETRY_DEADLINE", 1.5)
    original = requests.Session.send
    sent = []

    def flaky(self: requests.Session, request: Any, **kw: Any) -> Any:
        if request.method == "POST" and "/snapshot/file?" in request.url:
            sent.append(1)
            if len(sent) > 8:
                raise requests.ConnectionError("Network is unreachable")
        return original(self, request, **kw)

    before = _settled_stats(domino_server)["chunks_stored"]  # the server is the session's
    monkeypatch.setattr(requests.Session, "send", flaky)
    with (
        caplog.at_level(logging.WARNING, logger="domino"),
        pytest.raises(DatasetUploadError) as caught,
    ):
        client.datasets_upload_files(dataset, folder, **kw)
    assert caught.value.resumable
    assert "open" in _session_states(domino_server).values()  # not cancelled
    assert list(cache_dir.rglob("*.jsonl"))  # resume state kept
    outage_lines = [r for r in caplog.records if r.name.startswith("domino._upload")]
    assert len(outage_lines) <= 6, [r.getMessage() for r in outage_lines]
    stored = _settled_stats(domino_server)["chunks_stored"] - before

    monkeypatch.setattr(requests.Session, "send", original)  # the network is back
    result = client.datasets_upload_files(dataset, folder, **kw)

    summary = result.summary  # type: ignore[attr-defined]
    assert summary.resumed and summary.chunks_skipped == stored
    assert summary.chunks_sent == 6 * 4 - stored  # only what was missing
    assert dataset_listing(domino_server, dataset) == expected
