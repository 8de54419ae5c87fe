"""The one place that knows where Airflow 3.x and 2.10 keep things.

Airflow 3 moved the authoring API to ``airflow.sdk``; the 2.x paths still import there but warn
(``DeprecatedImportWarning``, a ``FutureWarning``). Everything else in ``domino.airflow`` imports
Airflow names from here, so no module of this package touches a deprecated path on 3.x and the
2.10 fallbacks are written once. (``providers.common.compat`` would do this for us but needs
Airflow 2.11.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow import __version__ as AIRFLOW_VERSION  # noqa: N812
from airflow.configuration import conf
from airflow.exceptions import AirflowException, AirflowNotFoundException

__all__ = [
    "AIRFLOW_V3",
    "AIRFLOW_VERSION",
    "AirflowException",
    "AirflowNotFoundException",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "Context",
    "aget_connection",
    "conf",
    "mask_secret",
    "xcom_value",
]

AIRFLOW_V3 = int(AIRFLOW_VERSION.split(".", 1)[0]) >= 3

# Only what a DAG file needs at parse time is imported here; XCom, the secrets masker and the
# trigger base class (triggers.py) load when first used, to keep DAG parsing fast.
if TYPE_CHECKING or AIRFLOW_V3:
    from airflow.sdk import BaseHook, BaseOperator, BaseOperatorLink, Context
else:  # Airflow 2.10
    from airflow.hooks.base import BaseHook
    from airflow.models import BaseOperator, BaseOperatorLink
    from airflow.utils.context import Context


def mask_secret(secret: str) -> None:
    """Have Airflow replace ``secret`` by ``***`` in task logs."""
    if AIRFLOW_V3:
        from airflow.sdk.log import mask_secret as mask
    else:
        from airflow.utils.log.secrets_masker import mask_secret as mask
    mask(secret)


def xcom_value(*, key: str, ti_key: Any) -> Any:
    """The XCom ``key`` of the task instance ``ti_key`` (for extra links)."""
    if AIRFLOW_V3:
        from airflow.sdk.execution_time.xcom import XCom
    else:
        from airflow.models import XCom
    return XCom.get_value(key=key, ti_key=ti_key)


async def aget_connection(conn_id: str) -> Any:
    """The connection ``conn_id``, fetched without blocking the triggerer's event loop.

    3.3 has an async lookup (a sync one from the loop's thread can deadlock against the
    supervisor); 2.10 only has the sync one, which is safe in a worker thread there.
    """
    getter = getattr(BaseHook, "aget_connection", None)
    if getter is not None:
        return await getter(conn_id)
    from asgiref.sync import sync_to_async

    return await sync_to_async(BaseHook.get_connection)(conn_id)
