"""The exit-code contract of the ``domino`` command line, and the mapping from exceptions.

=====  ==========================================================
code   meaning
=====  ==========================================================
0      success
1      the job or run ended Failed, Error or Stopped (or an unexpected error)
2      usage error or bad input (a bad option, a malformed value, a missing local file)
3      timeout: the job did not finish within ``--timeout`` (it is still running)
4      authentication or permission (no/invalid credentials, HTTP 401/403, re-login needed)
5      not found (project, job, dataset, file, user, hardware tier, environment, commit)
6      server or network failure after retries (5xx, 429, connection lost, odd answers)
130    interrupted (Ctrl-C)
=====  ==========================================================

:func:`exit_code_for` is shared with the ``domino pipeline`` commands. It needs no click.
"""

from __future__ import annotations

import requests

from domino import exceptions as ex

__all__ = [
    "AUTH",
    "FAILED",
    "INTERRUPTED",
    "NOT_FOUND",
    "OK",
    "SERVER",
    "TIMEOUT",
    "USAGE",
    "exit_code_for",
]

OK = 0
FAILED = 1
USAGE = 2
TIMEOUT = 3
AUTH = 4
NOT_FOUND = 5
SERVER = 6
INTERRUPTED = 130

# First match wins: the order puts specific classes before the builtins they also subclass
# (TokenFileNotFoundError is a FileNotFoundError, InvalidResponseError a ValueError, ...).
_TABLE: tuple[tuple[tuple[type[BaseException], ...], int], ...] = (
    ((KeyboardInterrupt,), INTERRUPTED),
    ((ex.RunFailedException,), FAILED),
    ((ex.PollTimeoutError,), TIMEOUT),
    (
        (
            ex.UnauthorizedError,
            ex.ForbiddenError,
            ex.NoCredentialsError,
            ex.ReloginRequiredException,
            ex.TokenFileError,
            ex.InvalidProxyError,
        ),
        AUTH,
    ),
    (
        (
            ex.NotFoundError,
            ex.ProjectNotFoundException,
            ex.DatasetNotFoundException,
            ex.UserNotFoundException,
            ex.HardwareTierNotFoundException,
            ex.EnvironmentNotFoundException,
            ex.CommitNotFoundException,
            ex.RunNotFoundException,
        ),
        NOT_FOUND,
    ),
    (
        (
            ex.ServerError,
            ex.RateLimitedError,
            ex.DominoConnectionError,
            ex.DominoTimeoutError,
            ex.InvalidResponseError,
            ex.UnexpectedResponseError,
            ex.PollRetriesExceededError,
            ex.UnsupportedDominoVersionError,
        ),
        SERVER,
    ),
    (
        (
            ex.BadRequestError,
            ex.InvalidArgumentError,
            ex.ConfigurationError,
            ex.MalformedInputException,
            ex.MissingRequiredFieldException,
            ex.UnsupportedFieldException,
            ex.DatasetExistsException,
            ex.OnDemandSparkClusterNotSupportedException,
            ex.ExternalVolumeMountsNotSupportedException,
            ex.UnsupportedOperationException,
        ),
        USAGE,
    ),
    # anything else from the HTTP layer is the server's or the network's fault
    ((requests.RequestException,), SERVER),
    # local files and values given on the command line
    ((FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError), USAGE),
    ((ValueError,), USAGE),
)


def exit_code_for(exc: BaseException) -> int:
    """The process exit code that reports ``exc`` (see the module table).

    click's own usage errors carry their code (2); an exception wrapping another (a failed
    dataset upload caused by a 403, say) is judged by its cause when it is not itself in the
    table. Unknown errors give 1.
    """
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int) and not isinstance(code, bool) and _is_click(exc):
        return code
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for types, mapped in _TABLE:
            if isinstance(current, types):
                return mapped
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    if isinstance(exc, ex.DatasetUploadError):
        return SERVER
    return FAILED


def _is_click(exc: BaseException) -> bool:
    # click's exceptions (and the command line's subclasses of them), without importing click
    return any((c.__module__ or "").split(".")[0] == "click" for c in type(exc).__mro__)
