"""The first schema: units, accounts, campaigns with areas and tasks, checks and the event log."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Unit(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=255, unique=True)
        name = pw.CharField(max_length=255)
        kind = pw.CharField(index=True, max_length=255)
        parent = pw.ForeignKeyField(column_name='parent_id', field='id', model='self', null=True, on_delete='RESTRICT')
        path = pw.CharField(default='', index=True, max_length=255)
        contact = pw.CharField(default='', max_length=255)
        phone = pw.CharField(default='', max_length=255)
        active = pw.BooleanField(default=True)

        class Meta:
            table_name = "unit"

    @migrator.create_model
    class Campaign(pw.Model):
        id = pw.AutoField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='RESTRICT')
        title = pw.TextField()
        theme = pw.TextField(default='')
        starts_on = pw.DateField()
        ends_on = pw.DateField()
        report_due_on = pw.DateField()
        status = pw.CharField(default='active', index=True, max_length=255)

        class Meta:
            table_name = "campaign"

    @migrator.create_model
    class Area(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        position = pw.IntegerField(default=0)
        title = pw.TextField()
        summary = pw.TextField(default='')

        class Meta:
            table_name = "area"

    @migrator.create_model
    class Task(pw.Model):
        id = pw.AutoField()
        area = pw.ForeignKeyField(column_name='area_id', field='id', model=migrator.orm['area'], on_delete='CASCADE')
        position = pw.IntegerField(default=0)
        title = pw.TextField()
        target = pw.TextField(default='')
        kinds = pw.CharField(default='', max_length=255)
        archived = pw.BooleanField(default=False)

        class Meta:
            table_name = "task"

    @migrator.create_model
    class User(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=255, unique=True)
        password_hash = pw.CharField(max_length=255)
        full_name = pw.CharField(default='', max_length=255)
        role = pw.CharField(max_length=255)
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], null=True, on_delete='RESTRICT')
        active = pw.BooleanField(default=True)
        failed_logins = pw.IntegerField(default=0)
        locked_until = pw.DateTimeField(null=True)

        class Meta:
            table_name = "user"

    @migrator.create_model
    class Check(pw.Model):
        id = pw.AutoField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        task = pw.ForeignKeyField(column_name='task_id', field='id', model=migrator.orm['task'], on_delete='CASCADE')
        state = pw.CharField(default='todo', max_length=255)
        note = pw.TextField(default='')
        version = pw.IntegerField(default=0)
        updated_at = pw.DateTimeField(null=True)
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "check"
            indexes = [(('unit', 'task'), True)]

    @migrator.create_model
    class Event(pw.Model):
        id = pw.AutoField()
        at = pw.DateTimeField(index=True)
        kind = pw.CharField(index=True, max_length=255)
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], null=True, on_delete='SET NULL')
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], null=True, on_delete='SET NULL')
        subject = pw.CharField(default='', max_length=255)
        before = pw.TextField(default='')
        after = pw.TextField(default='')

        class Meta:
            table_name = "event"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('event')
    migrator.remove_model('check')
    migrator.remove_model('user')
    migrator.remove_model('task')
    migrator.remove_model('area')
    migrator.remove_model('campaign')
    migrator.remove_model('unit')
