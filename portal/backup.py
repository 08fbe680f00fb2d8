"""flask backup / restore: the database and the evidence files, in one .tar.gz.

SQLite is copied with its online backup API, so a backup taken while the portal serves is
consistent; PostgreSQL goes through pg_dump -Fc / pg_restore. Evidence files are kept by
content hash, so restoring them only adds files: one that is also on disk has the same bytes."""
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from .db import database, is_sqlite

DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _engine() -> str:
    return "sqlite" if is_sqlite() else "postgresql"


def _pg_env() -> dict:
    """libpq's variables for PORTAL_DATABASE_URL: the password stays out of argv (and `ps`)."""
    url = urlsplit(current_app.config["DATABASE_URL"])
    parts = {"PGHOST": url.hostname, "PGPORT": url.port, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.path.lstrip("/")}
    return {**os.environ, **{k: unquote(str(v)) for k, v in parts.items() if v}}


def _run(args: list[str]) -> None:
    done = subprocess.run(args, env=_pg_env(), capture_output=True, text=True)
    if done.returncode:
        raise click.ClickException(f"{args[0]} báo lỗi: {done.stderr.strip()}")


def _sqlite_copy(source: Path | str, target: Path | str) -> None:
    """Page by page in one step, under a read lock on the source: a consistent copy while others write."""
    source, target = sqlite3.connect(source), sqlite3.connect(target, timeout=30)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _dump(path: Path) -> None:
    if is_sqlite():
        _sqlite_copy(database.obj.database, path)
    else:
        _run(["pg_dump", "--format=custom", "--file", str(path)])


def _load(path: Path) -> None:
    database.close()  # our own connection must not hold the tables PostgreSQL drops, nor SQLite's lock
    if is_sqlite():
        _sqlite_copy(path, database.obj.database)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--dbname", _pg_env()["PGDATABASE"], str(path)])


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(file):
    """Sao lưu cơ sở dữ liệu và tệp minh chứng vào một tệp .tar.gz."""
    evidence = Path(current_app.config["EVIDENCE_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMPS[_engine()]
        _dump(dump)
        partial = file.with_name(file.name + ".part")  # a backup cut short never looks like a whole one
        partial.unlink(missing_ok=True)
        partial.touch(0o600)  # it holds every password hash
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, dump.name)
            if evidence.is_dir():
                tar.add(evidence, "evidence")
        partial.replace(file)
    click.echo(f"Đã sao lưu {ENGINES[_engine()]} và tệp minh chứng vào {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
@with_appcontext
def restore(file, yes):
    """Khôi phục từ một bản sao lưu: thay toàn bộ dữ liệu hiện có."""
    try:
        tar = tarfile.open(file, "r:gz")
        names = tar.getnames()
    except (tarfile.TarError, OSError):
        raise click.ClickException(f"Tệp {file} không phải bản sao lưu của Cổng thi đua.")
    with tar:
        kind = next((k for k, name in DUMPS.items() if name in names), None)
        if kind is None:
            raise click.ClickException(f"Tệp {file} không phải bản sao lưu của Cổng thi đua.")
        if kind != _engine():
            raise click.ClickException(f"Bản sao lưu này là của {ENGINES[kind]}, còn cổng đang dùng "
                                       f"{ENGINES[_engine()]}: không khôi phục được.")
        if not yes:
            click.confirm("Toàn bộ dữ liệu hiện có sẽ bị thay bằng dữ liệu trong bản sao lưu. Tiếp tục?", abort=True)
        with tempfile.TemporaryDirectory() as tmp:
            tar.extract(DUMPS[kind], tmp, filter="data")
            _load(Path(tmp) / DUMPS[kind])
        evidence = Path(current_app.config["EVIDENCE_DIR"])
        files = [m for m in tar.getmembers() if m.name.startswith("evidence/") and m.isfile()]
        for member in files:
            member.name = member.name.removeprefix("evidence/")
            tar.extract(member, evidence, filter="data")
    click.echo(f"Đã khôi phục dữ liệu và {len(files)} tệp minh chứng từ {file}.")
