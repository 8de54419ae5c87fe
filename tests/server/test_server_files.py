"""Files: content-addressed blobs, immutable commits, listings, downloads, path validation."""

from __future__ import annotations

import hashlib
import os
import re

from server_support import Api, Project


def test_upload_answers_201_with_location_and_file_description(project: Project) -> None:
    response = project.api.put(f"{project.v1}/data/x.csv", data=b"a,b\n1,2\n")
    assert response.status_code == 201
    body = response.json()
    assert body["path"] == "data/x.csv"
    assert body["size"] == 8
    assert body["key"] == hashlib.sha1(b"a,b\n1,2\n").hexdigest()
    assert body["url"].endswith(f"/blobs/{body['key']}")
    assert response.headers["Location"] == body["url"]
    assert isinstance(body["lastModified"], int)


def test_each_upload_creates_a_new_head_commit(project: Project) -> None:
    first = project.commits()
    project.upload("a.txt", "one")
    second = project.commits()
    project.upload("b.txt", "two")
    third = project.commits()
    assert len(second) == len(first) + 1 and second[1:] == first
    assert third[1:] == second
    assert all(re.fullmatch(r"[0-9a-f]{40}", c) for c in third)


def test_old_commits_keep_their_files(project: Project) -> None:
    project.upload("a.txt", "version one")
    old = project.commits()[0]
    project.upload("a.txt", "version two, longer")
    new = project.commits()[0]
    assert project.download(old, "a.txt") == b"version one"
    assert project.download(new, "a.txt") == b"version two, longer"
    assert project.files(old)["a.txt"] != project.files(new)["a.txt"]


def test_binary_round_trip_is_byte_for_byte(project: Project) -> None:
    payload = os.urandom(3 * 1024 * 1024 + 17)
    meta = project.upload("bin/blob.dat", payload)
    head = project.commits()[0]
    assert project.download(head, "bin/blob.dat") == payload
    v1 = project.api.get(f"{project.v1}/blobs/{meta['key']}")
    assert v1.status_code == 200 and v1.content == payload


def test_empty_file_round_trip(project: Project) -> None:
    project.upload("empty.txt", b"")
    head = project.commits()[0]
    assert project.download(head, "empty.txt") == b""


def test_downloads_are_never_content_encoded(project: Project) -> None:
    project.upload("text.txt", "compressible " * 1000)
    head = project.commits()[0]
    response = project.api.get(
        f"/api/projects/v1/projects/{project.id}/files/{head}/text.txt/content",
        headers={"Accept-Encoding": "gzip, deflate"},
        stream=True,
    )
    assert "Content-Encoding" not in response.headers
    assert response.raw.read() == b"compressible " * 1000


def test_listing_shape_and_path_filter(project: Project) -> None:
    project.upload("results/out.csv", "1")
    project.upload("results/deep/more.csv", "22")
    project.upload("readme.md", "333")
    head = project.commits()[0]
    listing = project.api.ok("GET", f"{project.v1}/files/{head}//")
    entries = {e["path"]: e for e in listing["data"]}
    assert set(entries) == {"results/out.csv", "results/deep/more.csv", "readme.md"}
    entry = entries["readme.md"]
    assert set(entry) >= {"path", "key", "url", "size", "lastModified"}
    assert entry["size"] == 3 and re.fullmatch(r"[0-9a-f]{40}", entry["key"])
    assert set(project.files(head, "results/")) == {"results/out.csv", "results/deep/more.csv"}
    assert set(project.files(head, "results")) == {"results/out.csv", "results/deep/more.csv"}
    assert set(project.files(head, "results/deep")) == {"results/deep/more.csv"}
    assert project.files(head, "nothing-here") == {}


def test_double_slashes_in_client_urls_are_tolerated(project: Project) -> None:
    project.api.put(f"{project.v1}//lead.txt", data=b"lead").raise_for_status()
    head = project.commits()[0]
    response = project.api.get(
        f"/api/projects/v1/projects/{project.id}/files/{head}//lead.txt/content"
    )
    assert response.content == b"lead"
    assert "lead.txt" in project.files(head, "")


def test_unknown_commit_and_file_are_404(project: Project) -> None:
    head = project.commits()[0]
    assert project.api.get(f"{project.v1}/files/{'0' * 40}/").status_code == 404
    assert project.api.get(f"{project.v1}/files/not-a-commit/").status_code == 404
    missing = project.api.get(f"/api/projects/v1/projects/{project.id}/files/{head}/no.txt/content")
    assert missing.status_code == 404 and missing.json()["message"]


def test_blob_of_another_project_is_not_served(project: Project, api: Api, server) -> None:
    other = Project(api, server.create_project())
    meta = other.upload("secret.txt", "other project's data")
    assert api.get(f"{project.v1}/blobs/{meta['key']}").status_code == 404
    assert api.get(f"{other.v1}/blobs/{meta['key']}").status_code == 200


def test_bad_paths_are_400(project: Project) -> None:
    for bad in ("a/%2E%2E/b.txt", "%2E%2E/x", "nul%00byte", "dir/", "a/%2E/b"):
        response = project.api.put(f"{project.v1}/{bad}", data=b"x")
        assert response.status_code == 400, bad
        assert response.json()["message"]
    head = project.commits()[0]
    listing = project.api.get(f"{project.v1}/files/{head}/%2E%2E/")
    assert listing.status_code == 400


def test_names_longer_than_the_filesystem_allows_are_400(project: Project) -> None:
    # Committed, such a name would make every later run and app start of the project fail.
    for bad in ("x" * 256, "dir/" + "\u00e9" * 128 + ".txt"):
        response = project.api.put(f"{project.v1}/{bad}", data=b"x")
        assert response.status_code == 400, bad
        assert "longer than 255 bytes" in response.json()["message"]
    assert project.upload("y" * 255, "ok")["path"] == "y" * 255


def test_file_cannot_be_uploaded_over_a_directory(project: Project) -> None:
    project.upload("folder/inner.txt", "x")
    assert project.api.put(f"{project.v1}/folder", data=b"y").status_code == 400


def test_large_upload_is_streamed_in_chunks(project: Project) -> None:
    chunk = os.urandom(1024 * 1024)
    digest = hashlib.sha1()

    def body():
        for _ in range(24):
            digest.update(chunk)
            yield chunk

    response = project.api.put(f"{project.v1}/big.bin", data=body())  # chunked encoding
    assert response.status_code == 201
    assert response.json()["size"] == 24 * len(chunk)
    assert response.json()["key"] == digest.hexdigest()


def test_concurrent_uploads_each_get_a_commit_and_none_is_lost(project: Project) -> None:
    from concurrent.futures import ThreadPoolExecutor

    before = len(project.commits())
    names = [f"parallel/f{i}.txt" for i in range(16)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: project.upload(n, n), names))
    commits = project.commits()
    assert len(commits) == before + 16 and len(set(commits)) == len(commits)
    assert set(project.files(commits[0], "parallel")) == set(names)
