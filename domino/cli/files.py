"""``domino files ls|upload|download`` and ``domino commits``: the project's files."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from domino._resources.files import commit_id_of
from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, emit_json, emit_listing, format_size, format_time, info

__all__ = ["commits", "files"]


@click.group()
def files() -> None:
    """The project's files: list, upload, download.

    \b
    Example:
      domino files upload --project team/churn train.py
      domino files download --project team/churn results/metrics.json
    """


def _latest_commit(client: Any) -> str | None:
    listed = client.commits_list()
    return commit_id_of(listed[0]) if listed else None


_FILE_COLUMNS = (
    Column("PATH", "path"),
    Column("SIZE", lambda f: format_size(f.get("size"))),
    Column("MODIFIED", lambda f: format_time(f.get("lastModified"))),
)


@files.command("ls")
@click.argument("path", default="/")
@click.option("--commit", "commit_id", metavar="SHA", help="List this commit (default: latest).")
@connection_options
@json_option
@pass_state
def ls(state: CliState, path: str, commit_id: str | None) -> None:
    """List the files below PATH (default: all of them).

    \b
    Example:
      domino files ls results/ --project team/churn
    """
    client = state.client()
    commit_id = commit_id or _latest_commit(client)
    if commit_id is None:
        entries: list[Any] = []
        answer: dict[str, Any] = {"data": entries}
    else:
        answer = client.files_list(commit_id, path)
        entries = answer.get("data") or []
    emit_listing(state.json, answer, _FILE_COLUMNS, empty="No files.", rows=lambda _: entries)


def _uploads(local: Path, remote: str) -> list[tuple[Path, str]]:
    if local.is_dir():
        pairs = []
        for dirpath, dirnames, filenames in os.walk(local):
            dirnames.sort()
            for name in sorted(filenames):
                path = Path(dirpath, name)
                rel = path.relative_to(local).as_posix()
                pairs.append((path, f"{remote.rstrip('/')}/{rel}"))
        return pairs
    return [(local, remote)]


@files.command("upload")
@click.argument("local", type=click.Path(exists=True, dir_okay=True, path_type=Path))
@click.argument("remote", required=False)
@connection_options
@json_option
@pass_state
def upload(state: CliState, local: Path, remote: str | None) -> None:
    """Upload LOCAL (a file, or a folder's files) to REMOTE (default: the same name).

    Each file becomes a new commit of the project, as in Domino.

    \b
    Example:
      domino files upload data/train.csv inputs/train.csv --project team/churn
    """
    client = state.client()
    target = "/" + (remote or local.name).lstrip("/")
    done = []
    for path, destination in _uploads(local, target):
        with path.open("rb") as fh:
            response = client.files_upload(destination, fh)
        try:
            answer = response.json()
        except ValueError:
            answer = {"path": destination.lstrip("/")}
        done.append(answer)
        if not state.json:
            info(f"Uploaded {path} -> {destination} ({format_size(path.stat().st_size)})")
    if state.json:
        emit_json(done)


@files.command("download")
@click.argument("remote")
@click.argument("local", required=False, type=click.Path(dir_okay=True, path_type=Path))
@click.option("--commit", "commit_id", metavar="SHA", help="Take the file from this commit.")
@connection_options
@pass_state
def download(state: CliState, remote: str, local: Path | None, commit_id: str | None) -> None:
    """Download the project file REMOTE to LOCAL (default: its name here; '-' for stdout).

    The file appears only once it is complete.

    \b
    Example:
      domino files download results/metrics.json - --project team/churn | jq .
    """
    client = state.client()
    stream = client.files_download("/" + remote.lstrip("/"), commit_id=commit_id)
    if str(local) == "-":
        shutil.copyfileobj(stream, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return
    destination = local or Path(Path(remote).name)
    if destination.is_dir():
        destination = destination / Path(remote).name
    fd, tmp = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(stream, out)
        os.replace(tmp, destination)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    info(f"Downloaded {remote} -> {destination} ({format_size(destination.stat().st_size)})")


@click.command()
@connection_options
@json_option
@pass_state
def commits(state: CliState) -> None:
    """List the project's commit ids, newest first.

    \b
    Example:
      domino commits --project team/churn | head -1
    """
    listed = [commit_id_of(c) for c in state.client().commits_list()]
    if state.json:
        emit_json(listed)
    else:
        for commit in listed:
            click.echo(commit)
