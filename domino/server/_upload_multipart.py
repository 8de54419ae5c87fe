"""Streaming extraction of the first file part of a ``multipart/form-data`` body.

A dataset chunk arrives as one file part whose field name is the file's relative path (§13.2).
Only the first part that carries a ``filename`` matters; other parts are skipped. Part data is
located with ``bytes.find`` on whole network reads, so the cost per request is a handful of
C-level scans rather than a Python-level state machine per byte, and nothing but a small
carry-over (shorter than the boundary) is ever held back in memory.
"""

from __future__ import annotations

from collections.abc import Callable

from python_multipart.multipart import parse_options_header

__all__ = ["FirstFilePart", "MalformedMultipart"]

_MAX_HEADER_BYTES = 16 * 1024


class MalformedMultipart(ValueError):
    """The body is not a well-formed multipart message."""


class FirstFilePart:
    """Feed network reads to :meth:`feed`; file data goes to ``write`` as memoryviews."""

    def __init__(self, boundary: bytes, write: Callable[[memoryview], None]) -> None:
        if not boundary or len(boundary) > 200:
            raise MalformedMultipart("missing or oversized multipart boundary")
        self._delimiter = b"\r\n--" + boundary
        self._write = write
        # A leading CRLF lets the first delimiter (which has none in front) match like the rest.
        self._buffer = bytearray(b"\r\n")
        self._state = "preamble"
        self._capturing = False
        self._carry = b""
        self.found = False
        self.complete = False

    def feed(self, piece: bytes) -> None:
        if self._state == "done" or not piece:
            return
        if self._state == "data":
            self._data(piece)
        else:
            self._buffer += piece
            self._advance()

    def close(self) -> None:
        """Called after the last read: a body cut short is an error."""
        if self._state != "done":
            raise MalformedMultipart("the body ended before its closing boundary")

    # ------------------------------------------------------------------ states

    def _advance(self) -> None:
        while self._state not in ("data", "done"):
            buf = self._buffer
            if self._state == "preamble":
                at = buf.find(self._delimiter)
                if at < 0:
                    keep = len(self._delimiter) - 1
                    if len(buf) > keep:
                        del buf[:-keep]
                    return
                del buf[: at + len(self._delimiter)]
                self._state = "after_delimiter"
            elif self._state == "after_delimiter":
                if len(buf) < 2:
                    return
                if buf[:2] == b"--":
                    self._state = "done"
                    return
                eol = buf.find(b"\r\n")
                if eol < 0:
                    if len(buf) > 256:
                        raise MalformedMultipart("garbage after a multipart boundary")
                    return
                if buf[:eol].strip(b" \t"):
                    raise MalformedMultipart("garbage after a multipart boundary")
                del buf[: eol + 2]
                self._state = "headers"
            elif self._state == "headers":
                if buf[:2] == b"\r\n":  # a part without headers
                    head, rest = b"", bytes(buf[2:])
                else:
                    end = buf.find(b"\r\n\r\n")
                    if end < 0:
                        if len(buf) > _MAX_HEADER_BYTES:
                            raise MalformedMultipart("multipart part headers are too long")
                        return
                    head, rest = bytes(buf[:end]), bytes(buf[end + 4 :])
                self._capturing = not self.found and _has_filename(head)
                self.found = self.found or self._capturing
                self._buffer = bytearray()
                self._carry = b""
                self._state = "data"
                self._data(rest)

    def _data(self, piece: bytes) -> None:
        data = self._carry + piece if self._carry else piece
        at = data.find(self._delimiter)
        view = memoryview(data)
        if at >= 0:
            if self._capturing:
                self._write(view[:at])
                self.complete = True
                self._capturing = False
                self._state = "done"
                return
            self._buffer = bytearray(view[at + len(self._delimiter) :])
            self._carry = b""
            self._state = "after_delimiter"
            self._advance()
            return
        keep = min(len(self._delimiter) - 1, len(data))
        if self._capturing and len(data) > keep:
            self._write(view[: len(data) - keep])
        self._carry = bytes(view[len(data) - keep :])


def _has_filename(head: bytes) -> bool:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-disposition":
            _, params = parse_options_header(value.strip())
            return b"filename" in params
    return False
