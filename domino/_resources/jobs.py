"""Executions through the v4 Jobs API, and hardware tiers (domino-api.md §11, §12)."""

from __future__ import annotations

import logging
from typing import Any

import requests

from domino._base import expect_dict, require
from domino._compat import renamed_kwargs
from domino._resources.runs import TERMINAL_STATUSES, RunsMixin
from domino._types import HardwareTierEntry, Job
from domino._validation import JobValidator
from domino.exceptions import InvalidArgumentError, WaitInterrupted

__all__ = ["JobsMixin"]

logger = logging.getLogger(__name__)


class JobsMixin(RunsMixin):
    # ------------------------------------------------------------------ hardware tiers

    def hardware_tiers_list(self) -> list[HardwareTierEntry]:
        """The project's hardware tiers: ``[{"hardwareTier": {...}, "capacity": {...}}, ...]``."""
        tiers: list[HardwareTierEntry] = self._get(self._routes.hardware_tiers(self.project_id))
        return tiers

    def get_hardware_tier_id_from_name(self, hardware_tier_name: str) -> str | None:
        """Id of the first hardware tier with that name, or ``None``."""
        for entry in self.hardware_tiers_list():
            tier = entry.get("hardwareTier") or {}
            if tier.get("name") == hardware_tier_name:
                return str(tier.get("id"))
        return None

    # ------------------------------------------------------------------ start

    def job_start(
        self,
        command: str,
        commit_id: str | None = None,
        hardware_tier_id: str | dict[str, Any] | None = None,
        hardware_tier_name: str | None = None,
        environment_id: str | None = None,
        on_demand_spark_cluster_properties: dict[str, Any] | None = None,
        compute_cluster_properties: dict[str, Any] | None = None,
        external_volume_mounts: list[str] | None = None,
        title: str | None = None,
        main_repo_git_ref: dict[str, Any] | None = None,
        branch: str | None = None,
    ) -> Job:
        """Start a job through the v4 Jobs API; returns the Job object (``id``, ``number`` ...).

        ``command`` is one string (``"main.py arg1"``). ``branch`` is shorthand for
        ``main_repo_git_ref={"type": "branches", "value": branch}`` and cannot be combined
        with ``commit_id`` or ``main_repo_git_ref``. Every id given is checked against the
        project first (``CommitNotFoundException``, ``HardwareTierNotFoundException``,
        ``EnvironmentNotFoundException``, ...); ``compute_cluster_properties`` takes precedence
        over the deprecated ``on_demand_spark_cluster_properties``.

        Example::

            job = domino.job_start("train.py --epochs 3", hardware_tier_name="Small")
            domino.job_status(job["id"])["statuses"]["executionStatus"]
        """
        if branch and commit_id:
            raise InvalidArgumentError(
                f"Only one of branch or commit_id may be specified, not both "
                f"(branch={branch!r}, commit_id={commit_id!r})"
            )
        if branch and main_repo_git_ref:
            raise InvalidArgumentError(
                f"Only one of branch or main_repo_git_ref may be specified, not both "
                f"(branch={branch!r}, main_repo_git_ref={main_repo_git_ref!r})"
            )
        if branch:
            main_repo_git_ref = {"type": "branches", "value": branch}

        check = JobValidator(
            self._version,
            commits=self.commits_list,
            hardware_tiers=self.hardware_tiers_list,
            environments=lambda: self._get(self._routes.useable_environments(self.project_id)),
            spark_defaults=lambda: self._get(self._routes.default_spark_settings(self.project_id)),
        )
        if commit_id is not None:
            check.commit_id(commit_id)
        if hardware_tier_id is not None:
            check.hardware_tier_id(hardware_tier_id)
        resolved_tier: Any = hardware_tier_id
        if hardware_tier_name is not None:
            name_tier = check.hardware_tier_name(hardware_tier_name)
            resolved_tier = hardware_tier_id or name_tier
        if environment_id is not None:
            check.environment_id(environment_id)
        if external_volume_mounts is not None:
            check.external_volume_mounts()
        cluster_body = None
        spark_body = None
        if compute_cluster_properties is not None:
            cluster_body = check.compute_cluster_properties(compute_cluster_properties)
        elif on_demand_spark_cluster_properties is not None:
            spark_body = check.on_demand_spark(on_demand_spark_cluster_properties)

        body = {
            "projectId": self.project_id,
            "commandToRun": command,
            "commitId": commit_id,
            "mainRepoGitRef": main_repo_git_ref,
            "overrideHardwareTierId": resolved_tier,
            "onDemandSparkClusterProperties": spark_body,
            "computeClusterProperties": cluster_body,
            "environmentId": environment_id,
            "externalVolumeMounts": external_volume_mounts,
            "title": title,
        }
        job: Job = self._start_execution("job", self._routes.job_start(), body)
        return job

    def job_start_blocking(
        self,
        poll_freq: float = 5,
        max_poll_time: float | None = 6000,
        ignore_exceptions: tuple[type[BaseException], ...] = (
            requests.exceptions.RequestException,
        ),
        **kwargs: Any,
    ) -> Job:
        """Start a job (``kwargs`` as for :meth:`job_start`) and wait until it is finished.

        Returns the final Job object and logs the job's stdout once. Errors listed in
        ``ignore_exceptions`` while polling are logged as warnings and polling continues.

        Raises :class:`~domino.exceptions.RunFailedException` (id, status, last output lines)
        for any terminal status other than Succeeded, and
        :class:`~domino.exceptions.PollTimeoutError` (also ``polling2.TimeoutException``)
        after ``max_poll_time`` seconds (``0``/``None``: no limit). Ctrl-C while waiting
        raises :class:`~domino.exceptions.WaitInterrupted` (a ``KeyboardInterrupt``) naming
        the job, which keeps running, and how to stop it.
        """
        from domino._wait import check_poll_args, poll

        check_poll_args(poll_freq, max_poll_time)
        job = self.job_start(**kwargs)
        job_id = str(require(job, "id", f"POST {self._routes.job_start()}"))
        seen: list[Any] = []

        def fetch() -> Job:
            status = self.job_status(job_id)
            execution = _statuses(status, job_id).get("executionStatus")
            if not seen or seen[-1] != execution:
                logger.info("Job %s status: %s", job_id, execution)
                seen.append(execution)
            return status

        def is_done(status: Job) -> bool:
            statuses = _statuses(status, job_id)
            return bool(statuses.get("isCompleted")) or (
                statuses.get("executionStatus") in TERMINAL_STATUSES
            )

        try:
            final = poll(
                fetch,
                is_done=is_done,
                poll_freq=poll_freq,
                max_poll_time=max_poll_time or None,
                describe=lambda s: str(_statuses(s, job_id).get("executionStatus")),
                tolerate=tuple(ignore_exceptions),
                what=f"job {job_id}",
            )
        except KeyboardInterrupt as interrupt:
            project = f"{self._owner_username}/{self._project_name}"
            raise WaitInterrupted("job", job_id, project) from interrupt
        execution = _statuses(final, job_id).get("executionStatus")
        if execution != "Succeeded":
            self._raise_failed("job", job_id, execution)
        self.process_log(self._raw_stdout(job_id))
        return final

    # ------------------------------------------------------------------ other job calls

    def job_stop(self, job_id: str, commit_results: bool = True) -> requests.Response:
        """Stop a job (or v1 run: they share ids); returns the raw response."""
        body = {"projectId": self.project_id, "jobId": job_id, "commitResults": commit_results}
        return self._http.post(self._routes.job_stop(), json=body)

    @renamed_kwargs(runId="run_id", saveChanges="save_changes")
    def run_stop(self, run_id: str | None = None, save_changes: bool = True) -> requests.Response:
        """Deprecated alias of :meth:`job_stop` (logs a warning)."""
        if not run_id:
            raise InvalidArgumentError("run_id is required")
        logger.warning("run_stop is deprecated: use the job_stop method instead")
        return self.job_stop(job_id=run_id, commit_results=save_changes)

    def job_status(self, job_id: str) -> Job:
        """The v4 Job object (``statuses.executionStatus``, ``statuses.isCompleted`` ...)."""
        status: Job = self._get(self._routes.job(job_id))
        return status

    def jobs_list(
        self,
        project_id: str,
        order_by: str = "number",
        sort_by: str = "desc",
        page_size: int | None = None,
        page_no: int = 1,
        show_archived: str = "false",
        status: str = "all",
        tag: str | None = None,
    ) -> dict[str, Any]:
        """One page of the project's jobs: ``{"jobs": [...], "totalCount", "pagination"}``."""
        params: list[tuple[str, Any]] = [
            ("projectId", project_id),
            ("order_by", order_by),
            ("sort_by", sort_by),
        ]
        if page_size:
            params.append(("page_size", page_size))
        params += [
            ("page_no", page_no),
            ("show_archived", str(show_archived).lower()),
            ("status", str(status).lower()),
        ]
        if tag:
            params.append(("tag", tag))
        result: dict[str, Any] = self._get(self._routes.jobs(), params=params)
        return result

    def job_restart(
        self, job_id: str, should_use_original_input_commit: bool = True
    ) -> requests.Response:
        """Restart a finished job; returns the raw response.

        Unlike the public client this also sends ``projectId``, which Domino's v4 schema marks
        as required for this endpoint.
        """
        body = {
            "projectId": self.project_id,
            "jobId": job_id,
            "shouldUseOriginalInputCommit": should_use_original_input_commit,
        }
        return self._http.post(self._routes.job_restart(), json=body)

    def job_runtime_execution_details(self, job_id: str) -> dict[str, Any]:
        """Hardware tier and environment a job actually ran with."""
        details: dict[str, Any] = self._get(self._routes.job_runtime_execution_details(job_id))
        return details


def _statuses(job: Any, job_id: str) -> dict[str, Any]:
    # Without "statuses" completion can never be seen: fail at once (a KeyError, as in the
    # public client) rather than poll until max_poll_time.
    where = f"status of job {job_id}"
    return expect_dict(require(job, "statuses", where), f"{where} (statuses)")
