"""What the dataset upload tells the caller when the server refuses a request (§13.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests_mock
from wire_support import API_KEY, HOST

from domino import _upload
from domino._http import HttpClient
from domino.authentication import ApiKeyAuth
from domino.exceptions import DatasetUploadError

BASE = f"{HOST}/v4/datasetrw/datasets/ds1/snapshot/file"


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "a.csv"
    path.write_bytes(b"x,y\n1,2\n")
    return path


def test_refused_chunk_error_carries_the_server_message_but_never_the_api_key(
    data_file: Path,
) -> None:
    http = HttpClient(HOST, ApiKeyAuth(API_KEY), max_retries=0)
    with requests_mock.Mocker() as wire:
        wire.post(f"{BASE}/start", json="upload-key-1")
        wire.post(BASE, status_code=403, json={"message": f"key {API_KEY} may not write here"})
        wire.get(f"{BASE}/cancel/upload-key-1", status_code=200)
        with pytest.raises(DatasetUploadError) as info:
            _upload.upload_files(http, "ds1", data_file, progress=False)
        cancels = [r for r in wire.request_history if "/cancel/" in r.url]
    message = str(info.value)
    assert "HTTP 403" in message and "may not write here" in message
    assert API_KEY not in message
    assert cancels, "the session is cancelled after a refused chunk"


def test_html_error_page_is_reduced_to_its_text(data_file: Path) -> None:
    http = HttpClient(HOST, ApiKeyAuth(API_KEY), max_retries=0)
    page = "<html><head><title>x</title></head><body><h1>Payload too large</h1></body></html>"
    with requests_mock.Mocker() as wire:
        wire.post(f"{BASE}/start", json="upload-key-1")
        wire.post(BASE, status_code=413, text=page, headers={"Content-Type": "text/html"})
        wire.get(f"{BASE}/cancel/upload-key-1", status_code=200)
        with pytest.raises(DatasetUploadError, match="HTTP 413.*Payload too large"):
            _upload.upload_files(http, "ds1", data_file, progress=False)


def test_upload_summary_counts_in_words_and_one_unit_family() -> None:
    from domino._upload._engine import UploadSummary

    one = UploadSummary("ds1", 1, 3 << 20, 3 << 20, 0, 1, 0, 1, 2.0, False)
    assert str(one) == (
        "1 file, 3.0 MiB sent, 0 B already on the server, 1 retry, 2.0 s (1.5 MiB/s)"
    )
    many = UploadSummary("ds1", 2, 10, 4, 6, 2, 3, 0, 0.0, True)
    assert str(many).startswith("2 files, 4 B sent, 6 B already on the server, 0 retries")
    assert "MB/s" not in str(one) + str(many) and str(many).endswith("resumed")
