"""Accounts: one per unit with a one-time password on a printable sheet, resets, and the first-login change."""
import secrets

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from playhouse.flask_utils import get_object_or_404
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, ValidationError

from . import htmx, passwords
from .access import current_commune, landing_url, roles_required
from .confirm import unconfirmed
from .db import database
from .forms import Form
from .models import Event, Lockout, Unit, User

bp = Blueprint("accounts", __name__)

# Easy to read aloud over the phone and to type on a cheap keyboard: no 0/o, 1/l/i.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# What a user who must change their password may still open.
_OPEN_ENDPOINTS = {"accounts.password", "auth.logout", "auth.login", "static", "pages.healthz"}


def one_time_password() -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(2))


def _issue(account: User) -> str:
    """A new one-time password for `account`; it must be changed at the next login."""
    password = one_time_password()
    account.set_password(password, current_app.config["PASSWORD_HASH_METHOD"])
    account.must_change_password = True
    return password


def _sheet(issued: list[tuple[User, str]]):
    """The one and only time these passwords are shown: never cached, never logged."""
    response = make_response(render_template("accounts/sheet.html", issued=issued))
    response.cache_control.no_store = True
    return response


@bp.post("/accounts/bulk")
@roles_required("office")
def bulk():
    """One account for every active unit below the commune that has none, named by the unit's code."""
    commune = current_commune()
    with_account = User.select(User.unit).where(User.role == "unit")
    units = [u for u in Unit.select().where(Unit.active == True, Unit.path.startswith(commune.path),  # noqa: E712
                                             Unit.id != commune.id, Unit.id.not_in(with_account))]
    if not units:
        flash("Mọi đơn vị đang hoạt động đều đã có tài khoản.", "info")
        return redirect(url_for("units.page"), 303)
    taken = {u.username for u in User.select(User.username)}
    issued = []
    with database.atomic():
        for unit in sorted(units, key=lambda u: u.path):
            username, n = unit.code, 1
            while username in taken:
                n += 1
                username = f"{unit.code}-{n}"
            taken.add(username)
            password = one_time_password()
            account = User.open(username, "unit", password, current_app.config["PASSWORD_HASH_METHOD"], unit=unit,
                                full_name=unit.contact, must_change_password=True)
            issued.append((account, password))
            Event.record("account.create", current_user, unit=unit, subject=account,
                         after=account.as_dict())
    return _sheet(issued)


def _account(user_id: int) -> User:
    """A unit's account: the only ones the office resets or locks. The council's, the leader's, the
    supervisor's and the office's own are managed from the command line (`flask user password`), so
    that the office cannot take over the chairman's account and approve a decision as him. Another commune's
    account is not found."""
    account = get_object_or_404(User, User.id == user_id)
    if account.unit is None or not current_commune().contains(account.unit):
        abort(404)
    if account.role != "unit":
        abort(403)
    return account


@bp.post("/accounts/<int:user_id>/reset")
@roles_required("office")
def reset(user_id):
    account = _account(user_id)
    with database.atomic():
        password = _issue(account)
        account.save()
        account.end_sessions()  # a lost phone stops working
        Lockout.clear(account.username)
        Event.record("account.reset", current_user, unit=account.unit, subject=account,
                     after=account.as_dict())
    return _sheet([(account, password)])


@bp.post("/accounts/<int:user_id>/active")
@roles_required("office")
def set_active(user_id):
    account = _account(user_id)
    active = request.form.get("active") == "1"
    if active and account.unit and not account.unit.active:
        flash(f"Đơn vị “{account.unit.name}” đang ngừng; hãy kích hoạt lại đơn vị trước.", "error")
    elif active != account.active:
        if not active and (asking := unconfirmed("account.deactivate", url_for("units.page", _anchor=f"user-{account.id}"),
                                                 name=account.username)):
            return asking
        with database.atomic():
            Event.change("account.update", current_user, account, active=active)
            account.end_sessions()  # locked or opened again, it signs in afresh everywhere
        flash(f"Đã {'mở lại' if active else 'khóa'} tài khoản {account.username}.", "info")
    return redirect(url_for("units.page", _anchor=f"user-{account.id}"), 303)


class PasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", [InputRequired("Nhập mật khẩu hiện tại.")])
    new = PasswordField("Mật khẩu mới", [InputRequired("Nhập mật khẩu mới.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", [EqualTo("new", "Hai lần nhập mật khẩu mới không khớp.")])

    def validate_new(self, field):
        problem = passwords.problem(field.data, current_user.username,
                                    current_user.unit.code if current_user.unit else "")
        if problem:
            raise ValidationError(problem)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("Mật khẩu hiện tại không đúng.")
        elif form.new.data == form.current.data:
            form.new.errors.append("Mật khẩu mới phải khác mật khẩu hiện tại.")
        else:
            with database.atomic():
                current_user.set_password(form.new.data, current_app.config["PASSWORD_HASH_METHOD"])
                current_user.must_change_password = False
                current_user.save(only=[User.password_hash, User.must_change_password])
                current_user.end_sessions(keep_this_one=True)  # a lost phone stops working
                Event.record("account.password", current_user, unit=current_user.unit,
                             subject=current_user)
            flash("Đã đổi mật khẩu.", "info")
            return redirect(landing_url(current_user), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


def _must_change_first():
    """A one-time password opens only the page that replaces it."""
    # The endpoint first: for /healthz, loading the user would ask the database before the check does.
    if (request.endpoint not in _OPEN_ENDPOINTS and current_user.is_authenticated
            and current_user.must_change_password):
        return htmx.redirect(url_for("accounts.password"))
    return None


def init_app(app):
    app.register_blueprint(bp)
    app.before_request(_must_change_first)
