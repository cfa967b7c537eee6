"""Stores to test against: a SQLite file always, and a throwaway PostgreSQL server when its binaries exist."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from layerlab.api.testing import free_port
from layerlab.storage.store import RunStore


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_owner(command: list[str], owner: str | None) -> list[str]:
    return ["runuser", "-u", owner, "--", *command] if owner else command


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server in a temp folder for this session (skips when PostgreSQL is not installed)."""
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found")
    pytest.importorskip("psycopg")
    owner: str | None = None
    if os.geteuid() == 0:  # initdb refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to own the cluster")
        owner = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="layerlab-pg-"))
    data = folder / "data"
    if owner:
        shutil.chown(folder, owner)
    port = free_port()
    subprocess.run(
        _as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"], owner),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_owner(
            [str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"], owner
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], owner),
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RunStore]:
    """A fresh, migrated store on each database."""
    if request.param == "sqlite":
        opened = RunStore.open(f"sqlite:///{tmp_path / 'layerlab.db'}")
    else:
        url: str = request.getfixturevalue("postgres_url")
        opened = RunStore.open(url)
        with opened.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events, runs, projects")
    try:
        yield opened
    finally:
        opened.close()
