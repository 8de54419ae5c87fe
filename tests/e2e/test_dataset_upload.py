"""Dataset uploads from our client into a live domino-server, verified by sha256 via /_local/."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import dataset_listing, upload_stats

import domino
from domino.exceptions import DatasetUploadError


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    # Resume state goes to the user's cache directory; keep it out of the developer's home.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def dataset(client: domino.Domino) -> str:
    created = client.datasets_create(f"ds-{uuid.uuid4().hex[:8]}", "upload tests")
    return str(created["datasetId"])


def _local(root: Path, prefix: str) -> dict[str, tuple[int, str]]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            rel = path.relative_to(root).as_posix()
            out[f"{prefix}/{rel}" if prefix else rel] = (
                len(data),
                hashlib.sha256(data).hexdigest(),
            )
    return out


def _sessions(server: Any) -> list[dict[str, Any]]:
    return server.app.state.store.query("SELECT key, state FROM upload_sessions")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "src" / "my data"
    _write(root / "top.csv", b"a,b\n1,2\n")
    _write(root / "empty.txt", b"")
    _write(root / "deep" / "er" / "still" / "leaf.bin", os.urandom(300_000))
    _write(root / "ünïcødé" / "名前 with spaces.txt", "héllo wörld".encode())
    # Same name, same size, same content in two folders: the public client skipped one.
    _write(root / "left" / "same.dat", b"x" * 4096)
    _write(root / "right" / "same.dat", b"x" * 4096)
    _write(root / ".hidden", b"dot file")
    (root / "empty-dir").mkdir()
    return root


def test_nested_tree_arrives_complete_under_the_folder_name(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tree: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = tmp_path / "some" / "other" / "cwd"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(elsewhere)

    result = client.datasets_upload_files(dataset, str(tree), target_chunk_size=64 * 1024)

    assert dataset_listing(domino_server, dataset) == _local(tree, "my data")
    assert result == os.path.relpath(tree).replace(os.sep, "/")
    summary = result.summary  # type: ignore[attr-defined]
    assert summary.files == 7
    assert (
        summary.bytes_sent
        == summary.bytes_total
        == sum(size for size, _ in _local(tree, "").values())
    )
    assert summary.bytes_skipped == 0 and not summary.resumed


def test_single_file_is_stored_under_its_basename(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    path = _write(tmp_path / "a" / "b" / "report.parquet", os.urandom(70_000))
    client.datasets_upload_files(dataset, path, target_chunk_size=10_000, max_workers=3)
    assert dataset_listing(domino_server, dataset) == {
        "report.parquet": (70_000, hashlib.sha256(path.read_bytes()).hexdigest())
    }


@pytest.mark.slow
def test_300_mb_file_arrives_intact(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = os.urandom(1 << 20)
    with open(path, "wb") as fh:
        for i in range(300):
            piece = bytes([i % 256]) + block[1:]
            fh.write(piece)
            digest.update(piece)
    client.datasets_upload_files(dataset, path, progress=False)
    assert dataset_listing(domino_server, dataset) == {"big.bin": (300 << 20, digest.hexdigest())}


@pytest.mark.slow
def test_nested_folder_with_a_100_mb_file_arrives_intact(
    client: domino.Domino, domino_server: Any, dataset: str, tree: Path
) -> None:
    big = tree / "deep" / "model weights" / "weights.bin"
    big.parent.mkdir(parents=True)
    block = os.urandom(1 << 20)
    with open(big, "wb") as fh:
        for i in range(100):
            fh.write(bytes([i]) + block[1:])

    result = client.datasets_upload_files(dataset, tree, progress=False)

    assert dataset_listing(domino_server, dataset) == _local(tree, "my data")
    assert result.summary.bytes_sent == result.summary.bytes_total  # type: ignore[attr-defined]


def _upload_version(
    client: domino.Domino, dataset: str, tmp_path: Path, content: bytes, setting: str | None
) -> None:
    folder = tmp_path / uuid.uuid4().hex / "data"
    _write(folder / "table.csv", content)
    _write(folder / "README", content)
    client.datasets_upload_files(dataset, folder, file_upload_setting=setting)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("setting", [None, "Ignore"])
def test_ignore_keeps_the_existing_file(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path, setting: str | None
) -> None:
    _upload_version(client, dataset, tmp_path, b"first", None)
    _upload_version(client, dataset, tmp_path, b"second!", setting)
    assert dataset_listing(domino_server, dataset) == {
        "data/README": (5, _sha(b"first")),
        "data/table.csv": (5, _sha(b"first")),
    }


def test_overwrite_replaces_the_existing_file(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    _upload_version(client, dataset, tmp_path, b"first", None)
    _upload_version(client, dataset, tmp_path, b"second!", "Overwrite")
    assert dataset_listing(domino_server, dataset) == {
        "data/README": (7, _sha(b"second!")),
        "data/table.csv": (7, _sha(b"second!")),
    }


def test_rename_keeps_both_with_a_numbered_suffix_before_the_extension(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    _upload_version(client, dataset, tmp_path, b"first", None)
    _upload_version(client, dataset, tmp_path, b"second!", "Rename")
    _upload_version(client, dataset, tmp_path, b"third!!!", "rename")  # any case is accepted
    assert dataset_listing(domino_server, dataset) == {
        "data/README": (5, _sha(b"first")),
        "data/README_1": (7, _sha(b"second!")),
        "data/README_2": (8, _sha(b"third!!!")),
        "data/table.csv": (5, _sha(b"first")),
        "data/table_1.csv": (7, _sha(b"second!")),
        "data/table_2.csv": (8, _sha(b"third!!!")),
    }


def test_target_relative_path_places_files_inside_an_existing_folder(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    _write(tmp_path / "raw" / "seed.txt", b"seed")
    client.datasets_upload_files(dataset, tmp_path / "raw")
    _write(tmp_path / "v1" / "x.txt", b"x")
    client.datasets_upload_files(dataset, tmp_path / "v1", target_relative_path="raw/")
    solo = _write(tmp_path / "solo.txt", b"solo")
    client.datasets_upload_files(dataset, solo, target_relative_path="/raw")
    assert dataset_listing(domino_server, dataset) == {
        "raw/seed.txt": (4, _sha(b"seed")),
        "raw/v1/x.txt": (1, _sha(b"x")),
        "raw/solo.txt": (4, _sha(b"solo")),
    }


def test_missing_target_folder_is_refused_before_any_byte_is_sent(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    for i in range(30):
        _write(tmp_path / "exports" / f"{i}.csv", os.urandom(1000))
    before = {s["key"] for s in _sessions(domino_server)}
    stored = upload_stats(domino_server)["chunks_stored"]
    with pytest.raises(DatasetUploadError) as caught:
        client.datasets_upload_files(
            dataset, tmp_path / "exports", target_relative_path="no/such/folder"
        )
    message = str(caught.value)
    assert "'no/such/folder'" in message and "does not exist" in message
    assert "must already exist" in message and "Nothing was uploaded" in message
    assert upload_stats(domino_server)["chunks_stored"] == stored  # not one chunk was sent
    assert dataset_listing(domino_server, dataset) == {}
    mine = [s["state"] for s in _sessions(domino_server) if s["key"] not in before]
    assert mine == ["cancelled"]


@pytest.mark.parametrize("target", ["../outside", "a/../../b"])
def test_target_path_escaping_the_dataset_is_refused_before_any_request(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path, target: str
) -> None:
    path = _write(tmp_path / "f.txt", b"data")
    before = len(_sessions(domino_server))
    with pytest.raises(ValueError, match=r"target_relative_path .*\.\."):
        client.datasets_upload_files(dataset, path, target_relative_path=target)
    assert len(_sessions(domino_server)) == before


def test_missing_local_path_fails_before_a_session_is_started(
    client: domino.Domino, domino_server: Any, dataset: str, tmp_path: Path
) -> None:
    before = len(_sessions(domino_server))
    with pytest.raises(ValueError, match="does not exist"):
        client.datasets_upload_files(dataset, tmp_path / "nope")
    assert len(_sessions(domino_server)) == before


def test_unknown_collision_setting_is_refused_by_name(
    client: domino.Domino, dataset: str, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="'Replace'"):
        client.datasets_upload_files(dataset, tmp_path, file_upload_setting="Replace")


def test_progress_callback_sees_every_byte_and_file(
    client: domino.Domino, dataset: str, tree: Path
) -> None:
    events: list[Any] = []
    client.datasets_upload_files(
        dataset, tree, target_chunk_size=50_000, progress=events.append, max_workers=2
    )
    last = events[-1]
    assert last.bytes_done == last.bytes_total == sum(s for s, _ in _local(tree, "").values())
    assert last.files_done == last.files_total == 7
    assert [e.bytes_done for e in events] == sorted(e.bytes_done for e in events)


def test_unknown_dataset_fails_with_the_server_message(
    client: domino.Domino, tmp_path: Path
) -> None:
    path = _write(tmp_path / "f.txt", b"data")
    with pytest.raises(requests.HTTPError, match="not found"):
        client.datasets_upload_files("0" * 24, path)


def test_progress_bar_on_request_and_silence_when_stderr_is_not_a_terminal(
    client: domino.Domino, dataset: str, tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client.datasets_upload_files(dataset, tree, progress=True)
    bar = capsys.readouterr().err
    assert "my data" in bar and "7/7 files" in bar and "100%" in bar

    client.datasets_upload_files(dataset, tree, file_upload_setting="Overwrite")
    assert capsys.readouterr().err == ""


def test_summary_is_logged_at_info_without_the_api_key(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tree: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level("DEBUG", logger="domino"):
        client.datasets_upload_files(dataset, tree, progress=False)
    summaries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Uploaded")]
    assert len(summaries) == 1
    assert "7 files" in summaries[0] and "retries" in summaries[0]
    assert domino_server.api_key not in caplog.text


def test_more_workers_than_the_default_pool_reuse_their_connections(
    client: domino.Domino,
    domino_server: Any,
    dataset: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    folder = tmp_path / "many"
    expected = {}
    for i in range(120):
        data = os.urandom(2000 + i)
        _write(folder / f"f{i:03d}.bin", data)
        expected[f"many/f{i:03d}.bin"] = (len(data), _sha(data))
    with caplog.at_level("WARNING", logger="urllib3"):
        client.datasets_upload_files(dataset, folder, max_workers=40)
    assert "Connection pool is full" not in caplog.text
    assert dataset_listing(domino_server, dataset) == expected


MEMORY_CHILD = """
import sys
import domino
url, key, project, dataset, path = sys.argv[1:6]
domino.Domino(project, api_key=key, host=url).datasets_upload_files(
    dataset, path, max_workers=4, target_chunk_size=4 << 20, progress=False
)
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(int(line.split()[1]) // 1024)
"""


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_client_memory_stays_within_workers_times_chunk_size(
    domino_server: Any, dataset: str, project: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    path = tmp_path / "big.bin"
    with open(path, "wb") as fh:
        for _ in range(256):
            fh.write(os.urandom(1 << 20))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            MEMORY_CHILD,
            domino_server.url,
            domino_server.api_key,
            project,
            dataset,
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1])
    assert peak_mb <= 4 * 4 + 100  # workers × chunk size + 100 MB, for a 256 MB file
    assert dataset_listing(domino_server, dataset)["big.bin"][0] == 256 << 20
