"""``domino-server`` command line (also ``python -m domino.server``).

domino-server serve [--host 127.0.0.1] [--port 8899] [--data-dir DIR] [--user NAME:APIKEY ...]
                    [--workers N] [--access-log]
                    [--admin NAME ...] [--sandbox auto|on|off] [--max-body-mb N]
domino-server add-user --data-dir DIR [--admin] NAME   prints a new API key for NAME
domino-server token --data-dir DIR NAME         prints a new bearer token for NAME
domino-server keys list --data-dir DIR [--user NAME]   lists stored keys and tokens (never
                                                       the secrets)
domino-server keys revoke --data-dir DIR ID ...  revokes the keys or tokens with these ids
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
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
        "--admin",
        action="append",
        default=[],
        metavar="NAME",
        help="make NAME an administrator (repeatable; a user called 'admin' always is)",
    )
    serve.add_argument(
        "--max-body-mb",
        type=int,
        default=None,
        metavar="N",
        help="largest JSON request body accepted, in MiB (default: 16)",
    )
    serve.add_argument(
        "--sandbox",
        choices=("auto", "on", "off"),
        default="auto",
        help="run jobs and apps in the unshare sandbox: auto (when this machine allows it),"
        " on (refuse to start without it) or off",
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
        if name == "add-user":
            cmd.add_argument("--admin", action="store_true", help="make the user an administrator")
    keys = sub.add_parser("keys", help="list or revoke API keys and tokens")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    listing = keys_sub.add_parser("list", help="list stored keys and tokens (never the secrets)")
    listing.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=_DATA_DIR_HELP)
    listing.add_argument("--user", default=None, metavar="NAME", help="only this user's")
    revoke = keys_sub.add_parser("revoke", help="revoke keys or tokens by the id `list` shows")
    revoke.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help=_DATA_DIR_HELP)
    revoke.add_argument("ids", nargs="+", metavar="ID")
    return parser


def _fail(message: str) -> int:
    """One line on stderr and exit status 2: how every start-up problem is reported."""
    print(f"domino-server: {message}", file=sys.stderr)
    return 2


def _check_serve_args(args: argparse.Namespace) -> str | None:
    """What is wrong with ``serve``'s arguments, checked before anything is created."""
    if args.workers is not None and args.workers < 1:
        return f"--workers must be at least 1, got {args.workers}"
    if args.max_body_mb is not None and args.max_body_mb < 1:
        return f"--max-body-mb must be at least 1, got {args.max_body_mb}"
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
    from domino.server.http_limits import HttpLimits, MiB, protocol_for

    limits = HttpLimits()
    if args.max_body_mb is not None:
        limits = HttpLimits(json_body=args.max_body_mb * MiB)
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
        app = create_app(
            data_dir,
            workers=args.workers,
            users=users,
            serving_lock=lock,
            sandbox={"auto": None, "on": True, "off": False}[args.sandbox],
            http_limits=limits,
            admins=args.admin,
        )
    except (ValueError, RuntimeError) as exc:  # one --user key for two users; no sandbox
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
    from domino.server.launch import describe

    print(describe(app.state.sandbox), flush=True)
    print(f"domino-server listening on http://{host}:{port} (data in {data_dir})", flush=True)
    # Idle keep-alive connections stay open longer than clients keep them pooled, so a client
    # never sends a (non-retryable) POST on a connection the server is just closing.
    config = uvicorn.Config(
        app,
        log_level=args.log_level,
        lifespan="on",
        timeout_keep_alive=65,
        access_log=args.access_log,
        http=protocol_for(limits),
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
        key = store.add_user(args.name, is_admin=args.admin)
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


def _keys(args: argparse.Namespace) -> int:
    from domino.server.store import Store

    store = Store(args.data_dir)
    try:
        if args.keys_command == "list":
            for row in store.list_credentials(args.user):
                created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(row["created"] / 1000))
                execution = f" execution={row['execution_id']}" if row["execution_id"] else ""
                print(
                    f"{row['id']}  {row['user']:<20} {row['kind']:<5} {row['hash']:<6}"
                    f" {created}{execution}"
                )
            return 0
        missing = [i for i in args.ids if not store.revoke_credential(i)]
    finally:
        store.close()
    for credential_id in missing:
        print(f"no key or token with id {credential_id!r}", file=sys.stderr)
    return 1 if missing else 0


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
    if args.command == "keys":
        return _keys(args)
    return _token(args)


if __name__ == "__main__":
    sys.exit(main())
