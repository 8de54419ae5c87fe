"""DOMINO_* settings: one table, strict parsing, masking, logging configuration."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from domino import _config
from domino.exceptions import InvalidSettingError


def test_every_setting_is_declared_once_with_a_doc_line() -> None:
    names = [s.env for s in _config.SETTINGS]
    assert len(names) == len(set(names))
    assert {
        "DOMINO_API_HOST",
        "DOMINO_USER_API_KEY",
        "DOMINO_TOKEN_FILE",
        "DOMINO_API_PROXY",
        "DOMINO_LOG_LEVEL",
        "DOMINO_VERIFY_CERTIFICATE",
        "DOMINO_MAX_RETRIES",
        "DOMINO_HTTP_TIMEOUT",
    } <= set(names)
    assert all(s.doc and "\n" not in s.doc for s in _config.SETTINGS)
    assert [s.env for s in _config.SETTINGS if s.secret] == ["DOMINO_USER_API_KEY"]


def test_settings_table_renders_every_variable_for_the_readme() -> None:
    table = _config.settings_table()
    for s in _config.SETTINGS:
        assert f"|{s.env} |" in table
    assert table.startswith("[cols=") and table.endswith("|===")


def test_read_treats_empty_string_as_unset_and_falls_back_to_default() -> None:
    assert _config.read("DOMINO_API_HOST", {"DOMINO_API_HOST": ""}) is None
    assert _config.read("DOMINO_MAX_RETRIES", {"DOMINO_MAX_RETRIES": ""}) == "4"
    assert _config.read("DOMINO_API_HOST", {"DOMINO_API_HOST": "http://h"}) == "http://h"


def test_read_uses_os_environ_when_no_mapping_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMINO_API_HOST", "http://from-env")
    assert _config.read("DOMINO_API_HOST") == "http://from-env"


def test_the_autouse_fixture_cleared_developer_variables() -> None:
    assert not [k for k in os.environ if k.startswith("DOMINO_")]


def test_seen_variables_masks_secrets_and_lists_only_domino_names() -> None:
    env = {
        "DOMINO_USER_API_KEY": "abcdef123456",
        "DOMINO_API_HOST": "http://h:1",
        "DOMINO_FUTURE_TOKEN": "tok-secret",
        "DOMINO_TOKEN_FILE": "",
        "HOME": "/root",
    }
    seen = _config.seen_variables(env)
    assert set(seen) == {
        "DOMINO_USER_API_KEY",
        "DOMINO_API_HOST",
        "DOMINO_FUTURE_TOKEN",
        "DOMINO_TOKEN_FILE",
    }
    assert "abcdef123456" not in repr(seen) and "tok-secret" not in repr(seen)
    assert seen["DOMINO_USER_API_KEY"] == "<hidden, 12 chars>"
    assert seen["DOMINO_API_HOST"] == "http://h:1"
    assert seen["DOMINO_TOKEN_FILE"] == "<empty>"


@pytest.mark.parametrize("value", ["false", "FALSE", "False", "f", "N", "no", "0", "off", " Off "])
def test_verify_certificate_false_spellings_turn_checks_off_with_a_warning(
    value: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _config.verify_certificate({"DOMINO_VERIFY_CERTIFICATE": value}) is False
    assert "verification is OFF" in caplog.text


@pytest.mark.parametrize("value", [None, "", "true", "True", "yes", "1", "on", "Y"])
def test_verify_certificate_stays_on_by_default_and_for_true_spellings(
    value: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    env = {} if value is None else {"DOMINO_VERIFY_CERTIFICATE": value}
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _config.verify_certificate(env) is True
    assert caplog.text == ""


def test_verify_certificate_rejects_unrecognised_values_by_name() -> None:
    with pytest.raises(InvalidSettingError, match="DOMINO_VERIFY_CERTIFICATE='maybe'"):
        _config.verify_certificate({"DOMINO_VERIFY_CERTIFICATE": "maybe"})


@pytest.mark.parametrize(("value", "expected"), [(None, 4), ("", 4), ("0", 0), (" 7 ", 7)])
def test_max_retries_parses_ints_with_default_four(value: str | None, expected: int) -> None:
    env = {} if value is None else {"DOMINO_MAX_RETRIES": value}
    assert _config.max_retries(env) == expected


@pytest.mark.parametrize("value", ["three", "2.5", "-1"])
def test_max_retries_rejects_bad_values_naming_them(value: str) -> None:
    with pytest.raises(InvalidSettingError, match=f"DOMINO_MAX_RETRIES='{value}'"):
        _config.max_retries({"DOMINO_MAX_RETRIES": value})


def test_invalid_setting_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        _config.max_retries({"DOMINO_MAX_RETRIES": "x"})


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, (10.0, 60.0)), ("30", (30.0, 30.0)), ("5,60", (5.0, 60.0)), (" 0.5 , 2 ", (0.5, 2.0))],
)
def test_http_timeout_parses_one_value_or_connect_read_pair(
    value: str | None, expected: tuple[float, float]
) -> None:
    env = {} if value is None else {"DOMINO_HTTP_TIMEOUT": value}
    assert _config.default_timeout(env) == expected


@pytest.mark.parametrize("value", ["soon", "1,2,3", "0", "-5", "5,0", "nan", "inf", "5,"])
def test_http_timeout_rejects_unusable_values(value: str) -> None:
    with pytest.raises(InvalidSettingError, match="DOMINO_HTTP_TIMEOUT"):
        _config.default_timeout({"DOMINO_HTTP_TIMEOUT": value})


@pytest.fixture()
def domino_logger_level() -> object:
    log = logging.getLogger("domino")
    saved = log.level
    yield log
    log.setLevel(saved)


def test_configure_logging_sets_only_the_domino_logger(domino_logger_level: object) -> None:
    root_before = logging.getLogger().level
    handlers_before = list(logging.getLogger().handlers)
    _config.configure_logging({"DOMINO_LOG_LEVEL": "debug"})
    assert logging.getLogger("domino").level == logging.DEBUG
    assert logging.getLogger().level == root_before
    assert logging.getLogger().handlers == handlers_before


def test_configure_logging_accepts_numeric_levels(domino_logger_level: object) -> None:
    _config.configure_logging({"DOMINO_LOG_LEVEL": "30"})
    assert logging.getLogger("domino").level == 30


def test_configure_logging_ignores_invalid_level_with_a_warning(
    domino_logger_level: object, caplog: pytest.LogCaptureFixture
) -> None:
    logging.getLogger("domino").setLevel(logging.INFO)
    with caplog.at_level(logging.WARNING, logger="domino"):
        _config.configure_logging({"DOMINO_LOG_LEVEL": "LOUD"})
    assert logging.getLogger("domino").level == logging.INFO
    assert "ignoring DOMINO_LOG_LEVEL='LOUD'" in caplog.text


def test_configure_logging_leaves_level_alone_when_unset(domino_logger_level: object) -> None:
    logging.getLogger("domino").setLevel(logging.ERROR)
    _config.configure_logging({})
    assert logging.getLogger("domino").level == logging.ERROR


def test_readme_settings_table_is_the_generated_one() -> None:
    readme = (Path(__file__).parents[2] / "README.adoc").read_text(encoding="utf-8")
    assert _config.settings_table() in readme, (
        "README.adoc's environment-variable table is stale; regenerate it with "
        "python -c 'from domino._config import settings_table; print(settings_table())'"
    )
