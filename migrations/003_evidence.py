"""Evidence: photos and PDFs a unit attaches to its checks."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class Evidence(pw.Model):
        id = pw.AutoField()
        unit = pw.ForeignKeyField(column_name='unit_id', field='id', model=migrator.orm['unit'], on_delete='CASCADE')
        task = pw.ForeignKeyField(column_name='task_id', field='id', model=migrator.orm['task'], on_delete='CASCADE')
        kind = pw.CharField(max_length=255)
        sha256 = pw.CharField(index=True, max_length=255)
        size = pw.IntegerField()
        width = pw.IntegerField(null=True)
        height = pw.IntegerField(null=True)
        name = pw.CharField(default='', max_length=255)
        uploaded_by = pw.ForeignKeyField(column_name='uploaded_by_id', field='id', model=migrator.orm['user'], null=True, on_delete='SET NULL')
        uploaded_at = pw.DateTimeField()
        removed = pw.BooleanField(default=False)

        class Meta:
            table_name = "evidence"
            indexes = [(('unit', 'task'), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.remove_model('evidence')
