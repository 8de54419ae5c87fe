"""Exact wire format of the dataset upload (§13.2) and the engine's reaction to each answer,
pinned with requests-mock."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import requests
import requests_mock as rm

from domino import _upload
from domino._http import HttpClient
from domino._upload import _engine
from domino.authentication import ApiKeyAuth
from domino.exceptions import DatasetUploadError, NotFoundError

HOST = "http://domino.test"
DS = "0123456789abcdef01234567"
BASE = f"{HOST}/v4/datasetrw/datasets/{DS}/snapshot/file"
KEY = "k3y"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(_engine, "DEFAULT_RETRY_DEADLINE", 5.0)


@pytest.fixture
def http() -> HttpClient:
    return HttpClient(HOST, ApiKeyAuth("secret-key"), max_retries=0)


@pytest.fixture
def mock() -> Any:
    with rm.Mocker() as m:
        m.post(f"{BASE}/start", json=KEY)
        m.post(BASE, status_code=200)
        m.get(f"{BASE}/end/{KEY}", json=KEY)
        m.get(f"{BASE}/cancel/{KEY}", status_code=200)
        m.get(f"{BASE}/test", status_code=204)
        yield m


def _calls(mock: Any) -> list[tuple[str, str]]:
    return [(r.method, r.url.split("?")[0].replace(BASE, "")) for r in mock.request_history]


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest().upper()


def test_fresh_upload_sends_start_chunks_and_end_without_test_requests(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "my file+v2.csv"
    path.write_bytes(b"0123456789")

    _upload.upload_files(http, DS, path, target_chunk_size=4, max_workers=1, progress=False)

    assert _calls(mock) == [("POST", "/start")] + [("POST", "")] * 3 + [("GET", f"/end/{KEY}")]
    start = mock.request_history[0]
    assert start.json() == {"filePaths": [], "fileCollisionSetting": "Ignore"}
    assert start.headers["X-Domino-Api-Key"] == "secret-key"
    chunk = mock.request_history[1]
    ident = chunk.url.split("resumableIdentifier=")[1].split("&")[0]
    assert ident.startswith("10-") and ident.endswith("-my%20file%2Bv2.csv")
    assert chunk.url == (
        f"{BASE}?key={KEY}&resumableChunkNumber=1&resumableChunkSize=4"
        f"&resumableCurrentChunkSize=4&resumableIdentifier={ident}"
        f"&resumableRelativePath=my%20file%2Bv2.csv&resumableTotalChunks=3"
        f"&checksum={_md5(b'0123')}"
    )
    last = mock.request_history[3]
    assert "resumableChunkNumber=3" in last.url and "resumableCurrentChunkSize=2" in last.url
    assert chunk.headers["Csrf-Token"] == "nocheck"
    assert chunk.headers["X-Domino-Api-Key"] == "secret-key"
    assert chunk.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    boundary = chunk.headers["Content-Type"].split("boundary=")[1]
    assert (
        bytes(chunk.body)
        == (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="my file+v2.csv"; filename="my file+v2.csv"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n0123\r\n"
            f"--{boundary}--\r\n"
        ).encode()
    )
    assert int(chunk.headers["Content-Length"]) == len(chunk.body)


def test_identifiers_differ_for_same_name_same_size_files_in_different_folders(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    for folder in ("a", "b"):
        (tmp_path / "root" / folder).mkdir(parents=True)
        (tmp_path / "root" / folder / "x.txt").write_bytes(b"same")
    _upload.upload_files(http, DS, tmp_path / "root", progress=False)
    chunks = [r for r in mock.request_history if r.method == "POST" and "/start" not in r.url]
    paths = sorted(r.qs["resumablerelativepath"][0] for r in chunks)
    idents = {r.qs["resumableidentifier"][0] for r in chunks}
    assert paths == ["root/a/x.txt", "root/b/x.txt"]
    assert len(idents) == 2


def test_end_carries_the_encoded_target_path_and_the_setting_goes_in_start(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x")
    _upload.upload_files(
        http, DS, path, file_upload_setting="Overwrite", target_relative_path="a/b c&d"
    )
    assert mock.request_history[0].json()["fileCollisionSetting"] == "Overwrite"
    assert mock.request_history[-1].url == f"{BASE}/end/{KEY}?targetRelativePath=a/b%20c%26d"


def test_empty_file_is_one_zero_byte_chunk(http: HttpClient, mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_bytes(b"")
    _upload.upload_files(http, DS, path, progress=False)
    (chunk,) = [r for r in mock.request_history if r.method == "POST" and "/start" not in r.url]
    assert "resumableCurrentChunkSize=0" in chunk.url and "resumableTotalChunks=1" in chunk.url
    assert f"checksum={_md5(b'')}" in chunk.url


def test_resume_tests_each_chunk_and_sends_only_the_missing_ones(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"aaaabbbbcc")
    kw: dict[str, Any] = {"target_chunk_size": 4, "max_workers": 1, "progress": False}
    # First attempt: chunk 2 fails with Ctrl-C, leaving the state file behind.
    sent = []

    def interrupt_second(request: Any, context: Any) -> str:
        sent.append(request.qs["resumablechunknumber"][0])
        if len(sent) == 2:
            raise KeyboardInterrupt
        return ""

    mock.post(BASE, text=interrupt_second)
    with pytest.raises(KeyboardInterrupt):
        _upload.upload_files(http, DS, path, **kw)
    assert not any("/cancel/" in r.url for r in mock.request_history)

    mock.reset_mock()
    mock.post(BASE, status_code=200)
    mock.get(
        f"{BASE}/test",
        [{"status_code": 200}, {"status_code": 204}, {"status_code": 204}],
    )
    result = _upload.upload_files(http, DS, path, **kw)

    assert _calls(mock) == [
        ("GET", "/test"),
        ("GET", "/test"),
        ("POST", ""),
        ("GET", "/test"),
        ("POST", ""),
        ("GET", f"/end/{KEY}"),
    ]
    test = mock.request_history[0]
    ident = test.url.split("resumableIdentifier=")[1].split("&")[0]
    assert test.url == (
        f"{BASE}/test?key={KEY}&resumableChunkNumber=1&resumableIdentifier={ident}"
        f"&resumableTotalChunks=3&checksum={_md5(b'aaaa')}"
    )
    summary = result.summary  # type: ignore[attr-defined]
    assert (summary.bytes_skipped, summary.bytes_sent, summary.resumed) == (4, 6, True)


def test_client_error_on_a_chunk_fails_at_once_cancels_and_names_the_chunk(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "bad.csv").write_bytes(b"x" * 10)
    mock.post(BASE, status_code=400, json={"message": "checksum does not match"})
    with pytest.raises(DatasetUploadError) as caught:
        _upload.upload_files(http, DS, tmp_path / "d", max_workers=1, progress=False)
    message = str(caught.value)
    assert "'d/bad.csv'" in message and "chunk 1/1" in message
    assert "checksum does not match" in message and "HTTP 400" in message
    assert "cancelled" in message
    assert _calls(mock) == [("POST", "/start"), ("POST", ""), ("GET", f"/cancel/{KEY}")]
    assert not list((tmp_path / "cache").rglob("*.jsonl"))


def test_relogin_409_is_not_retried(http: HttpClient, mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    mock.post(BASE, status_code=409)
    with pytest.raises(DatasetUploadError, match="409"):
        _upload.upload_files(http, DS, path, progress=False)
    assert [m for m, u in _calls(mock)].count("POST") == 2  # start + one chunk attempt


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_and_counted(
    http: HttpClient, mock: Any, tmp_path: Path, status: int
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    mock.post(
        BASE,
        [{"status_code": status, "headers": {"Retry-After": "0"}}, {"status_code": 200}],
    )
    result = _upload.upload_files(http, DS, path, progress=False)
    assert result.summary.retries == 1  # type: ignore[attr-defined]
    assert _calls(mock)[-1] == ("GET", f"/end/{KEY}")


def test_connection_errors_are_retried(http: HttpClient, mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    mock.post(BASE, [{"exc": requests.ConnectionError("reset")}, {"status_code": 200}])
    result = _upload.upload_files(http, DS, path, progress=False)
    assert result.summary.retries == 1  # type: ignore[attr-defined]


def test_retries_running_out_keep_the_session_and_the_resume_state(
    http: HttpClient, mock: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_engine, "DEFAULT_RETRY_DEADLINE", 0.5)
    path = tmp_path / "f"
    path.write_bytes(b"x" * 10)
    mock.post(BASE, status_code=503, json={"message": "overloaded"})
    with pytest.raises(DatasetUploadError, match="still failing .* overloaded") as caught:
        _upload.upload_files(http, DS, path, target_chunk_size=4, max_workers=1, progress=False)
    assert caught.value.resumable and "call datasets_upload_files again" in str(caught.value)
    assert ("GET", f"/cancel/{KEY}") not in _calls(mock)  # a cancel could not get through
    assert list((tmp_path / "cache").rglob("*.jsonl"))

    # The server is back: the same call resumes the same session and sends only what is missing.
    mock.reset_mock()
    mock.post(BASE, status_code=200)
    mock.get(f"{BASE}/test", [{"status_code": 200}, {"status_code": 204}])
    result = _upload.upload_files(
        http, DS, path, target_chunk_size=4, max_workers=1, progress=False
    )
    calls = _calls(mock)
    assert ("POST", "/start") not in calls and calls[-1] == ("GET", f"/end/{KEY}")
    assert calls.count(("POST", "")) == 2  # chunk 1 was stored before the outage
    assert result.summary.resumed  # type: ignore[attr-defined]


def test_an_outage_logs_one_line_per_backoff_step_not_one_per_worker(
    http: HttpClient,
    mock: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(_engine, "DEFAULT_RETRY_DEADLINE", 1.5)
    for i in range(8):
        (tmp_path / "d" / f"{i}.bin").parent.mkdir(exist_ok=True)
        (tmp_path / "d" / f"{i}.bin").write_bytes(b"x" * 8)
    mock.post(BASE, exc=requests.ConnectionError("network is unreachable"))
    with caplog.at_level(logging.INFO, logger="domino"), pytest.raises(DatasetUploadError):
        _upload.upload_files(
            http, DS, tmp_path / "d", target_chunk_size=4, max_workers=8, progress=False
        )
    attempts = _calls(mock).count(("POST", ""))
    lines = [r for r in caplog.records if r.name.startswith("domino._upload._wire")]
    steps = {r.getMessage().split("retry step ")[-1].split(" ")[0] for r in lines}
    assert attempts >= 16  # every worker kept trying ...
    assert len(lines) == len(steps) <= 8  # ... but each backoff step was told once


def test_a_missing_target_folder_is_refused_before_any_chunk(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x")
    mock.get(
        f"{BASE}/end/{KEY}",
        status_code=400,
        json={"message": "targetRelativePath 'raw' does not exist in the dataset"},
    )
    with pytest.raises(DatasetUploadError) as caught:
        _upload.upload_files(http, DS, path, target_relative_path="raw", progress=False)
    message = str(caught.value)
    assert "'raw'" in message and "must already exist" in message and DS in message
    assert "does not exist in the dataset" in message  # the server's own words
    assert _calls(mock) == [("POST", "/start"), ("GET", f"/end/{KEY}"), ("GET", f"/cancel/{KEY}")]


def test_an_unknown_dataset_is_named_before_any_chunk(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"x")
    mock.post(f"{BASE}/start", status_code=404, json={"message": "dataset not found"})
    with pytest.raises(NotFoundError, match="dataset not found"):
        _upload.upload_files(http, DS, path, progress=False)
    assert _calls(mock) == [("POST", "/start")]


def test_failed_end_is_an_error_and_cancels(http: HttpClient, mock: Any, tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    mock.get(f"{BASE}/end/{KEY}", status_code=400, json={"message": "target missing"})
    with pytest.raises(DatasetUploadError, match="target missing"):
        _upload.upload_files(http, DS, path, progress=False)
    assert _calls(mock)[-1] == ("GET", f"/cancel/{KEY}")


def test_start_without_a_key_is_an_error_and_nothing_is_cancelled(
    http: HttpClient, mock: Any, tmp_path: Path
) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    mock.post(f"{BASE}/start", text=json.dumps(""))
    with pytest.raises(DatasetUploadError, match="Session could not start"):
        _upload.upload_files(http, DS, path, progress=False)
    assert _calls(mock) == [("POST", "/start")]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"file_upload_setting": "Merge"}, "'Merge'"),
        ({"max_workers": 0}, "max_workers"),
        ({"target_chunk_size": -1}, "target_chunk_size"),
        ({"target_relative_path": "../x"}, r"\.\."),
    ],
)
def test_bad_arguments_fail_before_any_request(
    http: HttpClient, mock: Any, tmp_path: Path, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        _upload.upload_files(http, DS, tmp_path, **kwargs)
    with pytest.raises(ValueError, match="does not exist"):
        _upload.upload_files(http, DS, tmp_path / "missing")
    assert mock.request_history == []


def test_windows_separators_become_slashes() -> None:
    from domino._upload._paths import to_wire_path

    assert to_wire_path("data\\sub\\a.csv", sep="\\", altsep="/") == "data/sub/a.csv"
