"""The server's side of the dataset upload protocol (§13.2), driven with plain ``requests``."""

from __future__ import annotations

import hashlib
import threading
import uuid
from typing import Any

import pytest
import requests
from server_support import Upload, listing

from domino.server import uploads

MiB = 1 << 20


@pytest.fixture
def server(domino_server: Any) -> Any:
    return domino_server


@pytest.fixture
def api(server: Any) -> requests.Session:
    session = requests.Session()
    session.headers["X-Domino-Api-Key"] = server.api_key
    return session


@pytest.fixture
def dataset(server: Any) -> str:
    project = server.create_project()
    created = server.client(project).datasets_create(f"ds-{uuid.uuid4().hex[:8]}", "")
    return str(created["datasetId"])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_start_returns_the_key_as_a_json_string(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    assert isinstance(up.key, str) and len(up.key) >= 16


def test_start_refuses_an_unknown_collision_setting(server: Any, api: Any, dataset: str) -> None:
    response = api.post(
        f"{server.url}/v4/datasetrw/datasets/{dataset}/snapshot/file/start",
        json={"filePaths": [], "fileCollisionSetting": "Clobber"},
    )
    assert response.status_code == 400
    assert "Clobber" in response.json()["message"]


def test_unknown_dataset_is_404_and_a_stranger_gets_403(
    server: Any, api: Any, dataset: str
) -> None:
    body = {"filePaths": [], "fileCollisionSetting": "Ignore"}
    url = f"{server.url}/v4/datasetrw/datasets/%s/snapshot/file/start"
    assert api.post(url % ("0" * 24), json=body).status_code == 404
    stranger = server.add_user(f"u{uuid.uuid4().hex[:8]}")
    response = requests.post(url % dataset, json=body, headers={"X-Domino-Api-Key": stranger})
    assert response.status_code == 403


def test_chunk_test_answers_204_until_that_exact_chunk_is_stored(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    assert up.test("5-a.txt", 1, b"hello") == 204
    assert up.chunk("a.txt", 1, b"hello", identifier="5-a.txt").status_code == 200
    assert up.test("5-a.txt", 1, b"hello") == 200
    assert up.test("5-a.txt", 1, b"HELLO") == 204  # other checksum
    assert up.test("5-b.txt", 1, b"hello") == 204  # other identifier


def test_checksum_mismatch_is_refused_and_nothing_is_stored(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    response = up.chunk("a.txt", 1, b"hello", checksum="0" * 32)
    assert response.status_code == 400
    assert "MD5" in response.json()["message"]
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {}


def test_lower_case_checksum_is_accepted(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    lower = hashlib.md5(b"hello").hexdigest()
    assert up.chunk("a.txt", 1, b"hello", checksum=lower).status_code == 200


def test_size_different_from_current_chunk_size_is_refused(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    response = up.chunk("a.txt", 1, b"hello", current=4)
    assert response.status_code == 400
    assert "resumableCurrentChunkSize" in response.json()["message"]


def test_file_part_is_taken_whatever_its_field_name(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    response = up.chunk("d/a.txt", 1, b"payload", field="file", extra_part_first=True)
    assert response.status_code == 200, response.text
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"d/a.txt": sha(b"payload")}


@pytest.mark.parametrize(
    ("rel", "stored"),
    [
        ("../evil.txt", "evil.txt"),
        ("../../up/a.csv", "up/a.csv"),
        ("a/../../b", "b"),
        # Windows separators (clients before 1.4.2) are separators, never part of a name.
        ("win\\sub\\a.csv", "win/sub/a.csv"),
        ("..\\..\\x.txt", "x.txt"),
        ("a\\..\\..\\y.txt", "y.txt"),
    ],
)
def test_relative_path_climbing_out_is_kept_inside_the_dataset(
    server: Any, api: Any, dataset: str, rel: str, stored: str
) -> None:
    up = Upload(server, api, dataset)
    assert up.chunk(rel, 1, b"x").status_code == 200
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {stored: sha(b"x")}


@pytest.mark.parametrize(
    "rel", ["/etc/passwd", "C:/x", "\\\\server\\share\\x", "..", "a/\x00b", "d/" + "n" * 256]
)
def test_absolute_or_empty_relative_path_is_refused(
    server: Any, api: Any, dataset: str, rel: str
) -> None:
    up = Upload(server, api, dataset)
    assert up.chunk(rel, 1, b"x").status_code == 400


def test_parallel_out_of_order_chunks_of_one_file_assemble_in_order(
    server: Any, api: Any, dataset: str
) -> None:
    data = bytes(range(256)) * (5 * MiB // 256) + b"tail"
    size = MiB // 2
    pieces = [data[i : i + size] for i in range(0, len(data), size)]
    up = Upload(server, api, dataset)
    statuses: list[int] = []

    def send(number: int) -> None:
        response = up.chunk(
            "big.bin",
            number,
            pieces[number - 1],
            total=len(pieces),
            chunk_size=size,
            identifier="big",
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=send, args=(n,)) for n in reversed(range(1, len(pieces) + 1))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(pieces)
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"big.bin": sha(data)}


def test_end_with_missing_chunks_names_the_incomplete_file_and_shows_nothing(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    up.chunk("done.txt", 1, b"ok")
    up.chunk("half.bin", 1, b"aaaa", total=2, chunk_size=4, identifier="h")
    response = up.end()
    assert response.status_code == 400
    assert "half.bin" in response.json()["message"]
    assert listing(server, api, dataset) == {}
    # The session stays usable: send the missing chunk and end again.
    up.chunk("half.bin", 2, b"bb", total=2, chunk_size=4, identifier="h")
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"done.txt": sha(b"ok"), "half.bin": sha(b"aaaabb")}


def test_end_is_idempotent_but_a_closed_session_takes_no_more_chunks(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    up.chunk("a.txt", 1, b"a")
    first = up.end()
    assert first.status_code == 200 and isinstance(first.json(), str)
    assert up.end().status_code == 200
    assert up.chunk("b.txt", 1, b"b").status_code == 400
    assert listing(server, api, dataset) == {"a.txt": sha(b"a")}


@pytest.mark.parametrize("target", ["/abs", "../up", "missing/folder"])
def test_bad_target_path_is_400_and_nothing_lands(
    server: Any, api: Any, dataset: str, target: str
) -> None:
    up = Upload(server, api, dataset)
    up.chunk("a.txt", 1, b"a")
    response = up.end(target)
    assert response.status_code == 400
    assert target.strip("/").split("/")[0] in response.json()["message"]
    assert listing(server, api, dataset) == {}


def test_cancel_discards_everything_and_is_idempotent(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    up.chunk("a.txt", 1, b"a")
    first = up.cancel()
    assert first.status_code == 200 and first.content == b""
    assert up.cancel().status_code == 200
    assert up.chunk("b.txt", 1, b"b").status_code == 400
    assert up.end().status_code == 400
    assert not (server.data_dir / "uploads" / up.key).exists()
    assert listing(server, api, dataset) == {}


def test_unknown_key_is_404(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    up.key = "f" * 32
    assert up.end().status_code == 404
    assert up.cancel().status_code == 404
    assert up.chunk("a.txt", 1, b"a").status_code == 404


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("Ignore", {"t.csv": b"old", "noext": b"old"}),
        ("Overwrite", {"t.csv": b"new", "noext": b"new"}),
        ("Rename", {"t.csv": b"old", "t_1.csv": b"new", "noext": b"old", "noext_1": b"new"}),
    ],
)
def test_collision_settings(
    server: Any, api: Any, dataset: str, setting: str, expected: dict[str, bytes]
) -> None:
    for content, mode in ((b"old", "Ignore"), (b"new", setting)):
        up = Upload(server, api, dataset, mode)
        up.chunk("t.csv", 1, content)
        up.chunk("noext", 1, content)
        assert up.end().status_code == 200
    assert listing(server, api, dataset) == {k: sha(v) for k, v in expected.items()}


def test_stale_sessions_are_expired_with_their_chunks(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    up.chunk("a.txt", 1, b"a")
    session_dir = server.data_dir / "uploads" / up.key
    assert session_dir.exists()
    store = server.app.state.store
    uploads.expire_stale_sessions(store, ttl=3600)
    assert session_dir.exists()  # still fresh
    uploads.expire_stale_sessions(store, ttl=0, now=1e12)
    assert not session_dir.exists()
    assert up.chunk("b.txt", 1, b"b").status_code == 404


def test_local_stats_count_received_bytes(server: Any, api: Any, dataset: str) -> None:
    before = api.get(f"{server.url}/_local/uploads/stats").json()
    up = Upload(server, api, dataset)
    up.chunk("a.txt", 1, b"abc")
    up.chunk("b.txt", 1, b"defg", checksum="0" * 32)
    after = api.get(f"{server.url}/_local/uploads/stats").json()
    assert after["bytes_received"] - before["bytes_received"] == 7
    assert after["bytes_stored"] - before["bytes_stored"] == 3
    assert after["chunks_stored"] - before["chunks_stored"] == 1


def test_only_the_last_chunk_may_be_shorter_than_the_chunk_size(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    response = up.chunk("a.bin", 1, b"abc", total=2, chunk_size=4, identifier="a")
    assert response.status_code == 400
    assert "only the last chunk" in response.json()["message"]


def test_a_rejected_chunk_leaves_no_trace_once_resent(server: Any, api: Any, dataset: str) -> None:
    up = Upload(server, api, dataset)
    kw: dict[str, Any] = {"total": 2, "chunk_size": 4, "identifier": "a"}
    bad = up.chunk("a.bin", 1, b"XXXX", checksum=hashlib.md5(b"good").hexdigest(), **kw)
    assert bad.status_code == 400
    assert up.chunk("a.bin", 2, b"yz", **kw).status_code == 200
    assert up.end().status_code == 400  # chunk 1 is still missing
    assert up.chunk("a.bin", 1, b"good", **kw).status_code == 200
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"a.bin": sha(b"goodyz")}


def test_a_changed_file_resent_under_a_new_identity_replaces_the_old_bytes(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    up.chunk("f.txt", 1, b"0123", total=2, chunk_size=4, identifier="6-f")
    up.chunk("f.txt", 2, b"45", total=2, chunk_size=4, identifier="6-f")
    up.chunk("f.txt", 1, b"abc", total=1, chunk_size=4, identifier="3-f")
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"f.txt": sha(b"abc")}


@pytest.mark.parametrize(
    "query",
    [
        "resumableChunkNumber=0",
        "resumableChunkNumber=abc",
        f"resumableChunkNumber={10**30}",
        f"resumableTotalChunks={10**30}",
        f"resumableChunkSize={10**30}",
        # Each value fits, but the chunk would start past what any file may hold.
        f"resumableChunkNumber=1000000&resumableTotalChunks=1000000&resumableChunkSize={10**12}",
    ],
)
def test_out_of_range_chunk_numbers_and_sizes_are_400(
    server: Any, api: Any, dataset: str, query: str
) -> None:
    up = Upload(server, api, dataset)
    params = {
        "key": up.key,
        "resumableChunkNumber": "1",
        "resumableChunkSize": "1",
        "resumableCurrentChunkSize": "1",
        "resumableIdentifier": "x",
        "resumableRelativePath": "x",
        "resumableTotalChunks": "1",
        "checksum": hashlib.md5(b"x").hexdigest(),
    }
    params.update(dict(part.split("=") for part in query.split("&")))
    sent = api.post(up.base, params=params, files={"x": ("x", b"x")})
    assert sent.status_code == 400, sent.text
    assert sent.json()["message"]
    tested = api.get(up.base + "/test", params=params)
    assert tested.status_code in (204, 400), tested.text
    assert up.end().status_code == 200  # the session is still usable


def test_an_oversized_chunk_is_refused_without_touching_the_next_chunks_bytes(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    kw: dict[str, Any] = {"total": 2, "chunk_size": 4, "identifier": "f"}
    assert up.chunk("f.bin", 1, b"AAAA", **kw).status_code == 200
    assert up.chunk("f.bin", 2, b"BBBB", **kw).status_code == 200
    # Announces 4 bytes (with their MD5) but carries 8: the extra 4 would overwrite chunk 2.
    long = up.chunk(
        "f.bin", 1, b"AAAAZZZZ", checksum=hashlib.md5(b"AAAA").hexdigest(), current=4, **kw
    )
    assert long.status_code == 400
    assert "more than resumableCurrentChunkSize" in long.json()["message"]
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"f.bin": sha(b"AAAABBBB")}


def test_a_corrupt_resend_of_a_stored_chunk_makes_it_missing_again(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    kw: dict[str, Any] = {"total": 2, "chunk_size": 4, "identifier": "f"}
    assert up.chunk("f.bin", 1, b"AAAA", **kw).status_code == 200
    assert up.chunk("f.bin", 2, b"BBBB", **kw).status_code == 200
    bad = up.chunk("f.bin", 1, b"XXXX", checksum=hashlib.md5(b"AAAA").hexdigest(), **kw)
    assert bad.status_code == 400
    # Its bytes on disk are now wrong, so it must not count as stored any more.
    assert up.test("f", 1, b"AAAA", total=2) == 204
    assert up.end().status_code == 400
    assert up.chunk("f.bin", 1, b"AAAA", **kw).status_code == 200
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"f.bin": sha(b"AAAABBBB")}


@pytest.mark.parametrize("first", ["a", "a/b"])
def test_a_session_holding_a_file_and_a_folder_of_one_name_is_400_and_places_nothing(
    server: Any, api: Any, dataset: str, first: str
) -> None:
    up = Upload(server, api, dataset)
    second = "a/b" if first == "a" else "a"
    assert up.chunk(first, 1, b"one").status_code == 200
    assert up.chunk(second, 1, b"two").status_code == 200
    assert up.chunk("z.txt", 1, b"three").status_code == 200
    ended = up.end()
    assert ended.status_code == 400, ended.text
    assert "'a'" in ended.json()["message"]
    assert listing(server, api, dataset) == {}


def test_backslashes_in_the_target_path_are_separators_and_cannot_climb(
    server: Any, api: Any, dataset: str
) -> None:
    first = Upload(server, api, dataset)
    assert first.chunk("sub/dir/keep.txt", 1, b"k").status_code == 200
    assert first.end().status_code == 200
    climbing = Upload(server, api, dataset)
    assert climbing.chunk("n.txt", 1, b"n").status_code == 200
    assert climbing.end("sub\\..\\..").status_code == 400
    assert climbing.end("sub\\dir").status_code == 200
    assert set(listing(server, api, dataset)) == {"sub/dir/keep.txt", "sub/dir/n.txt"}


def _set_state(server: Any, key: str, state: str) -> None:
    with server.app.state.store.transaction() as tx:
        tx.execute(
            "UPDATE upload_sessions SET state = ?, result = ? WHERE key = ?", (state, key, key)
        )


def test_cancel_while_an_end_is_under_way_is_refused_and_keeps_the_chunks(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    assert up.chunk("a.txt", 1, b"abc").status_code == 200
    _set_state(server, up.key, "ending")  # as if an End were linking files right now
    refused = up.cancel()
    assert refused.status_code == 400
    assert "too late to cancel" in refused.json()["message"]
    _set_state(server, up.key, "open")
    assert up.end().status_code == 200
    assert listing(server, api, dataset) == {"a.txt": sha(b"abc")}


def test_a_retried_end_answers_with_the_outcome_of_the_end_under_way(
    server: Any, api: Any, dataset: str
) -> None:
    up = Upload(server, api, dataset)
    _set_state(server, up.key, "ending")
    answers: list[requests.Response] = []
    retry = threading.Thread(target=lambda: answers.append(up.end()))
    retry.start()
    retry.join(0.5)
    assert retry.is_alive()  # waiting, not a 400 that would make the client cancel
    _set_state(server, up.key, "ended")
    retry.join(30)
    assert answers[0].status_code == 200 and answers[0].json() == up.key


def test_an_end_cut_short_by_a_restart_can_be_retried(tmp_path: Any) -> None:
    from domino.testing import LocalServer

    with LocalServer(tmp_path / "data") as first:
        api = requests.Session()
        api.headers["X-Domino-Api-Key"] = first.api_key
        project = first.create_project()
        dataset = str(first.client(project).datasets_create("d", "")["datasetId"])
        up = Upload(first, api, dataset)
        assert up.chunk("a.txt", 1, b"abc").status_code == 200
        _set_state(first, up.key, "ending")  # the server stops in the middle of End
    with LocalServer(tmp_path / "data") as second:
        api.headers["X-Domino-Api-Key"] = second.api_key
        up.base = up.base.replace(first.url, second.url)
        assert up.end().status_code == 200
        assert listing(second, api, dataset) == {"a.txt": sha(b"abc")}
