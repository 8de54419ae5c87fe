"""``domino.routes._Routes``: the public 2.2.0 client's route builder, with absolute URLs.

Code written against the public client builds one as ``_Routes(host, owner, project)`` and
passes its URLs to ``request_manager.get/post(...)``. Every method here has the public name and
parameters and returns ``host`` + the same path as :class:`domino.routes.Routes` (path segments
percent-encoded, which the public client did not do) + the query the public client put in the
URL (encoded with :func:`urllib.parse.urlencode`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from domino.routes import Routes, segment

__all__ = ["_Routes"]


class _Routes:
    """Absolute URLs for one ``owner/project`` on ``host``."""

    def __init__(self, host: str, owner_username: str, project_name: str) -> None:
        self.host = host.rstrip("/")
        self._owner_username = owner_username
        self._project_name = project_name
        self._paths = Routes(owner_username, project_name)

    def _url(self, path: str, **query: Any) -> str:
        kept = {k: v for k, v in query.items() if v is not None}
        return self.host + path + (f"?{urlencode(kept)}" if kept else "")

    # -- projects, collaborators, tags, users --------------------------------------------------

    def project_create(self) -> str:
        return self._url(self._paths.project_create())

    def project_v4(self, project_id: str | None = None) -> str:
        if project_id is None:
            return self._url(self._paths.projects_v4())
        return self._url(self._paths.project_v4(project_id))

    def projects_list(self) -> str:
        return self._url(self._paths.projects_list())

    def find_project_by_owner_name_and_project_name_url(self) -> str:
        return self._url(
            self._paths.find_project(),
            ownerName=self._owner_username,
            projectName=self._project_name,
        )

    def fork_project(self, project_id: str) -> str:
        return self._url(self._paths.fork_project(project_id))

    def tag_details(self, tag_id: str) -> str:
        return self._url(self._paths.tag_details(tag_id))

    def tags_add(self, project_id: str) -> str:
        return self._url(self._paths.tags_add(project_id))

    def tags_remove(self, project_id: str, tag_id: str) -> str:
        return self._url(self._paths.tags_remove(project_id, tag_id))

    def collaborators_get(self) -> str:
        return self._url(self._paths.collaborators_get())

    def collaborators_add(self, project_id: str) -> str:
        return self._url(self._paths.collaborators_add(project_id))

    def collaborators_remove(self, project_id: str, user_id: str) -> str:
        return self._url(self._paths.collaborators_remove(project_id, user_id))

    def users_get(self) -> str:
        return self._url(self._paths.users())

    # -- runs, files, commits, blobs -----------------------------------------------------------

    def runs_list(self) -> str:
        return self._url(self._paths.runs())

    def runs_start(self) -> str:
        return self._url(self._paths.runs())

    def runs_status(self, run_id: str) -> str:
        return self._url(self._paths.run(run_id))

    def runs_stdout(self, run_id: str) -> str:
        return self._url(self._paths.run_stdout(run_id))

    def files_list(self, commit_id: str, path: str) -> str:
        return self._url(self._paths.files_list(commit_id, path))

    def files_upload(self, path: str) -> str:
        return self._url(self._paths.files_upload(path))

    def commits_list(self) -> str:
        return self._url(self._paths.commits())

    def blobs_get(self, key: str) -> str:
        return self._url(self._paths.blob(key))

    def blobs_get_v2(self, path: str, commit_id: str, project_id: str) -> str:
        return self._url(self._paths.blob_v2(path, commit_id, project_id))

    # -- models and the legacy endpoint --------------------------------------------------------

    def endpoint(self) -> str:
        return self._url(self._paths.endpoint())

    def endpoint_state(self) -> str:
        return self._url(self._paths.endpoint() + "/state")

    def endpoint_publish(self) -> str:
        return self._url(self._paths.endpoint() + "/publishRelease")

    def models_list(self) -> str:
        return self._url(self._paths.models_list())

    def model_publish(self) -> str:
        return self._url(self._paths.models())

    def model_versions_get(self, model_id: str) -> str:
        return self._url(self._paths.model_versions(model_id))

    def model_version_publish(self, model_id: str) -> str:
        return self._url(self._paths.model_versions(model_id))

    def model_version_export(self, model_id: str, model_version_id: str) -> str:
        path = self._paths.model_version_export(model_id, model_version_id, "exportImageToRegistry")
        return self._url(path)

    def model_version_sagemaker_export(self, model_id: str, model_version_id: str) -> str:
        return self._url(
            self._paths.model_version_export(model_id, model_version_id, "exportImageForSagemaker")
        )

    def model_version_export_status(self, model_export_id: str) -> str:
        return self._url(self._paths.model_export(model_export_id, "getExportImageStatus"))

    def model_version_export_logs(self, model_export_id: str) -> str:
        return self._url(self._paths.model_export(model_export_id, "getExportLogs"))

    # -- environments and deployment -----------------------------------------------------------

    def environments_list(self) -> str:
        return self._url(self._paths.environments_list())

    def environment_default_get(self) -> str:
        return self._url(self._paths.environment_default())

    def environment_default_set(self) -> str:
        return self._url("/v4/environments/setDefaultEnvironment")

    def environment_create(self) -> str:
        return self._url(self._paths.environment_create())

    def environment_get(self, environment_id: str) -> str:
        return self._url(self._paths.environment(environment_id))

    def revision_get(self, revision_id: str) -> str:
        return self._url(f"/v4/environments/environmentRevision/{segment(revision_id)}")

    def revision_create(self, environment_id: str) -> str:
        return self._url(self._paths.environment_revisions(environment_id))

    def revision_patch(self, environment_id: str, revision_id: str) -> str:
        return self._url(self._paths.environment_revision(environment_id, revision_id))

    def deployment_version(self) -> str:
        return self._url(self._paths.version())

    # -- jobs, tiers, apps ---------------------------------------------------------------------

    def job_start(self) -> str:
        return self._url(self._paths.job_start())

    def job_stop(self) -> str:
        return self._url(self._paths.job_stop())

    def job_restart(self) -> str:
        return self._url(self._paths.job_restart())

    def jobs_list(
        self,
        project_id: str,
        order_by: str,
        sort_by: str,
        page_size: int | None,
        page_no: int,
        show_archived: str,
        status: str,
        tag: str | None,
    ) -> str:
        return self._url(
            self._paths.jobs(),
            projectId=project_id,
            order_by=order_by,
            sort_by=sort_by,
            page_size=page_size or None,
            page_no=page_no,
            show_archived=str(show_archived).lower(),
            status=str(status).lower(),
            tag=tag or None,
        )

    def job_status(self, job_id: str) -> str:
        return self._url(self._paths.job(job_id))

    def job_runtime_execution_details(self, job_id: str) -> str:
        return self._url(self._paths.job_runtime_execution_details(job_id))

    def default_spark_setting(self, project_id: str) -> str:
        return self._url(self._paths.default_spark_settings(project_id))

    def useable_environments_list(self, project_id: str) -> str:
        return self._url(self._paths.useable_environments(project_id))

    def hardware_tiers_list(self, project_id: str) -> str:
        return self._url(self._paths.hardware_tiers(project_id))

    def app_publish(self) -> str:
        owner, project = segment(self._owner_username), segment(self._project_name)
        return self._url(f"/u/{owner}/{project}/nb/startSession")

    def app_list(self, project_id: str) -> str:
        return self._url(self._paths.apps(), projectId=project_id)

    def app_create(self) -> str:
        return self._url(self._paths.apps())

    def app_get(self, app_id: str) -> str:
        return self._url(self._paths.app(app_id))

    def app_start(self, app_id: str) -> str:
        return self._url(self._paths.app_start(app_id))

    def app_stop(self, app_id: str) -> str:
        return self._url(self._paths.app_stop(app_id))

    # -- datasets and their upload sessions ----------------------------------------------------

    def datasets_list(self, project_id: str | None = None) -> str:
        return self._url(self._paths.datasets(), projectId=project_id)

    def datasets_create(self) -> str:
        return self._url(self._paths.datasets())

    def datasets_details(self, dataset_id: str) -> str:
        return self._url(self._paths.dataset(dataset_id))

    def datasets_start_upload(self, dataset_id: str) -> str:
        return self._url(self._paths.upload_start(dataset_id))

    def datasets_test_chunk(
        self,
        dataset_id: str,
        upload_key: str,
        chunk_number: int,
        total_chunks: int,
        identifier: str,
        checksum: str,
    ) -> str:
        return self._url(
            self._paths.upload_test(dataset_id),
            key=upload_key,
            resumableChunkNumber=chunk_number,
            resumableIdentifier=identifier,
            resumableTotalChunks=total_chunks,
            checksum=checksum,
        )

    def datasets_upload_chunk(
        self,
        dataset_id: str,
        key: str,
        chunk_number: int,
        total_chunks: int,
        target_chunk_size: int,
        current_chunk_size: int,
        identifier: str,
        resumable_relative_path: str,
        checksum: str,
    ) -> str:
        return self._url(
            self._paths.upload_chunk(dataset_id),
            key=key,
            resumableChunkNumber=chunk_number,
            resumableChunkSize=target_chunk_size,
            resumableCurrentChunkSize=current_chunk_size,
            resumableIdentifier=identifier,
            resumableRelativePath=resumable_relative_path,
            resumableTotalChunks=total_chunks,
            checksum=checksum,
        )

    def datasets_cancel_upload(self, dataset_id: str, upload_key: str) -> str:
        return self._url(self._paths.upload_cancel(dataset_id, upload_key))

    def datasets_end_upload(
        self, dataset_id: str, upload_key: str, target_relative_path: str | None = None
    ) -> str:
        return self._url(
            self._paths.upload_end(dataset_id, upload_key),
            targetRelativePath=target_relative_path or None,
        )

    # -- custom metrics and cost ---------------------------------------------------------------

    def metric_alerts(self) -> str:
        return self._url(self._paths.metric_alerts())

    def log_metrics(self) -> str:
        return self._url(self._paths.log_metrics())

    def read_metrics(self, model_monitoring_id: str, metric: str) -> str:
        return self._url(self._paths.read_metrics(model_monitoring_id, metric))

    def budget_settings(self) -> str:
        return self._url(self._paths.budget_alerts_settings())

    def budgets_default(self, budget_label: str | None = None) -> str:
        return self._url(self._paths.budget_defaults(budget_label or None))

    def budget_overrides(self, override_id: str | None = None) -> str:
        return self._url(self._paths.budget_overrides(override_id or None))

    def billing_tags_settings(self, mode_only: bool | None = False) -> str:
        return self._url(self._paths.billing_tag_settings(bool(mode_only)))

    def billing_tags(self, name: str | None = None) -> str:
        return self._url(self._paths.billing_tags(name or None))

    def project_billing_tag(self, project_id: str | None = None) -> str:
        return self._url(self._paths.project_billing_tag(str(project_id)))

    def projects_billing_tags(self) -> str:
        return self._url(self._paths.projects_billing_tags())
