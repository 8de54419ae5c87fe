"""Public helpers: clean_host_url and domino_is_reachable."""

from __future__ import annotations

import logging
import socket

import pytest

from domino.exceptions import InvalidSettingError, MissingHostError
from domino.helpers import clean_host_url, domino_is_reachable


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost:8080/domino", "http://localhost:8080"),
        ("https://domino.example.com/", "https://domino.example.com"),
        ("https://domino.example.com?x=1#f", "https://domino.example.com"),
        ("HTTPS://Domino.Example.com:8443", "https://Domino.Example.com:8443"),
        ("  http://127.0.0.1:8899  ", "http://127.0.0.1:8899"),
    ],
)
def test_clean_host_url_keeps_scheme_and_netloc_only(url: str, expected: str) -> None:
    assert clean_host_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("domino.example.com", "https://domino.example.com"),
        ("localhost:8080", "https://localhost:8080"),
        ("domino.example.com/path", "https://domino.example.com"),
    ],
)
def test_scheme_less_hosts_are_taken_as_https(url: str, expected: str) -> None:
    assert clean_host_url(url) == expected


def test_dropping_a_path_prefix_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="domino"):
        clean_host_url("http://localhost:8080/domino")
    assert "ignoring the path '/domino'" in caplog.text


@pytest.mark.parametrize("url", ["", "   "])
def test_empty_host_is_missing_host_error(url: str) -> None:
    with pytest.raises(MissingHostError) as info:
        clean_host_url(url)
    assert isinstance(info.value, AssertionError)
    assert "DOMINO_API_HOST" in str(info.value)


@pytest.mark.parametrize("url", ["ftp://domino.example.com", "http://", "http://h:notaport"])
def test_unusable_hosts_raise_invalid_setting_error_naming_the_value(url: str) -> None:
    with pytest.raises(InvalidSettingError) as info:
        clean_host_url(url)
    assert repr(url) in str(info.value)


@pytest.fixture()
def listener() -> object:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server
    server.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return int(port)


def test_reachable_when_a_listener_accepts(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    assert domino_is_reachable(f"http://127.0.0.1:{port}") is True
    assert domino_is_reachable("http://127.0.0.1", port=str(port)) is True
    assert domino_is_reachable("http://127.0.0.1:1", port=port) is True  # port argument wins


def test_unreachable_returns_false_and_logs_instead_of_printing(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    with caplog.at_level(logging.INFO, logger="domino"):
        assert domino_is_reachable(f"http://127.0.0.1:{port}") is False
    assert f"127.0.0.1:{port} is not reachable" in caplog.text
    assert capsys.readouterr().out == ""


def test_no_url_and_no_env_is_not_reachable() -> None:
    assert domino_is_reachable() is False


def test_url_defaults_to_domino_api_host_read_at_call_time(
    monkeypatch: pytest.MonkeyPatch, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    monkeypatch.setenv("DOMINO_API_HOST", f"http://127.0.0.1:{port}")
    assert domino_is_reachable() is True


def test_invalid_port_is_not_reachable() -> None:
    assert domino_is_reachable("http://127.0.0.1", port="https") is False


def test_user_and_password_in_the_host_url_are_dropped_unseen(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert clean_host_url("https://bob:s3cr3t@domino.example.com/x") == (
            "https://domino.example.com"
        )
    assert "user name/password" in caplog.text
    assert "s3cr3t" not in caplog.text and "bob" not in caplog.text
    with pytest.raises(InvalidSettingError) as info:
        clean_host_url("https://bob:s3cr3t@domino.example.com:badport")
    assert "s3cr3t" not in str(info.value)
