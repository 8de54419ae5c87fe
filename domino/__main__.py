"""``python -m domino``: the ``domino`` command line."""

from domino.cli import main

if __name__ == "__main__":
    main()
