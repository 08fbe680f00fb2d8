"""flask commands: db upgrade, demo, user create / password, campaign import, unit import, sms poll, remind,
backup, restore."""
import datetime as dt
import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from peewee_migrate import Router

from . import backup, passwords, sms
from .db import database, is_sqlite
from .demo import DEMO_PASSWORD, load_demo, load_province
from .models import ROLES, WATCHERS, Event, Lockout, Unit, User
from .plan import create_campaign
from .plan_import import PlanImportError, propose_campaign, read_plan
from .text import nfc
from .unit_import import UnitImportError, import_units

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"

db_cli = AppGroup("db", help="Cơ sở dữ liệu.")
user_cli = AppGroup("user", help="Tài khoản người dùng.")
campaign_cli = AppGroup("campaign", help="Đợt thi đua.")
unit_cli = AppGroup("unit", help="Đơn vị.")
sms_cli = AppGroup("sms", help="Tin nhắn SMS qua gammu-smsd.")


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
    password = _read_password(password_stdin, User(username=username, unit=unit))
    with database.atomic():
        user = User.open(username, role, password, current_app.config["PASSWORD_HASH_METHOD"], unit=unit,
                         full_name=full_name)
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


@campaign_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="In đề xuất dạng JSON.")
@click.option("--create", is_flag=True, help="Tạo đợt thi đua (bản nháp) từ đề xuất.")
def campaign_import(file, as_json, create):
    """Đề xuất một đợt thi đua từ tệp kế hoạch (.docx, .md, .txt); --create để tạo."""
    try:
        proposal = propose_campaign(read_plan(file))
    except PlanImportError as e:
        raise click.ClickException(str(e))
    if as_json:
        click.echo(json.dumps(proposal, ensure_ascii=False, indent=2))
    else:
        _print_proposal(proposal)
    if create:
        missing = [label for key, label in (("title", "tên"), ("starts_on", "ngày bắt đầu"),
                                            ("ends_on", "ngày kết thúc"), ("report_due_on", "hạn gửi sơ kết"))
                   if not proposal[key]]
        if missing:
            raise click.ClickException("Kế hoạch thiếu " + ", ".join(missing) + "; không tạo được đợt thi đua. "
                                       "Hãy bổ sung trong tệp, hoặc nhập qua trang “Đợt thi đua” để sửa trước khi tạo.")
        commune = Unit.root()
        if commune is None or commune.kind != "commune":
            raise click.ClickException("Chưa có xã nào; hãy tạo dữ liệu trước. (Cổng phục vụ cả tỉnh: tỉnh phát động "
                                       "đợt thi đua trên trang “Đợt thi đua” của tài khoản tỉnh.)")
        dates = {k: dt.date.fromisoformat(proposal[k]) for k in ("starts_on", "ends_on", "report_due_on")}
        campaign = create_campaign({**proposal, **dates}, commune)
        # --json keeps stdout pure JSON; the confirmation goes to stderr.
        click.echo(f"Đã tạo đợt thi đua số {campaign.id} (bản nháp): {campaign.title}", err=as_json)


def _print_proposal(p: dict):
    click.echo(f"Tên: {p['title']}")
    click.echo(f"Chủ đề: {p['theme']}")
    click.echo(f"Thời gian: {p['starts_on'] or '?'} – {p['ends_on'] or '?'}; hạn sơ kết: {p['report_due_on'] or '?'}")
    for i, area in enumerate(p["areas"], 1):
        click.echo(f"{i}. {area['title']}")
        for task in area["tasks"]:
            click.echo(f"   - {task['title']}" + (f" [Chỉ tiêu: {task['target']}]" if task["target"] else ""))


@unit_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commune", "commune_code", help="Mã xã nhận các đơn vị (bắt buộc khi cổng phục vụ cả tỉnh).")
def unit_import(file, commune_code):
    """Thêm đơn vị từ tệp .xlsx hoặc .csv (tên, loại, cấp trên, người liên hệ, điện thoại)."""
    root = Unit.get_or_none(Unit.code == commune_code, Unit.kind == "commune") if commune_code else Unit.root()
    if root is None or root.kind != "commune":
        raise click.ClickException(f"Không có xã mã “{commune_code}”." if commune_code else
                                   "Chưa có xã nào, hoặc cổng phục vụ cả tỉnh: hãy chọn xã bằng --commune MÃ_XÃ.")
    try:
        created = import_units(file.name, file.read_bytes(), root)
    except UnitImportError as e:
        for line, message in e.problems:
            click.echo(f"Dòng {line}: {message}" if line else message, err=True)
        raise click.ClickException("Không thêm đơn vị nào; hãy sửa các dòng trên rồi nhập lại.")
    for unit in created:
        click.echo(f"  {unit.code:<24} {unit.name} ({unit.kind_label})")
    click.echo(f"Đã thêm {len(created)} đơn vị.")


def _require_gateway():
    if not sms.gateway_configured():
        raise click.ClickException("Chưa cấu hình cổng SMS (PORTAL_SMS_DATABASE_URL).")


@sms_cli.command("poll")
def poll_command():
    """Đọc tin nhắn đến, ghi việc và trả lời; cập nhật trạng thái tin đã gửi."""
    _require_gateway()
    applied = sms.poll()
    changed = sms.refresh()
    click.echo(f"Đã xử lý {len(applied)} tin nhắn đến; {changed} tin đã gửi có trạng thái mới.")


@click.command("remind")
@click.option("--due", is_flag=True, required=True, help="Nhắc các đơn vị còn thiếu việc 3 ngày và 1 ngày trước hạn sơ kết.")
@click.option("--without-diacritics", is_flag=True, help="Viết không dấu: 160 ký tự một tin thay vì 70.")
def remind_command(due, without_diacritics):
    """Gửi SMS nhắc việc theo lịch (chạy hằng ngày)."""
    _require_gateway()
    sent = sms.due_reminders(without_diacritics or current_app.config.get("SMS_WITHOUT_DIACRITICS", False))
    click.echo(f"Đã xếp {len(sent)} tin nhắc việc vào hàng gửi.")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Sao lưu cơ sở dữ liệu và tệp minh chứng vào một tệp .tar.gz."""
    engine = backup.write(file)
    click.echo(f"Đã sao lưu {engine} và tệp minh chứng vào {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Không hỏi lại.")
@with_appcontext
def restore_command(file, yes):
    """Khôi phục từ một bản sao lưu: thay toàn bộ dữ liệu hiện có."""
    def confirm():
        if not yes:
            click.confirm("Toàn bộ dữ liệu hiện có sẽ bị thay bằng dữ liệu trong bản sao lưu. Tiếp tục?", abort=True)

    count = backup.restore(file, confirm)
    click.echo(f"Đã khôi phục dữ liệu và {count} tệp minh chứng từ {file}.")


def init_app(app):
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(db_cli)
    app.cli.add_command(user_cli)
    app.cli.add_command(demo)
    app.cli.add_command(campaign_cli)
    app.cli.add_command(unit_cli)
    app.cli.add_command(sms_cli)
    app.cli.add_command(remind_command)
