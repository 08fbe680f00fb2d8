"""Registration (đăng ký thi đua) and scoring (chấm điểm): a campaign's scheme, points per task and area,
bonus and deduction criteria, units' claims, the office's changes, and units' registrations."""

import datetime as dt

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Scheme(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], unique=True, on_delete="CASCADE")
        registration_due_on = pw.DateField(null=True)
        doing_share = pw.IntegerField(default=50)
        excellent = pw.IntegerField(default=90)
        good = pw.IntegerField(default=75)
        fair = pw.IntegerField(default=50)
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "scheme"

    @migrator.create_model
    class TaskPoints(pw.Model):
        task = pw.ForeignKeyField(migrator.orm["task"], unique=True, on_delete="CASCADE")
        points = pw.IntegerField()

        class Meta:
            table_name = "task_points"

    @migrator.create_model
    class AreaPoints(pw.Model):
        area = pw.ForeignKeyField(migrator.orm["area"], unique=True, on_delete="CASCADE")
        max_points = pw.IntegerField()

        class Meta:
            table_name = "area_points"

    @migrator.create_model
    class Criterion(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], on_delete="CASCADE")
        title = pw.TextField()
        points = pw.IntegerField()
        position = pw.IntegerField(default=0)

        class Meta:
            table_name = "criterion"

    @migrator.create_model
    class Claim(pw.Model):
        criterion = pw.ForeignKeyField(migrator.orm["criterion"], on_delete="CASCADE")
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE")
        claimed = pw.BooleanField(default=False)
        note = pw.TextField(default="")
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "claim"
            indexes = ((("criterion", "unit"), True),)

    @migrator.create_model
    class Adjustment(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], on_delete="CASCADE")
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE")
        line = pw.CharField()
        points = pw.IntegerField()
        reason = pw.TextField()
        by = pw.ForeignKeyField(migrator.orm["user"], null=True, on_delete="SET NULL")
        at = pw.DateTimeField(default=dt.datetime.utcnow)
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "adjustment"
            indexes = ((("campaign", "unit", "line"), True),)

    @migrator.create_model
    class Registration(pw.Model):
        campaign = pw.ForeignKeyField(migrator.orm["campaign"], on_delete="CASCADE")
        unit = pw.ForeignKeyField(migrator.orm["unit"], on_delete="CASCADE")
        state = pw.CharField(default="draft")
        titles = pw.TextField(default="[]")
        counts = pw.TextField(default="{}")
        commitments = pw.TextField(default="[]")
        office_comment = pw.TextField(default="")
        sent_at = pw.DateTimeField(null=True)
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "registration"
            indexes = ((("campaign", "unit"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    for table in ("registration", "adjustment", "claim", "criterion", "area_points", "task_points", "scheme"):
        migrator.remove_model(table)
