"""domino.datasets.Uploader (the public client's upload class name) against a live server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests

import domino
from domino.datasets import Uploader


def test_uploader_uploads_a_folder_like_datasets_upload_files(
    client: domino.Domino, domino_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # resume state
    folder = tmp_path / "exports"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_bytes(b"x,y\n1,2\n")
    (folder / "sub" / "b.txt").write_bytes(b"hello\n")
    monkeypatch.chdir(tmp_path)
    dataset = client.datasets_create("uploaded", "by Uploader")
    with Uploader(
        client._csrf_no_check_header,
        dataset["datasetId"],
        "exports",
        client.log,
        client.request_manager,
        client._routes,
        None,
        "Ignore",
        2,
        1 << 20,
    ) as uploader:
        assert uploader.upload() == "exports"
    # a second upload of the same folder finds everything there already (Ignore)
    assert client.datasets_upload_files(dataset["datasetId"], "exports") == "exports"
    listing = requests.get(
        f"{domino_server.url}/_local/datasets/{dataset['datasetId']}/files",
        headers=domino_server.headers(),
        timeout=60,
    ).json()
    assert sorted(f["path"] for f in listing) == ["exports/a.csv", "exports/sub/b.txt"]
