"""Every URL path the client calls, in one place.

Paths are relative to the deployment's base URL (they start with ``/``; the HTTP layer adds the
host). Unlike the public client, every path segment that comes from a caller or the server
(owner, project name, ids, commit ids, tag ids, file paths) is percent-encoded, so names holding
``&``, ``#``, ``?`` or spaces cannot change the meaning of a URL. File paths keep their ``/``
separators. Query strings are never built here: callers pass them to ``requests`` as
``params=`` so values are encoded too.

The wire paths themselves are exactly the public client's (see domino-api.md §5), including
the case of ``modelProducts``, ``hardwareTiers`` and friends and the double slash that a
leading-slash file path produces.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["Routes", "_Routes", "segment", "file_path"]


def segment(value: object) -> str:
    """One path segment, percent-encoded (``/`` included)."""
    return quote(str(value), safe="")


def file_path(value: str) -> str:
    """A file path inside a project: percent-encoded, ``/`` separators kept."""
    return quote(value, safe="/")


class Routes:
    """URL paths for one ``owner/project``; methods return paths starting with ``/``."""

    def __init__(self, owner: str, project: str) -> None:
        self.owner = owner
        self.project = project
        self._v1_project = f"/v1/projects/{segment(owner)}/{segment(project)}"

    # ------------------------------------------------------------------ deployment / projects

    @staticmethod
    def version() -> str:
        return "/version"

    @staticmethod
    def find_project() -> str:
        # query: ownerName, projectName (in that order)
        return "/v4/gateway/projects/findProjectByOwnerAndName"

    @staticmethod
    def project_create() -> str:
        return "/project"

    @staticmethod
    def project_v4(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}"

    def collaborators_get(self) -> str:
        return f"/{segment(self.owner)}/{segment(self.project)}/collaborators"

    @staticmethod
    def users() -> str:
        return "/v4/users"

    @staticmethod
    def collaborators_add(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/collaborators"

    @staticmethod
    def collaborators_remove(project_id: str, user_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/collaborators/{segment(user_id)}"

    # ------------------------------------------------------------------ tags

    @staticmethod
    def tag_details(tag_id: str) -> str:
        return f"/projectTags/{segment(tag_id)}"

    @staticmethod
    def tags_add(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/tags"

    @staticmethod
    def tags_remove(project_id: str, tag_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/tags/{segment(tag_id)}"

    # ------------------------------------------------------------------ v1 runs

    def runs(self) -> str:
        return f"{self._v1_project}/runs"

    def run(self, run_id: str) -> str:
        return f"{self._v1_project}/runs/{segment(run_id)}"

    def run_stdout(self, run_id: str) -> str:
        # singular "run" on this route only
        return f"{self._v1_project}/run/{segment(run_id)}/stdout"

    # ------------------------------------------------------------------ files, commits, blobs

    def commits(self) -> str:
        return f"{self._v1_project}/commits"

    def files_list(self, commit_id: str, path: str) -> str:
        return f"{self._v1_project}/files/{segment(commit_id)}/{file_path(path)}"

    def files_upload(self, path: str) -> str:
        # ``path`` already starts with "/"
        return f"{self._v1_project}{file_path(path)}"

    def blob(self, key: str) -> str:
        return f"{self._v1_project}/blobs/{segment(key)}"

    @staticmethod
    def blob_v2(path: str, commit_id: str, project_id: str) -> str:
        return (
            f"/api/projects/v1/projects/{segment(project_id)}/files/"
            f"{segment(commit_id)}/{file_path(path)}/content"
        )

    # ------------------------------------------------------------------ v4 jobs

    @staticmethod
    def job_start() -> str:
        return "/v4/jobs/start"

    @staticmethod
    def job_stop() -> str:
        return "/v4/jobs/stop"

    @staticmethod
    def job_restart() -> str:
        return "/v4/jobs/restart"

    @staticmethod
    def jobs() -> str:
        # query: projectId, order_by, sort_by, [page_size], page_no, show_archived, status, [tag]
        return "/v4/jobs"

    @staticmethod
    def job(job_id: str) -> str:
        return f"/v4/jobs/{segment(job_id)}"

    @staticmethod
    def job_runtime_execution_details(job_id: str) -> str:
        return f"/v4/jobs/{segment(job_id)}/runtimeExecutionDetails"

    @staticmethod
    def default_spark_settings(project_id: str) -> str:
        return f"/v4/jobs/project/{segment(project_id)}/defaultSparkSettings"

    @staticmethod
    def useable_environments(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/useableEnvironments"

    @staticmethod
    def hardware_tiers(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/hardwareTiers"

    # ------------------------------------------------------------------ apps (model products)

    @staticmethod
    def apps() -> str:
        # GET with query projectId lists; POST creates
        return "/v4/modelProducts"

    @staticmethod
    def app(app_id: str) -> str:
        return f"/v4/modelProducts/{segment(app_id)}"

    @staticmethod
    def app_start(app_id: str) -> str:
        return f"/v4/modelProducts/{segment(app_id)}/start"

    @staticmethod
    def app_stop(app_id: str) -> str:
        return f"/v4/modelProducts/{segment(app_id)}/stop"

    # ------------------------------------------------------------------ datasets

    @staticmethod
    def datasets() -> str:
        # GET (optional query projectId) lists; POST creates
        return "/dataset"

    @staticmethod
    def dataset(dataset_id: str) -> str:
        return f"/dataset/{segment(dataset_id)}"

    # ------------------------------------------------------------------ dataset upload (datasetrw)

    @staticmethod
    def upload_start(dataset_id: str) -> str:
        return f"/v4/datasetrw/datasets/{segment(dataset_id)}/snapshot/file/start"

    @staticmethod
    def upload_test(dataset_id: str) -> str:
        return f"/v4/datasetrw/datasets/{segment(dataset_id)}/snapshot/file/test"

    @staticmethod
    def upload_chunk(dataset_id: str) -> str:
        return f"/v4/datasetrw/datasets/{segment(dataset_id)}/snapshot/file"

    @staticmethod
    def upload_end(dataset_id: str, key: str) -> str:
        return f"/v4/datasetrw/datasets/{segment(dataset_id)}/snapshot/file/end/{segment(key)}"

    @staticmethod
    def upload_cancel(dataset_id: str, key: str) -> str:
        return f"/v4/datasetrw/datasets/{segment(dataset_id)}/snapshot/file/cancel/{segment(key)}"

    # ------------------------------------------------------------------ projects v4 (2.x)

    @staticmethod
    def projects_list() -> str:
        # query: relationship, showCompleted
        return "/v4/gateway/projects"

    @staticmethod
    def projects_v4() -> str:
        return "/v4/projects"

    @staticmethod
    def fork_project(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/fork"

    # ------------------------------------------------------------------ environments

    @staticmethod
    def environments_list() -> str:
        return "/v1/environments"

    @staticmethod
    def environment_default() -> str:
        return "/v4/environments/defaultEnvironment"

    @staticmethod
    def environment(environment_id: str) -> str:
        return f"/api/environments/v1/environments/{segment(environment_id)}"

    @staticmethod
    def environment_create() -> str:
        return "/api/environments/beta/environments"

    @staticmethod
    def environment_revisions(environment_id: str) -> str:
        return f"/api/environments/beta/environments/{segment(environment_id)}/revisions"

    @staticmethod
    def environment_revision(environment_id: str, revision_id: str) -> str:
        return (
            f"/api/environments/beta/environments/{segment(environment_id)}"
            f"/revisions/{segment(revision_id)}"
        )

    # ------------------------------------------------------------------ models (Model Manager)

    def models_list(self) -> str:
        return f"{self._v1_project}/models"

    @staticmethod
    def models() -> str:
        return "/v1/models"

    @staticmethod
    def model_versions(model_id: str) -> str:
        return f"/v1/models/{segment(model_id)}/versions"

    @staticmethod
    def model_version_export(model_id: str, version_id: str, target: str) -> str:
        # target: exportImageToRegistry | exportImageForSagemaker
        return f"/v4/models/{segment(model_id)}/{segment(version_id)}/{target}"

    @staticmethod
    def model_export(export_id: str, what: str) -> str:
        # what: getExportImageStatus | getExportLogs (the export id sits where the model id does)
        return f"/v4/models/{segment(export_id)}/{what}"

    def endpoint(self) -> str:
        # legacy model API: no "projects/" segment
        return f"/v1/{segment(self.owner)}/{segment(self.project)}/endpoint"

    # ------------------------------------------------------------------ cost: budgets

    @staticmethod
    def budget_defaults(label: str | None = None) -> str:
        base = "/v4/cost/budgets/defaults"
        return base if label is None else f"{base}/{segment(label)}"

    @staticmethod
    def budget_overrides(override_id: str | None = None) -> str:
        base = "/v4/cost/budgets/overrides"
        return base if override_id is None else f"{base}/{segment(override_id)}"

    @staticmethod
    def budget_alerts_settings() -> str:
        return "/v4/cost/budgets/global/alertsSettings"

    # ------------------------------------------------------------------ cost: billing tags

    @staticmethod
    def billing_tags(name: str | None = None) -> str:
        base = "/v4/cost/billingtags"
        return base if name is None else f"{base}/{segment(name)}"

    @staticmethod
    def billing_tag_settings(mode_only: bool = False) -> str:
        return "/v4/cost/billingtagSettings" + ("/mode" if mode_only else "")

    @staticmethod
    def project_billing_tag(project_id: str) -> str:
        return f"/v4/projects/{segment(project_id)}/billingtag"

    @staticmethod
    def projects_billing_tags() -> str:
        return "/v4/projects/billingtags/projects"

    # ------------------------------------------------------------------ custom metrics

    @staticmethod
    def metric_alerts() -> str:
        return "/api/metricAlerts/v1"

    @staticmethod
    def log_metrics() -> str:
        # the public client's name (its custom-metrics client calls routes.log_metrics())
        return "/api/metricValues/v1"

    @staticmethod
    def read_metrics(model_monitoring_id: str, metric: str) -> str:
        return f"/api/metricValues/v1/{segment(model_monitoring_id)}/{segment(metric)}"

    @staticmethod
    def metric_values(model_monitoring_id: str | None = None, metric: str | None = None) -> str:
        base = "/api/metricValues/v1"
        if model_monitoring_id is None or metric is None:
            return base
        return f"{base}/{segment(model_monitoring_id)}/{segment(metric)}"


# the public client's absolute-URL route builder (imported last: it builds on Routes)
from domino._public_routes import _Routes  # noqa: E402
