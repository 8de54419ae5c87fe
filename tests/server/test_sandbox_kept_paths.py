"""The sandbox's private /tmp still shows the server's own Python when it lives under /tmp.

A CI clone or a throwaway venv under /tmp starts user code with that interpreter; a private /tmp
that hid it made every sandboxed job fail with "python: not found".
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from domino.server import launch


def _kept_with(monkeypatch: pytest.MonkeyPatch, prefix: Path) -> list[str]:
    monkeypatch.setattr(sys, "prefix", str(prefix))
    launch._kept.cache_clear()
    try:
        return launch._kept().splitlines()
    finally:
        launch._kept.cache_clear()


def test_a_venv_under_tmp_is_kept_visible(monkeypatch: pytest.MonkeyPatch) -> None:
    venv = Path("/tmp").resolve() / "some-clone" / ".venv"
    assert str(venv) in _kept_with(monkeypatch, venv)
    assert Path(launch._STAGE).is_dir()


def test_paths_outside_tmp_and_tmp_itself_are_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = Path("/tmp").resolve()
    kept = _kept_with(monkeypatch, Path("/opt/venv"))
    assert "/opt/venv" not in kept and str(tmp) not in kept
    assert all(Path(p).is_relative_to(tmp) for p in kept)


def test_a_path_inside_another_kept_path_is_listed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tmp = Path("/tmp").resolve()
    monkeypatch.setattr(sys, "base_prefix", str(tmp / "clone"))
    kept = _kept_with(monkeypatch, tmp / "clone" / ".venv")
    assert str(tmp / "clone") in kept and str(tmp / "clone" / ".venv") not in kept
