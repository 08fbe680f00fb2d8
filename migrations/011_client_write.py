"""Writes sent from a phone's outbox under a client-made id: one row per (unit, id), so a resend saves nothing twice."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class ClientWrite(pw.Model):
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE")
        client_id = pw.CharField(max_length=40)
        kind = pw.CharField()
        ref = pw.IntegerField(null=True)
        at = pw.DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "clientwrite"
            indexes = ((("unit", "client_id"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("clientwrite")
