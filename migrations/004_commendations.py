"""Sơ kết and commendations: reports, nominations, votes, supervisors' comments, publication, opinions."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Report(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        state = pw.CharField(default='draft', max_length=255)
        results = pw.TextField(default='{}')
        highlights = pw.TextField(default='')
        difficulties = pw.TextField(default='')
        proposals = pw.TextField(default='')
        office_comment = pw.TextField(default='')
        reopened = pw.BooleanField(default=False)
        late = pw.BooleanField(default=False)
        submitted_at = pw.DateTimeField(null=True)
        version = pw.IntegerField(default=0)

        class Meta:
            table_name = "report"
            indexes = [(('campaign', 'unit'), True)]

    @migrator.create_model
    class Nomination(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        kind = pw.CharField(default='individual', max_length=255)
        name = pw.CharField(max_length=255)
        position = pw.CharField(default='', max_length=255)
        workplace = pw.CharField(default='', max_length=255)
        achievement = pw.TextField()
        award = pw.CharField(max_length=255)
        nominee_key = pw.CharField(index=True, max_length=255)
        achievement_key = pw.TextField(default='')
        state = pw.CharField(default='proposed', index=True, max_length=255)
        merged_into = pw.ForeignKeyField(column_name='merged_into_id', field='id', model='self', null=True, on_delete='SET NULL')
        attachment = pw.CharField(default='', max_length=255)
        attachment_name = pw.CharField(default='', max_length=255)
        attachment_type = pw.CharField(default='', max_length=255)
        awarded = pw.BooleanField(default=False)
        created_by = pw.ForeignKeyField(column_name='created_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "nomination"

    @migrator.create_model
    class Vote(pw.Model):
        id = pw.AutoField()
        nomination = pw.ForeignKeyField(column_name='nomination_id', field='id', model=migrator.orm['nomination'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        agree = pw.BooleanField()
        comment = pw.TextField(default='')
        at = pw.DateTimeField()

        class Meta:
            table_name = "vote"
            indexes = [(('nomination', 'user'), True)]

    @migrator.create_model
    class Comment(pw.Model):
        id = pw.AutoField()
        nomination = pw.ForeignKeyField(column_name='nomination_id', field='id', model=migrator.orm['nomination'], on_delete='CASCADE')
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        text = pw.TextField()
        at = pw.DateTimeField()
        answer = pw.TextField(default='')
        answered_by = pw.ForeignKeyField(column_name='answered_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        answered_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "comment"

    @migrator.create_model
    class Publication(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE', unique=True)
        opened_at = pw.DateTimeField()
        closes_on = pw.DateField()
        opened_by = pw.ForeignKeyField(column_name='opened_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        decision_number = pw.CharField(default='', max_length=255)
        decision_date = pw.DateField(null=True)
        signer = pw.CharField(default='', max_length=255)
        approved_by = pw.ForeignKeyField(column_name='approved_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        approved_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "publication"

    @migrator.create_model
    class Opinion(pw.Model):
        id = pw.AutoField()
        campaign = pw.ForeignKeyField(column_name='campaign_id', field='id', model=migrator.orm['campaign'], on_delete='CASCADE')
        name = pw.CharField(default='', max_length=255)
        text = pw.TextField()
        at = pw.DateTimeField()

        class Meta:
            table_name = "opinion"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('opinion')
    migrator.remove_model('publication')
    migrator.remove_model('comment')
    migrator.remove_model('vote')
    migrator.remove_model('nomination')
    migrator.remove_model('report')
