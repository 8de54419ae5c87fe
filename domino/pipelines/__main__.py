"""``python -m domino.pipelines``: the ``domino pipeline`` commands without the ``domino`` CLI."""

from domino.pipelines.cli import main

main()
