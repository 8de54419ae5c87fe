"""The public surface: exports, the 2.2.0 method signatures, and a light ``import domino``."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from typing import Any

import pytest
import requests

import domino
import domino.exceptions
from domino import Domino
from domino.domino_enums import ProjectVisibility

REQUIRED = inspect.Parameter.empty

# name → [(parameter, default)] of the public dominodatalab 2.2.0 client (REQUIRED = no default).
# Renamed parameters (2.2.0 used a sentinel) list the documented default.
PUBLIC_SIGNATURES: dict[str, list[tuple[str, Any]]] = {
    "__init__": [
        ("project", REQUIRED),
        ("api_key", None),
        ("host", None),
        ("domino_token_file", None),
        ("auth_token", None),
        ("api_proxy", None),
    ],
    "authenticate": [
        ("api_key", None),
        ("auth_token", None),
        ("domino_token_file", None),
        ("api_proxy", None),
    ],
    "deployment_version": [],
    "requires_at_least": [("at_least_version", REQUIRED)],
    "project_create": [("project_name", REQUIRED), ("owner_username", None)],
    "collaborators_get": [],
    "get_user_id": [("username_or_email", REQUIRED)],
    "collaborators_add": [("username_or_email", REQUIRED), ("message", "")],
    "collaborators_remove": [("username_or_email", REQUIRED)],
    "tags_list": [("project_id", None)],
    "tag_details": [("tag_id", REQUIRED)],
    "tags_add": [("tags", REQUIRED), ("project_id", None)],
    "tag_get_id": [("tag_name", REQUIRED), ("project_id", None)],
    "tags_remove": [("tag_name", REQUIRED), ("project_id", None)],
    "runs_list": [],
    "runs_start": [
        ("command", REQUIRED),
        ("is_direct", False),
        ("commit_id", None),
        ("title", None),
        ("tier", None),
        ("publish_api_endpoint", None),
    ],
    "runs_status": [("run_id", REQUIRED)],
    "runs_start_blocking": [
        ("command", REQUIRED),
        ("is_direct", False),
        ("commit_id", None),
        ("title", None),
        ("tier", None),
        ("publish_api_endpoint", None),
        ("poll_freq", 5),
        ("max_poll_time", 6000),
        ("retry_count", 5),
    ],
    "run_stop": [("run_id", None), ("save_changes", True)],
    "runs_stdout": [("run_id", REQUIRED)],
    "get_run_log": [("run_id", REQUIRED), ("include_setup_log", True)],
    "get_run_info": [("run_id", REQUIRED)],
    "process_log": [("log", REQUIRED)],
    "job_start": [
        ("command", REQUIRED),
        ("commit_id", None),
        ("hardware_tier_id", None),
        ("hardware_tier_name", None),
        ("environment_id", None),
        ("on_demand_spark_cluster_properties", None),
        ("compute_cluster_properties", None),
        ("external_volume_mounts", None),
        ("title", None),
        ("main_repo_git_ref", None),
        ("branch", None),
    ],
    "job_stop": [("job_id", REQUIRED), ("commit_results", True)],
    "job_status": [("job_id", REQUIRED)],
    "job_start_blocking": [
        ("poll_freq", 5),
        ("max_poll_time", 6000),
        ("ignore_exceptions", (requests.exceptions.RequestException,)),
    ],
    "jobs_list": [
        ("project_id", REQUIRED),
        ("order_by", "number"),
        ("sort_by", "desc"),
        ("page_size", None),
        ("page_no", 1),
        ("show_archived", "false"),
        ("status", "all"),
        ("tag", None),
    ],
    "job_restart": [("job_id", REQUIRED), ("should_use_original_input_commit", True)],
    "job_runtime_execution_details": [("job_id", REQUIRED)],
    "hardware_tiers_list": [],
    "get_hardware_tier_id_from_name": [("hardware_tier_name", REQUIRED)],
    "commits_list": [],
    "files_list": [("commit_id", REQUIRED), ("path", "/")],
    "files_upload": [("path", REQUIRED), ("file", REQUIRED)],
    "blobs_get": [("key", REQUIRED)],
    "blobs_get_v2": [("path", REQUIRED), ("commit_id", REQUIRED), ("project_id", REQUIRED)],
    "files_download": [("path", REQUIRED), ("commit_id", None)],
    "app_publish": [
        ("unpublish_running_apps", True),
        ("hardware_tier_id", None),
        ("environment_id", None),
        ("external_volume_mount_ids", None),
        ("commit_id", None),
        ("branch", None),
        ("app_id", None),
    ],
    "app_unpublish": [("app_id", None)],
    "app_get_status": [("app_id", REQUIRED)],
    "datasets_list": [("project_id", None)],
    "datasets_ids": [("project_id", REQUIRED)],
    "datasets_names": [("project_id", REQUIRED)],
    "datasets_details": [("dataset_id", REQUIRED)],
    "datasets_create": [("dataset_name", REQUIRED), ("dataset_description", REQUIRED)],
    "datasets_update_details": [
        ("dataset_id", REQUIRED),
        ("dataset_name", None),
        ("dataset_description", None),
    ],
    "datasets_remove": [("dataset_ids", REQUIRED)],
    "datasets_upload_files": [
        ("dataset_id", REQUIRED),
        ("local_path_to_file_or_directory", REQUIRED),
        ("file_upload_setting", None),
        ("max_workers", None),
        ("target_chunk_size", None),
        ("target_relative_path", None),
    ],
    # the 2.x families (domino-api-2x.md §1.1)
    "active_billing_tag_by_name": [("name", REQUIRED)],
    "archive_environment": [("environment_id", REQUIRED)],
    "billing_tag_archive": [("name", REQUIRED)],
    "billing_tag_settings": [],
    "billing_tag_settings_mode": [],
    "billing_tag_settings_mode_update": [("mode", REQUIRED)],
    "billing_tags_create": [("tags_list", REQUIRED)],
    "billing_tags_list_active": [],
    "budget_alerts_settings": [],
    "budget_alerts_settings_update": [("alerts_enabled", None), ("notify_org_owner", None)],
    "budget_alerts_targets_update": [("targets", REQUIRED)],
    "budget_defaults_list": [],
    "budget_defaults_update": [("budget_label", REQUIRED), ("budget_limit", REQUIRED)],
    "budget_override_create": [
        ("budget_label", REQUIRED),
        ("budget_id", REQUIRED),
        ("budget_limit", REQUIRED),
    ],
    "budget_override_delete": [("budget_id", REQUIRED)],
    "budget_override_update": [
        ("budget_label", REQUIRED),
        ("budget_id", REQUIRED),
        ("budget_limit", REQUIRED),
    ],
    "budget_overrides_list": [],
    "create_environment": [
        ("name", REQUIRED),
        ("visibility", REQUIRED),
        ("dockerfile_instructions", ""),
        ("environment_variables", None),
        ("base_image", ""),
        ("post_run_script", ""),
        ("post_setup_script", ""),
        ("pre_run_script", ""),
        ("pre_setup_script", ""),
        ("skip_cache", False),
        ("summary", ""),
        ("supported_clusters", None),
        ("tags", None),
        ("use_vpn", False),
        ("workspace_tools", None),
        ("add_base_dependencies", True),
        ("description", ""),
        ("is_restricted", False),
        ("organization_owner_id", None),
    ],
    "create_environment_revision": [
        ("environment_id", REQUIRED),
        ("dockerfile_instructions", ""),
        ("environment_variables", None),
        ("base_image", None),
        ("post_run_script", ""),
        ("post_setup_script", ""),
        ("pre_run_script", ""),
        ("pre_setup_script", ""),
        ("skip_cache", False),
        ("summary", ""),
        ("supported_clusters", None),
        ("tags", None),
        ("use_vpn", False),
        ("workspace_tools", None),
    ],
    "custom_metrics_client": [],
    "endpoint_publish": [("file", REQUIRED), ("function", REQUIRED), ("commit_id", None)],
    "endpoint_state": [],
    "endpoint_unpublish": [],
    "environments_list": [],
    "fork_project": [("target_name", REQUIRED)],
    "get_default_environment": [],
    "get_environment": [("environment_id", REQUIRED)],
    "model_publish": [
        ("file", REQUIRED),
        ("function", REQUIRED),
        ("environment_id", REQUIRED),
        ("name", REQUIRED),
        ("description", REQUIRED),
        ("files_to_exclude", None),
    ],
    "model_version_export": [
        ("model_id", REQUIRED),
        ("model_version_id", REQUIRED),
        ("registry_host", REQUIRED),
        ("registry_username", REQUIRED),
        ("registry_password", REQUIRED),
        ("repository_name", REQUIRED),
        ("image_tag", REQUIRED),
    ],
    "model_version_export_logs": [("model_export_id", REQUIRED)],
    "model_version_export_status": [("model_export_id", REQUIRED)],
    "model_version_publish": [
        ("model_id", REQUIRED),
        ("file", REQUIRED),
        ("function", REQUIRED),
        ("environment_id", REQUIRED),
        ("description", REQUIRED),
        ("files_to_exclude", None),
    ],
    "model_version_sagemaker_export": [
        ("model_id", REQUIRED),
        ("model_version_id", REQUIRED),
        ("registry_host", REQUIRED),
        ("registry_username", REQUIRED),
        ("registry_password", REQUIRED),
        ("repository_name", REQUIRED),
        ("image_tag", REQUIRED),
    ],
    "model_versions_get": [("model_id", REQUIRED)],
    "models_list": [],
    "project_archive": [("project_name", REQUIRED)],
    "project_billing_tag": [("project_id", None)],
    "project_billing_tag_bulk_update": [("projects_tag", REQUIRED)],
    "project_billing_tag_reset": [("project_id", None)],
    "project_billing_tag_update": [("billing_tag", REQUIRED), ("project_id", None)],
    "project_create_v4": [
        ("project_name", REQUIRED),
        ("owner_id", None),
        ("owner_username", None),
        ("description", ""),
        ("collaborators", None),
        ("tags", None),
        ("billing_tag", None),
        ("visibility", ProjectVisibility.PUBLIC),
    ],
    "projects_by_billing_tag": [
        ("billing_tag", None),
        ("offset", 0),
        ("page_size", 10),
        ("name_filter", None),
        ("sort_by", None),
        ("sort_order", None),
        ("missing_tag_only", False),
    ],
    "projects_list": [("relationship", "Owned"), ("show_completed", False)],
    "restrict_environment_revision": [("environment_id", REQUIRED), ("revision_id", REQUIRED)],
}
PUBLIC_PROPERTIES = ["project_id", "app_id", "log", "host"]
PUBLIC_EXCEPTION_NAMES = [
    "DominoException",
    "ReloginRequiredException",
    "RunFailedException",
    "RunNotFoundException",
    "ProjectNotFoundException",
    "UserNotFoundException",
    "DatasetExistsException",
    "DatasetNotFoundException",
    "HardwareTierNotFoundException",
    "EnvironmentNotFoundException",
    "CommitNotFoundException",
    "OnDemandSparkClusterNotSupportedException",
    "ExternalVolumeMountsNotSupportedException",
    "UnsupportedFieldException",
    "MalformedInputException",
    "MissingRequiredFieldException",
    "UnsupportedOperationException",
]
HEAVY_MODULES = ["bs4", "airflow", "domino.server", "fastapi", "uvicorn", "tqdm", "pandas"]


def test_package_all_is_explicit_and_importable() -> None:
    assert "Domino" in domino.__all__ and "__version__" in domino.__all__
    assert len(domino.__all__) == len(set(domino.__all__))
    for name in domino.__all__:
        assert hasattr(domino, name), name
    assert not [n for n in domino.__all__ if n.startswith("_") and n != "__version__"]
    public_names = {n for n in vars(domino) if not n.startswith("_")}
    # submodules are reachable as attributes but only "exceptions" is advertised
    modules = {n for n in public_names if inspect.ismodule(getattr(domino, n))}
    assert public_names - modules <= set(domino.__all__)


def test_version_string() -> None:
    assert isinstance(domino.__version__, str) and domino.__version__[0].isdigit()


def test_every_public_client_exception_name_exists_under_domino_exception() -> None:
    for name in PUBLIC_EXCEPTION_NAMES:
        assert name in domino.exceptions.__all__, name
        cls = getattr(domino.exceptions, name)
        assert issubclass(cls, domino.exceptions.DominoException)
        assert getattr(domino, name) is cls


def test_exceptions_all_lists_only_existing_names() -> None:
    for name in domino.exceptions.__all__:
        assert hasattr(domino.exceptions, name), name


@pytest.mark.parametrize("method", sorted(PUBLIC_SIGNATURES))
def test_signature_matches_public_2_2_0_client(method: str) -> None:
    signature = inspect.signature(getattr(Domino, method))
    params = [p for p in signature.parameters.values() if p.name != "self"]
    positional = [
        (p.name, p.default)
        for p in params
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)
    ]
    assert positional == PUBLIC_SIGNATURES[method]
    # anything extra is keyword-only, so positional callers of 2.2.0 are unaffected
    extra = [p for p in params if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.POSITIONAL_ONLY)]
    assert all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in extra)


def test_job_start_blocking_forwards_keywords() -> None:
    params = inspect.signature(Domino.job_start_blocking).parameters.values()
    assert any(p.kind is p.VAR_KEYWORD for p in params)


@pytest.mark.parametrize("name", PUBLIC_PROPERTIES)
def test_public_properties(name: str) -> None:
    assert isinstance(inspect.getattr_static(Domino, name), property)


def test_renamed_methods_keep_a_clean_signature_for_tools() -> None:
    assert "isDirect" not in inspect.signature(Domino.runs_start).parameters
    assert Domino.runs_start.__name__ == "runs_start" and Domino.runs_start.__doc__


def test_import_domino_is_light() -> None:
    code = "import json, sys; import domino; print(json.dumps(sorted(m for m in sys.modules)))"
    loaded = set(
        json.loads(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
    )
    heavy = [m for m in loaded if any(m == h or m.startswith(h + ".") for h in HEAVY_MODULES)]
    assert heavy == []
    assert "domino._upload" not in loaded  # loaded on first datasets_upload_files


def test_import_domino_loads_the_client_only_when_first_used() -> None:
    # DAG files import domino.airflow (and Airflow's provider discovery domino._version) over
    # and over: the package itself must not pull in the client and requests
    code = (
        "import sys, domino\n"
        "assert 'requests' not in sys.modules and 'domino.domino' not in sys.modules\n"
        "from domino import Domino, RunFailedException\n"
        "assert Domino.__module__ == 'domino.domino'\n"
        "assert domino.exceptions.RunFailedException is RunFailedException\n"
        "assert 'Domino' in dir(domino) and domino.routes.__name__ == 'domino.routes'\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "ok", done.stderr
