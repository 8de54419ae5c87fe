"""domino.constants, domino.domino_enums, domino.http_request_manager, domino.datasets,
domino.data_sources / domino.training_sets, and the public names added to authentication and
helpers (domino-api-2x.md §1.4, §4)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import requests_mock
from wire_support import HOST

from domino import authentication, constants, domino_enums, exceptions, helpers
from domino.http_request_manager import R_SESSION_MAX_RETRIES, _HttpRequestManager

INSTALL_HINT = (
    "{} is not installed.\n\n"
    "Please pip install dominodatalab-data:\n\n"
    "  python -m pip install dominodatalab-data   # install directly\n"
    '  python -m pip install "dominodatalab[data]" --upgrade   # install via extra dependency'
)


def test_constants_have_the_public_values() -> None:
    assert constants.MINIMUM_SUPPORTED_DOMINO_VERSION == "4.1.0"
    assert constants.DOMINO_HOST_KEY_NAME == "DOMINO_API_HOST"
    assert constants.DOMINO_TOKEN_FILE_KEY_NAME == "DOMINO_TOKEN_FILE"
    assert constants.DOMINO_USER_API_KEY_KEY_NAME == "DOMINO_USER_API_KEY"
    assert ("MPI", "5.1.1") in constants.CLUSTER_TYPE_MIN_SUPPORT
    assert len(constants.__all__) == 14


def test_enums_are_plain_enums_with_the_public_values() -> None:
    assert domino_enums.BudgetLabel.PROJECT.value == "Project"
    assert domino_enums.BudgetLabel.PROJECT != "Project"  # not a str mix-in, as upstream
    assert [m.value for m in domino_enums.BillingTagSettingMode] == [
        "Disabled",
        "Optional",
        "Required",
    ]
    assert domino_enums.ProjectVisibility.SEARCHABLE.value == "Searchable"
    assert {m.value for m in domino_enums.BudgetType} == {"Override", "Default"}


def test_domino_domino_re_exports_enums_and_constants() -> None:
    from domino.domino import DOMINO_HOST_KEY_NAME, BudgetLabel

    assert BudgetLabel is domino_enums.BudgetLabel and DOMINO_HOST_KEY_NAME == "DOMINO_API_HOST"


def test_http_request_manager_checks_status_and_maps_409() -> None:
    manager = _HttpRequestManager(authentication.ApiKeyAuth("k"))
    assert manager.request_session is manager.session and R_SESSION_MAX_RETRIES == 4
    with requests_mock.Mocker() as wire:
        wire.get(f"{HOST}/ok", json={"a": 1})
        wire.get(f"{HOST}/gone", status_code=404, json={"message": "no"})
        wire.get(f"{HOST}/relogin", status_code=409)
        assert manager.get(f"{HOST}/ok").json() == {"a": 1}
        assert wire.last_request.headers["X-Domino-Api-Key"] == "k"
        with pytest.raises(exceptions.NotFoundError):
            manager.get(f"{HOST}/gone")
        with pytest.raises(exceptions.ReloginRequiredException):
            manager.get(f"{HOST}/relogin")


def test_bearer_auth_and_get_auth_by_type(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("tok-1\nignored\n")
    by_file = authentication.BearerAuth(domino_token_file=str(token_file))
    assert by_file._from_token_file() == "tok-1" and by_file.auth_token is None
    with requests_mock.Mocker() as wire:
        wire.get(f"{HOST}/x")
        _HttpRequestManager(by_file).get(f"{HOST}/x")
        assert wire.last_request.headers["Authorization"] == "Bearer tok-1"
        token_file.write_text("tok-2\n")  # re-read per request
        _HttpRequestManager(by_file).get(f"{HOST}/x")
        assert wire.last_request.headers["Authorization"] == "Bearer tok-2"
    assert "tok-2" not in repr(by_file) and "tok-2" not in repr(vars(by_file))
    proxy = authentication.get_auth_by_type(api_key="k", api_proxy="localhost:1234")
    assert isinstance(proxy, authentication.ProxyAuth)
    assert proxy.api_proxy == "http://localhost:1234"
    assert proxy._replaceHostWithProxy("https://d.example.com/v4/x?y=1") == (
        "http://localhost:1234/v4/x?y=1"
    )
    key = authentication.get_auth_by_type(api_key="k")
    assert isinstance(key, authentication.ApiKeyAuth) and key.api_key == "k"
    assert authentication.DOMINO_TOKEN_FILE_KEY_NAME == "DOMINO_TOKEN_FILE"


def test_helpers_version_checks() -> None:
    assert helpers.is_version_compatible("4.1.0") and not helpers.is_version_compatible("4.0.9")
    assert helpers.is_version_compatible("10.0.0")  # numeric, not string, comparison
    assert helpers.is_cluster_type_supported("5.1.1", "MPI")
    assert not helpers.is_cluster_type_supported("5.1.0", "MPI")
    assert not helpers.is_cluster_type_supported("9.0.0", "spark")  # case-sensitive
    assert helpers.is_compute_cluster_autoscaling_supported("5.0.0")
    assert helpers.is_compute_cluster_properties_supported("4.5.0")
    assert not helpers.is_on_demand_spark_cluster_supported("4.1.9")
    assert helpers.is_external_volume_mounts_supported("4.3.3")
    assert str(helpers.parse_version("5.10.0")) == "5.10.0"
    assert helpers.constants is constants


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (nothing of this test process imported)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", ["domino.data_sources", "domino.training_sets"])
def test_data_wrappers_without_dominodatalab_data_say_how_to_install(module: str) -> None:
    if importlib.util.find_spec("domino_data") is not None:
        pytest.skip("dominodatalab-data is installed here")
    # a child process, where dominodatalab-data is not installed (it is not a dev dependency)
    code = f"try:\n    import {module}\nexcept ImportError as e:\n    print(str(e), end='')\n"
    done = _python(code)
    assert done.stdout == INSTALL_HINT.format(module), done.stderr


def test_data_sources_re_exports_the_same_objects(tmp_path: Path) -> None:
    fake = tmp_path / "domino_data"
    (fake / "training_sets").mkdir(parents=True)
    (fake / "__init__.py").write_text("version = '0-fake'\n")
    (fake / "data_sources.py").write_text(
        "class DataSourceClient: pass\n"
        "def __getattr__(name):\n"
        "    if name == 'S3Config':\n        return 'lazy-config'\n"
        "    raise AttributeError(name)\n"
    )
    (fake / "training_sets" / "__init__.py").write_text("def get_training_set(name): return name\n")
    (fake / "training_sets" / "client.py").write_text("def list_training_sets(): return []\n")
    (fake / "training_sets" / "model.py").write_text("class TrainingSet: pass\n")
    code = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r})\n"
        "import domino.data_sources as ds, domino_data.data_sources as src\n"
        "import domino.training_sets as ts\n"
        "assert ds.DataSourceClient is src.DataSourceClient\n"
        "assert ds.S3Config == 'lazy-config'\n"
        "assert ts.TrainingSetClient.list_training_sets() == []\n"
        "assert ts.model.TrainingSet.__name__ == 'TrainingSet'\n"
        "assert ts.get_training_set('x') == 'x'\n"
        "print('ok')\n"
    )
    done = _python(code)
    assert done.stdout.strip() == "ok", done.stderr


def test_domino_datasets_is_reachable_without_an_import_and_not_loaded_eagerly() -> None:
    code = (
        "import sys, domino\n"
        "assert 'domino.datasets' not in sys.modules\n"
        "assert domino.datasets.MAX_WORKERS == 10\n"
        "assert domino.http_request_manager.R_SESSION_MAX_RETRIES == 4\n"
        "print('ok')\n"
    )
    done = _python(code)
    assert done.stdout.strip() == "ok", done.stderr
