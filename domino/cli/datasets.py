"""``domino dataset``: list, create, inspect, rename, remove and upload into datasets."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import click

from domino.cli._context import CliState, connection_options, json_option, pass_state
from domino.cli._output import Column, emit_json, emit_listing, format_time, info
from domino.exceptions import DatasetNotFoundException

__all__ = ["dataset", "parse_size"]

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMG]i?B?|B)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "K": 1000, "M": 1000**2, "G": 1000**3}


def parse_size(text: str) -> int:
    """``8MiB`` → 8388608, ``500KB`` → 500000, ``1048576`` → 1048576."""
    match = _SIZE.match(text)
    if not match:
        raise click.BadParameter(f"{text!r} is not a size such as 8MiB, 512KiB or 1048576")
    number, unit = float(match.group(1)), (match.group(2) or "").upper()
    binary = "I" in unit
    base = unit[:1] if unit not in ("", "B") else unit
    factor = 1024 ** "BKMG".index(base) if binary else _UNITS[base]
    value = int(number * factor)
    if value <= 0:
        raise click.BadParameter(f"{text!r} must be more than 0 bytes")
    return value


class SizeType(click.ParamType):
    name = "SIZE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_size(str(value))
        except click.BadParameter as exc:
            self.fail(exc.message, param, ctx)


def resolve_dataset(client: Any, given: str) -> str:
    """A dataset id from an id or a name of one of the project's datasets."""
    listed = client.datasets_list(client.project_id)
    for entry in listed:
        if given in (entry.get("datasetId"), entry.get("datasetName")):
            return str(entry["datasetId"])
    raise DatasetNotFoundException(
        f"project {client.project} has no dataset with id or name {given!r}"
    )


@click.group()
def dataset() -> None:
    """Datasets of the project: create them, upload files into them.

    \b
    Example:
      domino dataset create features --project team/churn
      domino dataset upload features ./features --project team/churn
    """


_DATASET_COLUMNS = (
    Column("ID", "datasetId"),
    Column("NAME", "datasetName"),
    Column("DESCRIPTION", "description"),
)


@dataset.command("ls")
@connection_options
@json_option
@pass_state
def ls(state: CliState) -> None:
    """List the project's datasets.

    \b
    Example:
      domino dataset ls --project team/churn
    """
    client = state.client()
    answer = client.datasets_list(client.project_id)
    emit_listing(state.json, answer, _DATASET_COLUMNS, empty="No datasets.")


@dataset.command("create")
@click.argument("name")
@click.option("--description", default="", help="A line saying what it holds.")
@connection_options
@json_option
@pass_state
def create(state: CliState, name: str, description: str) -> None:
    """Create dataset NAME in the project; prints its id.

    \b
    Example:
      domino dataset create features --description "engineered features" -p team/churn
    """
    answer = state.client().datasets_create(name, description)
    if state.json:
        emit_json(answer)
    else:
        info(f"Created dataset {name!r}.")
        click.echo(answer.get("datasetId"))


@dataset.command("info")
@click.argument("dataset_ref", metavar="DATASET")
@connection_options
@json_option
@pass_state
def details(state: CliState, dataset_ref: str) -> None:
    """Show a dataset (by id or name).

    \b
    Example:
      domino dataset info features --project team/churn
    """
    client = state.client()
    answer = client.datasets_details(resolve_dataset(client, dataset_ref))
    if state.json:
        emit_json(answer)
        return
    rows = [
        ("id", answer.get("datasetId")),
        ("name", answer.get("datasetName")),
        ("description", answer.get("description")),
        ("project", answer.get("projectId")),
        ("created", format_time(answer.get("created"))),
    ]
    for key, value in rows:
        click.echo(f"{key.ljust(11)}  {'' if value is None else value}")


@dataset.command("rename")
@click.argument("dataset_ref", metavar="DATASET")
@click.argument("new_name")
@click.option("--description", default=None, help="Also replace the description.")
@connection_options
@json_option
@pass_state
def rename(state: CliState, dataset_ref: str, new_name: str, description: str | None) -> None:
    """Rename a dataset (by id or name).

    \b
    Example:
      domino dataset rename features features-v2 --project team/churn
    """
    if not new_name.strip():
        # the library takes an empty name as "keep the name"
        raise click.BadParameter("must not be empty", param_hint="'NEW_NAME'")
    client = state.client()
    answer = client.datasets_update_details(
        resolve_dataset(client, dataset_ref), dataset_name=new_name, dataset_description=description
    )
    if state.json:
        emit_json(answer)
    else:
        info(f"Renamed dataset {dataset_ref!r} to {new_name!r}.")


@dataset.command("rm")
@click.argument("dataset_refs", metavar="DATASET...", nargs=-1, required=True)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@connection_options
@pass_state
def rm(state: CliState, dataset_refs: tuple[str, ...], yes: bool) -> None:
    """Delete datasets (by id or name); asks first unless --yes.

    \b
    Example:
      domino dataset rm old-features --yes --project team/churn
    """
    client = state.client()
    ids = [resolve_dataset(client, ref) for ref in dataset_refs]
    if not yes:
        click.confirm(f"Delete {len(ids)} dataset(s) {', '.join(dataset_refs)}?", abort=True)
    client.datasets_remove(ids)
    info(f"Deleted {', '.join(dataset_refs)}.")


@dataset.command("upload")
@click.argument("dataset_ref", metavar="DATASET")
@click.argument("local", type=click.Path(exists=True, path_type=Path))
@click.option("--target", metavar="PATH", help="Folder inside the dataset (it must exist).")
@click.option(
    "--on-collision",
    type=click.Choice(["ignore", "overwrite", "rename"], case_sensitive=False),
    default="ignore",
    show_default=True,
    help="When a file already exists: keep it, replace it, or store the new one as name_1.",
)
@click.option(
    "--workers", type=click.IntRange(min=1, max=64), default=None, help="Parallel chunks."
)
@click.option(
    "--chunk-size", type=SizeType(), default="8MiB", show_default=True, help="e.g. 8MiB, 512KiB."
)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a tty).")
@connection_options
@json_option
@pass_state
def upload(
    state: CliState,
    dataset_ref: str,
    local: Path,
    target: str | None,
    on_collision: str,
    workers: int | None,
    chunk_size: int,
    progress: bool | None,
) -> None:
    """Upload the file or folder LOCAL into DATASET (an id or a name).

    Shows a progress bar on a terminal and a summary at the end (with --json: the summary
    as JSON on stdout, nothing else). An interrupted upload (Ctrl-C, lost network) resumes
    where it stopped when the same command is run again.

    \b
    Example:
      domino dataset upload features ./features --on-collision overwrite -p team/churn
    """
    client = state.client()
    dataset_id = resolve_dataset(client, dataset_ref)
    try:
        result = client.datasets_upload_files(
            dataset_id,
            str(local),
            file_upload_setting=on_collision.capitalize(),
            max_workers=workers,
            target_chunk_size=chunk_size,
            target_relative_path=target,
            progress=progress,
        )
    except KeyboardInterrupt:
        info(
            f"Interrupted: the upload of {local} stopped; run the same command again to "
            "resume where it left off."
        )
        raise click.exceptions.Exit(130) from None
    summary = getattr(result, "summary", None)
    if state.json:
        emit_json(
            {"path": str(result), **(dataclasses.asdict(summary) if summary is not None else {})}
        )
    else:
        info(f"Uploaded {local} to dataset {dataset_ref}: {summary}")
