"""Starting user code (runs, jobs, apps, model APIs) as processes, and ending every one of them.

One function, :func:`spawn`, starts every process the server runs for a user. What it adds:

- **Sandbox** (when the machine allows it, see :func:`configure`): the process runs under
  ``unshare`` (util-linux) in its own user, PID and mount namespaces. Inside, the server's data
  directory is an empty tmpfs except for the process's own working directory, which is
  bind-mounted back at its usual path; every other mount is read-only; ``/tmp`` and
  ``/dev/shm`` are private empty tmpfs (except, read-only, the server's own Python and package
  when they live under ``/tmp``); ``/dev`` holds only null, zero, full, random, urandom
  and tty; ``/proc`` shows only the process's own namespace. When the process's main command
  ends, the kernel kills everything else in its PID namespace, ``setsid`` and double-forked
  children included.
- **Process records**: ``<data dir>/processes/<token>.json`` names the process (pid, start time)
  until it has been reaped, so a server restarted after ``kill -9`` kills what the previous one
  left (:func:`kill_leftovers`).
- **Capped logs**: stdout and stderr go through a pipe to the log file, which stops growing at
  the configured cap (the rest is drained and counted, never stored).

Without the sandbox, processes run in their own session; a stop or an end signals that group
and every process whose environment carries the spawn's marker (children that called
``setsid`` keep it unless they clear their environment).
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_LOG_CAP = 16 * 1024 * 1024
MARKER_VAR = "DOMINO_SERVER_PROCESS"
_PIPE_CHUNK = 64 * 1024
_DEVICES = "null zero full random urandom tty"

# $1 = data dir, $2 = working dir, $3 = the paths under /tmp that stay visible (read-only, one
# per line: the server's own Python and package when they live there), the rest is the command.
# Runs as root of a fresh user namespace (so it may mount) with a private mount namespace and a
# fresh /proc. The new /tmp is built on _STAGE (an empty host directory) and then moved over
# /tmp, because a tmpfs mounted straight on /tmp would hide the paths to keep.
_STAGE = "/tmp/.domino-sandbox-stage"  # noqa: S108 - only a mount point, always empty on the host
_INIT = f"""\
set -e
D=$1; W=$2; K=$3; shift 3
cd "$W"
mount -t tmpfs -o mode=1777 tmpfs {_STAGE}
printf '%s\\n' "$K" | while IFS= read -r p; do
  [ -n "$p" ] || continue
  mkdir -p "{_STAGE}${{p#/tmp}}"
  mount --bind "$p" "{_STAGE}${{p#/tmp}}"
done
mount --move {_STAGE} /tmp
mkdir /tmp/.dev
for n in {_DEVICES}; do touch /tmp/.dev/$n; mount --bind /dev/$n /tmp/.dev/$n; done
mount -t tmpfs -o mode=755 tmpfs /dev
for n in {_DEVICES}; do touch /dev/$n; mount --bind /tmp/.dev/$n /dev/$n; umount /tmp/.dev/$n; done
rm -rf /tmp/.dev
mkdir /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -s /proc/self/fd /dev/fd; ln -s fd/0 /dev/stdin; ln -s fd/1 /dev/stdout; ln -s fd/2 /dev/stderr
mkdir -p "$D"
mount -t tmpfs -o mode=700 tmpfs "$D"
mkdir -p "$W"
mount --no-canonicalize --bind . "$W"
while read -r _ _ _ _ mp _; do
  case "$mp" in "$W"|/tmp|/dev/shm) continue;; esac
  mount -o remount,bind,ro "$mp" 2>/dev/null || true
done < /proc/self/mountinfo
cd "$W"
set +e
"$@"
exit $?
"""
_UNSHARE = [
    "--user",
    "--map-root-user",
    "--pid",
    "--fork",
    "--kill-child",
    "--mount",
    "--mount-proc",
    "--propagation",
    "private",
]


@dataclass(frozen=True)
class Policy:
    sandbox: bool
    log_cap: int
    why: str


_policies: dict[Path, Policy] = {}
_lock = threading.Lock()


@functools.cache
def _kept() -> str:
    """The paths under /tmp a sandboxed process still needs: the server's Python and package.

    A server run from a checkout or venv under /tmp (a CI clone, a test's temporary venv) starts
    user code with its own interpreter; hiding /tmp would hide that interpreter. These paths are
    bound read-only into the private /tmp (creating the empty stage directory on the host once).
    """
    tmp = Path("/tmp").resolve()  # noqa: S108
    wanted = {
        Path(sys.prefix).resolve(),
        Path(sys.base_prefix).resolve(),
        Path(sys.executable).resolve().parent.parent,
        Path(__file__).resolve().parents[2],  # the directory holding the domino package
    }
    kept = sorted(str(p) for p in wanted if p != tmp and p.is_relative_to(tmp))
    # one path inside another needs only the outer one
    outer = [p for p in kept if not any(p != q and p.startswith(q + "/") for q in kept)]
    with contextlib.suppress(OSError):
        os.makedirs(_STAGE, mode=0o700, exist_ok=True)
    return "\n".join(outer)


@functools.cache
def probe_sandbox() -> tuple[bool, str]:
    """(usable, reason): try the sandbox once on a scratch directory."""
    unshare = shutil.which("unshare")
    sh = shutil.which("sh")
    if unshare is None or sh is None:
        return False, "the unshare command (util-linux) is not installed"
    with tempfile.TemporaryDirectory(prefix="domino-sandbox-probe-") as tmp:
        data = Path(tmp) / "data"
        work = data / "work"
        work.mkdir(parents=True)
        (data / "secret").write_text("x")
        check = "test ! -e ../secret && touch ok && ! touch /probe-ro 2>/dev/null"
        try:
            done = subprocess.run(  # noqa: S603 - fixed argv
                [unshare, *_UNSHARE, sh, "-c", _INIT, "init", str(data), str(work), _kept()]
                + [sh, "-c", check],
                capture_output=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return False, f"unshare could not run: {exc}"
        if done.returncode != 0 or not (work / "ok").exists():
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            return False, f"unshare refused the sandbox here ({detail[0] or done.returncode})"
    return True, "unshare: own user, PID and mount namespaces"


def configure(data_dir: Path, *, sandbox: bool | None = None, log_cap: int | None = None) -> Policy:
    """Decide how processes of the server on ``data_dir`` run; returns the policy.

    ``sandbox``: None = use it if the machine allows it, True = require it (RuntimeError if it
    is not available), False = never.
    """
    if sandbox is False:
        policy = Policy(False, log_cap or DEFAULT_LOG_CAP, "disabled by the operator")
    else:
        usable, why = probe_sandbox()
        if sandbox and not usable:
            raise RuntimeError(f"the sandbox is not available: {why}")
        policy = Policy(usable, log_cap or DEFAULT_LOG_CAP, why)
    with _lock:
        _policies[Path(data_dir).resolve()] = policy
    (Path(data_dir) / "processes").mkdir(exist_ok=True)
    return policy


def describe(policy: Policy) -> str:
    if policy.sandbox:
        return (
            f"sandbox on ({policy.why}): jobs and apps cannot see the data directory or other"
            " processes; only their working directory, /tmp and /dev/shm are writable"
        )
    return (
        f"sandbox OFF ({policy.why}): jobs and apps run as this server's user and can read and"
        " write whatever it can, including the data directory"
    )


def _policy_for(cwd: Path) -> tuple[Path | None, Policy | None]:
    resolved = cwd.resolve()
    with _lock:
        for candidate in (resolved, *resolved.parents):
            if candidate in _policies:
                return candidate, _policies[candidate]
    return None, None


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment user code starts from: a few harmless variables of the server's own
    (never its secrets, cloud credentials or DOMINO_* settings), plus ``extra``."""
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TERM", "HOME", "USER", "LOGNAME")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class Process(subprocess.Popen[bytes]):
    """A spawned process plus what the server needs to end it and its whole tree."""

    marker: str = ""
    record: Path | None = None
    pump: threading.Thread | None = None

    def wait_output(self, timeout: float = 10.0) -> None:
        """Wait (bounded) until everything the process wrote is in the log file."""
        if self.pump is not None:
            self.pump.join(timeout)


def spawn(argv: list[str], cwd: Path, env: dict[str, str], log_path: Path) -> Process:
    """Start ``argv`` in ``cwd`` with exactly ``env``; output (capped) goes to ``log_path``."""
    data_dir, policy = _policy_for(cwd)
    marker = secrets.token_hex(12)
    env = {**env, MARKER_VAR: marker}
    if policy is not None and policy.sandbox and data_dir is not None:
        env.setdefault("TMPDIR", "/tmp")  # noqa: S108 - a private tmpfs inside the sandbox
        if "HOME" in env and not Path(env["HOME"]).is_relative_to(cwd):
            env["HOME"] = "/tmp"  # noqa: S108 - the real one is read-only in there
        unshare = shutil.which("unshare") or "unshare"
        argv = [
            *(unshare, *_UNSHARE, "sh", "-c", _INIT, "init", str(data_dir), str(cwd), _kept()),
            *argv,
        ]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    proc = Process(  # noqa: S603 - running user code is this server's job
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    proc.marker = marker
    if data_dir is not None:
        proc.record = data_dir / "processes" / f"{marker}.json"
        start = _start_time(proc.pid)
        with contextlib.suppress(OSError):
            proc.record.write_text(json.dumps({"pid": proc.pid, "start": start}))
    cap = policy.log_cap if policy is not None else DEFAULT_LOG_CAP
    assert proc.stdout is not None
    proc.pump = threading.Thread(
        target=_pump, args=(proc, log_path, cap), name=f"domino-log-{proc.pid}", daemon=True
    )
    proc.pump.start()
    return proc


def _pump(proc: Process, log_path: Path, cap: int) -> None:
    assert proc.stdout is not None
    dropped = 0
    try:
        with open(log_path, "ab") as out:
            written = out.tell()
            while chunk := os.read(proc.stdout.fileno(), _PIPE_CHUNK):
                room = cap - written
                if room > 0:
                    out.write(chunk[:room])
                    out.flush()
                    written += min(room, len(chunk))
                dropped += max(0, len(chunk) - max(room, 0))
            if dropped:
                out.write(
                    f"\n[domino-server] output truncated: {dropped} bytes beyond the"
                    f" {cap}-byte log cap were discarded\n".encode()
                )
    except (OSError, ValueError):
        log.debug("log pump for %s ended early", log_path, exc_info=True)
    finally:
        proc.stdout.close()


def _start_time(pid: int) -> str:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rpartition(")")[2].split()[19]


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _marked_pids(marker: str) -> list[int]:
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process, its group and every process carrying its marker."""
    signal_group(proc, signal.SIGKILL)
    marker = getattr(proc, "marker", "")
    if marker:
        for pid in _marked_pids(marker):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def reap(proc: subprocess.Popen[bytes]) -> None:
    """After the main process ended: kill what it left, forget its record, flush its log."""
    kill_tree(proc)
    record = getattr(proc, "record", None)
    if record is not None:
        with contextlib.suppress(OSError):
            record.unlink()
    if isinstance(proc, Process):
        proc.wait_output()


def terminate(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the process group now and kill the whole tree after ``grace`` seconds."""
    if proc.poll() is not None:
        kill_tree(proc)
        return
    signal_group(proc, signal.SIGTERM)

    def _kill() -> None:
        kill_tree(proc)

    timer = threading.Timer(grace, _kill)
    timer.daemon = True
    timer.start()


def kill_leftovers(data_dir: Path) -> int:
    """Kill processes a previous server on ``data_dir`` started and never reaped; their count."""
    folder = Path(data_dir) / "processes"
    killed = 0
    for record in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            info = json.loads(record.read_text())
            pid, start = int(info["pid"]), str(info["start"])
        except (OSError, ValueError, KeyError, TypeError):
            pid, start = 0, ""
        if pid > 0 and start and _start_time(pid) == start:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
            killed += 1
        for other in _marked_pids(record.stem):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(other, signal.SIGKILL)
        with contextlib.suppress(OSError):
            record.unlink()
    return killed
