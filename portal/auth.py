"""Login, logout, and who may open which page."""
import datetime as dt
import secrets

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from . import clock, htmx
from .access import landing_url
from .db import database
from .forms import Form
from .models import Event, Lockout, User
from .security import limiter
from .text import clean

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"

class LoginForm(Form):
    username = StringField("Tên đăng nhập", [InputRequired("Nhập tên đăng nhập."),
                                             Length(max=150, message="Tên đăng nhập quá dài.")], filters=[clean])
    password = PasswordField("Mật khẩu", [InputRequired("Nhập mật khẩu.")])


@login_manager.user_loader
def load_user(token):
    """The user whose session the cookie names, while that session lasts on the server."""
    return User.by_session(token, current_app.config["SESSION_DAYS"])


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    return htmx.redirect(target, htmx_status=401)


def _safe_next(target: str | None) -> str | None:
    """Only a path of this site: a crafted link cannot send the user elsewhere ("//evil.example", "/\\evil"),
    nor put a line break into the redirect's headers."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in target):
        return None  # browsers read "\\" as "/" and drop tabs and line breaks: "/\t/evil.example" leaves the site
    return target


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


_dummy_hashes = {}  # hash method -> a hash of nothing anyone types


def _password_matches(user, password: str) -> bool:
    """Whether `password` is `user`'s. With no such user a dummy hash made the same way is checked all the
    same: the answer takes as long, so its time does not tell which usernames exist."""
    if user is not None:
        return user.check_password(password)
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    User(password_hash=_dummy_hashes[method]).check_password(password)
    return False


def _near_miss(user, password: str) -> bool:
    """Whether the password typed differs from the account's only by case or surrounding spaces.

    Checked for every wrong password, with or without such a user, so the time taken tells nothing."""
    variants = {password.strip(), password.swapcase(), password[:1].swapcase() + password[1:]} - {password}
    return any([_password_matches(user, v) for v in sorted(variants)])


def _fresh_session():
    """Nothing from before (a CSRF token planted by someone else above all) outlives a login or a logout."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's copy of the token for this request


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        cfg = current_app.config
        username, address = form.username.data, request.remote_addr or ""
        now = clock.utc_now()
        with database.atomic():
            user = User.signing_in(username)
            locked_until = Lockout.locked_until_for(username, address, now)
            if locked_until:
                minutes = max(1, round((locked_until - now).total_seconds() / 60))
                error = (f"Tài khoản tạm bị khóa trên máy này vì nhập sai mật khẩu nhiều lần. "
                         f"Vui lòng thử lại sau khoảng {minutes} phút hoặc liên hệ Phòng Văn hóa – Xã hội.")
            elif _password_matches(user, form.password.data):
                Lockout.clear(username, address)
                if current_user.is_authenticated:
                    current_user.end_session()  # another account signs in on this browser
                user.start_session(cfg["SESSION_DAYS"])
            elif _near_miss(user, form.password.data):
                # Caps Lock or a phone's capital first letter: the owner, not a guesser; not counted.
                error = ("Mật khẩu chưa đúng: có thể do chữ hoa/chữ thường (phím Caps Lock) hoặc khoảng trắng thừa. "
                         "Hãy bấm “Hiện mật khẩu” để kiểm tra rồi nhập lại.")
            else:
                error = "Tên đăng nhập hoặc mật khẩu không đúng."
                _record_failure(user, address, "login.fail")
                if Lockout.fail(username, address, now, cfg["LOCKOUT_FAILURES"], cfg["LOCKOUT_MINUTES"]):
                    error += f" Tài khoản tạm bị khóa trên máy này {cfg['LOCKOUT_MINUTES']} phút."
                    _record_failure(user, address, "login.lock")
        if error is None:
            _fresh_session()
            login_user(user)
            # A unit's phone stays signed in when the browser closes: its outbox is sent after a restart.
            session.permanent = user.role == "unit"
            return redirect(_safe_next(request.args.get("next")) or landing_url(user), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


def _record_failure(user, address: str, kind: str):
    """A wrong password ("login.fail") or the lock it led to ("login.lock"), with the address it came from.
    A username with no account is not kept: people type their password into that box by mistake."""
    Event.record(kind, None, subject=user, after={"address": address})


@bp.post("/logout")
@login_required
def logout():
    current_user.end_session()
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"), 303)


def init_app(app):
    login_manager.init_app(app)
    # A unit's cookie lasts as long as its session on the server, from the login: not re-sent with every answer.
    app.permanent_session_lifetime = dt.timedelta(days=app.config["SESSION_DAYS"])
    app.config["SESSION_REFRESH_EACH_REQUEST"] = False
    app.register_blueprint(bp)
