"""SMS through gammu-smsd: messages the portal queued, and incoming messages applied once by their inbox id."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class SmsMessage(pw.Model):
        gateway_id = pw.IntegerField(index=True)
        number = pw.CharField()
        text = pw.TextField()
        kind = pw.CharField()
        unit = pw.ForeignKeyField(migrator.orm["unit"], null=True, on_delete="SET NULL")
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], null=True, on_delete="SET NULL")
        state = pw.CharField(default="queued")
        queued_at = pw.DateTimeField(default=dt.datetime.utcnow)
        state_at = pw.DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "smsmessage"

    @migrator.create_model
    class SmsIncoming(pw.Model):
        gateway_id = pw.IntegerField(unique=True)
        number = pw.CharField()
        text = pw.TextField()
        unit = pw.ForeignKeyField(migrator.orm["unit"], null=True, on_delete="SET NULL")
        outcome = pw.CharField()
        received_at = pw.DateTimeField(default=dt.datetime.utcnow)

        class Meta:
            table_name = "smsincoming"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model("smsincoming")
    migrator.remove_model("smsmessage")
