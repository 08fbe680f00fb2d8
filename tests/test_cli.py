"""The flask commands an administrator runs: migrations, demo data, accounts."""
import sqlite3

from portal.cli import MIGRATIONS, router, upgrade
from portal.db import database
from portal.models import MODELS, Campaign, Event, Unit, User

from conftest import empty_tables, make_app, soup, user


def test_migrations_build_the_schema_on_an_empty_database_and_run_again_harmlessly(tmp_path):
    path = tmp_path / "new.db"
    runner = make_app(f"sqlite:///{path}").test_cli_runner()
    first = runner.invoke(args=["db", "upgrade"])
    migrations = len(list(MIGRATIONS.glob("[0-9]*.py")))
    assert first.exit_code == 0 and f"Đã áp dụng {migrations} bản" in first.output
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"unit", "user", "campaign", "area", "task", "check", "event", "migratehistory"} <= tables
    again = runner.invoke(args=["db", "upgrade"])
    assert again.exit_code == 0 and "mới nhất" in again.output


def test_the_demo_loads_once_and_prints_the_accounts(tmp_path):
    runner = make_app(f"sqlite:///{tmp_path / 'demo.db'}").test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    first = runner.invoke(args=["demo", "--if-empty"])
    assert first.exit_code == 0
    assert "vanhoa" in first.output and "ban-na-bo" in first.output and "demo2026" in first.output
    with runner.app.app_context():
        assert Campaign.select().count() == 1 and Unit.select().count() == 25
        assert Event.select().where(Event.kind == "check.set").exists()
    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "không nạp" in again.output and "vanhoa" in again.output
    with runner.app.app_context():
        assert Campaign.select().count() == 1
    assert runner.invoke(args=["demo"]).exit_code != 0


def test_create_a_unit_account_and_log_in_with_it(runner, actor):
    result = runner.invoke(args=["user", "create", "truongban", "--role", "unit", "--unit", "ban-na-it",
                                 "--name", "Tao Văn Hặc", "--password-stdin"], input="mat-khau-moi-2026\n")
    assert result.exit_code == 0, result.output
    assert user("truongban").unit.code == "ban-na-it"
    assert actor.login("truongban", "mat-khau-moi-2026").headers["Location"] == "/checklist"


def test_account_creation_refuses_bad_input_in_vietnamese(runner):
    no_unit = runner.invoke(args=["user", "create", "x", "--role", "unit", "--password-stdin"], input="12345678\n")
    assert no_unit.exit_code != 0 and "--unit" in no_unit.output
    unknown = runner.invoke(args=["user", "create", "x", "--role", "unit", "--unit", "khong-co",
                                  "--password-stdin"], input="12345678\n")
    assert "Không có đơn vị" in unknown.output
    short = runner.invoke(args=["user", "create", "x", "--role", "office", "--password-stdin"], input="123456789\n")
    assert short.exit_code != 0 and "ít nhất 10" in short.output
    taken = runner.invoke(args=["user", "create", "vanhoa", "--role", "office", "--password-stdin"], input="12345678\n")
    assert "đã có" in taken.output
    assert not User.select().where(User.username == "x").exists()


def test_resetting_a_password_also_unlocks_the_account(runner, actor):
    for _ in range(5):
        actor.login("ban-na-bo", "sai")
    assert "tạm bị khóa" in soup(actor.login("ban-na-bo")).select_one("[role=alert]").text
    result = runner.invoke(args=["user", "password", "ban-na-bo", "--password-stdin"], input="mat-khau-2026\n")
    assert result.exit_code == 0
    assert actor.login("ban-na-bo", "mat-khau-2026").status_code == 303


def test_upgrading_an_sqlite_database_keeps_every_row(tmp_path):
    """Later migrations rebuild tables on SQLite; the rows that refer to them must survive."""
    path = tmp_path / "old.db"
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        assert upgrade("001_initial") == ["001_initial"]
    db = sqlite3.connect(path)
    db.executescript("""
        INSERT INTO unit (id, code, name, kind, path, contact, phone, active) VALUES
          (1, 'xa', 'UBND xã', 'commune', '/1/', '', '', 1), (2, 'ban', 'Bản Nà Bỏ', 'village', '/1/2/', '', '', 1);
        INSERT INTO user (id, username, password_hash, full_name, role, unit_id, active, failed_logins)
          VALUES (1, 'ban', 'x', '', 'unit', 2, 1, 0);
        INSERT INTO campaign (id, unit_id, title, theme, starts_on, ends_on, report_due_on, status)
          VALUES (1, 1, 'Đợt', '', '2026-02-01', '2026-02-28', '2026-02-18', 'active');
        INSERT INTO area (id, campaign_id, position, title, summary) VALUES (1, 1, 1, 'Một', '');
        INSERT INTO task (id, area_id, position, title, target, kinds, archived) VALUES (1, 1, 1, 'Việc', '', '', 0);
        INSERT INTO "check" (id, unit_id, task_id, state, note, version, updated_by_id)
          VALUES (1, 2, 1, 'done', 'đã làm', 1, 1);
    """)
    db.commit()
    db.close()
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(path)
    counts = {t: db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in ("area", "task", "check", "user")}
    assert counts == {"area": 1, "task": 1, "check": 1, "user": 1}
    assert db.execute('SELECT state, note FROM "check"').fetchone() == ("done", "đã làm")
    assert db.execute("PRAGMA foreign_keys").fetchone() == (0,)  # a new connection: the app turns them on itself


def test_every_migration_rolls_back_and_applies_again_on_the_test_engine(schema):
    """A release can be undone: each migration's rollback runs, newest first, down to an empty database."""
    app = make_app(schema)
    with app.app_context():
        empty_tables()
        applied = router().done
        for name in reversed(applied):
            router().rollback()
            assert name not in router().done
        assert set(database.get_tables()) == {"migratehistory"}
        assert upgrade() == applied
        assert {m._meta.table_name for m in MODELS} <= set(database.get_tables())
        database.close()


def event_indexes() -> set:
    return {tuple(i.columns) for i in database.get_indexes("event") if not i.unique}


def test_the_event_log_gets_its_indexes_on_a_populated_database_as_a_new_one_has_them(actor, village):
    """Migration 012 on a log that already holds events: nothing is lost, and the indexes are those the model
    declares, which a new database gets too."""
    unit, task = village
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done", note="đã họp dân")
    events = Event.select().count()
    assert Event.last_id(Event.unit == unit) > 0
    done = router().done
    later = done[done.index("012_event_indexes"):]
    for _ in later:
        router().rollback()
    assert event_indexes() == {("at",), ("kind",), ("user_id",), ("campaign_id",), ("unit_id",)}
    assert upgrade() == later
    assert Event.select().count() == events and Event.last_id(Event.unit == unit) > 0
    declared = {tuple(f.column_name for f in index._expressions) for index in Event._meta.fields_to_index()}
    assert event_indexes() == declared == {("at",), ("unit_id", "id"), ("campaign_id", "id"),
                                           ("campaign_id", "unit_id", "at"), ("user_id", "id"), ("kind", "id")}
