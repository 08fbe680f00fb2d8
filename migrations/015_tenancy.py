"""Many communes on one deployment: a campaign launched by the province names its origin, every commune role
account belongs to its commune (set here for the accounts of a single-commune install, which had no unit), and each
commune's office sets its own council's voting rules."""

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

    migrator.add_fields("awardrule", unit=pw.ForeignKeyField(migrator.orm["unit"], null=True, on_delete="CASCADE",
                                                             field="id"))
    migrator.sql("""UPDATE awardrule SET unit_id = (SELECT id FROM unit WHERE parent_id IS NULL AND kind = 'commune')
                    WHERE (SELECT COUNT(*) FROM unit WHERE parent_id IS NULL) = 1""")
    migrator.sql("DELETE FROM awardrule WHERE unit_id IS NULL")  # no commune to keep them for: the defaults apply
    if not fake:  # runs the steps so far: add_not_null changes the very field add_fields is about to add
        migrator()
    migrator.add_not_null("awardrule", "unit")
    migrator.drop_index("awardrule", "award")
    migrator.add_index("awardrule", "unit", "award", unique=True)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.drop_index("awardrule", "unit", "award")
    migrator.drop_index("awardrule", "unit")  # the foreign key's own index, which SQLite keeps the column for
    # One commune's rules survive, as the one set of rules there was before.
    migrator.sql("DELETE FROM awardrule WHERE unit_id <> (SELECT MIN(unit_id) FROM awardrule)")
    migrator.remove_fields("awardrule", "unit")
    migrator.add_index("awardrule", "award", unique=True)
    migrator.drop_index("campaign", "origin")
    migrator.remove_fields("campaign", "origin")
