"""What an HTTP failure says, as one line of text: the server's own message (from JSON, text or
HTML), the transport failure described for a person, and URLs and secrets made safe to show."""

from __future__ import annotations

import json as _json
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from urllib3.exceptions import NewConnectionError

__all__ = ["describe_transport", "redact", "safe_url", "server_message", "short_error"]

_MAX_MESSAGE = 500


class _HTMLText(HTMLParser):
    """Collects the visible text of an HTML error page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_to_text(html: str) -> str:
    parser = _HTMLText()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # a malformed page must not hide the HTTP error itself
        return " ".join(html.split())
    return " ".join(" ".join(parser.parts).split())


def _json_message(body: Any) -> str | None:
    if isinstance(body, str):
        return body
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "errorMessage", "errors"):
            if key in body and body[key] not in (None, "", [], {}):
                value = body[key]
                if isinstance(value, str):
                    return value
                if isinstance(value, dict):
                    nested = _json_message(value)
                    if nested:
                        return nested
                return _json.dumps(value, separators=(",", ":"), default=str)
        return _json.dumps(body, separators=(",", ":"), default=str)
    if isinstance(body, list) and body:
        return _json.dumps(body, separators=(",", ":"), default=str)
    return None


def server_message(response: requests.Response) -> str:
    """The server's explanation of an error response, as one short line of text."""
    try:
        text = response.text
    except Exception:
        return ""
    text = text.strip()
    if not text:
        return ""
    content_type = response.headers.get("Content-Type", "").lower()
    message: str | None = None
    if "json" in content_type or text[:1] in '{["':
        try:
            message = _json_message(_json.loads(text))
        except ValueError:
            message = None
    if message is None:
        if "html" in content_type or text[:1] == "<":
            message = _html_to_text(text)
        else:
            message = " ".join(text.split())
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 3] + "..."
    return message


def redact(text: str, auth: Any) -> str:
    """``text`` with every secret ``auth`` holds (see ``DominoAuth.secrets``) replaced."""
    secrets = getattr(auth, "secrets", None)
    if callable(secrets):
        for secret in secrets():
            if secret and secret in text:
                text = text.replace(secret, "<redacted>")
    return text


def short_error(error: Any) -> str:
    text = type(error).__name__ if error is not None else "?"
    return text if text not in ("ProtocolError",) else str(error)[:120]


def describe_transport(reason: BaseException) -> str:
    text = str(reason)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (
            "the server's TLS certificate could not be verified (point REQUESTS_CA_BUNDLE at "
            "your CA bundle, or set DOMINO_VERIFY_CERTIFICATE=false if you trust the network)"
        )
    if "WRONG_VERSION_NUMBER" in text or "wrong version number" in text:
        return "the server does not speak TLS on this port (use an http:// host?)"
    if isinstance(reason, NewConnectionError) or "Failed to establish" in text:
        if "refused" in text.lower():
            return "connection refused (is the server running and the host/port right?)"
        if "Name or service not known" in text or "nodename nor servname" in text:
            return "host name could not be resolved"
        return "could not connect: " + text.split(": ", 1)[-1]
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the server closed the connection without answering"
    if "ConnectTimeout" in type(reason).__name__ or "timed out" in text.lower():
        return "timed out while connecting"
    return text


def safe_url(url: str | None) -> str:
    """``url`` as shown in messages: no userinfo, and no ``//`` inside the path.

    The public client's wire format puts ``//`` in some paths (``files_list``'s default path,
    leading-slash file paths) and the request keeps it; a message shows the path a person
    would write.
    """
    if not url:
        return ""
    parts = urlsplit(url)
    # API keys travel in headers, so URLs carry no secret; drop any userinfo just in case.
    if "@" in parts.netloc:
        parts = parts._replace(netloc=parts.netloc.rsplit("@", 1)[1])
    if "//" in parts.path:
        parts = parts._replace(path=re.sub("/{2,}", "/", parts.path))
    return urlunsplit(parts)
