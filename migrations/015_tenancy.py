"""Many communes on one deployment: a campaign launched by the province names its origin, and every commune role
account belongs to its commune (set here for the accounts of a single-commune install, which had no unit)."""

import peewee as pw
from peewee_migrate import Migrator

COMMUNE_ROLES = ("office", "council", "leader", "supervisor")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("campaign", origin=pw.ForeignKeyField(migrator.orm["campaign"], null=True,
                                                               on_delete="SET NULL", field="id"))

    roles = ", ".join(f"'{r}'" for r in COMMUNE_ROLES)
    # Only where the tree has one root and it is a commune (else the subquery names none): with no commune, or a
    # province, there is no "the" commune to give them.
    migrator.sql(f"""UPDATE "user" SET unit_id = (SELECT id FROM unit WHERE parent_id IS NULL AND kind = 'commune')
                     WHERE unit_id IS NULL AND role IN ({roles})
                       AND (SELECT COUNT(*) FROM unit WHERE parent_id IS NULL) = 1""")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_fields("campaign", "origin")
