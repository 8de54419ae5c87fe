"""The main of a checks script run inside an Airflow venv: run every ``check_*`` function and
print one JSON line, check name → "ok" or the traceback's end."""

from __future__ import annotations

import json
import sys
import traceback
from typing import Any


def run_all(namespace: dict[str, Any]) -> None:
    results: dict[str, str] = {}
    for name, check in list(namespace.items()):
        if not (name.startswith("check_") and callable(check)):
            continue
        try:
            check()
        except BaseException:
            results[name] = traceback.format_exc()[-2000:]
        else:
            results[name] = "ok"
    sys.stdout.write("\n" + json.dumps(results) + "\n")
