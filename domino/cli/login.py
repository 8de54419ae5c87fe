"""``domino login`` / ``domino logout``: a saved host and API key (see :mod:`domino._profile`)."""

from __future__ import annotations

import os
import sys

import click

from domino import _profile
from domino.cli._output import info

__all__ = ["login", "logout"]


@click.command()
@click.option("--host", metavar="URL", help="Domino URL (asked for when not given).")
@click.option(
    "--profile",
    metavar="NAME",
    default=None,
    help="Save under this name (default: DOMINO_PROFILE, else 'default').",
)
@click.option(
    "--api-key-stdin",
    is_flag=True,
    help="Read the API key from stdin instead of asking (for scripts).",
)
@click.option("--no-check", is_flag=True, help="Save without checking the key against the host.")
def login(host: str | None, profile: str | None, api_key_stdin: bool, no_check: bool) -> None:
    """Save a host and API key so later commands (and scripts) need no other credentials.

    The key is asked for without echo and checked against the host, then stored in a
    private (0600) file under your config directory. It is used last, after --api-key,
    --token-file and every DOMINO_* variable, and only for the host it was saved for.

    \b
    Example:
      domino login --host https://domino.example.com
      domino job list --project team/churn
    """
    from domino.helpers import clean_host_url

    name = _profile.check_name(profile) if profile else _profile.selected_name()
    if not host:
        host = str(click.prompt("Domino URL", type=str, default=os.environ.get("DOMINO_API_HOST")))
    host = clean_host_url(host.strip())
    if api_key_stdin:
        api_key = sys.stdin.readline().strip()
    else:
        api_key = str(click.prompt("API key", hide_input=True, type=str)).strip()
    if not api_key:
        raise click.UsageError("the API key is empty")
    if not no_check:
        _check(host, api_key)
    path = _profile.save(_profile.Profile(name, host, api_key))
    info(f"Saved login for {host} as profile {name!r} in {path}.")


def _check(host: str, api_key: str) -> None:
    """One authenticated request, so a mistyped key is refused now rather than later."""
    from domino._http import HttpClient
    from domino.authentication import ApiKeyAuth

    http = HttpClient(host, ApiKeyAuth(api_key))
    try:
        http.json("GET", "/v4/users/self")
    finally:
        http.close()


@click.command()
@click.option("--profile", metavar="NAME", default=None, help="The saved login to forget.")
def logout(profile: str | None) -> None:
    """Forget a saved login (the file goes when no login is left in it).

    \b
    Example:
      domino logout --profile staging
    """
    name = _profile.check_name(profile) if profile else _profile.selected_name()
    if _profile.remove(name):
        info(f"Removed saved login {name!r} from {_profile.credentials_path()}.")
    else:
        info(f"No saved login named {name!r}; nothing to do.")
