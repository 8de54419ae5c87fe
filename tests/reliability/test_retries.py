"""Retries, Retry-After, timeouts and dropped connections against a real local HTTP server.

Backoff factors are tiny and sleeps are recorded through HttpClient's injectable ``sleep``
so the suite stays fast; nothing here asserts on wall-clock time.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from typing import Any

import pytest
import requests
from scripted_server import Action, ScriptedServer

from domino._http import HttpClient
from domino.authentication import ApiKeyAuth, ProxyAuth
from domino.exceptions import (
    DominoConnectionError,
    DominoTimeoutError,
    InvalidSettingError,
    RateLimitedError,
    ServerError,
)

KEY = "reliability-key"


def _client(
    server: ScriptedServer | str, sleeps: list[float] | None = None, **kw: Any
) -> HttpClient:
    url = server if isinstance(server, str) else server.url
    kw.setdefault("environ", {})
    kw.setdefault("backoff_factor", 0.001)
    kw.setdefault("timeout", (2, 5))
    return HttpClient(
        url, ApiKeyAuth(KEY), sleep=sleeps.append if sleeps is not None else None, **kw
    )


BUSY = Action(503, {"message": "busy"})


def test_get_is_retried_after_503_then_succeeds(server: ScriptedServer) -> None:
    server.plan(BUSY, BUSY, Action(200, {"value": 42}))
    sleeps: list[float] = []
    assert _client(server, sleeps).json("GET", "/v4/jobs/1") == {"value": 42}
    assert server.count("GET") == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0]  # exponential backoff between attempts


def test_retry_after_header_is_honoured(server: ScriptedServer) -> None:
    server.plan(Action(503, {"message": "busy"}, {"Retry-After": "1"}), Action(200))
    sleeps: list[float] = []
    _client(server, sleeps).get("/x")
    assert sleeps == [1.0]
    assert server.count() == 2


def test_retry_after_is_capped(server: ScriptedServer) -> None:
    server.plan(Action(429, {"message": "slow"}, {"Retry-After": "3600"}), Action(200))
    sleeps: list[float] = []
    _client(server, sleeps, retry_after_cap=0.05).get("/x")
    assert sleeps == [0.05]


def test_capped_retry_after_really_sleeps_and_completes(server: ScriptedServer) -> None:
    server.plan(Action(503, {}, {"Retry-After": "3600"}), Action(200, {"done": True}))
    # real time.sleep: an uncapped header would hang the test for an hour
    assert _client(server, retry_after_cap=0.05).json("GET", "/x") == {"done": True}


def test_429_on_get_is_retried(server: ScriptedServer) -> None:
    server.plan(Action(429, {"message": "slow down"}), Action(200, {"ok": 1}))
    assert _client(server, []).json("GET", "/x") == {"ok": 1}
    assert server.count() == 2


@pytest.mark.parametrize("status", [408, 500, 502, 504])
def test_other_transient_statuses_are_retried_for_get(server: ScriptedServer, status: int) -> None:
    server.plan(Action(status, {"message": "transient"}), Action(200))
    _client(server, []).get("/x")
    assert server.count() == 2


def test_post_returning_503_is_not_retried(server: ScriptedServer) -> None:
    server.plan(BUSY)
    with pytest.raises(ServerError) as info:
        _client(server, []).post("/v4/jobs/start", json={"projectId": "p"})
    assert server.count("POST") == 1
    assert info.value.status_code == 503 and info.value.server_message == "busy"


def test_patch_returning_503_is_not_retried(server: ScriptedServer) -> None:
    server.plan(BUSY)
    with pytest.raises(ServerError):
        _client(server, []).patch("/x", json={})
    assert server.count() == 1


def test_post_declared_idempotent_is_retried(server: ScriptedServer) -> None:
    server.plan(BUSY, Action(200))
    _client(server, []).post("/chunk", idempotent=True, data=b"abc")
    assert server.count("POST") == 2
    assert [r.body for r in server.requests] == [b"abc", b"abc"]


def test_get_declared_non_idempotent_is_not_retried(server: ScriptedServer) -> None:
    server.plan(BUSY)
    with pytest.raises(ServerError):
        _client(server, []).get("/x", idempotent=False)
    assert server.count() == 1


def test_exhausted_status_retries_raise_the_mapped_error_not_retry_error(
    server: ScriptedServer,
) -> None:
    server.plan(BUSY)
    sleeps: list[float] = []
    with pytest.raises(ServerError) as info:
        _client(server, sleeps, max_retries=2).get("/x")
    assert not isinstance(info.value, requests.exceptions.RetryError)
    assert str(info.value) == f"GET {server.url}/x returned 503: busy"
    assert server.count() == 3 and len(sleeps) == 2


def test_exhausted_429_retries_raise_rate_limited(server: ScriptedServer) -> None:
    server.plan(Action(429, {"message": "slow down"}))
    with pytest.raises(RateLimitedError):
        _client(server, [], max_retries=1).get("/x")
    assert server.count() == 2


def test_domino_max_retries_zero_disables_retries(server: ScriptedServer) -> None:
    server.plan(BUSY)
    client = _client(server, [], environ={"DOMINO_MAX_RETRIES": "0"})
    with pytest.raises(ServerError):
        client.get("/x")
    assert server.count() == 1


def test_domino_max_retries_sets_the_number_of_retries(server: ScriptedServer) -> None:
    server.plan(BUSY)
    with pytest.raises(ServerError):
        _client(server, [], environ={"DOMINO_MAX_RETRIES": "3"}).get("/x")
    assert server.count() == 4


# --------------------------------------------------------------------------- timeouts


def test_read_timeout_raises_a_timeout_error(server: ScriptedServer) -> None:
    server.plan(Action(200, delay=30))
    client = _client(server, [], timeout=(2, 0.5), max_retries=0)
    with pytest.raises(DominoTimeoutError) as info:
        client.get("/slow")
    assert isinstance(info.value, requests.ReadTimeout) and isinstance(info.value, TimeoutError)
    assert "no response within 0.5 s" in str(info.value)


def test_read_timeout_on_get_is_retried(server: ScriptedServer) -> None:
    server.plan(Action(200, delay=30), Action(200, {"second": True}))
    # 2 s read timeout: the first answer never comes in time, the retried one must even on a
    # loaded CI machine
    client = _client(server, [], timeout=(2, 2), max_retries=1)
    assert client.json("GET", "/slow") == {"second": True}
    assert server.count() == 2


def test_read_timeout_on_post_is_not_retried(server: ScriptedServer) -> None:
    server.plan(Action(200, delay=30), Action(200))
    client = _client(server, [], timeout=(2, 0.5), max_retries=3)
    with pytest.raises(DominoTimeoutError):
        client.post("/v4/jobs/start", json={})
    assert server.count("POST") == 1


def test_timeout_from_environment_applies(server: ScriptedServer) -> None:
    server.plan(Action(200, delay=30))
    client = HttpClient(
        server.url, ApiKeyAuth(KEY), environ={"DOMINO_HTTP_TIMEOUT": "2,0.3"}, max_retries=0
    )
    with pytest.raises(DominoTimeoutError, match="0.3 s"):
        client.get("/slow")


# --------------------------------------------------------------------------- connections


def test_dropped_connection_on_get_is_retried(server: ScriptedServer) -> None:
    server.plan(Action(drop=True), Action(200, {"ok": True}))
    assert _client(server, []).json("GET", "/x") == {"ok": True}
    assert server.count() == 2


def test_dropped_connection_on_post_is_not_retried(server: ScriptedServer) -> None:
    server.plan(Action(drop=True), Action(200))
    with pytest.raises(DominoConnectionError) as info:
        _client(server, []).post("/v4/jobs/start", json={})
    assert server.count("POST") == 1
    assert isinstance(info.value, requests.ConnectionError)
    assert "closed the connection without answering" in str(info.value)


def _refused_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def test_connection_refused_is_a_clear_error_after_retries() -> None:
    url = _refused_url()
    sleeps: list[float] = []
    with pytest.raises(DominoConnectionError) as info:
        _client(url, sleeps, max_retries=2).get("/version")
    assert str(info.value) == (
        f"GET {url}/version failed (after 2 retries): "
        "connection refused (is the server running and the host/port right?)"
    )
    assert len(sleeps) == 2


def test_post_is_retried_when_the_connection_was_never_established() -> None:
    # the server cannot have acted on a request it never received
    sleeps: list[float] = []
    with pytest.raises(DominoConnectionError):
        _client(_refused_url(), sleeps, max_retries=3).post("/v4/jobs/start", json={})
    assert len(sleeps) == 3


def test_connections_are_kept_alive_and_reused(server: ScriptedServer) -> None:
    client = _client(server, [])
    for _ in range(10):
        client.get("/x")
    assert len({r.client_port for r in server.requests}) == 1


def test_pool_holds_one_connection_per_upload_thread(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.plan(Action(200, delay=0.02))
    client = _client(server, [], pool_maxsize=8)

    def work() -> None:
        for _ in range(3):
            client.post("/chunk", data=b"x")

    with caplog.at_level(logging.WARNING, logger="urllib3"):
        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert server.count() == 24
    assert "Connection pool is full" not in caplog.text


def test_api_proxy_requests_are_retried_over_http(server: ScriptedServer) -> None:
    server.plan(BUSY, Action(200, {"via": "proxy"}))
    proxy = f"127.0.0.1:{server.port}"
    client = HttpClient(
        "https://domino.invalid",
        ProxyAuth(proxy),
        environ={},
        backoff_factor=0.001,
        sleep=lambda s: None,
    )
    assert client.json("GET", "/v4/x?y=1") == {"via": "proxy"}
    assert [r.path for r in server.requests] == ["/v4/x?y=1", "/v4/x?y=1"]
    assert "X-Domino-Api-Key" not in server.requests[0].headers
    assert "Authorization" not in server.requests[0].headers


def test_api_key_and_user_agent_reach_the_server(server: ScriptedServer) -> None:
    _client(server, []).get("/x")
    headers = server.requests[0].headers
    assert headers["X-Domino-Api-Key"] == KEY
    assert headers["User-Agent"].startswith("dominodatalab/")


# --------------------------------------------------------------------------- redirects and TLS


def test_api_key_is_not_forwarded_on_a_redirect_to_another_origin(server: ScriptedServer) -> None:
    other = ScriptedServer()
    try:
        other.plan(Action(200, {"where": "storage"}))
        server.plan(Action(302, {}, {"Location": f"{other.url}/blob?sig=1"}))
        assert _client(server, []).json("GET", "/v4/blobs/x") == {"where": "storage"}
        assert server.requests[0].headers["X-Domino-Api-Key"] == KEY
        assert other.count() == 1
        assert "X-Domino-Api-Key" not in other.requests[0].headers
    finally:
        other.close()


def test_api_key_is_kept_on_a_same_origin_redirect(server: ScriptedServer) -> None:
    server.plan(Action(302, {}, {"Location": "/v4/elsewhere"}), Action(200))
    _client(server, []).get("/v4/here")
    assert [r.path for r in server.requests] == ["/v4/here", "/v4/elsewhere"]
    assert server.requests[1].headers["X-Domino-Api-Key"] == KEY


def test_https_to_a_plain_http_port_says_so(server: ScriptedServer) -> None:
    client = _client(f"https://127.0.0.1:{server.port}", [], max_retries=0)
    with pytest.raises(DominoConnectionError, match="does not speak TLS on this port"):
        client.get("/x")


def test_unparsable_retry_after_falls_back_to_backoff(server: ScriptedServer) -> None:
    server.plan(Action(503, {}, {"Retry-After": "soon"}), Action(200, {"ok": True}))
    sleeps: list[float] = []
    assert _client(server, sleeps, backoff_factor=0.01).json("GET", "/x") == {"ok": True}
    assert len(sleeps) == 1 and 0.01 <= sleeps[0] <= 0.02


def test_retries_are_logged_at_info(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.plan(BUSY, Action(200))
    with caplog.at_level(logging.INFO, logger="domino"):
        _client(server, []).get("/v4/x")
    assert "retrying GET /v4/x in" in caplog.text and "503" in caplog.text
    assert KEY not in caplog.text


def test_upload_requests_are_retried_by_the_upload_policy_alone(server: ScriptedServer) -> None:
    # Nested retries (urllib3's inside each attempt of the upload's loop) multiplied the
    # attempts and slept where a stop request could not interrupt them.
    from domino._upload import _wire

    server.plan(BUSY, Action(200, {"ok": True}))
    sleeps: list[float] = []
    http = _client(server, sleeps)
    transport = _wire.Transport(http.session, http.host, http.auth)
    policy = _wire.RetryPolicy(deadline=30.0, base=0.001, cap=0.001)
    upload_retries: list[int] = []
    response = _wire.send(
        transport,
        "GET",
        server.url + "/v4/datasetrw/datasets/ds1/snapshot/file/test?key=k",
        policy=policy,
        stop=threading.Event(),
        what="checking chunk 1",
        on_retry=lambda *_: upload_retries.append(1),
    )
    assert response.status_code == 200
    assert sleeps == []  # the session's adapter did not retry the 503 on its own
    assert upload_retries == [1] and server.count("GET") == 2


def test_upload_connection_failure_is_one_attempt_per_upload_retry() -> None:
    from domino._upload import _wire

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sleeps: list[float] = []
    http = _client(url, sleeps)
    transport = _wire.Transport(http.session, http.host, http.auth)
    with pytest.raises(requests.ConnectionError):
        transport.request("POST", url + "/v4/datasetrw/datasets/ds1/snapshot/file", data=b"x")
    assert sleeps == []
    # ...while ordinary client requests keep their connection retries
    with pytest.raises(DominoConnectionError):
        http.get("/version")
    assert len(sleeps) == http.max_retries


def test_upload_grows_the_pool_without_touching_the_sessions_adapter_table(
    server: ScriptedServer,
) -> None:
    # Session.mount() rewrites session.adapters, which other threads sharing the client
    # iterate on every request; growing the pool must not do that.
    from domino._upload import _wire

    http = _client(server, pool_maxsize=2)
    before = dict(http.session.adapters)
    _wire.Transport(http.session, http.host, http.auth, workers=12)
    assert http.session.adapters == before
    adapter = http.session.get_adapter(http.host)
    assert adapter._pool_maxsize == 12  # type: ignore[attr-defined]
    assert http.get("/x").status_code == 200


# ---------------------------------------------------------------------- the per-call deadline


def test_a_hung_server_fails_within_the_call_deadline_with_a_line_per_retry(
    server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    # accepts, never answers: 10 retries x 1 s reads would be 11 s without the deadline
    server.plan(Action(200, delay=60))
    client = _client(server, timeout=(2, 1), max_retries=10, deadline=3.5)
    started = time.monotonic()
    with (
        caplog.at_level(logging.WARNING, logger="domino"),
        pytest.raises(DominoTimeoutError) as info,
    ):
        client.get("/v4/jobs/1")
    elapsed = time.monotonic() - started
    assert elapsed < 3.5 + 2.5  # the deadline, plus generous slack for a loaded machine
    assert "DOMINO_REQUEST_DEADLINE" in str(info.value) and "3.5 s" in str(info.value)
    retries = [r for r in caplog.records if "retrying GET" in r.getMessage()]
    assert retries and all(r.levelno == logging.WARNING for r in retries)
    assert len(retries) == server.count() - 1  # one line per retry, none for the first try
    assert "left of the 3.5 s deadline" in retries[0].getMessage()


def test_the_deadline_cuts_a_long_read_timeout(server: ScriptedServer) -> None:
    server.plan(Action(200, delay=60))
    started = time.monotonic()
    with pytest.raises(DominoTimeoutError):
        _client(server, timeout=(2, 40), max_retries=0, deadline=1).get("/x")
    assert time.monotonic() - started < 1 + 2.5


def test_the_deadline_comes_from_domino_request_deadline(server: ScriptedServer) -> None:
    assert _client(server, environ={}).deadline == 120
    assert _client(server, environ={"DOMINO_REQUEST_DEADLINE": "7.5"}).deadline == 7.5
    assert _client(server, environ={"DOMINO_REQUEST_DEADLINE": "0"}).deadline is None
    with pytest.raises(InvalidSettingError, match="DOMINO_REQUEST_DEADLINE='soon'"):
        _client(server, environ={"DOMINO_REQUEST_DEADLINE": "soon"})


def test_a_quick_failure_is_still_retried_under_the_deadline(server: ScriptedServer) -> None:
    server.plan(BUSY, BUSY, Action(200, {"ok": 1}))
    assert _client(server, [], deadline=30).json("GET", "/x") == {"ok": 1}
    assert server.count() == 3
