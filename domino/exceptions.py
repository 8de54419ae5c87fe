"""Every exception the client raises, in one tree.

::

    DominoException
    ├── ReloginRequiredException            HTTP 409 ("log in again"); *not* a requests error,
    │                                       so loops that tolerate RequestException never hide it
    ├── DominoHTTPError (+ requests.HTTPError)
    │   ├── BadRequestError                 400
    │   ├── UnauthorizedError               401
    │   ├── ForbiddenError                  403
    │   ├── NotFoundError                   404
    │   ├── RateLimitedError                429
    │   └── ServerError                     5xx
    ├── DominoConnectionError (+ requests.ConnectionError)   could not connect / connection dropped
    ├── DominoTimeoutError (+ requests.ReadTimeout, TimeoutError)   server too slow to answer
    ├── InvalidResponseError (+ requests.InvalidJSONError, ValueError)   2xx body is not JSON
    ├── UnexpectedResponseError (+ KeyError)   2xx JSON lacks a field the client needs
    ├── InvalidArgumentError (+ ValueError)   an argument has an unusable value
    ├── ConfigurationError
    │   ├── MissingHostError (+ AssertionError)        no host argument and no DOMINO_API_HOST
    │   ├── InvalidProjectError (+ ValueError)         project string is not "owner/name"
    │   ├── InvalidProxyError (+ RuntimeError)         DOMINO_API_PROXY / api_proxy malformed
    │   ├── NoCredentialsError (+ RuntimeError)        nothing in the credential chain matched
    │   ├── InvalidSettingError (+ ValueError)         a DOMINO_* variable has a bad value
    │   └── TokenFileError (+ OSError)                 token file unreadable or empty
    │       └── TokenFileNotFoundError (+ FileNotFoundError)
    ├── UnsupportedDominoVersionError      deployment older than the client needs
    ├── PollTimeoutError (+ TimeoutError, polling2.TimeoutException)
    ├── PollRetriesExceededError           too many consecutive failed status polls
    ├── RunFailedException                 a waited-on run/job ended in a non-Succeeded status
    ├── DatasetUploadError (+ RuntimeError)
    └── the public client's names: ProjectNotFoundException, UserNotFoundException,
        DatasetExistsException, DatasetNotFoundException, HardwareTierNotFoundException,
        EnvironmentNotFoundException, CommitNotFoundException, RunNotFoundException,
        OnDemandSparkClusterNotSupportedException, ExternalVolumeMountsNotSupportedException,
        UnsupportedFieldException, MalformedInputException (+ ValueError),
        MissingRequiredFieldException, UnsupportedOperationException

    WaitInterrupted (+ KeyboardInterrupt)   Ctrl-C during a ``*_blocking`` wait; outside the
                                            tree so ``except DominoException`` never eats Ctrl-C

Where the public ``dominodatalab`` client raised a builtin (``AssertionError``, ``ValueError``,
``RuntimeError``, ``requests.HTTPError``, ``polling2.TimeoutException``) the exception here also
subclasses that type, so existing ``except`` clauses keep working.

Messages never contain API keys or tokens.
"""

from __future__ import annotations

from typing import Any

import polling2
import requests

__all__ = [
    "BadRequestError",
    "CommitNotFoundException",
    "ConfigurationError",
    "DatasetExistsException",
    "DatasetNotFoundException",
    "DatasetUploadError",
    "DominoConnectionError",
    "DominoException",
    "DominoHTTPError",
    "DominoTimeoutError",
    "EnvironmentNotFoundException",
    "ExternalVolumeMountsNotSupportedException",
    "ForbiddenError",
    "HardwareTierNotFoundException",
    "InvalidArgumentError",
    "InvalidProjectError",
    "InvalidProxyError",
    "InvalidResponseError",
    "InvalidSettingError",
    "MalformedInputException",
    "MissingHostError",
    "MissingRequiredFieldException",
    "NoCredentialsError",
    "NotFoundError",
    "OnDemandSparkClusterNotSupportedException",
    "PollRetriesExceededError",
    "PollTimeoutError",
    "ProjectNotFoundException",
    "RateLimitedError",
    "ReloginRequiredException",
    "RunFailedException",
    "RunNotFoundException",
    "ServerError",
    "TokenFileError",
    "TokenFileNotFoundError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "UnsupportedDominoVersionError",
    "UnsupportedFieldException",
    "UnsupportedOperationException",
    "UserNotFoundException",
    "WaitInterrupted",
    "exception_for_status",
]


class DominoException(Exception):
    """Base class of every exception raised by this library."""


# --------------------------------------------------------------------------- HTTP status errors


class _HTTPDetails:
    """Mixin holding what went wrong on the wire (never any credential)."""

    status_code: int | None
    method: str | None
    url: str | None
    server_message: str | None

    def _set_details(
        self,
        status_code: int | None,
        method: str | None,
        url: str | None,
        server_message: str | None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = url
        self.server_message = server_message


class DominoHTTPError(_HTTPDetails, DominoException, requests.HTTPError):
    """The server answered with an error status.

    Also a :class:`requests.HTTPError`, which is what the public client let through.
    ``response`` and ``request`` are the ``requests`` objects, as on any ``HTTPError``.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        method: str | None = None,
        url: str | None = None,
        server_message: str | None = None,
        response: requests.Response | None = None,
        request: Any = None,
    ) -> None:
        requests.HTTPError.__init__(self, message, response=response, request=request)
        self._set_details(status_code, method, url, server_message)

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class BadRequestError(DominoHTTPError):
    """HTTP 400: the server rejected the request's content."""


class UnauthorizedError(DominoHTTPError):
    """HTTP 401: missing or invalid credentials."""


class ForbiddenError(DominoHTTPError):
    """HTTP 403: the credentials are valid but not allowed to do this."""


class NotFoundError(DominoHTTPError):
    """HTTP 404."""


class RateLimitedError(DominoHTTPError):
    """HTTP 429: too many requests (after retries were exhausted)."""


class ServerError(DominoHTTPError):
    """HTTP 5xx (after retries were exhausted, where retrying was safe)."""


class ReloginRequiredException(_HTTPDetails, DominoException):
    """HTTP 409: Domino's temporary credentials expired; log in again.

    Deliberately *not* a ``requests`` exception (as in the public client), so that code which
    tolerates transient ``RequestException`` errors does not silently swallow it.
    """

    def __init__(
        self,
        message: str = "Temporary credentials expired",
        *,
        status_code: int | None = 409,
        method: str | None = None,
        url: str | None = None,
        server_message: str | None = None,
        response: requests.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.response = response
        self._set_details(status_code, method, url, server_message)


_STATUS_CLASSES: dict[int, type[DominoHTTPError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    429: RateLimitedError,
}


def exception_for_status(status_code: int) -> type[DominoHTTPError]:
    """The exception class for an error status other than 409."""
    if status_code in _STATUS_CLASSES:
        return _STATUS_CLASSES[status_code]
    if status_code >= 500:
        return ServerError
    return DominoHTTPError


class DominoConnectionError(DominoException, requests.ConnectionError):
    """The server could not be reached, or it dropped the connection (after any safe retries).

    Also the :class:`requests.ConnectionError` that the public client let through.
    """


class DominoTimeoutError(DominoException, requests.ReadTimeout, TimeoutError):
    """The server did not answer within the read timeout (after any safe retries)."""


class InvalidResponseError(DominoException, requests.exceptions.InvalidJSONError, ValueError):
    """A successful response did not carry the JSON body the client expected."""


class UnexpectedResponseError(DominoException, KeyError):
    """A successful JSON answer lacks a field the client needs, or has the wrong shape.

    Also a :class:`KeyError`, which is what the public client raised when it indexed such an
    answer. Deliberately not a ``requests`` error: waiting loops that tolerate transient
    ``RequestException`` must not keep polling an answer that will never make sense.
    """

    def __str__(self) -> str:
        # KeyError.__str__ would quote the message as if it were a dictionary key
        return str(self.args[0]) if self.args else ""


# --------------------------------------------------------------------------- configuration


class ConfigurationError(DominoException):
    """The client was set up with missing or malformed settings."""


class MissingHostError(ConfigurationError, AssertionError):
    """No host argument and no ``DOMINO_API_HOST`` (the public client used ``assert``)."""


class InvalidProjectError(ConfigurationError, ValueError):
    """The project string is not of the form ``owner/project``."""


class InvalidProxyError(ConfigurationError, RuntimeError):
    """The API proxy address does not end in ``host:port``."""


class NoCredentialsError(ConfigurationError, RuntimeError):
    """No credential provider in the chain found anything to authenticate with."""


class InvalidSettingError(ConfigurationError, ValueError):
    """A ``DOMINO_*`` environment variable or client setting has an unusable value."""


class InvalidArgumentError(DominoException, ValueError):
    """A method argument has an unusable value, or two arguments conflict.

    A ``ValueError``, which is what the public client raised in these cases.
    """


class UnsupportedDominoVersionError(DominoException):
    """The Domino deployment is older than the feature (or this client) requires."""


class TokenFileError(ConfigurationError, OSError):
    """The token file (``domino_token_file`` / ``DOMINO_TOKEN_FILE``) is unreadable or empty."""


class TokenFileNotFoundError(TokenFileError, FileNotFoundError):
    """The token file does not exist (the public client raised ``FileNotFoundError``)."""


# --------------------------------------------------------------------------- waiting


class PollTimeoutError(DominoException, TimeoutError, polling2.TimeoutException):
    """A ``*_blocking`` wait ran past its deadline.

    A :class:`TimeoutError`, and also the ``polling2.TimeoutException`` that the public
    client's ``job_start_blocking`` raised.
    """

    def __init__(self, message: str, *, last: Any = None) -> None:
        Exception.__init__(self, message)
        self.values: Any = None
        self.last = last

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PollRetriesExceededError(DominoException):
    """Too many consecutive status polls failed with transient errors."""


class RunFailedException(DominoException):
    """A run or job that was waited on ended in a status other than ``Succeeded``."""

    def __init__(
        self,
        message: str,
        *,
        run_id: str | None = None,
        status: str | None = None,
        output_tail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.status = status
        self.output_tail = output_tail


class WaitInterrupted(KeyboardInterrupt):
    """Ctrl-C while a ``*_blocking`` method waited: the run or job is still going on Domino.

    Still a :class:`KeyboardInterrupt` (so it stops the program as before); the message names
    the execution and how to stop it, and ``kind``, ``execution_id`` and ``project`` say it
    to programs.
    """

    def __init__(self, kind: str, execution_id: str, project: str) -> None:
        super().__init__(
            f"interrupted while waiting: {kind} {execution_id} of project {project} is still "
            f"running on Domino; stop it with job_stop({execution_id!r}) or "
            f"`domino job stop {execution_id} --project {project}`"
        )
        self.kind = kind
        self.execution_id = execution_id
        self.project = project


class RunNotFoundException(DominoException):
    """A run id is not (yet) visible on the server."""


class DatasetUploadError(DominoException, RuntimeError):
    """A dataset upload could not complete.

    Usually the upload session was cancelled. When the server could not be reached (network
    errors, timeouts, 5xx past the retry deadline), ``resumable`` is ``True``: the session and
    the resume state were kept, and calling the same upload again sends only what is missing.
    """

    resumable: bool = False


# --------------------------------------------------------------------------- public client names


class ProjectNotFoundException(DominoException):
    """The ``owner/project`` could not be found."""


class UserNotFoundException(DominoException):
    """No user matches the given user name or email."""


class DatasetExistsException(DominoException):
    """A dataset of that name already exists in the project."""


class DatasetNotFoundException(DominoException):
    """No dataset with that id in the project."""


class HardwareTierNotFoundException(DominoException):
    """The hardware tier id or name is unknown (or the name is ambiguous)."""


class EnvironmentNotFoundException(DominoException):
    """The compute environment id is not usable in the project."""


class CommitNotFoundException(DominoException):
    """The commit id is not among the project's commits."""


class OnDemandSparkClusterNotSupportedException(DominoException):
    """On-demand Spark needs Domino 4.2.0 or newer."""


class ExternalVolumeMountsNotSupportedException(DominoException):
    """External volume mounts need Domino 4.3.3 or newer."""


class UnsupportedFieldException(DominoException):
    """A field is not supported by this Domino version."""


class MalformedInputException(DominoException, ValueError):
    """An argument is malformed (bad spark settings, cluster type, blob path, ...)."""


class MissingRequiredFieldException(DominoException):
    """A required field is missing from compute-cluster or spark properties."""


class UnsupportedOperationException(DominoException):
    """The operation is not supported."""
