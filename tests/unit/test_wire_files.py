"""Commits, files and blobs: exact wire format (domino-api.md §9)."""

from __future__ import annotations

import io
import warnings

import pytest
import requests_mock
from wire_support import FIND_PROJECT_URL, HOST, PROJECT_ID, api_calls

from domino import Domino, exceptions

V1 = f"{HOST}/v1/projects/alice/churn"
SHA = "0123456789abcdef0123456789abcdef01234567"
BLOB_V2 = f"{HOST}/api/projects/v1/projects/{PROJECT_ID}/files/{SHA}"


def test_commits_list(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{V1}/commits", json=[SHA])
    assert client.commits_list() == [SHA]
    assert api_calls(wire) == [("GET", f"{V1}/commits")]


def test_files_list_default_path_gives_double_slash(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{V1}/files/{SHA}//", json={"data": []})
    assert client.files_list(SHA) == {"data": []}
    assert wire.last_request.url == f"{V1}/files/{SHA}//"


def test_files_list_subfolder_path_is_quoted_but_keeps_slashes(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(requests_mock.ANY, json={"data": []})
    client.files_list(SHA, "results/my dir#1/")
    assert wire.last_request.url == f"{V1}/files/{SHA}/results/my%20dir%231/"


def test_files_upload_puts_raw_body_and_adds_leading_slash(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.put(f"{V1}/data/x.csv", status_code=201, json={"path": "data/x.csv"})
    response = client.files_upload("data/x.csv", io.BytesIO(b"a,b\n1,2\n"))
    assert response.status_code == 201
    request = wire.last_request
    assert (request.method, request.url) == ("PUT", f"{V1}/data/x.csv")
    body = request.body
    if hasattr(body, "read"):  # a file object is streamed as is
        body.seek(0)
        body = body.read()
    assert body == b"a,b\n1,2\n"
    assert "multipart" not in request.headers.get("Content-Type", "")


def test_files_upload_bytes_body(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.put(f"{V1}/x.bin", status_code=201, json={})
    client.files_upload("/x.bin", b"\x00\x01")
    assert wire.last_request.body == b"\x00\x01"


def test_blobs_get_streams_raw_and_warns_once(client: Domino, wire: requests_mock.Mocker) -> None:
    wire.get(f"{V1}/blobs/{SHA}", content=b"blob-bytes")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        raw = client.blobs_get(SHA)
    assert raw.read() == b"blob-bytes"
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    assert len(deprecations) == 1
    assert "blobs_get_v2" in str(deprecations[0].message)
    assert deprecations[0].filename == __file__
    assert api_calls(wire) == [("GET", f"{V1}/blobs/{SHA}")]


@pytest.mark.parametrize("key", ["short", "results/out.csv", SHA + "0", SHA[:-1] + "/"])
def test_blobs_get_malformed_key_raises_before_request(
    client: Domino, wire: requests_mock.Mocker, key: str
) -> None:
    with (
        pytest.warns(DeprecationWarning),
        pytest.raises(exceptions.MalformedInputException) as info,
    ):
        client.blobs_get(key)
    assert isinstance(info.value, ValueError) and repr(key) in str(info.value)
    assert wire.request_history == []


def test_blobs_get_v2_route_for_relative_and_leading_slash_paths(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(requests_mock.ANY, content=b"x")
    assert client.blobs_get_v2("data/a b.csv", SHA, "pid").read() == b"x"
    assert wire.last_request.url == (
        f"{HOST}/api/projects/v1/projects/pid/files/{SHA}/data/a%20b.csv/content"
    )
    client.blobs_get_v2("/README.md", SHA, "pid")
    assert (
        wire.last_request.url
        == f"{HOST}/api/projects/v1/projects/pid/files/{SHA}//README.md/content"
    )


@pytest.mark.parametrize("path", ["a//b", "a/b/", "./a", "a/../b", "a/./b"])
def test_blobs_get_v2_rejects_non_normalised_paths(
    client: Domino, wire: requests_mock.Mocker, path: str
) -> None:
    with pytest.raises(exceptions.MalformedInputException, match="normalized"):
        client.blobs_get_v2(path, SHA, "pid")
    assert wire.request_history == []


@pytest.mark.parametrize("commits", [[SHA, "older"], [{"id": SHA}, {"id": "older"}]])
def test_files_download_uses_latest_commit_in_either_shape(
    client: Domino, wire: requests_mock.Mocker, commits: list[object]
) -> None:
    wire.get(f"{V1}/commits", json=commits)
    wire.get(f"{BLOB_V2}/results/out.csv/content", content=b"1,2")
    assert client.files_download("results/out.csv").read() == b"1,2"
    assert [r.url for r in wire.request_history] == [
        f"{V1}/commits",
        FIND_PROJECT_URL,
        f"{BLOB_V2}/results/out.csv/content",
    ]


def test_files_download_with_commit_skips_commit_lookup(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{BLOB_V2}/a.txt/content", content=b"a")
    client.files_download("a.txt", commit_id=SHA)
    assert api_calls(wire) == [("GET", f"{BLOB_V2}/a.txt/content")]


def test_files_download_without_commits_raises_value_error(
    client: Domino, wire: requests_mock.Mocker
) -> None:
    wire.get(f"{V1}/commits", json=[])
    with pytest.raises(ValueError, match="no commits"):
        client.files_download("a.txt")
