"""Backups a school can restore: one archive with the database and the uploaded files.

The archive is a tar file holding `manifest.json` (what is inside, with a SHA-256 and a size
for every member, the schema's migration, the row count of every table), the database
(SQLite: a copy made with SQLite's online backup API, consistent while the app writes;
PostgreSQL: `pg_dump --format=custom`, one consistent snapshot) and `uploads/`, the evidence
files. The database is copied first, then the files it names: a file is written before the
row that names it is committed, and deleted only after the row's deletion is committed, so
every file the copy names is still there when it is read (one deleted in between is listed as
missing, and `restore` says so).

`restore` checks every checksum before it touches anything, refuses a database or an upload
folder that already holds data unless told to replace it, and then restores both.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from portfolio.db import db, utcnow

FORMAT = "portfolio-backup"
VERSION = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Something a person can act on; the message says what."""


@dataclass
class Summary:
    dialect: str
    files: int
    missing: list[str]
    rows: dict[str, int]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _postgres_environment(url) -> dict:
    """libpq's variables for pg_dump and pg_restore (no password on a command line)."""
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def _run(command: list[str], env: dict) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install "
                          "postgresql-client, of the server's major version or newer).")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_path(url) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _dump_database(target: Path) -> str:
    """Write a consistent copy of the database to `target`; return the dialect's name."""
    url = _url()
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # the online backup API: consistent while others write
        finally:
            copy.close()
            source.close()
        return "sqlite"
    if url.get_backend_name() == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(target)], _postgres_environment(url))
        return "postgresql"
    raise BackupError(f"no backup for the database {url.get_backend_name()!r}")


def _row_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(select(func.count()).select_from(table))
    db.session.rollback()
    return counts


def _revision() -> str | None:
    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:
        db.session.rollback()
        return None


def write_backup(output: Path) -> Summary:
    """Write the archive to `output` (through a temporary file, renamed once complete)."""
    from portfolio.models import Attachment

    output = Path(output)
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    with tempfile.TemporaryDirectory(prefix="portfolio-backup-") as work:
        work = Path(work)
        dialect = _dump_database(work / "database")
        database_name = f"database/portfolio.{'sqlite3' if dialect == 'sqlite' else 'pgdump'}"
        # The files the copied database names (read from the copy for SQLite; for
        # PostgreSQL, a file added after the dump is simply not named in it).
        if dialect == "sqlite":
            with sqlite3.connect(work / "database") as copy:
                names = sorted(row[0] for row in copy.execute(
                    "SELECT stored_name FROM attachments"))
        else:
            names = sorted(db.session.scalars(select(Attachment.stored_name)))
        rows = _row_counts()
        members = [{"name": database_name, "size": (work / "database").stat().st_size,
                    "sha256": _sha256(work / "database")}]
        present, missing = [], []
        for name in names:
            path = uploads / name
            (present if path.is_file() else missing).append(name)
        for name in present:
            path = uploads / name
            members.append({"name": f"uploads/{name}", "size": path.stat().st_size,
                            "sha256": _sha256(path)})
        manifest = {
            "format": FORMAT, "version": VERSION, "created_at": utcnow().isoformat(),
            "database": {"dialect": dialect, "file": database_name,
                         "alembic_revision": _revision()},
            "rows": rows, "members": members, "missing_files": missing,
        }
        partial = output.with_name(f".{output.name}.{secrets.token_hex(4)}.part")
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                info.mtime = int(utcnow().timestamp())
                archive.addfile(info, io.BytesIO(data))
                archive.add(work / "database", arcname=database_name, recursive=False)
                for name in present:
                    archive.add(uploads / name, arcname=f"uploads/{name}", recursive=False)
            with partial.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return Summary(dialect, len(present), missing, rows)


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile("manifest.json"))
    except (KeyError, ValueError, AttributeError) as error:
        raise BackupError("this file is not a Portfolio backup (no readable manifest)") from error
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BackupError("this file is not a Portfolio backup of a version this one reads")
    return manifest


def _verify(archive: tarfile.TarFile, manifest: dict, into: Path) -> None:
    """Extract every member listed to `into`, checking its size and SHA-256 on the way."""
    for member in manifest["members"]:
        name = member["name"]
        if not (name.startswith("database/") or name.startswith("uploads/")) or ".." in name \
                or name.count("/") != 1:
            raise BackupError(f"unexpected member {name!r} in the manifest")
        try:
            source = archive.extractfile(name)
        except KeyError:
            source = None
        if source is None:
            raise BackupError(f"{name} is listed in the manifest but missing from the archive")
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with source, target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != member["sha256"] or target.stat().st_size != member["size"]:
            raise BackupError(f"{name} does not match its checksum: the archive is damaged")


def _holds_data() -> bool:
    names = set(inspect(db.engine).get_table_names())
    if "users" not in names:
        return False
    from portfolio.models import User

    found = db.session.scalar(select(func.count(User.id))) > 0
    db.session.rollback()
    return found


def restore_backup(path: Path, force: bool = False) -> Summary:
    """Restore an archive into the configured database and upload folder."""
    path = Path(path)
    url = _url()
    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    try:
        archive = tarfile.open(path, "r:*")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} cannot be read as a backup archive: {error}") from error
    with archive, tempfile.TemporaryDirectory(prefix="portfolio-restore-") as work:
        work = Path(work)
        manifest = read_manifest(archive)
        dialect = manifest["database"]["dialect"]
        if dialect != url.get_backend_name():
            raise BackupError(f"this backup is of a {dialect} database; DATABASE_URL names a "
                              f"{url.get_backend_name()} one")
        _verify(archive, manifest, work)
        existing = [p for p in uploads.iterdir() if not p.name.startswith(".")] \
            if uploads.is_dir() else []
        if not force and (_holds_data() or existing):
            raise BackupError("the database or the upload folder already holds data: restore "
                              "into an empty one, or add --force to replace what is there")
        db.session.remove()
        db.engine.dispose()
        database_file = work / manifest["database"]["file"]
        if dialect == "sqlite":
            target = _sqlite_path(url)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(database_file)
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
                source.close()
        else:
            _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                  "--single-transaction", "--dbname", url.database or "",
                  str(database_file)], _postgres_environment(url))
        uploads.mkdir(parents=True, exist_ok=True)
        for old in existing:
            old.unlink()
        restored = 0
        for member in manifest["members"]:
            if member["name"].startswith("uploads/"):
                os.replace(work / member["name"], uploads / member["name"].split("/", 1)[1])
                restored += 1
        # Pages kept by a running process were keyed on the versions of before: new ones.
        from portfolio.models.site import SiteVersion

        db.session.execute(SiteVersion.__table__.update().values(
            value=secrets.randbits(48)))
        db.session.commit()
    return Summary(dialect, restored, manifest.get("missing_files", []), manifest["rows"])
