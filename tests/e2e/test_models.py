"""Models, versions, exports and the legacy endpoint against a live domino-server, including
published models answering predictions from a real process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from e2e_support import wait_for

import domino
from domino import exceptions
from domino.testing import LocalServer

MODEL_PY = """\
def predict(x, y=1):
    return {"sum": x + y}


def echo(data):
    return data
"""
MODEL_V2_PY = """\
def predict(x, y=1):
    return {"product": x * y}
"""


def predict(domino_server: Any, model_id: str, body: Any) -> requests.Response:
    return requests.post(
        f"{domino_server.url}/models/{model_id}/latest/model",
        json=body,
        headers=domino_server.headers(),
        timeout=90,
    )


def test_published_model_answers_predictions_and_new_versions_replace_it(
    client: domino.Domino, upload: Callable[[str, str], None], domino_server: Any
) -> None:
    upload("model.py", MODEL_PY)
    published = client.model_publish("model.py", "predict", None, "adder", "adds numbers")
    model_id = published["data"]["_id"]
    assert client.models_list()["data"][0]["id"] == model_id

    answer = predict(domino_server, model_id, {"data": {"x": 2, "y": 3}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["result"] == {"sum": 5}
    assert answer.json()["release"]["model_version_number"] == 1
    positional = predict(domino_server, model_id, {"parameters": [10]})
    assert positional.json()["result"] == {"sum": 11}

    upload("model.py", MODEL_V2_PY)
    version = client.model_version_publish(model_id, "model.py", "predict", None, "multiplies")
    assert version["number"] == 2
    numbers = [v["metadata"]["number"] for v in client.model_versions_get(model_id)["data"]]
    assert numbers == [1, 2]
    assert predict(domino_server, model_id, {"data": {"x": 2, "y": 3}}).json()["result"] == {
        "product": 6
    }


def test_model_errors_are_answered_not_hidden(
    client: domino.Domino, upload: Callable[[str, str], None], domino_server: Any
) -> None:
    upload("model.py", MODEL_PY)
    model_id = client.model_publish("model.py", "predict", None, "m", "")["data"]["_id"]
    failed = predict(domino_server, model_id, {"data": {"x": "a"}})  # "a" + 1 raises
    assert failed.status_code == 500 and "TypeError" in failed.json()["message"]
    assert predict(domino_server, model_id, {"nothing": 1}).status_code == 400
    assert predict(domino_server, "0" * 24, {"data": 1}).status_code == 404
    with pytest.raises(exceptions.BadRequestError, match="not found in commit"):
        client.model_publish("missing.py", "predict", None, "m", "")
    with pytest.raises(exceptions.BadRequestError, match="environment"):
        client.model_publish("model.py", "predict", "0" * 24, "m", "")


def test_export_is_recorded_and_says_no_image_was_built(
    client: domino.Domino, upload: Callable[[str, str], None]
) -> None:
    upload("model.py", MODEL_PY)
    env = client.create_environment("model-env", "Private", base_image="python:3.12")
    model_id = client.model_publish("model.py", "echo", env["id"], "m", "")["data"]["_id"]
    assert client.models_list()["data"][0]["environmentId"] == env["id"]
    version_id = client.model_versions_get(model_id)["data"][0]["_id"]
    export = client.model_version_export(
        model_id, version_id, "registry.example.com", "me", "pw", "repo", "v1"
    )
    assert export["status"] == "failed"
    status = client.model_version_export_status(export["exportId"])
    assert status["status"] == "failed"
    logs = client.model_version_export_logs(export["exportId"])["logs"]
    assert "builds no images" in logs and "pw" not in logs
    sagemaker = client.model_version_sagemaker_export(
        model_id, version_id, "r.example.com", "me", "pw", "repo", "v1"
    )
    assert "SageMaker" in client.model_version_export_logs(sagemaker["exportId"])["logs"]


def test_legacy_endpoint_publish_state_predict_unpublish(
    client: domino.Domino, upload: Callable[[str, str], None], domino_server: Any
) -> None:
    owner, name = client.project.split("/")
    url = f"{domino_server.url}/v1/{owner}/{name}/endpoint"
    assert client.endpoint_state()["isPublished"] is False
    upload("model.py", MODEL_PY)
    commit = client.commits_list()[0]
    commit = commit if isinstance(commit, str) else commit["id"]
    assert client.endpoint_publish("model.py", "echo", commit)
    state = client.endpoint_state()
    assert state["isPublished"] is True and state["commitId"] == commit
    answer = requests.post(url, json={"data": [1, 2]}, headers=domino_server.headers(), timeout=90)
    assert answer.json()["result"] == [1, 2]
    wait_for(client.endpoint_state, lambda s: s["status"] == "Running", what="endpoint running")
    assert client.endpoint_unpublish()
    assert client.endpoint_state()["isPublished"] is False
    gone = requests.post(url, json={"data": 1}, headers=domino_server.headers(), timeout=90)
    assert gone.status_code == 503


def test_a_published_model_serves_again_after_a_server_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "server-data"
    with LocalServer(data_dir) as first:
        key = first.api_key
        d = first.client("admin/quick-start")
        d.files_upload("/model.py", MODEL_PY)
        model_id = d.model_publish("model.py", "predict", None, "kept", "")["data"]["_id"]
        assert predict(first, model_id, {"data": {"x": 1}}).json()["result"] == {"sum": 2}
    with LocalServer(data_dir, api_key=key) as second:
        # started again on the first prediction
        assert predict(second, model_id, {"data": {"x": 5}}).json()["result"] == {"sum": 6}
