"""Run and job output as the program wrote it.

Domino may send a run's stdout wrapped in an HTML envelope: ``<pre style=...>`` ... ``</pre>``,
``<span class=...>`` colouring (``text-danger`` marks stderr) and HTML-escaped text inside.
:func:`is_envelope` is the one place that decides whether a log is wrapped that way; only then
are those tags removed and entities decoded. Anything else is plain text and stays byte for
byte, so a traceback's ``<module>``, ``a<b and c>d`` or a literal ``&amp;`` survive.
Every caller (``runs_stdout``, ``get_run_log``, ``process_log``, the output tail of
:class:`~domino.exceptions.RunFailedException`) goes through here.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

__all__ = ["OutputLine", "as_text", "is_envelope", "lines", "tail"]

#: how many trailing output lines a RunFailedException carries
TAIL_LINES = 20

_PRE_OPEN = re.compile(r"\A\s*<pre\b[^>]*>")
_PRE_CLOSE = re.compile(r"</pre>\s*\Z")
_SPAN_TAG = re.compile(r"</?span\b[^>]*>")
# the repr-escaped newline that older Domino versions left inside the envelope
_ESCAPED_NEWLINE = "'\\n'"


class OutputLine(NamedTuple):
    """One line of output; ``error`` when Domino marked it as stderr (``text-danger``)."""

    text: str
    error: bool


def is_envelope(raw: str) -> bool:
    """Whether ``raw`` is wrapped in Domino's ``<pre>`` envelope (the only HTML it sends)."""
    return _PRE_OPEN.match(raw) is not None or _PRE_CLOSE.search(raw) is not None


def _unwrap(fragment: str) -> str:
    text = _PRE_OPEN.sub("", fragment, count=1)
    text = _PRE_CLOSE.sub("", text)
    text = _SPAN_TAG.sub("", text)
    return html.unescape(text)


def as_text(raw: str) -> str:
    """The output as written: the envelope unwrapped if there is one, else ``raw`` unchanged."""
    if not is_envelope(raw):
        return raw
    return _unwrap(raw.replace(_ESCAPED_NEWLINE + "\n", "\n"))


def lines(raw: str) -> list[OutputLine]:
    """The non-blank lines of a log, unwrapped line by line when it is an envelope.

    Inside an envelope Domino's progress dots (a line of just ``.``) are dropped too.
    """
    wrapped = is_envelope(raw)
    kept: list[OutputLine] = []
    for line in raw.splitlines():
        if wrapped:
            error = "text-danger" in line
            if line.endswith(_ESCAPED_NEWLINE):
                line = line[: -len(_ESCAPED_NEWLINE)]
            line = _unwrap(line)
            if line.strip() == ".":
                continue
        else:
            error = False
        if line.strip():
            kept.append(OutputLine(line, error))
    return kept


def tail(raw: str, count: int = TAIL_LINES) -> str:
    """The last ``count`` non-blank lines of a log, as text."""
    return "\n".join(line.text for line in lines(raw)[-count:])
