"""Saved login profiles: location, permissions, selection, robustness (domino._profile)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from domino import _profile
from domino.authentication import ApiKeyAuth, resolve_auth
from domino.exceptions import InvalidSettingError, NoCredentialsError


def test_the_file_lives_under_xdg_config_home(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    assert _profile.credentials_path(env) == tmp_path / "domino" / "credentials"
    assert _profile.credentials_path({"XDG_CONFIG_HOME": "", "HOME": str(tmp_path)}) == (
        tmp_path / ".config" / "domino" / "credentials"
    )


def test_save_is_private_and_keeps_other_profiles(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    _profile.save(_profile.Profile("default", "http://a:1", "key-a"), env)
    path = _profile.save(_profile.Profile("ci", "http://b:2", "key-b"), env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _profile.load("default", env) == _profile.Profile("default", "http://a:1", "key-a")
    assert _profile.load(environ={**env, "DOMINO_PROFILE": "ci"}).host == "http://b:2"
    assert _profile.remove("ci", env) and not _profile.remove("ci", env)
    assert path.exists()  # "default" is still in it
    assert [p.name for p in path.parent.iterdir()] == ["credentials"]  # no temp files left


def test_a_broken_or_incomplete_file_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = _profile.credentials_path(env)
    path.parent.mkdir(parents=True)
    path.write_text("this is not [an ini file\n")
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _profile.load(environ=env) is None
    path.write_text("[default]\nhost = http://a:1\n")
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _profile.load(environ=env) is None
    assert "lacks a host or an api_key" in caplog.text


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_file_other_users_can_read_is_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = _profile.save(_profile.Profile("default", "http://a:1", "key-a"), env)
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="domino"):
        assert _profile.load(environ=env) is not None
    assert "chmod 600" in caplog.text and "key-a" not in caplog.text


@pytest.mark.parametrize("name", ["", "../x", "a b", "-x", "x" * 65])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidSettingError):
        _profile.check_name(name)


def test_the_profile_is_the_last_link_of_the_chain(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    _profile.save(_profile.Profile("default", "http://a:1", "saved"), env)
    assert isinstance(resolve_auth(environ=env, host="http://a:1"), ApiKeyAuth)
    assert resolve_auth(
        environ={**env, "DOMINO_USER_API_KEY": "env"}, host="http://a:1"
    ).secrets() == ("env",)
    with pytest.raises(NoCredentialsError):
        resolve_auth(environ=env, host="http://other:1")
