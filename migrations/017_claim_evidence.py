"""Evidence files (photos, PDFs) a unit attaches to its claim of a bonus criterion, kept in the evidence store."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ClaimEvidence(pw.Model):
        criterion = pw.ForeignKeyField(migrator.orm["criterion"], on_delete="CASCADE")
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE")
        kind = pw.CharField()
        sha256 = pw.CharField()
        size = pw.IntegerField()
        width = pw.IntegerField(null=True)
        height = pw.IntegerField(null=True)
        name = pw.CharField(default="")
        uploaded_by = pw.ForeignKeyField(migrator.orm["user"], null=True, on_delete="SET NULL")
        uploaded_at = pw.DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "claimevidence"
            indexes = ((("criterion", "unit", "sha256"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("claimevidence")
