"""Every ``[source,python]`` block of README.adoc runs, as written, against a live domino-server.

The convention (TEAM.md, item 6) that README authors write to:

* a block whose attribute line is exactly ``[source,python]`` is executed; anything else
  (``[source,python,role=no-test]``, ``[source,shell]``, a bare ``----`` listing) is not;
* each level-2 section (``== Title``) is one namespace: its blocks run in order, sharing
  globals, in a fresh temporary working directory;
* ``DOMINO_API_HOST`` and ``DOMINO_USER_API_KEY`` are those of the server's admin user
  (``admin``, whose project ``admin/quick-start`` exists), so ``Domino("admin/quick-start")``
  needs no host or key. Users ``bob`` and ``carol`` exist too, as a reader's own server has
  them after ``domino-server add-user bob`` (the README says so where it uses them).

The server is this module's own (a fresh data directory), so names a section creates cannot
clash with other tests. A failing block is reported by section title and README line, with the
traceback's lines pointing into README.adoc itself.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from domino.testing import LocalServer

README = Path(__file__).resolve().parents[2] / "README.adoc"
EXTRA_USERS = ("bob", "carol")
_SECTION = re.compile(r"^== (?!=)(.+?)\s*$")


@dataclass
class Block:
    section: str
    line: int  # 1-based README line of the block's first code line
    code: str


def python_blocks(text: str) -> list[Block]:
    """Every ``[source,python]`` block, with its level-2 section and first code line."""
    blocks: list[Block] = []
    lines = text.splitlines()
    section = "(before the first section)"
    i = 0
    while i < len(lines):
        heading = _SECTION.match(lines[i])
        if heading:
            section = heading.group(1)
        if lines[i].strip() == "[source,python]":
            start = i + 1
            if start >= len(lines) or not re.fullmatch(r"-{4,}", lines[start].strip()):
                raise AssertionError(
                    f"README.adoc line {i + 1}: [source,python] is not followed by a ---- line"
                )
            fence = lines[start].strip()
            end = start + 1
            while end < len(lines) and lines[end].strip() != fence:
                end += 1
            if end >= len(lines):
                raise AssertionError(f"README.adoc line {start + 1}: listing never closed")
            blocks.append(Block(section, start + 2, "\n".join(lines[start + 1 : end]) + "\n"))
            i = end
        i += 1
    return blocks


def _sections() -> dict[str, list[Block]]:
    grouped: dict[str, list[Block]] = {}
    for block in python_blocks(README.read_text(encoding="utf-8")):
        grouped.setdefault(block.section, []).append(block)
    return grouped


SECTIONS = _sections()


@pytest.fixture(scope="module")
def readme_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        for name in EXTRA_USERS:
            server.add_user(name)
        yield server


def test_the_readme_has_python_examples() -> None:
    assert sum(len(blocks) for blocks in SECTIONS.values()) >= 5


def test_block_extraction_follows_the_convention() -> None:
    text = "\n".join(
        [
            "= Doc",
            "== One",
            "[source,python]",
            "----",
            "x = 1",
            "----",
            "=== Sub",
            "[source,python,role=no-test]",
            "----",
            "raise SystemExit('not run')",
            "----",
            "[source,python]",
            "----",
            "y = x + 1",
            "----",
            "== Two",
            "[source,shell]",
            "----",
            "make test",
            "----",
        ]
    )
    blocks = python_blocks(text)
    assert [(b.section, b.line, b.code) for b in blocks] == [
        ("One", 5, "x = 1\n"),
        ("One", 14, "y = x + 1\n"),
    ]


@pytest.mark.parametrize("section", list(SECTIONS))
def test_readme_section_runs_as_written(
    section: str,
    readme_server: LocalServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DOMINO_API_HOST", readme_server.url)
    monkeypatch.setenv("DOMINO_USER_API_KEY", readme_server.api_key)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    for block in SECTIONS[section]:
        # Padding with newlines makes tracebacks name the README's own line numbers.
        code = compile("\n" * (block.line - 1) + block.code, str(README), "exec")
        try:
            exec(code, namespace)  # noqa: S102 - the README's own examples
        except BaseException as exc:  # noqa: BLE001 - reported with the README line
            where = traceback.extract_tb(exc.__traceback__)
            readme_lines = [f.lineno for f in where if f.filename == str(README)]
            at = f", failing at line {readme_lines[-1]}" if readme_lines else ""
            pytest.fail(
                f"README.adoc section {section!r}: the [source,python] block starting at line "
                f"{block.line}{at} raised {type(exc).__name__}: {exc}\n\n"
                + "".join(traceback.format_exception(exc)[-6:]),
                pytrace=False,
            )
