"""A throw-away PostgreSQL server for the tests and benchmarks: Debian's ``postgresql`` package, started by
the test itself (initdb into a temporary folder, pg_ctl on a free port on 127.0.0.1).

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user that Debian's package
creates (or ``nobody``), in a folder owned by it. Nothing is skipped: a missing package is an error that says
how to install it (``make test`` and ``.ci/run`` do).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


class PostgresMissing(RuntimeError):
    pass


def pg_bin(name: str) -> str:
    """The newest installed PostgreSQL's program (Debian keeps them in /usr/lib/postgresql/<version>/bin)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if found:
        return found[-1]
    on_path = shutil.which(name)
    if on_path:
        return on_path
    raise PostgresMissing(
        f"PostgreSQL's {name} is not installed. Run `make test` (it installs Debian's postgresql) or "
        "`apt-get install -y postgresql`."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, fsync: bool = False):
        self.fsync = fsync
        self.root = Path(tempfile.mkdtemp(prefix="cc-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.user = None  # the OS user the server runs as (None: this one)
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    pw = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = name
                os.chown(self.root, pw.pw_uid, pw.pw_gid)
                break
            else:
                raise PostgresMissing("running as root, and there is no postgres or nobody user to run PostgreSQL")

    def _run(self, *args: str, **kw) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=self.root, **kw)

    def start(self) -> PgServer:
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200"
        if not self.fsync:
            options += " -F -c synchronous_commit=off -c full_page_writes=off"
        try:
            self._run(
                pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start"
            )
        except subprocess.CalledProcessError as exc:
            log = (self.root / "log").read_text() if (self.root / "log").exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (subprocess.CalledProcessError, FileNotFoundError, PostgresMissing):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
