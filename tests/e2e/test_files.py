"""Project files: upload → list → download round trips, commits, blobs, path validation."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

import pytest
from e2e_support import commit_ids, file_paths

import domino
from domino.exceptions import DominoException, MalformedInputException

NESTED = {
    "README.md": b"# demo project\n",
    "src/pkg/__init__.py": b"",
    "src/pkg/deep/er/module.py": b"VALUE = 42\n",
    "data/sp ace & odd+name.csv": b"a,b\n1,2\n",
    "data/unicode-\u00e9t\u00e9.txt": "\u00e9t\u00e9 \u2603\n".encode(),
}


def _upload_all(client: domino.Domino, files: dict[str, bytes]) -> None:
    for path, content in files.items():
        response = client.files_upload("/" + path, content)
        assert response.status_code == 201, response.text


def test_files_upload_answers_201_with_the_stored_file(client: domino.Domino) -> None:
    response = client.files_upload("/notes/hello.txt", b"hello")

    assert response.status_code == 201
    body = response.json()
    assert body["path"] == "notes/hello.txt"
    assert body["size"] == 5
    assert len(body["key"]) == 40


def test_nested_files_round_trip_byte_for_byte(client: domino.Domino) -> None:
    _upload_all(client, NESTED)
    head = commit_ids(client.commits_list())[0]

    listing = client.files_list(head, "/")

    assert set(NESTED) <= file_paths(listing)
    sizes = {entry["path"]: entry["size"] for entry in listing["data"]}
    for path, content in NESTED.items():
        assert sizes[path] == len(content)
        assert client.files_download("/" + path).read() == content
        assert client.blobs_get_v2(path, head, client.project_id).read() == content


def test_files_list_of_a_subfolder_shows_only_that_folder(client: domino.Domino) -> None:
    _upload_all(client, NESTED)
    head = commit_ids(client.commits_list())[0]

    listing = client.files_list(head, "src/pkg/")

    paths = file_paths(listing)
    assert "src/pkg/deep/er/module.py" in paths or "src/pkg/deep" in paths
    assert "README.md" not in paths
    assert all(p.startswith("src/pkg/") for p in paths)


def test_five_megabyte_binary_file_round_trips_from_a_file_object(
    client: domino.Domino, tmp_path: Path
) -> None:
    payload = os.urandom(5 * 1024 * 1024 + 123)
    local = tmp_path / "big.bin"
    local.write_bytes(payload)

    with local.open("rb") as fh:
        response = client.files_upload("/blobs/big.bin", fh)

    assert response.status_code == 201
    head = commit_ids(client.commits_list())[0]
    downloaded = client.blobs_get_v2("/blobs/big.bin", head, client.project_id).read()
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(payload).hexdigest()
    assert client.files_download("/blobs/big.bin").read() == payload


def test_blobs_get_by_key_is_deprecated_but_returns_the_content(client: domino.Domino) -> None:
    _upload_all(client, NESTED)
    head = commit_ids(client.commits_list())[0]
    keys = {e["path"]: e["key"] for e in client.files_list(head, "/")["data"]}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        content = client.blobs_get(keys["src/pkg/deep/er/module.py"]).read()

    assert content == b"VALUE = 42\n"
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)


def test_every_upload_makes_a_new_head_commit_and_old_commits_keep_old_content(
    client: domino.Domino,
) -> None:
    client.files_upload("/config.txt", b"version one")
    first = commit_ids(client.commits_list())[0]

    client.files_upload("/config.txt", io.BytesIO(b"version two"))
    commits = commit_ids(client.commits_list())

    assert commits[0] != first
    assert first in commits[1:]
    assert client.files_download("/config.txt", first).read() == b"version one"
    assert client.files_download("/config.txt", commits[0]).read() == b"version two"
    assert client.files_download("/config.txt").read() == b"version two"


def test_empty_file_round_trips(client: domino.Domino) -> None:
    client.files_upload("/empty.txt", b"")

    assert client.files_download("/empty.txt").read() == b""


@pytest.mark.parametrize("bad", ["a//b.txt", "a/./b.txt", "a/../b.txt", "dir/"])
def test_non_normalised_blob_path_is_rejected_before_any_request(
    client: domino.Domino, bad: str
) -> None:
    with pytest.raises(MalformedInputException):
        client.blobs_get_v2(bad, "0" * 40, client.project_id)


@pytest.mark.parametrize("bad", ["../escape.txt", "/a/../../escape.txt"])
def test_upload_outside_the_project_is_refused_and_leaves_nothing(
    client: domino.Domino, bad: str
) -> None:
    client.files_upload("/inside.txt", b"ok")

    with pytest.raises((DominoException, ValueError)):
        client.files_upload(bad, b"should not be stored")

    head = commit_ids(client.commits_list())[0]
    assert file_paths(client.files_list(head, "/")) == {"inside.txt"}


def test_download_of_a_missing_file_is_an_http_404(client: domino.Domino) -> None:
    client.files_upload("/present.txt", b"x")

    with pytest.raises(DominoException) as excinfo:
        client.files_download("/absent.txt").read()

    assert getattr(excinfo.value, "status_code", None) == 404


def test_file_names_with_url_special_characters_round_trip(client: domino.Domino) -> None:
    # The public client broke on these (no quoting); ours quotes every path segment.
    names = ["odd/a#b.txt", "odd/q?x=1.txt", "odd/pct%20.txt", "odd/sp ace/f.txt", "odd/p+s.txt"]
    for name in names:
        assert client.files_upload("/" + name, name.encode()).json()["path"] == name

    head = commit_ids(client.commits_list())[0]

    assert file_paths(client.files_list(head, "/")) == set(names)
    for name in names:
        assert client.files_download("/" + name).read() == name.encode()
        assert client.blobs_get_v2(name, head, client.project_id).read() == name.encode()
