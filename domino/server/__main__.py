"""``domino-server`` command line (also ``python -m domino.server``).

domino-server serve [--host 127.0.0.1] [--port 8899] [--data-dir DIR] [--user NAME:APIKEY ...]
                    [--workers N] [--access-log]
domino-server add-user --data-dir DIR NAME      prints a new API key for NAME
domino-server token --data-dir DIR NAME         prints a new bearer token for NAME
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_PORT = 8899
DEFAULT_DATA_DIR = Path(os.environ.get("DOMINO_SERVER_DATA_DIR") or Path.home() / ".domino-server")
_DATA_DIR_HELP = "where users, projects, datasets and logs are kept ($DOMINO_SERVER_DATA_DIR)"


#: uvicorn's log levels
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


def _user_arg(value: str) -> tuple[str, str]:
    from domino.server.store import validate_user_name

    name, sep, key = value.partition(":")
    if not sep or not name or not key:
        raise argparse.ArgumentTypeError("expected NAME:APIKEY")
    try:
        validate_user_name(name)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return name, key


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` shows each option's default, except for flags and lists (nothing to show)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, []):
            return action.help
        return super()._get_help_string(action)


def _parser() -> argparse.ArgumentParser:
    defaults = _Help
    parser = argparse.ArgumentParser(
        prog="domino-server",
        description="A local, Domino-compatible REST API server. The data directory defaults "
        "to $DOMINO_SERVER_DATA_DIR, else ~/.domino-server.",
        formatter_class=defaults,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser(
        "serve", help="serve the API (Ctrl-C stops it)", formatter_class=defaults
    )
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on; the default is this machine only",
    )
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="TCP port; 0 picks a free one"
    )
    serve.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=_DATA_DIR_HELP)
    serve.add_argument(
        "--user",
        type=_user_arg,
        action="append",
        default=[],
        metavar="NAME:APIKEY",
        help="ensure this user exists with this API key (repeatable)",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="executions run at once (default: the number of CPUs)",
    )
    serve.add_argument(
        "--log-level", default="info", help="uvicorn log level: " + ", ".join(LOG_LEVELS)
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="log one line per HTTP request (off: an upload would log one per chunk)",
    )
    for name, text in (
        ("add-user", "create a user (email <name>@localhost) and print a new API key"),
        ("token", "print a new bearer token for a user"),
    ):
        cmd = sub.add_parser(name, help=text, description=text, formatter_class=defaults)
        cmd.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=_DATA_DIR_HELP)
        cmd.add_argument("name", help="user name (letters, digits, '.', '_', '-')")
    return parser


def _fail(message: str) -> int:
    """One line on stderr and exit status 2: how every start-up problem is reported."""
    print(f"domino-server: {message}", file=sys.stderr)
    return 2


def _check_serve_args(args: argparse.Namespace) -> str | None:
    """What is wrong with ``serve``'s arguments, checked before anything is created."""
    if args.workers is not None and args.workers < 1:
        return f"--workers must be at least 1, got {args.workers}"
    if not 0 <= args.port <= 65535:
        return f"--port must be between 0 and 65535, got {args.port}"
    if args.log_level.lower() not in LOG_LEVELS:
        # uvicorn only finds out once the data dir, database and admin key exist (a KeyError)
        return f"--log-level must be one of {', '.join(LOG_LEVELS)}, got {args.log_level!r}"
    data_dir: Path = args.data_dir
    if data_dir.exists() and not data_dir.is_dir():
        return f"--data-dir {data_dir} is a file, not a directory"
    return None


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP so asyncio sets TCP_NODELAY on each connection (else ~40 ms delayed-ACK stalls).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from domino.server.app import create_app
    from domino.server.store import Store, lock_data_dir, new_secret, write_private_file

    # Everything that can be refused is checked before the data dir, database or a key exist.
    problem = _check_serve_args(args)
    if problem:
        return _fail(problem)
    try:
        sock = _listen(args.host, args.port)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    data_dir: Path = args.data_dir
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = lock_data_dir(data_dir)
    except (OSError, RuntimeError) as exc:
        sock.close()
        return _fail(str(exc) if isinstance(exc, RuntimeError) else f"--data-dir {data_dir}: {exc}")
    users: list[tuple[str, str]] = list(args.user)
    first_key = None
    try:
        if not users:
            store = Store(data_dir)
            try:
                if store.count_users() == 0:
                    first_key = new_secret()
                    users = [("admin", first_key)]
            finally:
                store.close()
        app = create_app(data_dir, workers=args.workers, users=users, serving_lock=lock)
    except ValueError as exc:  # e.g. one --user key given to two users
        sock.close()
        lock.close()
        return _fail(str(exc))
    # Public-client tests and examples expect "<user>/quick-start" to exist.
    for name, _key in users:
        app.state.services.ensure_quick_start(name)
    if first_key is not None:
        key_file = data_dir / "admin.key"
        write_private_file(key_file, first_key + "\n")
        print(f"Created user 'admin' with API key {first_key}")
        print(f"(saved in {key_file}; it will not be shown again)")

    port = sock.getsockname()[1]
    host = f"[{args.host}]" if sock.family == socket.AF_INET6 else args.host
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}, not only on this machine", file=sys.stderr)
    print(f"domino-server listening on http://{host}:{port} (data in {data_dir})", flush=True)
    # Idle keep-alive connections stay open longer than clients keep them pooled, so a client
    # never sends a (non-retryable) POST on a connection the server is just closing.
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        lifespan="on",
        timeout_keep_alive=65,
        access_log=args.access_log,
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        # uvicorn re-raises the signal once its graceful shutdown (lifespan included) is done.
        pass
    except SystemExit:
        pass  # uvicorn exits this way when startup fails; reported below
    if not server.started:
        print("domino-server failed to start (see the error above)", file=sys.stderr)
        return 1
    print("domino-server stopped", flush=True)
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from domino.server.store import Store, email_for

    if args.data_dir.exists() and not args.data_dir.is_dir():
        return _fail(f"--data-dir {args.data_dir} is a file, not a directory")
    store = Store(args.data_dir)
    try:
        existed = store.get_user_by_name(args.name) is not None
        is_admin = store.count_users() == 0
        key = store.add_user(args.name, is_admin=is_admin)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        store.close()
    if existed:
        print(
            f"user {args.name!r} already exists: issued a second API key; "
            "the earlier key still works",
            file=sys.stderr,
        )
    else:
        print(f"created user {args.name!r} (email {email_for(args.name)})", file=sys.stderr)
    print(key)
    return 0


def _token(args: argparse.Namespace) -> int:
    from domino.server.store import Store

    store = Store(args.data_dir)
    try:
        token = store.issue_token(args.name)
    except KeyError:
        print(f"no user {args.name!r} in {args.data_dir}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(token)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        from domino.server import INSTALL_HINT, missing_dependencies

        missing = missing_dependencies()
        if missing:
            print(f"domino-server needs {', '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
            return 2
        return _serve(args)
    if args.command == "add-user":
        return _add_user(args)
    return _token(args)


if __name__ == "__main__":
    sys.exit(main())
