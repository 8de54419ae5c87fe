"""What the commands print: JSON for programs, aligned tables and short lines for people.

Rules: data goes to stdout, everything else (progress, status changes, hints) to stderr, so
``--json`` output can be piped into ``jq`` untouched.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import click

__all__ = ["Column", "emit_json", "emit_listing", "format_time", "info", "print_table", "warn"]


def emit_json(value: Any) -> None:
    """``value`` as indented JSON on stdout (keys in the order the server or command gave)."""
    click.echo(json.dumps(value, indent=2, default=str))


def info(message: str) -> None:
    """A line for the person at the terminal (stderr, never mixed into data)."""
    click.echo(message, err=True)


def warn(message: str) -> None:
    click.echo(click.style(message, fg="yellow"), err=True)


class Column:
    """A table column: a heading and how to get the cell text from a row."""

    def __init__(self, heading: str, get: str | Callable[[Any], Any]) -> None:
        self.heading = heading
        self._get = get

    def cell(self, row: Any) -> str:
        if callable(self._get):
            value = self._get(row)
        else:
            value = dig(row, self._get)
        return "" if value is None else printable(str(value))


def printable(text: str) -> str:
    """``text`` on one line, with control characters shown escaped (``\\n``, ``\\x1b``):
    a multi-line command broke a table row over several lines, and an escape sequence in a
    title could drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def dig(row: Any, path: str) -> Any:
    """``row["a"]["b"]`` for ``"a.b"``; ``None`` as soon as a level is missing."""
    value = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def print_table(rows: Iterable[Any], columns: Sequence[Column], *, empty: str = "") -> None:
    """Rows as a left-aligned table with a heading line; ``empty`` (to stderr) if none."""
    cells = [[c.cell(row) for c in columns] for row in rows]
    if not cells:
        if empty:
            info(empty)
        return
    headings = [c.heading for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headings)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    click.echo(line(headings))
    for row in cells:
        click.echo(line(row))


def format_time(epoch_ms: Any) -> str:
    """Epoch milliseconds as local ``YYYY-MM-DD HH:MM:SS``; ``""`` when absent."""
    if not isinstance(epoch_ms, int | float) or isinstance(epoch_ms, bool):
        return ""
    moment = _dt.datetime.fromtimestamp(epoch_ms / 1000.0)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def format_size(size: Any) -> str:
    """Bytes as ``512 B``, ``1.5 KiB``, ``3.0 MiB`` ..."""
    if not isinstance(size, int | float) or isinstance(size, bool):
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - unreachable


def emit_listing(
    as_json: bool,
    answer: Any,
    columns: Sequence[Column],
    *,
    empty: str,
    rows: Callable[[Any], Iterable[Any]] = lambda answer: answer,
) -> None:
    """A list command's output: with ``--json`` the API's ``answer`` as it came, else a table
    of ``rows(answer)`` (by default the answer itself)."""
    if as_json:
        emit_json(answer)
    else:
        print_table(rows(answer), columns, empty=empty)
