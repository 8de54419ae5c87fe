"""The streaming multipart reader behind the chunk endpoint, fed in awkward pieces."""

from __future__ import annotations

import os

import pytest
import urllib3

from domino.server._upload_multipart import FirstFilePart, MalformedMultipart


def _parse(body: bytes, boundary: bytes, piece: int) -> tuple[bytes, FirstFilePart]:
    out = bytearray()
    parser = FirstFilePart(boundary, out.extend)
    for i in range(0, len(body), piece):
        parser.feed(body[i : i + piece])
    parser.close()
    return bytes(out), parser


@pytest.mark.parametrize("piece", [1, 2, 7, 31, 64, 1000, 1 << 20])
def test_file_part_survives_any_read_size(piece: int) -> None:
    data = os.urandom(5000) + b"\r\n--almost-the-boundary\r\n" + os.urandom(100)
    body, content_type = urllib3.encode_multipart_formdata(
        [("note", "text first"), ("a/b c.txt", ("b c.txt", data, "application/octet-stream"))]
    )
    boundary = content_type.split("boundary=")[1].encode()
    got, parser = _parse(body, boundary, piece)
    assert got == data and parser.found and parser.complete


def test_only_the_first_file_part_is_taken() -> None:
    body, content_type = urllib3.encode_multipart_formdata(
        [("one", ("1.bin", b"first", "x/y")), ("two", ("2.bin", b"second", "x/y"))]
    )
    got, _ = _parse(body, content_type.split("boundary=")[1].encode(), 3)
    assert got == b"first"


def test_empty_file_part() -> None:
    body, content_type = urllib3.encode_multipart_formdata([("f", ("f", b"", "x/y"))])
    got, parser = _parse(body, content_type.split("boundary=")[1].encode(), 5)
    assert got == b"" and parser.found


def test_body_without_a_file_part_reports_none_found() -> None:
    body, content_type = urllib3.encode_multipart_formdata([("field", "value")])
    got, parser = _parse(body, content_type.split("boundary=")[1].encode(), 4)
    assert got == b"" and not parser.found


def test_truncated_body_is_malformed() -> None:
    body, content_type = urllib3.encode_multipart_formdata([("f", ("f", b"x" * 100, "x/y"))])
    parser = FirstFilePart(content_type.split("boundary=")[1].encode(), lambda _: None)
    parser.feed(body[:-30])
    with pytest.raises(MalformedMultipart):
        parser.close()


def test_preamble_before_the_first_boundary_is_ignored() -> None:
    body = (
        b"ignored preamble\r\n--XyZ\r\n"
        b'Content-Disposition: form-data; name="f"; filename="f"\r\n\r\n'
        b"payload\r\n--XyZ--\r\n"
    )
    got, _ = _parse(body, b"XyZ", 2)
    assert got == b"payload"
