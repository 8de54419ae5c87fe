"""HttpClient: status → exception mapping, server messages, headers, timeouts, retry policy.

requests-mock pins exact wire behaviour here; the retry behaviour itself is exercised against
a real server in tests/reliability/.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
import requests
import requests_mock
from urllib3.util.retry import RequestHistory

import domino
from domino import _http
from domino._http import HttpClient, server_message
from domino.authentication import ApiKeyAuth
from domino.exceptions import (
    BadRequestError,
    DominoHTTPError,
    ForbiddenError,
    InvalidResponseError,
    InvalidSettingError,
    NotFoundError,
    RateLimitedError,
    ReloginRequiredException,
    ServerError,
    UnauthorizedError,
)

HOST = "http://127.0.0.1:8899"
KEY = "k3y-value-never-shown"


@pytest.fixture()
def client() -> HttpClient:
    return HttpClient(HOST, ApiKeyAuth(KEY), environ={})


@pytest.fixture()
def mock() -> Any:
    with requests_mock.Mocker() as m:
        yield m


STATUS_CLASSES = [
    (400, BadRequestError),
    (401, UnauthorizedError),
    (403, ForbiddenError),
    (404, NotFoundError),
    (429, RateLimitedError),
    (500, ServerError),
    (503, ServerError),
]

BODIES = [
    ("json-message", {"json": {"message": "job not found"}}),
    ("json-error", {"json": {"error": "job not found", "code": 7}}),
    ("json-detail", {"json": {"detail": "job not found"}}),
    ("text", {"text": "job not found\n", "headers": {"Content-Type": "text/plain"}}),
    (
        "html",
        {
            "text": "<html><head><title>T</title><style>p{}</style></head>"
            "<body><h1>job</h1><p>not&nbsp;found</p><script>x()</script></body></html>",
            "headers": {"Content-Type": "text/html"},
        },
    ),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_CLASSES)
@pytest.mark.parametrize(("kind", "body"), BODIES, ids=[b[0] for b in BODIES])
def test_error_status_maps_to_class_carrying_status_method_url_and_message(
    client: HttpClient, mock: Any, status: int, cls: type, kind: str, body: dict[str, Any]
) -> None:
    mock.get(f"{HOST}/v4/jobs/abc", status_code=status, **body)
    with pytest.raises(cls) as info:
        client.get("/v4/jobs/abc")
    exc = info.value
    assert type(exc) is cls
    assert isinstance(exc, requests.HTTPError) and isinstance(exc, DominoHTTPError)
    assert exc.status_code == status
    assert exc.method == "GET"
    assert exc.url == f"{HOST}/v4/jobs/abc"
    assert exc.response is not None and exc.response.status_code == status
    assert exc.server_message is not None and "job" in exc.server_message
    assert "found" in exc.server_message
    assert str(exc).startswith(f"GET {HOST}/v4/jobs/abc returned {status}: ")


def test_error_message_format_is_method_url_status_and_server_message(
    client: HttpClient, mock: Any
) -> None:
    mock.get(f"{HOST}/v4/jobs/abc", status_code=404, json={"message": "job not found"})
    with pytest.raises(NotFoundError) as info:
        client.get("/v4/jobs/abc")
    assert str(info.value) == f"GET {HOST}/v4/jobs/abc returned 404: job not found"


def test_html_error_pages_are_reduced_to_visible_text(client: HttpClient, mock: Any) -> None:
    mock.get(
        f"{HOST}/x",
        status_code=502,
        text=BODIES[4][1]["text"],
        headers={"Content-Type": "text/html"},
    )
    with pytest.raises(ServerError) as info:
        client.get("/x", idempotent=False)
    assert info.value.server_message == "job not found"


@pytest.mark.parametrize("kind_body", BODIES, ids=[b[0] for b in BODIES])
def test_409_stays_relogin_required_and_is_not_a_requests_error(
    client: HttpClient, mock: Any, kind_body: tuple[str, dict[str, Any]]
) -> None:
    mock.post(f"{HOST}/v4/jobs/start", status_code=409, **kind_body[1])
    with pytest.raises(ReloginRequiredException) as info:
        client.post("/v4/jobs/start", json={})
    exc = info.value
    assert not isinstance(exc, requests.RequestException)
    assert exc.status_code == 409 and exc.method == "POST"
    assert exc.url == f"{HOST}/v4/jobs/start"
    assert str(exc).startswith("Temporary credentials expired (POST ")
    assert "job not found" in str(exc)  # a genuine conflict's reason stays visible


def test_empty_error_body_falls_back_to_the_reason_phrase(client: HttpClient, mock: Any) -> None:
    mock.delete(f"{HOST}/x", status_code=403, reason="Forbidden", text="")
    with pytest.raises(ForbiddenError) as info:
        client.delete("/x")
    assert str(info.value) == f"DELETE {HOST}/x returned 403 Forbidden"
    assert info.value.server_message is None


def test_unknown_4xx_maps_to_the_base_http_error(client: HttpClient, mock: Any) -> None:
    mock.get(f"{HOST}/x", status_code=418, json={"message": "teapot"})
    with pytest.raises(DominoHTTPError) as info:
        client.get("/x")
    assert type(info.value) is DominoHTTPError and info.value.status_code == 418


def test_server_echoing_the_api_key_is_redacted(client: HttpClient, mock: Any) -> None:
    mock.get(f"{HOST}/x", status_code=401, json={"message": f"bad key {KEY}"})
    with pytest.raises(UnauthorizedError) as info:
        client.get("/x")
    assert KEY not in str(info.value) and KEY not in (info.value.server_message or "")
    assert "<redacted>" in str(info.value)


def test_fastapi_validation_detail_list_is_rendered_compactly() -> None:
    response = _response(422, b'{"detail":[{"loc":["body","x"],"msg":"field required"}]}')
    assert server_message(response) == '[{"loc":["body","x"],"msg":"field required"}]'


def test_json_string_body_is_used_as_is() -> None:
    assert server_message(_response(400, b'"no such tag"')) == "no such tag"


def test_long_server_messages_are_truncated() -> None:
    message = server_message(_response(500, b"x" * 5000, "text/plain"))
    assert len(message) == 500 and message.endswith("...")


def test_invalid_json_with_json_content_type_falls_back_to_text() -> None:
    assert server_message(_response(500, b"{oops", "application/json")) == "{oops"


def _response(
    status: int, body: bytes, content_type: str = "application/json"
) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r._content = body
    r.headers["Content-Type"] = content_type
    r.encoding = "utf-8"
    return r


# --------------------------------------------------------------------------- requests on the wire


def test_every_request_carries_user_agent_and_api_key(client: HttpClient, mock: Any) -> None:
    mock.get(f"{HOST}/version", json={"version": "5.10.0"})
    assert client.json("GET", "/version") == {"version": "5.10.0"}
    headers = mock.last_request.headers
    assert headers["User-Agent"] == f"dominodatalab/{domino.__version__}"
    assert headers["X-Domino-Api-Key"] == KEY


def test_default_timeout_applies_unless_the_call_passes_one(mock: Any) -> None:
    client = HttpClient(HOST, ApiKeyAuth(KEY), environ={"DOMINO_HTTP_TIMEOUT": "3,7"})
    mock.get(f"{HOST}/x", json={})
    client.get("/x")
    assert _pair(mock.last_request.timeout) == (3.0, 7.0)
    client.get("/x", timeout=99)
    assert _pair(mock.last_request.timeout) == (99.0, 99.0)


def _pair(timeout: Any) -> tuple[float, float]:
    """(connect, read) of the timeout a request was sent with (cut to the call's deadline)."""
    return (timeout.connect_timeout, timeout.read_timeout)


@pytest.mark.parametrize(
    ("timeout", "expected"), [(None, (10.0, 60.0)), (2, (2.0, 2.0)), ((1, 4), (1.0, 4.0))]
)
def test_client_timeout_argument(timeout: Any, expected: tuple[float, float]) -> None:
    assert HttpClient(HOST, ApiKeyAuth(KEY), timeout=timeout, environ={}).timeout == expected


@pytest.mark.parametrize("timeout", [0, -1, (0, 5), (5, -1)])
def test_client_rejects_non_positive_timeouts(timeout: Any) -> None:
    with pytest.raises(InvalidSettingError):
        HttpClient(HOST, ApiKeyAuth(KEY), timeout=timeout, environ={})


def test_absolute_urls_are_used_as_given(client: HttpClient, mock: Any) -> None:
    mock.get("http://other:1/abs", json=[1])
    assert client.json("GET", "http://other:1/abs") == [1]


def test_relative_paths_without_leading_slash_are_rejected(client: HttpClient) -> None:
    with pytest.raises(ValueError, match="must be absolute or a path"):
        client.get("v4/jobs")
    with pytest.raises(ValueError):
        client.url("v4/jobs")
    assert client.url("/v4/jobs") == f"{HOST}/v4/jobs"


def test_host_trailing_slash_is_dropped() -> None:
    assert HttpClient(HOST + "/", ApiKeyAuth(KEY), environ={}).host == HOST


def test_json_of_non_json_body_is_a_clear_error(client: HttpClient, mock: Any) -> None:
    mock.get(f"{HOST}/x", text="<html>maintenance</html>", headers={"Content-Type": "text/html"})
    with pytest.raises(InvalidResponseError, match="not JSON .*text/html.*maintenance") as info:
        client.json("GET", "/x")
    assert isinstance(info.value, ValueError) and not isinstance(info.value, requests.HTTPError)


def test_json_of_empty_body_is_none(client: HttpClient, mock: Any) -> None:
    mock.delete(f"{HOST}/x", status_code=204)
    assert client.json("DELETE", "/x") is None


def test_debug_log_has_method_url_status_but_no_headers(
    client: HttpClient, mock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    mock.get(f"{HOST}/v4/x", json={})
    with caplog.at_level(logging.DEBUG, logger="domino"):
        client.get("/v4/x")
    assert f"GET {HOST}/v4/x -> 200 in" in caplog.text
    assert KEY not in caplog.text and "X-Domino-Api-Key" not in caplog.text


def test_repr_shows_host_but_not_the_key(client: HttpClient) -> None:
    assert HOST in repr(client) and KEY not in repr(client)


# --------------------------------------------------------------------------- retry policy


def test_retry_adapter_is_mounted_for_http_and_https_with_pool_size() -> None:
    client = HttpClient(HOST, ApiKeyAuth(KEY), pool_maxsize=48, environ={})
    for scheme in ("http://", "https://"):
        adapter = client.session.get_adapter(scheme + "h")
        assert isinstance(adapter, requests.adapters.HTTPAdapter)
        assert adapter._pool_maxsize == 48  # type: ignore[attr-defined]
        retry = adapter.max_retries
        assert retry.total == 4
        assert set(retry.status_forcelist) == {408, 429, 500, 502, 503, 504}
        assert retry.raise_on_status is False  # exhausted → mapped exception, not RetryError


def test_max_retries_comes_from_environment_or_argument() -> None:
    assert HttpClient(HOST, ApiKeyAuth(KEY), environ={"DOMINO_MAX_RETRIES": "0"}).retry.total == 0
    assert HttpClient(HOST, ApiKeyAuth(KEY), max_retries=2, environ={}).retry.total == 2
    with pytest.raises(InvalidSettingError, match="DOMINO_MAX_RETRIES='lots'"):
        HttpClient(HOST, ApiKeyAuth(KEY), environ={"DOMINO_MAX_RETRIES": "lots"})


def test_verify_comes_from_environment_or_argument() -> None:
    env = {"DOMINO_VERIFY_CERTIFICATE": "No"}
    assert HttpClient(HOST, ApiKeyAuth(KEY), environ=env).session.verify is False
    assert HttpClient(HOST, ApiKeyAuth(KEY), environ={}).session.verify is True
    assert HttpClient(HOST, ApiKeyAuth(KEY), verify=False, environ={}).session.verify is False


def _retry(**kw: Any) -> _http._DominoRetry:
    client = HttpClient(HOST, ApiKeyAuth(KEY), environ={}, **kw)
    return client.retry


@pytest.mark.parametrize(
    ("method", "override", "expected"),
    [
        ("GET", None, True),
        ("PUT", None, True),
        ("DELETE", None, True),
        ("POST", None, False),
        ("PATCH", None, False),
        ("POST", True, True),
        ("GET", False, False),
    ],
)
def test_idempotency_decides_retryability_and_can_be_overridden(
    method: str, override: bool | None, expected: bool
) -> None:
    retry = _retry()
    with _http._idempotency(override):
        assert retry._is_method_retryable(method) is expected
        assert retry.is_retry(method, 503) is expected
    assert retry._is_method_retryable(method) is (method in _http.IDEMPOTENT_METHODS)


def _with_attempts(retry: _http._DominoRetry, n: int) -> _http._DominoRetry:
    history = tuple(RequestHistory("GET", "/x", None, 503, None) for _ in range(n))
    return retry.new(history=history)


def test_backoff_doubles_from_the_factor_and_is_capped() -> None:
    retry = _retry(backoff_factor=0.5, backoff_max=3.0)
    retry.rand = lambda: 0.0
    waits = [_with_attempts(retry, n).get_backoff_time() for n in range(6)]
    assert waits == [0.0, 0.5, 1.0, 2.0, 3.0, 3.0]


def test_backoff_jitter_adds_at_most_one_factor() -> None:
    retry = _retry(backoff_factor=0.5, backoff_max=100.0)
    retry.rand = lambda: 0.999
    assert 1.0 < _with_attempts(retry, 2).get_backoff_time() < 1.5


def test_retry_copies_keep_cap_sleeper_and_rand() -> None:
    sleeps: list[float] = []
    retry = _retry(retry_after_cap=7.0, sleep=sleeps.append)
    copy = retry.new(total=1)
    assert copy.retry_after_cap == 7.0 and copy.sleeper is not None and copy.rand is retry.rand
    copy.sleeper(1.5)
    assert sleeps == [1.5]


class _FakeUrllib3Response:
    def __init__(self, retry_after: str) -> None:
        self.headers = {"Retry-After": retry_after}


@pytest.mark.parametrize(("header", "expected"), [("2", 2.0), ("3600", 60.0), ("0", 0.0)])
def test_retry_after_is_honoured_but_capped(header: str, expected: float) -> None:
    retry = _retry(retry_after_cap=60.0)
    assert retry.get_retry_after(_FakeUrllib3Response(header)) == expected


def test_retry_after_http_date_is_understood() -> None:
    retry = _retry(retry_after_cap=60.0)
    wait = retry.get_retry_after(_FakeUrllib3Response("Wed, 21 Oct 2099 07:28:00 GMT"))
    assert wait == 60.0


def test_explicit_timeout_none_keeps_the_default_instead_of_waiting_forever(
    client: HttpClient, mock: Any
) -> None:
    mock.get(f"{HOST}/x", json={})
    client.get("/x", timeout=None)
    assert _pair(mock.last_request.timeout) == (10.0, 60.0)


def test_other_requests_errors_pass_through_unchanged(client: HttpClient) -> None:
    with pytest.raises(requests.exceptions.InvalidURL) as info:
        client.get("http://exa mple:notaport/x")
    assert info.value.__cause__ is None


def test_error_messages_show_no_double_slash_in_the_path(client: HttpClient, mock: Any) -> None:
    mock.get(f"{HOST}/v1/projects/a/b/files/c1//", status_code=404, json={"message": "nope"})
    with pytest.raises(NotFoundError) as info:
        client.get("/v1/projects/a/b/files/c1//")
    assert str(info.value) == f"GET {HOST}/v1/projects/a/b/files/c1/ returned 404: nope"
    assert info.value.url == f"{HOST}/v1/projects/a/b/files/c1/"
    assert mock.last_request.url.endswith("/files/c1//")  # the wire format is kept
