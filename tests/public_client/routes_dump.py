"""Print every ``_Routes`` URL of the importable ``domino`` package for fixed arguments (JSON).

Run by test_public_surface_parity.py with the public client's Python and with ours.
"""

from __future__ import annotations

import inspect
import json
import sys
import warnings

from domino.routes import _Routes

VALUES = {
    "mode_only": True,
    "page_no": 2,
    "page_size": 20,
    "show_archived": "False",
    "status": "All",
    "path": "dir/f.txt",
    "chunk_number": 3,
    "total_chunks": 9,
    "target_chunk_size": 1024,
    "current_chunk_size": 512,
}


def main() -> None:
    routes = _Routes("http://domino.test:8899", "alice", "churn")
    urls = {}
    for name, method in inspect.getmembers(routes, inspect.ismethod):
        if name.startswith("_"):
            continue
        params = list(inspect.signature(method).parameters)
        args = [VALUES.get(p, p.replace("_", "")) for p in params]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            urls[name] = method(*args)
    json.dump(urls, sys.stdout)


if __name__ == "__main__":
    main()
