"""The exit-code contract: exit_code_for() and the one-line error messages."""

from __future__ import annotations

import click
import pytest
import requests

from domino import exceptions as ex
from domino.cli._errors import describe
from domino.cli._exit import exit_code_for


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ex.RunFailedException("job 1 failed", run_id="1", status="Failed"), 1),
        (RuntimeError("a bug"), 1),
        (ex.InvalidArgumentError("bad poll_freq"), 2),
        (ex.InvalidProjectError("Project 'x' must be owner/name"), 2),
        (ex.MissingHostError("no host"), 2),
        (ex.BadRequestError("400", status_code=400), 2),
        (ex.DatasetExistsException("taken"), 2),
        (FileNotFoundError(2, "No such file", "data.csv"), 2),
        (click.UsageError("no project"), 2),
        (ex.PollTimeoutError("job 1 did not finish within 5 s"), 3),
        (ex.UnauthorizedError("401", status_code=401), 4),
        (ex.ForbiddenError("403", status_code=403), 4),
        (ex.NoCredentialsError("Unable to authenticate"), 4),
        (ex.ReloginRequiredException(), 4),
        (ex.TokenFileNotFoundError(2, "token file missing", "/t"), 4),
        (ex.NotFoundError("404", status_code=404), 5),
        (ex.ProjectNotFoundException("alice/none"), 5),
        (ex.DatasetNotFoundException("ds"), 5),
        (ex.HardwareTierNotFoundException("GPU"), 5),
        (ex.UserNotFoundException("bob"), 5),
        (ex.ServerError("503", status_code=503), 6),
        (ex.RateLimitedError("429", status_code=429), 6),
        (ex.DominoConnectionError("refused"), 6),
        (ex.DominoTimeoutError("slow"), 6),
        (ex.InvalidResponseError("not JSON"), 6),
        (ex.UnexpectedResponseError("no 'id'"), 6),
        (ex.PollRetriesExceededError("6 checks in a row failed"), 6),
        (requests.ConnectionError("raw requests error"), 6),
        (KeyboardInterrupt(), 130),
        (ex.WaitInterrupted("job", "1", "alice/churn"), 130),
    ],
)
def test_exit_code_for_each_kind_of_failure(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_a_wrapped_error_is_judged_by_its_cause() -> None:
    try:
        try:
            raise ex.ForbiddenError("403", status_code=403)
        except ex.ForbiddenError as cause:
            raise ex.DatasetUploadError("upload failed; the session was cancelled") from cause
    except ex.DatasetUploadError as error:
        assert exit_code_for(error) == 4
    assert exit_code_for(ex.DatasetUploadError("End failed")) == 6


def test_click_exceptions_keep_their_own_code() -> None:
    class Custom(click.ClickException):
        exit_code = 5

    assert exit_code_for(Custom("gone")) == 5


def test_messages_are_one_line_and_say_what_to_do() -> None:
    failed = ex.RunFailedException("Remote job 1 finished but did not succeed.\nTraceback ...")
    assert "\n" not in describe(failed)
    assert describe(ex.UnauthorizedError("GET /v4/x returned 401", status_code=401)) == (
        "GET /v4/x returned 401 — check the API key (--api-key, DOMINO_USER_API_KEY, "
        "--token-file) or run `domino login`"
    )
    assert "pass --host URL" in describe(ex.MissingHostError("Host must be supplied"))
    assert "`domino tiers`" in describe(ex.HardwareTierNotFoundException("GPU not found"))
    assert describe(RuntimeError("")) == "RuntimeError"
