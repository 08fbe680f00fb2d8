"""What flask backup / restore do (the commands are in cli.py): the database and the evidence files, in one
.tar.gz.

SQLite is copied with its online backup API, so a backup taken while the portal serves is
consistent; PostgreSQL goes through pg_dump -Fc / pg_restore. Evidence files are kept by
content hash, so restoring them only adds files: one that is also on disk has the same bytes.

The archive carries a manifest (every member with its size and SHA-256). A restore unpacks the
whole archive aside and checks it, the database inside included, before it touches anything:
a truncated or altered backup is refused and the current data stays as it was."""
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import NoReturn
from urllib.parse import unquote, urlsplit

import click
from flask import current_app

from .db import database, is_sqlite

DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MANIFEST = "manifest.json"
FORMAT = 1  # of the manifest; a restore reads only the formats it knows
UNTOUCHED = "Chưa khôi phục gì: dữ liệu hiện có giữ nguyên."


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


def _refuse(reason: str) -> NoReturn:
    raise click.ClickException(f"{reason} {UNTOUCHED}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _add(tar: tarfile.TarFile, name: str, body: bytes) -> dict:
    """One member; returns its manifest entry, made from the very bytes written (an upload may land meanwhile)."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(body), 0o600, time.time()
    tar.addfile(info, io.BytesIO(body))
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def write(file: Path) -> str:
    """Writes the backup to `file`; returns the engine's name."""
    evidence = Path(current_app.config["EVIDENCE_DIR"])
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / DUMPS[_engine()]
        _dump(dump)
        partial = file.with_name(file.name + ".part")  # a backup cut short never looks like a whole one
        partial.unlink(missing_ok=True)
        partial.touch(0o600)  # it holds every password hash
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, dump.name)
            files = {dump.name: {"size": dump.stat().st_size, "sha256": _sha256(dump)}}
            for path in sorted(evidence.rglob("*")) if evidence.is_dir() else []:
                if path.is_file():
                    name = f"evidence/{path.relative_to(evidence).as_posix()}"
                    files[name] = _add(tar, name, path.read_bytes())
            _add(tar, MANIFEST, json.dumps({"format": FORMAT, "engine": _engine(), "files": files}, indent=1).encode())
        partial.replace(file)
    return ENGINES[_engine()]


def _unpack(file: Path, into: Path) -> set[str]:
    """Every member into `into`; returns their names. Only plain files, each once, under a plain name."""
    try:
        tar = tarfile.open(file, "r:gz")
    except (tarfile.TarError, OSError, EOFError, zlib.error):
        _refuse(f"Tệp {file} không phải bản sao lưu của Cổng thi đua.")
    names = set()
    try:
        with tar:
            for member in tar:
                if not member.isfile() or member.name in names or ".." in PurePosixPath(member.name).parts:
                    _refuse(f"Bản sao lưu {file} có mục lạ không có trong bản kê: {member.name}.")
                tar.extract(member, into, filter="data")  # also refuses absolute names
                names.add(member.name)
            # tarfile stops quietly at a header it cannot read; gzip checks its CRC only at the very end
            while tar.fileobj.read(1 << 20):
                pass
    except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
        _refuse(f"Bản sao lưu {file} bị hỏng hoặc không trọn vẹn ({error}).")
    return names


def _manifest(file: Path, path: Path) -> tuple[str, dict]:
    """The engine and the files the manifest lists."""
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except ValueError:  # not JSON, or not UTF-8
        manifest = None
    if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT and manifest.get("engine") in DUMPS
            and isinstance(manifest.get("files"), dict)
            and all(isinstance(entry, dict) for entry in manifest["files"].values())):
        _refuse(f"Bản kê {MANIFEST} trong {file} không đọc được.")
    return manifest["engine"], manifest["files"]


def _verify(file: Path, unpacked: Path, names: set[str]) -> str:
    """Checks the unpacked archive against its manifest and the database inside; returns its engine."""
    if MANIFEST not in names:
        _refuse(f"Bản sao lưu {file} thiếu bản kê {MANIFEST}, nên không kiểm được nó có trọn vẹn không.")
    engine, files = _manifest(file, unpacked / MANIFEST)
    if engine != _engine():
        _refuse(f"Bản sao lưu này là của {ENGINES[engine]}, còn cổng đang dùng {ENGINES[_engine()]}: "
                "không khôi phục được.")
    for name in sorted(names):
        if name != MANIFEST and name not in files:
            _refuse(f"Bản sao lưu {file} có tệp lạ không có trong bản kê: {name}.")
    for name, entry in files.items():
        if name not in names:
            _refuse(f"Bản sao lưu {file} thiếu tệp {name} có trong bản kê.")
        path = unpacked / name
        if path.stat().st_size != entry.get("size") or _sha256(path) != entry.get("sha256"):
            _refuse(f"Tệp {name} trong bản sao lưu {file} đã bị hỏng hoặc bị sửa (mã kiểm tra không khớp).")
    if DUMPS[engine] not in files:
        _refuse(f"Bản sao lưu {file} không có cơ sở dữ liệu.")
    _check_database(file, unpacked / DUMPS[engine])
    return engine


def _check_database(file: Path, dump: Path) -> None:
    if is_sqlite():
        copy = sqlite3.connect(dump)
        try:
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
        except sqlite3.DatabaseError as error:  # not a database at all
            problems = [str(error)]
        finally:
            copy.close()
        if problems != ["ok"]:
            _refuse(f"Cơ sở dữ liệu trong bản sao lưu {file} bị hỏng: {'; '.join(problems[:3])}.")
    else:
        listed = subprocess.run(["pg_restore", "--list", str(dump)], capture_output=True, text=True)
        if listed.returncode:
            _refuse(f"Cơ sở dữ liệu trong bản sao lưu {file} bị hỏng: {listed.stderr.strip()}.")


def _add_evidence(unpacked: Path, names: set[str]) -> int:
    """Copies the evidence files that are not on disk yet; returns how many the backup holds."""
    evidence = Path(current_app.config["EVIDENCE_DIR"])
    files = sorted(name.removeprefix("evidence/") for name in names if name.startswith("evidence/"))
    for name in files:
        target = evidence / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")  # never a half-copied file under its hash
            shutil.copyfile(unpacked / "evidence" / name, partial)
            partial.replace(target)
    return len(files)


def restore(file: Path, confirm) -> int:
    """Replaces every row and adds the evidence files from the backup `file`, once it is checked whole and
    `confirm()` has not aborted; returns how many evidence files it holds."""
    with tempfile.TemporaryDirectory() as tmp:
        unpacked = Path(tmp)
        names = _unpack(file, unpacked)
        engine = _verify(file, unpacked, names)
        confirm()
        _load(unpacked / DUMPS[engine])
        return _add_evidence(unpacked, names)
