"""Campaign.revision: bumped by every change to a campaign's areas and tasks, so each worker
can keep the campaign's structure in memory and know when its copy is stale."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("campaign", revision=pw.IntegerField(default=0))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("campaign", "revision")
