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

import ast
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


_RESULT_COMMENT = re.compile(r"^(?P<indent>\s*)(?P<code>\S.*?)\s+#\s*(?P<comment>\S.*?)\s*$")


def _literal(text: str) -> tuple[bool, object]:
    """(True, value) when ``text`` is a Python literal without ``...`` (a shown result)."""
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False, None
    if any(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(tree)):
        return False, None
    try:
        return True, ast.literal_eval(tree)
    except ValueError:
        return False, None


def with_result_checks(code: str) -> str:
    """Make ``expr  # <literal>`` lines (and ``print(expr)  # <literal>``) assert the result.

    A comment that is a whole Python literal (``# 2``, ``# [1, 2]``, ``# {'sum': 5}``) is a
    claim about the value of the expression on its line; comments with ``...`` or words stay
    comments. Line numbers are kept, so failures still point into README.adoc.
    """
    out = []
    for line in code.splitlines():
        found = _RESULT_COMMENT.match(line)
        if found:
            is_literal, _ = _literal(found["comment"])
            expr = found["code"]
            call = re.fullmatch(r"print\((.*)\)", expr)
            expr = call.group(1) if call else expr
            try:
                ast.parse(expr, mode="eval")
                is_expression = not line.startswith((" ", "\t"))  # not a continuation line
            except SyntaxError:
                is_expression = False
            if is_literal and is_expression:
                line = f"{found['indent']}__readme_shows__(({expr}), ({found['comment']}))"
        out.append(line)
    return "\n".join(out) + "\n"


def _readme_shows(value: object, shown: object) -> None:
    assert value == shown, f"the README shows {shown!r}, the code gives {value!r}"


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
    namespace: dict[str, object] = {"__name__": "__readme__", "__readme_shows__": _readme_shows}
    for block in SECTIONS[section]:
        # Padding with newlines makes tracebacks name the README's own line numbers.
        source = "\n" * (block.line - 1) + with_result_checks(block.code)
        code = compile(source, str(README), "exec")
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


def test_a_result_shown_in_a_comment_is_checked() -> None:
    code = with_result_checks(
        "x = 2\n"
        "x + 1   # 3\n"
        "print([x])   # [2]\n"
        "x   # 'two', ...\n"
        "x   # the answer\n"
        "f(a,\n"
        "  b)   # 4\n"
    )
    assert code.splitlines() == [
        "x = 2",
        "__readme_shows__((x + 1), (3))",
        "__readme_shows__(([x]), ([2]))",
        "x   # 'two', ...",
        "x   # the answer",
        "f(a,",
        "  b)   # 4",
    ]
    namespace: dict[str, object] = {"__readme_shows__": _readme_shows}
    exec(compile("x = 2\n__readme_shows__((x + 1), (3))\n", "t", "exec"), namespace)  # noqa: S102
    with pytest.raises(AssertionError, match="the README shows 4"):
        exec(compile("__readme_shows__((1 + 1), (4))\n", "t", "exec"), namespace)  # noqa: S102
