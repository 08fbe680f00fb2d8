"""The signed-in browser an event came from (a number drawn from its session token): a phone's live checklist
does not send back the row its own tick has already answered with."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("event", session=pw.IntegerField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("event", "session")
