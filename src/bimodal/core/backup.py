"""Whole-database backup and restore: pg_dump/pg_restore on PostgreSQL, SQLite's online backup API.

A backup is a copy of every table as it stood at one moment (a consistent snapshot), audit log
included, so that `bimodal audit verify` passes after a restore. The audit key and SECRET_KEY are not
in it: keep them (and the audit checkpoints) elsewhere."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections


def _pg_env(settings_dict: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Environment (password) and connection arguments for the PostgreSQL client programs."""
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    return env, [*args, "--dbname", str(settings_dict["NAME"])]


def backup(target: Path, using: str = "default") -> None:
    """Write a consistent copy of the database to `target`."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        env, args = _pg_env(connection.settings_dict)
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            *args,
        ]
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)  # online: writers may go on meanwhile
        finally:
            destination.close()
    else:  # pragma: no cover - the two supported databases
        raise NotImplementedError(f"No backup for {connection.vendor}.")


def restore(source: Path, using: str = "default") -> None:
    """Replace the database's contents with the backup `source` (every table; one transaction on
    PostgreSQL)."""
    if not source.is_file():
        raise FileNotFoundError(source)
    connection = connections[using]
    if connection.vendor == "postgresql":
        env, args = _pg_env(connection.settings_dict)
        connection.close()
        command = [
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
            "--single-transaction", "--exit-on-error", *args, str(source),
        ]  # fmt: skip
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    elif connection.vendor == "sqlite":
        backup_db = sqlite3.connect(source)
        try:
            connection.ensure_connection()
            backup_db.backup(connection.connection)
        finally:
            backup_db.close()
    else:  # pragma: no cover
        raise NotImplementedError(f"No restore for {connection.vendor}.")
