"""Site-wide pages and template helpers: home, health check, errors, date formats."""
from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from peewee import DatabaseError

from . import clock
from .access import landing_url
from .db import database
from .guards import Refused
from .htmx import in_flash, wants_fragment
from .models import ROLES, STATES, UNIT_KINDS

bp = Blueprint("pages", __name__)

ERRORS = {
    400: "Yêu cầu không hợp lệ.",
    403: "Bạn không có quyền xem hoặc thay đổi nội dung này.",
    404: "Không tìm thấy trang này.",
    405: "Thao tác này không được hỗ trợ.",
    413: "Tệp gửi lên quá lớn: tối đa 10 MB. Hãy chọn tệp nhỏ hơn hoặc chụp ảnh ở độ phân giải thấp hơn.",
    429: "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng đợi vài phút rồi thử lại.",
    500: "Máy chủ gặp lỗi. Thao tác chưa được lưu, vui lòng thử lại.",
}


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(landing_url(current_user))
    return redirect(url_for("auth.login"))


@bp.get("/healthz")
def healthz():
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
    except DatabaseError as error:
        # The reason goes to the log (stderr); the monitor only needs to know the portal cannot serve.
        current_app.logger.error("healthz: database unreachable: %s", error)
        return jsonify(status="error"), 503
    return jsonify(status="ok")


def error_page(message: str, status: int):
    if wants_fragment():
        return in_flash(render_template("_flash.html", message=message, kind="error"), status)
    return render_template("error.html", message=message, status=status), status


def init_app(app):
    app.register_blueprint(bp)

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_page("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang rồi thử lại.", 400)

    @app.errorhandler(Refused)
    def refused(e):
        return error_page(str(e), 409)

    for status, message in ERRORS.items():
        app.register_error_handler(status, lambda e, m=message, s=status: error_page(m, s))

    app.jinja_env.filters["date"] = lambda d: d.strftime("%d/%m/%Y") if d else ""
    app.jinja_env.filters["datetime"] = lambda t: clock.local(t).strftime("%H:%M %d/%m/%Y") if t else ""
    app.jinja_env.globals.update(
        STATES=STATES, UNIT_KINDS=UNIT_KINDS, ROLES=ROLES, days_left=clock.days_left, today=clock.today
    )
