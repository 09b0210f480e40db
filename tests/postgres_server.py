"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl on a unix socket in a temp dir.

Nothing relies on a server that happens to be running. The cluster belongs to an unprivileged
user (initdb refuses root): when the tests run as root, the system user ``graphnews-test`` is
created if needed and the server runs as it. It listens on no TCP port, only on a socket in its
own directory, with fsync off (a test cluster need not survive a power cut).
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Where Debian's postgresql package puts the server programs (newest version first).
DEBIAN_BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
TEST_USER = "graphnews-test"
#: The cluster's superuser (connections through the socket are trusted).
SUPERUSER = "graphnews"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    for folder in DEBIAN_BINARIES:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found and shutil.which("initdb") else None


@dataclass
class PostgresServer:
    """A running throwaway cluster; `new_database` gives each test a database of its own."""

    folder: Path
    bin: Path
    user: str | None
    _names: itertools.count[int] = field(default_factory=itertools.count)

    @classmethod
    def start(cls, bin: Path) -> PostgresServer:
        user = None
        if os.geteuid() == 0:
            user = TEST_USER
            if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
                subprocess.run(
                    [
                        "useradd",
                        "--system",
                        "--no-create-home",
                        "--shell",
                        "/usr/sbin/nologin",
                        user,
                    ],
                    check=True,
                    capture_output=True,
                )
        folder = Path(tempfile.mkdtemp(prefix="graphnews-pg-"))
        if user:
            shutil.chown(folder, user)
        server = cls(folder=folder, bin=bin, user=user)
        server._run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        server._run(
            "pg_ctl",
            "-D",
            str(folder / "data"),
            "-l",
            str(folder / "log"),
            "-w",
            "-o",
            f"-k {folder} -c listen_addresses= -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=150",
            "start",
        )
        return server

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        """The libpq URL of ``database`` on this cluster."""
        return f"postgresql://{user}@/{database}?host={self.folder}"

    def new_database(self) -> str:
        """Create an empty database; return its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name}")
        return self.url(name)

    def admin(self, *statements: str, database: str = "postgres") -> None:
        """Run statements as the cluster's superuser (outside a transaction)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}")
