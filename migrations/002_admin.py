"""The office runs its own campaigns: evidence required per task, archived areas, one-time passwords."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("task", evidence_required=pw.BooleanField(default=False))
    migrator.add_fields("area", archived=pw.BooleanField(default=False))
    migrator.add_fields("user", must_change_password=pw.BooleanField(default=False))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("user", "must_change_password")
    migrator.remove_fields("area", "archived")
    migrator.remove_fields("task", "evidence_required")
