"""Checks of domino.airflow that need Airflow but no DAG run (run by test_provider.py inside
each Airflow venv): registration, imports, the hook's precedence rules, the operators'
argument errors and their silence at construction. Prints one JSON object: check → "ok" or the
failure.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

from checks_main import run_all

MODULES = [
    "domino.airflow",
    "domino.airflow._compat",
    "domino.airflow._execution",
    "domino.airflow._polling",
    "domino.airflow._provider",
    "domino.airflow.hooks",
    "domino.airflow.links",
    "domino.airflow.operators",
    "domino.airflow.triggers",
]


def check_no_module_imports_a_deprecated_airflow_path() -> None:
    code = (
        "import importlib, warnings\n"
        "warnings.simplefilter('error', FutureWarning)\n"
        "warnings.simplefilter('error', DeprecationWarning)\n"
        "import airflow\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "from domino.airflow import *\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::FutureWarning", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def check_dag_parsing_does_not_load_the_client() -> None:
    # what a DAG file pays: importing the operators and building them loads neither the client
    # nor requests (both load when the task runs)
    code = (
        "import sys\n"
        "import airflow\n"
        "from domino.airflow import DominoJobOperator, DominoOperator, DominoSparkOperator\n"
        "DominoJobOperator(task_id='a', project='o/p', command='x.py')\n"
        "DominoOperator(task_id='b', project='o/p', command=['x.py'], tier='Small')\n"
        "DominoSparkOperator(task_id='c', project='o/p', command='x.py')\n"
        "loaded = [m for m in ('domino.domino', 'domino.exceptions') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def check_provider_is_registered_with_its_hook_link_and_connection_type() -> None:
    from airflow.providers_manager import ProvidersManager

    manager = ProvidersManager()
    provider = manager.providers["dominodatalab"]
    from domino._version import __version__

    assert provider.version == __version__, provider
    assert "domino" in manager.hooks, sorted(manager.hooks)
    hook_info = manager.hooks["domino"]
    assert hook_info is not None and hook_info.hook_class_name.endswith("DominoHook"), hook_info
    assert "domino.airflow.links.DominoJobLink" in manager.extra_links_class_names


def check_connection_form_is_declared() -> None:
    from domino.airflow._provider import get_provider_info
    from domino.airflow.hooks import DominoHook

    [conn_type] = get_provider_info()["connection-types"]
    assert set(conn_type["conn-fields"]) >= {"project", "token_file", "api_proxy", "verify_ssl"}
    behaviour = DominoHook.get_ui_field_behaviour()
    assert behaviour["relabeling"]["password"] == "API key or token"
    if int(__import__("airflow").__version__.split(".")[0]) < 3:
        widgets = DominoHook.get_connection_form_widgets()
        assert set(widgets) == set(conn_type["conn-fields"]), sorted(widgets)


def _conn(**fields: Any) -> None:
    os.environ["AIRFLOW_CONN_DOMINO_DEFAULT"] = json.dumps({"conn_type": "domino", **fields})


def check_hook_precedence_arguments_then_connection_then_environment() -> None:
    from domino.airflow.hooks import DominoHook

    _conn(
        host="conn.example.com",
        port=8443,
        password="conn-key-123",
        extra={"project": "c/p", "verify_ssl": "false"},
    )
    settings = DominoHook().settings_from(DominoHook().get_connection("domino_default"))
    assert settings.host == "https://conn.example.com:8443", settings
    assert settings.api_key == "conn-key-123" and settings.project == "c/p"
    assert settings.verify is False
    assert "conn-key-123" not in repr(settings)

    hook = DominoHook(host="http://arg:1", api_key="arg-key-456")
    explicit = hook.settings_from(hook.get_connection("domino_default"))
    assert explicit.host == "http://arg:1" and explicit.api_key == "arg-key-456"

    _conn(host="http://h:1", password="tok-789", extra={"auth_type": "token"})
    token = DominoHook().settings_from(DominoHook().get_connection("domino_default"))
    assert token.auth_token == "tok-789" and token.api_key is None

    # no default connection: the client's own DOMINO_* environment fills in
    del os.environ["AIRFLOW_CONN_DOMINO_DEFAULT"]
    nothing = DominoHook().settings_from(DominoHook()._lookup_connection())
    assert nothing.host is None and nothing.api_key is None


def check_missing_connection_settings_are_named_in_the_error() -> None:
    import tempfile

    from domino.airflow.hooks import DominoHook
    from domino.exceptions import MissingHostError, NoCredentialsError

    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp()  # no profile saved by `domino login`
    os.environ.pop("AIRFLOW_CONN_DOMINO_DEFAULT", None)
    _raises(
        lambda: DominoHook().get_client("o/p"),
        MissingHostError,
        "connection 'domino_default' is not defined",
        "AIRFLOW_CONN_DOMINO_DEFAULT",
    )
    _conn(host="http://127.0.0.1:9")
    try:
        _raises(
            lambda: DominoHook().get_client("o/p"),
            NoCredentialsError,
            "connection 'domino_default' has no password",
        )
    finally:
        del os.environ["AIRFLOW_CONN_DOMINO_DEFAULT"]


def check_a_named_connection_must_exist() -> None:
    from domino.airflow._compat import AirflowNotFoundException
    from domino.airflow.hooks import DominoHook

    try:
        DominoHook("no_such_conn")._lookup_connection()
    except AirflowNotFoundException:
        return
    raise AssertionError("a missing named connection was ignored")


def check_operators_do_no_network_io_when_constructed() -> None:
    from domino.airflow import DominoJobOperator, DominoOperator, DominoSparkOperator

    real = socket.socket.connect

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"network I/O in __init__: connect to {address}")

    socket.socket.connect = refuse  # type: ignore[method-assign]
    try:
        DominoJobOperator(task_id="a", project="o/p", command="x.py", host="http://10.0.0.1:1")
        DominoOperator(task_id="b", project="o/p", command=["x.py"], host="http://10.0.0.1:1")
        DominoSparkOperator(task_id="c", project="o/p", command="x.py", host="http://10.0.0.1:1")
    finally:
        socket.socket.connect = real  # type: ignore[method-assign]


def _raises(fn: Callable[[], Any], kind: type[BaseException], *words: str) -> None:
    try:
        fn()
    except kind as exc:
        for word in words:
            assert word in str(exc), (word, str(exc))
        return
    raise AssertionError(f"no {kind.__name__} raised")


def check_bad_arguments_are_clear_errors() -> None:
    from domino.airflow import DominoJobOperator, DominoOperator

    _raises(
        lambda: DominoOperator(
            task_id="a", project="o/p", command=["a.py"], commitId="1", commit_id="2"
        ),
        ValueError,
        "commitId",
        "commit_id",
    )
    _raises(
        lambda: DominoOperator(task_id="b", project="o/p", command=["a.py", "x"], is_direct=True),
        ValueError,
        "is_direct",
    )
    _raises(
        lambda: DominoJobOperator(task_id="c", project="o/p", command=""), ValueError, "command"
    )
    _raises(
        lambda: DominoJobOperator(task_id="d", project="o/p", command="a.py", poll_freq=0),
        ValueError,
        "poll_freq=0",
    )
    _raises(
        lambda: DominoJobOperator(
            task_id="e", project="o/p", command="a.py", branch="b", commit_id="c"
        ),
        ValueError,
        "branch",
    )


def check_templated_fields_take_an_upstream_xcom_arg() -> None:
    # `command=upstream_task()` is ordinary Airflow: it is resolved when the task runs, so the
    # operator must not reject it while the DAG file is parsed
    from datetime import datetime

    try:
        from airflow.sdk import DAG, task
    except ImportError:  # Airflow 2.10
        from airflow import DAG
        from airflow.decorators import task

    from domino.airflow import DominoJobOperator, DominoOperator, DominoSparkOperator

    with DAG("xcom_args", schedule=None, start_date=datetime(2024, 1, 1)):

        @task
        def upstream() -> str:
            return "x.py"

        value = upstream()
        job = DominoJobOperator(
            task_id="j", project=value, command=value, external_volume_mounts=value
        )
        run = DominoOperator(task_id="r", project="o/p", command=value)
        spark = DominoSparkOperator(task_id="s", project="o/p", command=value)
    assert job.command is value and job.project is value and run.command is value
    assert spark.command is value


def check_camel_case_names_still_work_with_a_deprecation_warning() -> None:
    from domino.airflow import DominoOperator

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        op = DominoOperator(
            task_id="a",
            project="o/p",
            command=["a.py"],
            isDirect=False,
            commitId="abc",
            publishApiEndpoint=True,
        )
    assert (op.is_direct, op.commit_id, op.publish_api_endpoint) == (False, "abc", True)
    messages = {str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)}
    assert "commitId is deprecated, use commit_id" in messages, messages


def check_public_template_fields_and_defaults() -> None:
    from domino.airflow import DominoOperator, DominoSparkOperator

    assert DominoOperator.template_fields == ("command", "title")
    assert DominoSparkOperator.template_fields == ("command",)
    run = DominoOperator(task_id="a", project="o/p", command=["a.py"])
    spark = DominoSparkOperator(task_id="b", project="o/p", command="a.py")
    assert (run.poll_freq, run.max_poll_time, run.startup_delay) == (5, 6000, 0)
    assert (spark.poll_freq, spark.max_poll_time, spark.startup_delay) == (5, 6000, 0)
    assert run.include_setup_log is True and run.wait_for_termination is True
    secret_fields = {"api_key", "auth_token"}
    for op in (run, spark):
        assert not secret_fields & set(op.template_fields)


def _with_env(name: str, value: str, fn: Callable[[], Any]) -> Any:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        return fn()
    finally:
        if old is None:
            del os.environ[name]
        else:
            os.environ[name] = old


def check_job_url_template_setting_shapes_the_link() -> None:
    # README (Airflow, Extra link): default {host}/jobs/{owner}/{project}/{job_id}, changed by
    # [domino] job_url_template / AIRFLOW__DOMINO__JOB_URL_TEMPLATE
    from domino.airflow.links import job_url

    assert job_url("http://h:1/", "alice/churn", "j1") == "http://h:1/jobs/alice/churn/j1"
    shaped = _with_env(
        "AIRFLOW__DOMINO__JOB_URL_TEMPLATE",
        "https://ui.example/{owner}/{project}/runs/{job_id}?from={host}",
        lambda: job_url("http://h:1", "alice/churn", "j1"),
    )
    assert shaped == "https://ui.example/alice/churn/runs/j1?from=http://h:1", shaped


def check_deferrable_defaults_to_operators_default_deferrable() -> None:
    # README (Airflow, Deferrable mode): `deferrable` defaults to [operators] default_deferrable
    from domino.airflow import DominoJobOperator, DominoOperator

    def build() -> list[bool]:
        return [
            DominoJobOperator(task_id="d1", project="o/p", command="x.py").deferrable,
            DominoOperator(task_id="d2", project="o/p", command=["x.py"]).deferrable,
        ]

    assert _with_env("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True", build) == [True, True]
    assert _with_env("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "False", build) == [False, False]
    explicit = _with_env(
        "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE",
        "True",
        lambda: DominoJobOperator(task_id="d3", project="o/p", command="x", deferrable=False),
    )
    assert explicit.deferrable is False


if __name__ == "__main__":
    run_all(globals())
