"""Per-unit totals the boards read instead of every check (done and counted tasks per unit and area), and the stamp
saying what structure they were counted for. Existing campaigns have no stamp yet: each is counted from its checks
on the first read after this migration, in that read's transaction, as after any change to its structure."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class UnitTotal(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], on_delete="CASCADE", index=True)
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE", index=False)
        area = pw.ForeignKeyField(migrator.orm["area"], on_delete="CASCADE")
        done = pw.IntegerField(default=0)
        total = pw.IntegerField(default=0)

        class Meta:
            table_name = "unit_total"
            indexes = ((("unit", "area"), True),)

    @migrator.create_model
    class TotalsStamp(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], primary_key=True, on_delete="CASCADE")
        revision = pw.IntegerField()
        units = pw.IntegerField()

        class Meta:
            table_name = "totals_stamp"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("totals_stamp", "unit_total"):
        migrator.remove_model(table)
