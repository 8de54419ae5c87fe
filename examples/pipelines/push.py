"""Upload the example jobs (examples/pipelines/jobs/*.py) into a project's files.

    python examples/pipelines/push.py admin/quick-start

Uses DOMINO_API_HOST and DOMINO_USER_API_KEY, like every other client call.
"""

from __future__ import annotations

import sys
from pathlib import Path

from domino import Domino

HERE = Path(__file__).resolve().parent


def main() -> int:
    project = sys.argv[1] if len(sys.argv) > 1 else "admin/quick-start"
    client = Domino(project)
    for path in sorted((HERE / "jobs").glob("*.py")):
        client.files_upload(f"/jobs/{path.name}", path.read_bytes())
        print(f"uploaded jobs/{path.name} to {project}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
