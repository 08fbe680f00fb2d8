"""Accounts: one per unit with a one-time password on a printable sheet, resets, and the first-login change."""
import secrets

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from htmx_flask import make_response as hx_response
from playhouse.flask_utils import get_object_or_404
from wtforms import PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from .auth import landing_url, roles_required
from .db import database
from .forms import Form
from .models import Event, Unit, User

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
    account.failed_logins, account.locked_until = 0, None
    return password


def _account_dict(account: User) -> dict:
    return {"username": account.username, "role": account.role, "active": account.active,
            "must_change_password": account.must_change_password}


def _sheet(issued: list[tuple[User, str]]):
    """The one and only time these passwords are shown: never cached, never logged."""
    response = make_response(render_template("accounts/sheet.html", issued=issued))
    response.cache_control.no_store = True
    return response


@bp.post("/accounts/bulk")
@roles_required("office")
def bulk():
    """One account for every active unit below the commune that has none, named by the unit's code."""
    with_account = User.select(User.unit).where(User.unit.is_null(False))
    units = [u for u in Unit.select().where(Unit.active == True, Unit.parent.is_null(False),  # noqa: E712
                                             Unit.id.not_in(with_account))]
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
            account = User(username=username, role="unit", unit=unit, full_name=unit.contact)
            issued.append((account, _issue(account)))
            account.save()
            Event.record("account.create", current_user, unit=unit, subject=f"user:{account.id}",
                         after=_account_dict(account))
    return _sheet(issued)


def _account(user_id: int) -> User:
    account = get_object_or_404(User, User.id == user_id)
    if account.id == current_user.id:
        abort(403)  # the office changes its own password on the password page, and cannot lock itself out
    return account


@bp.post("/accounts/<int:user_id>/reset")
@roles_required("office")
def reset(user_id):
    account = _account(user_id)
    with database.atomic():
        password = _issue(account)
        account.save()
        Event.record("account.reset", current_user, unit=account.unit, subject=f"user:{account.id}",
                     after=_account_dict(account))
    return _sheet([(account, password)])


@bp.post("/accounts/<int:user_id>/active")
@roles_required("office")
def set_active(user_id):
    account = _account(user_id)
    active = request.form.get("active") == "1"
    if active and account.unit and not account.unit.active:
        flash(f"Đơn vị “{account.unit.name}” đang ngừng; hãy kích hoạt lại đơn vị trước.", "error")
    elif active != account.active:
        with database.atomic():
            before = _account_dict(account)
            account.active = active
            account.save(only=[User.active])
            Event.record("account.update", current_user, unit=account.unit, subject=f"user:{account.id}",
                         before=before, after=_account_dict(account))
        flash(f"Đã {'mở lại' if active else 'khóa'} tài khoản {account.username}.", "info")
    return redirect(url_for("units.page", _anchor=f"user-{account.id}"), 303)


class PasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", [InputRequired("Nhập mật khẩu hiện tại.")])
    new = PasswordField("Mật khẩu mới", [InputRequired("Nhập mật khẩu mới."),
                                        Length(min=8, max=128, message="Mật khẩu mới cần từ 8 đến 128 ký tự.")])
    confirm = PasswordField("Nhập lại mật khẩu mới", [EqualTo("new", "Hai lần nhập mật khẩu mới không khớp.")])


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
                Event.record("account.password", current_user, unit=current_user.unit,
                             subject=f"user:{current_user.id}")
            flash("Đã đổi mật khẩu.", "info")
            return redirect(landing_url(current_user), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


def _must_change_first():
    """A one-time password opens only the page that replaces it."""
    # The endpoint first: for /healthz, loading the user would ask the database before the check does.
    if (request.endpoint not in _OPEN_ENDPOINTS and current_user.is_authenticated
            and current_user.must_change_password):
        target = url_for("accounts.password")
        if request.headers.get("HX-Request"):
            return hx_response("", 200, redirect=target)
        return redirect(target, 303)
    return None


def init_app(app):
    app.register_blueprint(bp)
    app.before_request(_must_change_first)
