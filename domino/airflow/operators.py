"""Operators that run Domino work from Airflow DAGs.

- :class:`DominoJobOperator`: a v4 job with every ``job_start`` option.
- :class:`DominoSparkOperator`: the public client's Spark operator (a v4 job with cluster
  properties), same parameters and return value.
- :class:`DominoOperator`: the public client's v1 run operator, same parameters and return value.

All of them take ``domino_conn_id``, ``host``, ``api_key``, ``auth_token``, ``domino_token_file``,
``api_proxy``, ``wait_for_termination``, ``poll_freq``, ``max_poll_time`` and ``deferrable``, do
no network I/O when constructed, and reject bad arguments before any job starts.
"""

from __future__ import annotations

import shlex
import time
import warnings
from typing import TYPE_CHECKING, Any

from domino.airflow._execution import DominoExecutionOperator, resolved_later
from domino.airflow.hooks import DEFAULT_CONN_ID

if TYPE_CHECKING:
    from domino.domino import Domino

__all__ = ["DominoJobOperator", "DominoOperator", "DominoSparkOperator"]


def _renamed(old_name: str, old: Any, new_name: str, new: Any, default: Any = None) -> Any:
    """The value of a parameter that also has a deprecated camelCase spelling."""
    if old is None:
        return new
    if new is not default:
        raise ValueError(
            f"{old_name} and {new_name} are two spellings of one parameter: pass only "
            f"{new_name} (got {old_name}={old!r}, {new_name}={new!r})"
        )
    warnings.warn(f"{old_name} is deprecated, use {new_name}", DeprecationWarning, stacklevel=4)
    return old


def _job_command(command: Any) -> str:
    if isinstance(command, list | tuple) and all(isinstance(part, str) for part in command):
        command = shlex.join(command)
    if not isinstance(command, str) or not command.strip():
        raise ValueError(f"command={command!r} must be a non-empty command line string")
    return command


def _check_mounts(mounts: Any) -> None:
    if mounts is not None and not isinstance(mounts, list):
        raise TypeError(f"external_volume_mounts={mounts!r} must be a list")


def _run_command(command: Any) -> list[str]:
    if isinstance(command, str):
        command = [command]
    if not isinstance(command, list | tuple) or not command:
        raise ValueError(f"command={command!r} must be a non-empty list such as ['main.py']")
    return list(command)


class DominoJobOperator(DominoExecutionOperator):
    """Start a Domino job (v4 Jobs API) and wait for it.

    Args:
        project: ``owner/name`` (default: the connection's extra ``project``).
        command: the command line, e.g. ``"train.py --epochs 3"`` (a list is joined).
        title, hardware_tier_id, hardware_tier_name, environment_id, commit_id,
            main_repo_git_ref, branch, external_volume_mounts: as for ``Domino.job_start``;
            each id is checked against the project before the job starts.
        domino_conn_id: Airflow connection of type ``domino`` (default ``domino_default``).
        host, api_key, auth_token, domino_token_file, api_proxy: override the connection.
        wait_for_termination: wait for the job's end (default); else return once it started.
        poll_freq: longest pause between two status checks (seconds).
        max_poll_time: stop the job and fail after this many seconds (``None``: no limit).
        deferrable: wait in the triggerer (default ``[operators] default_deferrable``).

    XComs: ``job_id`` and ``job_url`` as soon as the job exists; ``job_status`` and
    ``output_commit_id`` when it ends. The return value is :meth:`job_finished`'s, by default
    the final job object.
    """

    template_fields: tuple[str, ...] = (
        "project",
        "command",
        "title",
        "hardware_tier_id",
        "hardware_tier_name",
        "environment_id",
        "commit_id",
        "main_repo_git_ref",
        "branch",
        "external_volume_mounts",
    )
    ui_color = "#5188c7"

    def __init__(
        self,
        *,
        project: str | None = None,
        command: str | list[str],
        title: str | None = None,
        hardware_tier_id: str | None = None,
        hardware_tier_name: str | None = None,
        environment_id: str | None = None,
        commit_id: str | None = None,
        main_repo_git_ref: dict[str, Any] | None = None,
        branch: str | None = None,
        external_volume_mounts: list[str] | None = None,
        domino_conn_id: str = DEFAULT_CONN_ID,
        host: str | None = None,
        api_key: str | None = None,
        auth_token: str | None = None,
        domino_token_file: str | None = None,
        api_proxy: str | None = None,
        wait_for_termination: bool = True,
        poll_freq: float = 5,
        max_poll_time: float | None = None,
        deferrable: bool | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project=project,
            domino_conn_id=domino_conn_id,
            host=host,
            api_key=api_key,
            auth_token=auth_token,
            domino_token_file=domino_token_file,
            api_proxy=api_proxy,
            wait_for_termination=wait_for_termination,
            poll_freq=poll_freq,
            max_poll_time=max_poll_time,
            deferrable=deferrable,
            **kwargs,
        )
        # an XComArg (``command=upstream()``) is checked once rendered, in _job_start_kwargs
        self.command = command if resolved_later(command) else _job_command(command)
        if branch and (commit_id or main_repo_git_ref):
            raise ValueError(
                f"branch={branch!r} cannot be combined with commit_id or main_repo_git_ref"
            )
        if not resolved_later(external_volume_mounts):
            _check_mounts(external_volume_mounts)
        self.title = title
        self.hardware_tier_id = hardware_tier_id
        self.hardware_tier_name = hardware_tier_name
        self.environment_id = environment_id
        self.commit_id = commit_id
        self.main_repo_git_ref = main_repo_git_ref
        self.branch = branch
        self.external_volume_mounts = external_volume_mounts

    def _job_start_kwargs(self) -> dict[str, Any]:
        _check_mounts(self.external_volume_mounts)
        return {
            "command": _job_command(self.command),
            "title": self.title,
            "hardware_tier_id": self.hardware_tier_id,
            "hardware_tier_name": self.hardware_tier_name,
            "environment_id": self.environment_id,
            "commit_id": self.commit_id,
            "main_repo_git_ref": self.main_repo_git_ref,
            "branch": self.branch,
            "external_volume_mounts": self.external_volume_mounts,
        }

    def _start(self, client: Domino) -> tuple[str, Any]:
        job = client.job_start(**self._job_start_kwargs())
        return str(job["id"]), job

    def _carried(self, start_result: Any) -> Any:
        return None  # job_finished() gets the final job object; no need to keep the first one


class DominoSparkOperator(DominoJobOperator):
    """The public client's Spark operator: a v4 job with ``compute_cluster_properties`` (or the
    deprecated ``on_demand_spark_cluster_properties``). Returns the final job object.

    ``startup_delay`` (seconds to sleep before starting) defaults to 0 now.
    """

    template_fields: tuple[str, ...] = ("command",)
    ui_color = "#6C50AD"

    def __init__(
        self,
        *,
        project: str | None = None,
        command: str,
        host: str | None = None,
        api_key: str | None = None,
        domino_token_file: str | None = None,
        poll_freq: float = 5,
        max_poll_time: float | None = 6000,
        startup_delay: float | None = 0,
        commit_id: str | None = None,
        hardware_tier_name: str | None = None,
        environment_id: str | None = None,
        on_demand_spark_cluster_properties: dict[str, Any] | None = None,
        compute_cluster_properties: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project=project,
            command=command,
            host=host,
            api_key=api_key,
            domino_token_file=domino_token_file,
            poll_freq=poll_freq,
            max_poll_time=max_poll_time,
            commit_id=commit_id,
            hardware_tier_name=hardware_tier_name,
            environment_id=environment_id,
            **kwargs,
        )
        for name, value in (
            ("on_demand_spark_cluster_properties", on_demand_spark_cluster_properties),
            ("compute_cluster_properties", compute_cluster_properties),
        ):
            if value is not None and not isinstance(value, dict):
                raise TypeError(f"{name}={value!r} must be a dict")
        self.startup_delay = startup_delay
        self.on_demand_spark_cluster_properties = on_demand_spark_cluster_properties
        self.compute_cluster_properties = compute_cluster_properties

    def _before_start(self, client: Domino) -> None:
        if self.startup_delay:
            time.sleep(self.startup_delay)

    def _job_start_kwargs(self) -> dict[str, Any]:
        kwargs = super()._job_start_kwargs()
        kwargs["on_demand_spark_cluster_properties"] = self.on_demand_spark_cluster_properties
        kwargs["compute_cluster_properties"] = self.compute_cluster_properties
        return kwargs


class DominoOperator(DominoExecutionOperator):
    """The public client's operator: a v1 run of ``command`` (a list such as
    ``["main.py", "arg"]``). Returns the start answer ``{"runId", "message"}``.

    The 2.2.0 spellings ``is_direct``, ``commit_id`` and ``publish_api_endpoint`` are the
    parameters; ``isDirect``, ``commitId`` and ``publishApiEndpoint`` still work with a
    ``DeprecationWarning``. ``tier`` is a hardware tier *name*, checked before the run starts.
    ``startup_delay`` defaults to 0 now (the public operator slept 10 s).
    """

    template_fields: tuple[str, ...] = ("command", "title")
    ui_color = "#5188c7"
    _kind = "run"

    def __init__(
        self,
        *,
        project: str | None = None,
        command: list[str],
        host: str | None = None,
        api_key: str | None = None,
        domino_token_file: str | None = None,
        is_direct: bool | None = None,
        commit_id: str | None = None,
        title: str | None = None,
        tier: str | None = None,
        publish_api_endpoint: bool | None = None,
        poll_freq: float = 5,
        max_poll_time: float | None = 6000,
        startup_delay: float | None = 0,
        include_setup_log: bool = True,
        isDirect: bool | None = None,  # noqa: N803 - the public client's spelling
        commitId: str | None = None,  # noqa: N803
        publishApiEndpoint: bool | None = None,  # noqa: N803
        **kwargs: Any,
    ) -> None:
        super().__init__(
            project=project,
            host=host,
            api_key=api_key,
            domino_token_file=domino_token_file,
            poll_freq=poll_freq,
            max_poll_time=max_poll_time,
            **kwargs,
        )
        self.is_direct = _renamed("isDirect", isDirect, "is_direct", is_direct)
        self.commit_id = _renamed("commitId", commitId, "commit_id", commit_id)
        self.publish_api_endpoint = _renamed(
            "publishApiEndpoint", publishApiEndpoint, "publish_api_endpoint", publish_api_endpoint
        )
        if resolved_later(command):
            self.command: Any = command  # an XComArg: checked once rendered (_before_start)
        else:
            self.command = _run_command(command)
            self._check_direct()
        self.title = title
        self.tier = tier
        self.startup_delay = startup_delay
        self.include_setup_log = include_setup_log

    def _check_direct(self) -> None:
        if self.is_direct and len(self.command) > 1:
            raise ValueError(
                "with is_direct=True the command must be one string holding the whole shell "
                f"command, not a list of {len(self.command)} parts: {self.command!r}"
            )

    def _before_start(self, client: Domino) -> None:
        self.command = _run_command(self.command)  # again: templating may have changed it
        self._check_direct()
        if self.tier:
            names = [
                str((entry.get("hardwareTier") or {}).get("name"))
                for entry in client.hardware_tiers_list()
            ]
            if self.tier not in names:
                raise ValueError(
                    f"tier={self.tier!r} is not a hardware tier of project {client.project} "
                    f"(available: {', '.join(names) or 'none'})"
                )
        if self.startup_delay:
            time.sleep(self.startup_delay)

    def _start(self, client: Domino) -> tuple[str, Any]:
        started = client.runs_start(
            self.command,
            is_direct=self.is_direct,
            commit_id=self.commit_id,
            title=self.title,
            tier=self.tier,
            publish_api_endpoint=self.publish_api_endpoint,
        )
        return str(started["runId"]), dict(started)

    def _finish(self, context: Any, job: dict[str, Any]) -> Any:
        if self.include_setup_log:
            self._copy_setup_log()
        return super()._finish(context, job)

    def _copy_setup_log(self) -> None:
        """The run's setup log (environment, files, command) into the task log, once."""
        assert self._job_id is not None
        try:
            client = self._get_client()
            both = client.get_run_log(self._job_id, include_setup_log=True)
            stdout = client.get_run_log(self._job_id, include_setup_log=False)
        except Exception as exc:
            self.log.warning("could not fetch the setup log of run %s: %s", self._job_id, exc)
            return
        setup = both[: len(both) - len(stdout)] if both.endswith(stdout) else ""
        lines = [line for line in setup.splitlines() if line.strip()]
        if lines:
            self.log.info("Setup log of run %s:\n%s", self._job_id, "\n".join(lines))

    def job_finished(self, context: Any, job: dict[str, Any]) -> Any:
        return self._start_result
