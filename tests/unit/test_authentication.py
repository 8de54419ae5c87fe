"""The credential chain (§3.1 precedence), what each mode puts on the wire, and masking."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import requests
import requests_mock

from domino import authentication
from domino.authentication import (
    ApiKeyAuth,
    BearerTokenAuth,
    ProxyAuth,
    TokenFileAuth,
    resolve_auth,
)
from domino.exceptions import (
    InvalidProxyError,
    NoCredentialsError,
    TokenFileError,
    TokenFileNotFoundError,
)

# Each source yields a distinct observable request, so the winner can be told apart.
SOURCES = [
    "api_proxy",
    "auth_token",
    "domino_token_file",
    "api_key",
    "DOMINO_API_PROXY",
    "DOMINO_TOKEN_FILE",
    "DOMINO_USER_API_KEY",
]


def _apply(
    auth: requests.auth.AuthBase, url: str = "https://domino.example.com/v4/x?a=1"
) -> requests.PreparedRequest:
    prepared = requests.Request("GET", url).prepare()
    return auth(prepared)


def _observed(auth: requests.auth.AuthBase) -> str:
    """Which source produced this auth, read off the request it prepares."""
    r = _apply(auth)
    if r.url and r.url.startswith("http://arg-proxy:1"):
        return "api_proxy"
    if r.url and r.url.startswith("http://env-proxy:2"):
        return "DOMINO_API_PROXY"
    header = r.headers.get("Authorization", "")
    key = r.headers.get("X-Domino-Api-Key", "")
    return {
        "Bearer arg-token": "auth_token",
        "Bearer file-arg-token": "domino_token_file",
        "Bearer file-env-token": "DOMINO_TOKEN_FILE",
    }.get(header) or {"arg-key": "api_key", "env-key": "DOMINO_USER_API_KEY"}.get(key, "?")


def _combinations() -> list[tuple[str, ...]]:
    combos: list[tuple[str, ...]] = []
    for n in range(1, len(SOURCES) + 1):
        combos.extend(itertools.combinations(SOURCES, n))
    return combos


@pytest.mark.parametrize("present", _combinations(), ids=lambda c: "+".join(c))
def test_precedence_first_present_source_wins(present: tuple[str, ...], tmp_path: Path) -> None:
    arg_file = tmp_path / "arg-token"
    arg_file.write_text("file-arg-token\n")
    env_file = tmp_path / "env-token"
    env_file.write_text("file-env-token\n")
    values = {
        "api_proxy": "arg-proxy:1",
        "auth_token": "arg-token",
        "domino_token_file": str(arg_file),
        "api_key": "arg-key",
        "DOMINO_API_PROXY": "env-proxy:2",
        "DOMINO_TOKEN_FILE": str(env_file),
        "DOMINO_USER_API_KEY": "env-key",
    }
    kwargs = {k: values[k] for k in present if not k.startswith("DOMINO_")}
    environ = {k: values[k] for k in present if k.startswith("DOMINO_")}
    auth = resolve_auth(environ=environ, **kwargs)
    expected = next(s for s in SOURCES if s in present)
    assert _observed(auth) == expected


def test_explicit_api_key_beats_env_proxy_and_env_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "t"
    token_file.write_text("tok")
    auth = resolve_auth(
        api_key="arg-key",
        environ={"DOMINO_API_PROXY": "env-proxy:2", "DOMINO_TOKEN_FILE": str(token_file)},
    )
    assert isinstance(auth, ApiKeyAuth)


def test_provider_names_are_in_public_precedence_order() -> None:
    assert [p.name for p in authentication.PROVIDERS] == [
        "api_proxy argument",
        "auth_token argument",
        "domino_token_file argument",
        "api_key argument",
        "DOMINO_API_PROXY",
        "DOMINO_TOKEN_FILE",
        "DOMINO_USER_API_KEY",
        "saved profile (domino login)",
    ]


def test_empty_strings_count_as_unset() -> None:
    auth = resolve_auth(
        api_proxy="",
        auth_token="",
        api_key="",
        environ={"DOMINO_API_PROXY": "", "DOMINO_USER_API_KEY": "env-key"},
    )
    assert isinstance(auth, ApiKeyAuth)


def test_resolve_auth_reads_os_environ_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_USER_API_KEY", "env-key")
    assert _apply(resolve_auth()).headers["X-Domino-Api-Key"] == "env-key"


def test_no_credentials_error_lists_providers_and_masked_variables() -> None:
    environ = {"DOMINO_API_HOST": "http://h:1", "DOMINO_USER_API_KEY": "", "OTHER": "x"}
    with pytest.raises(NoCredentialsError) as info:
        resolve_auth(environ=environ)
    message = str(info.value)
    assert message.startswith("Unable to authenticate: no authentication provided")
    for provider in authentication.PROVIDERS:
        assert provider.name in message
    assert "DOMINO_API_HOST=http://h:1" in message
    assert "DOMINO_USER_API_KEY=<empty>" in message
    assert "OTHER" not in message
    assert isinstance(info.value, RuntimeError)


def test_no_credentials_error_never_shows_a_secret_value() -> None:
    # a key in a variable the chain does not use is still masked in the listing
    environ = {"DOMINO_OTHER_API_KEY": "very-secret-value"}
    with pytest.raises(NoCredentialsError) as info:
        resolve_auth(environ=environ)
    assert "very-secret-value" not in str(info.value)
    assert "DOMINO_OTHER_API_KEY=<hidden, 17 chars>" in str(info.value)


# --------------------------------------------------------------------------- wire format


def test_api_key_is_sent_as_x_domino_api_key_header_only() -> None:
    r = _apply(ApiKeyAuth("abc"))
    assert r.headers["X-Domino-Api-Key"] == "abc"
    assert "Authorization" not in r.headers


def test_auth_token_is_sent_as_bearer() -> None:
    assert _apply(BearerTokenAuth("tok")).headers["Authorization"] == "Bearer tok"


def test_token_file_sends_first_line_stripped_of_trailing_whitespace(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("tok-1  \r\nsecond line\n")
    assert _apply(TokenFileAuth(path)).headers["Authorization"] == "Bearer tok-1"


def test_token_file_is_reread_on_every_request(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("first-token\n")
    session = requests.Session()
    session.auth = TokenFileAuth(path)
    with requests_mock.Mocker(session=session) as m:
        m.get("http://h/x", json={})
        session.get("http://h/x")
        path.write_text("rotated-token\n")
        session.get("http://h/x")
    seen = [req.headers["Authorization"] for req in m.request_history]
    assert seen == ["Bearer first-token", "Bearer rotated-token"]


def test_missing_token_file_fails_at_request_time_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "absent"
    auth = resolve_auth(domino_token_file=str(path))  # construction does not need the file
    with pytest.raises(TokenFileNotFoundError) as info:
        _apply(auth)
    assert isinstance(info.value, FileNotFoundError)
    assert str(path) in str(info.value)
    assert info.value.filename == str(path)


def test_empty_token_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "empty"
    path.write_text("\n")
    with pytest.raises(TokenFileError, match="is empty"):
        _apply(TokenFileAuth(path))


@pytest.mark.parametrize(
    ("proxy", "expected"),
    [
        ("localhost:8899", "http://localhost:8899"),
        ("http://10.0.0.1:8080", "http://10.0.0.1:8080"),
        ("https://proxy.internal:443", "https://proxy.internal:443"),
    ],
)
def test_proxy_value_is_normalised(proxy: str, expected: str) -> None:
    assert ProxyAuth(proxy).proxy == expected


def test_proxy_rewrites_origin_keeps_path_and_query_and_adds_no_auth_header() -> None:
    r = _apply(ProxyAuth("localhost:8899"), "https://domino.example.com/v4/jobs?projectId=1")
    assert r.url == "http://localhost:8899/v4/jobs?projectId=1"
    assert "Authorization" not in r.headers and "X-Domino-Api-Key" not in r.headers


@pytest.mark.parametrize(
    "proxy", ["localhost", "http://localhost", "localhost:80/path", "ftp://h:1", ":", "h:port"]
)
def test_bad_proxy_raises_invalid_proxy_error(proxy: str) -> None:
    with pytest.raises(InvalidProxyError, match="Bad proxy URL") as info:
        resolve_auth(api_proxy=proxy)
    assert isinstance(info.value, RuntimeError)


def test_bad_env_proxy_raises_even_when_a_key_is_also_set() -> None:
    with pytest.raises(InvalidProxyError):
        resolve_auth(environ={"DOMINO_API_PROXY": "nope", "DOMINO_USER_API_KEY": "k"})


# --------------------------------------------------------------------------- masking


def test_reprs_never_show_secrets(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("file-s3cr3t")
    auths = [ApiKeyAuth("key-s3cr3t"), BearerTokenAuth("token-s3cr3t"), TokenFileAuth(path)]
    _apply(auths[2])
    for auth in auths:
        text = repr(auth) + str(auth)
        assert "s3cr3t" not in text, text
    assert repr(auths[0]) == "ApiKeyAuth(api_key='<hidden, 10 chars>')"
    assert str(path) in repr(auths[2])


def test_auths_report_their_secrets_for_redaction(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("file-secret")
    file_auth = TokenFileAuth(path)
    assert file_auth.secrets() == ()
    _apply(file_auth)
    assert file_auth.secrets() == ("file-secret",)
    assert ApiKeyAuth("k").secrets() == ("k",)
    assert ProxyAuth("h:1").secrets() == ()


@pytest.mark.parametrize("make", [ApiKeyAuth, BearerTokenAuth])
def test_key_or_token_with_a_trailing_newline_is_sent_without_it(make: type) -> None:
    # e.g. api_key=open("key.txt").read(); http.client would refuse the header with a
    # ValueError that quotes the whole secret
    request = _apply(make("sekrit-123\n"))
    assert "sekrit-123\n" not in request.headers.values()
    assert any(value.endswith("sekrit-123") for value in request.headers.values())


@pytest.mark.parametrize("make", [ApiKeyAuth, BearerTokenAuth])
def test_key_or_token_with_an_inner_line_break_is_refused_without_quoting_it(make: type) -> None:
    with pytest.raises(NoCredentialsError, match="control character") as info:
        make("sekrit\r\nX-Injected: 1")
    assert "sekrit" not in str(info.value) and "Injected" not in str(info.value)


def test_token_file_with_a_control_character_is_refused_without_quoting_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "token"
    path.write_text("zq7\x00xv9\n")
    with pytest.raises(TokenFileError, match="control character") as info:
        _apply(TokenFileAuth(path))
    message = str(info.value).replace(str(path), "")
    assert "zq7" not in message and "xv9" not in message


def test_proxy_repr_hides_user_and_password() -> None:
    auth = ProxyAuth("http://bob:s3cr3t@proxy.local:8899")
    assert repr(auth) == "ProxyAuth(proxy='http://<hidden>@proxy.local:8899')"
    assert repr(ProxyAuth("localhost:8899")) == "ProxyAuth(proxy='http://localhost:8899')"
