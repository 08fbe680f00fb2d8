"""Login, logout, and who may open which page."""
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from htmx_flask import make_response as hx_response
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from . import clock
from .db import database, raw
from .forms import Form
from .models import Unit, User
from .security import limiter
from .text import clean

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "info"

WATCHERS = ("office", "council", "leader", "supervisor")  # roles that see the whole board


class LoginForm(Form):
    username = StringField("Tên đăng nhập", [InputRequired("Nhập tên đăng nhập.")], filters=[clean])
    password = PasswordField("Mật khẩu", [InputRequired("Nhập mật khẩu.")])


@login_manager.user_loader
def load_user(user_id):
    user = next(iter(raw(User, 'SELECT * FROM "user" WHERE id = ? AND active = ?', int(user_id), True)), None)
    if user and user.unit_id:
        # Loaded now: nearly every page of a unit user needs it.
        user.unit = raw(Unit, "SELECT * FROM unit WHERE id = ?", user.unit_id)[0]
    return user


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if request.headers.get("HX-Request"):
        # htmx would swap the login page into a row; ask it to navigate instead.
        return hx_response("", 401, redirect=target)
    return redirect(target, 303)


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def landing_url(user) -> str:
    return url_for("checklist.page") if user.role == "unit" else url_for("board.page")


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths, so a crafted link cannot send the user elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else None


def _login_limit():
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(landing_url(current_user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        cfg = current_app.config
        now = clock.utc_now()
        with database.atomic():
            user = User.get_or_none(User.username == form.username.data, User.active == True)  # noqa: E712
            if user is None:
                error = "Tên đăng nhập hoặc mật khẩu không đúng."
            elif user.is_locked(now):
                minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
                error = (f"Tài khoản tạm bị khóa vì nhập sai mật khẩu nhiều lần. "
                         f"Vui lòng thử lại sau khoảng {minutes} phút hoặc liên hệ Phòng Văn hóa – Xã hội.")
            else:
                ok = user.check_password(form.password.data)
                user.record_login(ok, now, cfg["LOCKOUT_FAILURES"], cfg["LOCKOUT_MINUTES"])
                if not ok:
                    error = "Tên đăng nhập hoặc mật khẩu không đúng."
                    if user.locked_until:
                        error += f" Tài khoản tạm bị khóa {cfg['LOCKOUT_MINUTES']} phút."
        if error is None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or landing_url(user), 303)
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"), 303)


def init_app(app):
    login_manager.init_app(app)
    app.register_blueprint(bp)
