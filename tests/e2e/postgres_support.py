"""A throwaway PostgreSQL server for tests: Debian's `initdb` + `pg_ctl` into a temp folder.

PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
`postgres` user (created by Debian's package) through `runuser`, on a folder it owns.
It listens on 127.0.0.1 on a free port with trust authentication, and is tuned for tests
(no fsync). Used by the replica e2e tests and, through the command line, by scripts/test.sh
to run the Swift metadata and router suites against PostgreSQL:

    python3 tests/e2e/postgres_support.py start DIR   # prints postgres://nora@127.0.0.1:PORT/postgres
    python3 tests/e2e/postgres_support.py stop DIR
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

USER = "nora"


def bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed (scripts/install-postgres-clients.sh installs it)")
    return Path(found[-1]).parent


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_folder(folder: Path) -> Path:
    """Where the server's files live: `folder`, or when running as root (whose temp folders
    the `postgres` user cannot enter) a folder of that user's own under /tmp, named in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return folder
    link = folder / "server-folder"
    if link.exists():
        return Path(link.read_text())
    own = Path(tempfile.mkdtemp(prefix="nora-pg-", dir="/tmp"))
    shutil.chown(own, "postgres", "postgres")
    link.write_text(str(own))
    return own


def start(folder: Path) -> str:
    """Creates and starts a server for `folder`; returns its URL (database `postgres`)."""
    folder = _server_folder(Path(folder))
    data = folder / "data"
    binaries = bin_dir()
    init = subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                                           "--encoding=UTF8", "--locale=C.UTF-8", "--locale-provider=icu",
                                           "--icu-locale=en", "--no-sync"]),
                          capture_output=True, text=True)
    if init.returncode != 0:
        # An ICU English default collation (case-insensitive-ish order, unlike byte order)
        # proves that byte-order sorting comes from the columns, not from the server; a
        # server built without ICU gets its default locale.
        init = subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
                                               "--encoding=UTF8", "--no-sync"]), capture_output=True, text=True)
    if init.returncode != 0:
        raise RuntimeError(f"initdb failed: {init.stderr}")
    port = _free_port()
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c max_connections=400 "
               "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB")
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                    "-o", options, "-w", "-t", "60", "start"]),
                   check=True, capture_output=True, text=True)
    url = f"postgres://{USER}@127.0.0.1:{port}/postgres?sslmode=disable"
    (folder / "url").write_text(url)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        probe = subprocess.run(["psql", url.replace("?sslmode=disable", ""), "-Atc", "SELECT 1"], capture_output=True, text=True)
        if probe.returncode == 0:
            return url
        time.sleep(0.3)
    raise RuntimeError(f"PostgreSQL did not answer: {(folder / 'server.log').read_text()[-2000:]}")


def stop(folder: Path) -> None:
    """Stops the server of `folder` and removes its files."""
    server = _server_folder(Path(folder))
    if (server / "data" / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(bin_dir() / "pg_ctl"), "-D", str(server / "data"), "-m", "immediate", "-w", "stop"]),
                       capture_output=True, text=True)
    shutil.rmtree(server, ignore_errors=True)


def psql(url: str, sql: str) -> str:
    result = subprocess.run(["psql", url.replace("?sslmode=disable", ""), "-v", "ON_ERROR_STOP=1", "-Atc", sql],
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


if __name__ == "__main__":
    command, where = sys.argv[1], Path(sys.argv[2])
    if command == "start":
        print(start(where))
    elif command == "stop":
        stop(where)
    else:
        sys.exit(f"usage: {sys.argv[0]} start|stop DIR")
