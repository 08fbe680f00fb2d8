"""Nomination.version: a unit may now edit its proposal, and an edit based on an older copy is refused."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("nomination", version=pw.IntegerField(default=0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("nomination", "version")
