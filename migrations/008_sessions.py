"""Sessions kept on the server (logout and a password change end them) and lockouts per username and
address (a stranger's wrong passwords lock only the stranger out), replacing the account-wide lock."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    @migrator.create_model
    class UserSession(pw.Model):
        id = pw.AutoField()
        user = pw.ForeignKeyField(column_name='user_id', field='id', model=migrator.orm['user'], on_delete='CASCADE')
        token = pw.CharField(max_length=255, unique=True)
        started_at = pw.DateTimeField()

        class Meta:
            table_name = "user_session"

    @migrator.create_model
    class Lockout(pw.Model):
        id = pw.AutoField()
        username = pw.CharField(max_length=255)
        address = pw.CharField(max_length=255)
        failures = pw.IntegerField(default=0)
        last_at = pw.DateTimeField(index=True)
        locked_until = pw.DateTimeField(null=True)

        class Meta:
            table_name = "lockout"
            indexes = [(('username', 'address'), True)]

    migrator.remove_fields("user", "failed_logins", "locked_until")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    migrator.add_fields("user", failed_logins=pw.IntegerField(default=0), locked_until=pw.DateTimeField(null=True))
    migrator.remove_model("lockout")
    migrator.remove_model("user_session")
