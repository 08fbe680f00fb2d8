"""The event log indexed for every read it serves, so that a year of a province's events (tens of millions of rows)
costs a tick and a stream the same as an empty log: each filter column is followed by the id, the order every
reader wants (a stream reads one unit's events after its cursor, /audit pages one user's or one kind's events by
id, the board's ETag takes the newest event of its campaign), and the board's "last activity" reads one entry per
unit. Each composite index replaces the single-column one it starts with."""

import peewee as pw
from peewee_migrate import Migrator

REPLACED = ("unit", "campaign", "user", "kind")
ADDED = (("unit", "id"), ("campaign", "id"), ("campaign", "unit", "at"), ("user", "id"), ("kind", "id"))


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    for column in REPLACED:
        migrator.drop_index("event", column)
    for columns in ADDED:
        migrator.add_index("event", *columns)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for columns in ADDED:
        migrator.drop_index("event", *columns)
    for column in REPLACED:
        migrator.add_index("event", column)
