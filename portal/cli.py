"""flask commands: db upgrade, demo, user create / password."""
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from peewee_migrate import Router

from . import passwords
from .db import database, is_sqlite
from .demo import DEMO_PASSWORD, load_demo, load_province
from .models import ROLES, WATCHERS, Event, Lockout, Unit, User
from .text import nfc

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Cơ sở dữ liệu.")
user_cli = AppGroup("user", help="Tài khoản người dùng.")


def router() -> Router:
    return Router(database, migrate_dir=MIGRATIONS, ignore=["basemodel"])


def upgrade(name: str | None = None) -> list[str]:
    """Applies every migration not yet applied (or those up to `name`); returns their names."""
    if not is_sqlite():
        return router().run(name)
    # SQLite alters a column by rebuilding its table; with foreign keys on, dropping the old
    # table would cascade-delete every row that refers to it (an area's tasks, their checks).
    with database.connection_context():
        database.execute_sql("PRAGMA foreign_keys = OFF")
        try:
            done = router().run(name)
            broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise click.ClickException(f"Dữ liệu sau chuyển đổi có {len(broken)} tham chiếu hỏng: {broken[:5]}")
        finally:
            database.execute_sql("PRAGMA foreign_keys = ON")
    return done


@db_cli.command("upgrade")
def db_upgrade():
    """Áp dụng các bản chuyển đổi (migration) còn thiếu."""
    done = upgrade()
    click.echo(f"Đã áp dụng {len(done)} bản chuyển đổi." if done else "Cơ sở dữ liệu đã ở phiên bản mới nhất.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Chỉ nạp khi chưa có đơn vị nào.")
@click.option("--province", "communes", type=click.IntRange(1, 500), is_flag=False, flag_value=3, default=None,
              help="Nạp một tỉnh gồm N xã theo mẫu Bình Lư (mặc định 3).")
@with_appcontext
def demo(if_empty, communes):
    """Nạp đợt thi đua mẫu của xã Bình Lư và các tài khoản mẫu (--province N: một tỉnh N xã)."""
    if Unit.select().exists():
        if if_empty:
            click.echo("Đã có dữ liệu, không nạp dữ liệu mẫu.")
            _print_accounts(User.select())
            return
        raise click.ClickException("Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.")
    hash_method = current_app.config["PASSWORD_HASH_METHOD"]
    users = load_province(hash_method, communes) if communes else load_demo(hash_method)
    click.echo(f"Đã nạp dữ liệu mẫu: {len(users)} tài khoản, mật khẩu chung “{DEMO_PASSWORD}”.")
    _print_accounts(users)


def _print_accounts(users):
    click.echo("Tài khoản mẫu (tên đăng nhập — vai trò — đơn vị):")
    order = list(ROLES)
    for user in sorted(users, key=lambda u: (u.role == "unit", order.index(u.role), u.username)):
        click.echo(f"  {user.username:<18} {ROLES[user.role]:<32} {user.unit.name if user.unit else ''}")


def _read_password(from_stdin: bool, user: User) -> str:
    """A new password for `user`, held to the same rules as on the web."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    problem = passwords.problem(password, user.username, user.unit.code if user.unit else "")
    if problem:
        raise click.ClickException(problem)
    return password


def _unit_for(role: str, unit_code: str | None):
    """The unit an account of `role` belongs to: a province account to a province, a commune role's to a commune,
    a unit's to a unit under a commune. Without --unit, a commune role gets the commune of a single-commune
    install (or none yet, on an empty database: its pages then follow the commune the office creates)."""
    if unit_code is None:
        root = Unit.root()
        if role in WATCHERS and (root is None or root.kind == "commune"):
            return root
        raise click.ClickException(f"Vai trò {role} cần --unit MÃ_ĐƠN_VỊ.")
    unit = Unit.get_or_none(Unit.code == unit_code)
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã “{unit_code}”.")
    if role == "province" and unit.kind != "province":
        raise click.ClickException(f"Tài khoản tỉnh phải thuộc một tỉnh; “{unit.name}” là {unit.kind_label.lower()}.")
    if role in WATCHERS and unit.kind != "commune":
        raise click.ClickException(f"Vai trò {role} phải thuộc một xã; “{unit.name}” là {unit.kind_label.lower()}.")
    if role == "unit" and (unit.kind in ("province", "commune") or unit.commune() is None):
        raise click.ClickException(f"Tài khoản đơn vị phải thuộc một đơn vị trong xã; “{unit.name}” là "
                                   f"{unit.kind_label.lower()}.")
    return unit


@user_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(list(ROLES)), required=True)
@click.option("--unit", "unit_code", help="Mã đơn vị: tỉnh (province), xã (office, council, leader, supervisor) "
                                          "hoặc đơn vị trong xã (unit).")
@click.option("--name", "full_name", default="", help="Họ và tên.")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn.")
def user_create(username, role, unit_code, full_name, password_stdin):
    """Tạo tài khoản."""
    username = nfc(username).strip()
    unit = _unit_for(role, unit_code)
    if User.select().where(User.username == username).exists():
        raise click.ClickException(f"Tên đăng nhập “{username}” đã có.")
    user = User(username=username, role=role, unit=unit, full_name=nfc(full_name))
    user.set_password(_read_password(password_stdin, user), current_app.config["PASSWORD_HASH_METHOD"])
    with database.atomic():
        user.save()
        # No one is signed in at the command line: the event has no user, as a login failure has none.
        Event.record("account.create", None, unit=unit, subject=user, after=user.as_dict())
    click.echo(f"Đã tạo tài khoản {username} ({ROLES[role]}).")


@user_cli.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Đọc mật khẩu từ dòng đầu của đầu vào chuẩn.")
def user_password(username, password_stdin):
    """Đặt lại mật khẩu (và mở khóa) một tài khoản; mọi phiên đăng nhập của tài khoản đó kết thúc."""
    user = User.get_or_none(User.username == nfc(username))
    if user is None:
        raise click.ClickException(f"Không có tài khoản “{username}”.")
    user.set_password(_read_password(password_stdin, user), current_app.config["PASSWORD_HASH_METHOD"])
    with database.atomic():
        user.save()
        user.end_sessions()  # a lost phone stops working
        Lockout.clear(user.username)
        Event.record("account.password", None, unit=user.unit_id, subject=user)
    click.echo(f"Đã đặt mật khẩu mới cho {username}.")


def init_app(app):
    from .backup import backup, restore

    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(db_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(demo)
