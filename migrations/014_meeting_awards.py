"""The council's meeting (họp xét), the voting rule of each award form, which meeting a vote was cast for, and the
proposals the office returned with a reason."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Meeting(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], unique=True, on_delete="CASCADE")
        held_on = pw.DateField()
        place = pw.CharField()
        chair = pw.ForeignKeyField(migrator.orm["user"], on_delete="RESTRICT")
        secretary = pw.ForeignKeyField(migrator.orm["user"], on_delete="RESTRICT")
        present = pw.TextField(default="[]")
        in_writing = pw.TextField(default="[]")
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "meeting"

    @migrator.create_model
    class AwardRule(pw.Model):
        award = pw.CharField(unique=True)
        threshold = pw.FloatField()
        base = pw.CharField(default="members")
        secret = pw.BooleanField(default=False)

        class Meta:
            table_name = "awardrule"

    @migrator.create_model
    class VoteMeeting(pw.Model):
        vote = pw.ForeignKeyField(migrator.orm["vote"], unique=True, on_delete="CASCADE")
        meeting = pw.ForeignKeyField(migrator.orm["meeting"], on_delete="CASCADE")

        class Meta:
            table_name = "vote_meeting"

    @migrator.create_model
    class NominationReturn(pw.Model):
        nomination = pw.ForeignKeyField(migrator.orm["nomination"], on_delete="CASCADE")
        reason = pw.TextField()
        version = pw.IntegerField()
        at = pw.DateTimeField(default=dt.datetime.utcnow)
        by = pw.ForeignKeyField(migrator.orm["user"], null=True, on_delete="SET NULL")

        class Meta:
            table_name = "nominationreturn"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("nominationreturn", "vote_meeting", "awardrule", "meeting"):
        migrator.remove_model(table)
