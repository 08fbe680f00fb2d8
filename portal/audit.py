"""The audit trail: the office reads the event log, filtered by unit, user, date and kind, and exports it."""
import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

from flask import Blueprint, abort, make_response, render_template, request, url_for
from peewee import JOIN
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from . import clock, spreadsheet
from .access import current_commune, roles_required
from .db import database
from .forms import MAX_INT, Form
from .models import (
    NOMINATION_STATES, REPORT_STATES, ROLES, STATES, UNIT_KINDS, Area, Campaign, Event, Task, Unit, User,
)
from .text import vn_sort_key

bp = Blueprint("audit", __name__)

PAGE = 50
# A kind reads "<action> <object>" unless it is named here.
KINDS = {
    "sms.reminder": "SMS nhắc việc vào hàng gửi",
    "sms.reply": "SMS trả lời vào hàng gửi",
    "sms.sent": "SMS đã gửi",
    "sms.failed": "SMS gửi lỗi",
    "sms.received": "SMS đến",
    "check.set": "Cập nhật việc của đơn vị",
    "account.password": "Đổi mật khẩu",
    "account.reset": "Cấp lại mật khẩu",
    "login.fail": "Đăng nhập sai mật khẩu",
    "login.lock": "Tạm khóa đăng nhập vì sai mật khẩu nhiều lần",
    "campaign.status": "Đổi trạng thái đợt thi đua",
    "publication.open": "Công khai danh sách khen thưởng",
    "decision.approve": "Phê duyệt quyết định khen thưởng",
    "vote.cast": "Bỏ phiếu bình xét",
    "meeting.save": "Ghi cuộc họp xét",
    "award_rule.save": "Đặt ngưỡng bình xét",
    "nomination.resend": "Gửi lại đề nghị khen thưởng đã sửa",
    "registration.save": "Lưu nháp đăng ký thi đua",
    "registration.submit": "Gửi đăng ký thi đua",
    "registration.accept": "Duyệt đăng ký thi đua",
    "registration.return": "Trả lại đăng ký thi đua",
    "scheme.update": "Sửa thang điểm, hạn đăng ký",
    "claim.set": "Đơn vị đề nghị cộng điểm thưởng",
    "claim.file": "Thêm minh chứng cho đề nghị cộng điểm",
    "claim.file.remove": "Gỡ minh chứng của đề nghị cộng điểm",
    "score.change": "Sửa điểm của đơn vị",
}
ACTIONS = {
    "create": "Tạo", "add": "Thêm", "update": "Sửa", "remove": "Gỡ", "delete": "Xóa", "archive": "Lưu trữ",
    "clone": "Sao chép", "submit": "Gửi", "return": "Trả lại", "accept": "Tiếp nhận", "reopen": "Mở lại",
    "merge": "Gộp", "send": "Trình", "approve": "Thông qua", "reject": "Không thông qua", "import": "Nhập",
    "withdraw": "Rút",
}
OBJECTS = {
    "account": "tài khoản", "unit": "đơn vị", "campaign": "đợt thi đua", "area": "nội dung thi đua",
    "task": "việc", "evidence": "minh chứng", "report": "sơ kết", "nomination": "đề nghị khen thưởng",
    "comment": "ý kiến giám sát", "answer": "trả lời ý kiến", "opinion": "ý kiến nhân dân", "user": "tài khoản",
}
FIELDS = {
    "state": "Trạng thái", "note": "Ghi chú", "version": "Phiên bản", "name": "Tên", "title": "Tiêu đề",
    "target": "Chỉ tiêu", "kind": "Loại", "kinds": "Loại đơn vị", "size": "Dung lượng (byte)", "removed": "Đã gỡ",
    "evidence": "Mã minh chứng", "file": "Mã tệp minh chứng", "status": "Trạng thái", "role": "Vai trò", "active": "Đang hoạt động",
    "contact": "Người liên hệ", "phone": "Điện thoại", "parent": "Đơn vị cấp trên", "text": "Nội dung",
    "username": "Tên đăng nhập", "address": "Địa chỉ IP", "must_change_password": "Phải đổi mật khẩu",
    "points": "Điểm", "reason": "Lý do", "claimed": "Đề nghị cộng điểm", "titles": "Danh hiệu tập thể",
    "counts": "Số cá nhân theo hình thức", "commitments": "Số cam kết", "comment": "Nhận xét",
    "registration_due_on": "Hạn đăng ký", "doing_share": "Tỷ lệ điểm “Đang làm” (%)", "excellent": "Ngưỡng Xuất sắc",
    "good": "Ngưỡng Tốt", "fair": "Ngưỡng Khá", "criteria": "Số tiêu chí cộng, trừ",
}
# The states of checks, reports and nominations share no key, so one table reads them all.
VALUES = {"state": {**STATES, **REPORT_STATES, **NOMINATION_STATES}, "role": ROLES,
          "kind": {**UNIT_KINDS, "image": "ảnh", "pdf": "PDF"}}
HIDDEN = {"version"}  # bookkeeping that tells a reader nothing
NAMED = {  # subject prefix -> how to find what it names
    "task": (Task, lambda t: t.title), "area": (Area, lambda a: a.title), "campaign": (Campaign, lambda c: c.title),
    "unit": (Unit, lambda u: u.name), "user": (User, lambda u: u.username),
}


def kind_label(kind: str) -> str:
    if kind in KINDS:
        return KINDS[kind]
    thing, _, action = kind.partition(".")
    if thing in OBJECTS and action in ACTIONS:
        return f"{ACTIONS[action]} {OBJECTS[thing]}"
    return kind


def _value(key, value) -> str:
    if isinstance(value, str) and value in VALUES.get(key, {}):
        return VALUES[key][value]
    if isinstance(value, bool):
        return "có" if value else "không"
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def changes(before: str, after: str) -> list[str]:
    """What changed, one "Field: old → new" line per key; a key only after (or before) shows its one value."""
    old, new = json.loads(before or "{}"), json.loads(after or "{}")
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [f"{_value('', old)} → {_value('', new)}"]
    lines = []
    for key in [k for k in dict.fromkeys([*old, *new]) if k not in HIDDEN]:
        label = FIELDS.get(key, key)
        if key in old and key in new:
            if old[key] != new[key]:
                lines.append(f"{label}: {_value(key, old[key])} → {_value(key, new[key])}")
        else:
            lines.append(f"{label}: {_value(key, new.get(key, old.get(key)))}{' (bỏ)' if key not in new else ''}")
    return lines


@dataclass
class Line:
    """One event as people read it."""

    event: Event
    at: dt.datetime  # commune time
    who: str
    role: str
    unit: str
    kind: str
    subject: str
    changes: list


def _subjects(events) -> dict:
    """Names of what the events are about, one query per kind of thing."""
    wanted = {}
    for event in events:
        prefix, _, ident = event.subject.partition(":")
        if prefix in NAMED and ident.isdigit():
            wanted.setdefault(prefix, set()).add(int(ident))
    names = {}
    for prefix, ids in wanted.items():
        model, name = NAMED[prefix]
        for row in model.select().where(model.id.in_(list(ids))):
            names[f"{prefix}:{row.id}"] = f"{OBJECTS[prefix].capitalize()} “{name(row)}”"
    return names


def lines(events) -> list[Line]:
    names = _subjects(events)
    out = []
    for e in events:
        prefix, _, ident = e.subject.partition(":")
        subject = names.get(e.subject) or (f"{OBJECTS.get(prefix, prefix).capitalize()} #{ident}" if ident else e.subject)
        out.append(Line(
            e, clock.local(e.at), (e.user.full_name or e.user.username) if e.user else "(không đăng nhập)",
            ROLES.get(e.user.role, "") if e.user else "", e.unit.name if e.unit else "", kind_label(e.kind),
            subject, changes(e.before, e.after),
        ))
    return out


# The kinds the log holds, one step down the (kind, id) index per kind: DISTINCT would read every entry of a year.
KINDS_IN_LOG = """WITH RECURSIVE k(kind) AS (
    SELECT min(kind) FROM event UNION ALL SELECT (SELECT min(kind) FROM event WHERE kind > k.kind) FROM k
    WHERE k.kind IS NOT NULL) SELECT kind FROM k WHERE kind IS NOT NULL"""
DATE_ERROR = "Ngày không hợp lệ; nhập theo dạng dd/mm/yyyy."


class AuditFilter(Form):
    class Meta:
        csrf = False  # a GET filter changes nothing

    unit = SelectField("Đơn vị", default="")
    user = SelectField("Người thực hiện", default="")
    kind = SelectField("Loại thay đổi", default="")
    # Typed as dd/mm/yyyy (a date picker would follow the browser's locale); ISO is read too.
    start = DateField("Từ ngày", [Optional()], format=["%d/%m/%Y", "%Y-%m-%d"], invalid_value_message=DATE_ERROR)
    end = DateField("Đến ngày", [Optional()], format=["%d/%m/%Y", "%Y-%m-%d"], invalid_value_message=DATE_ERROR)
    before = IntegerField("", [Optional(), NumberRange(min=1, max=MAX_INT)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        commune = current_commune()
        units = sorted(Unit.select().where(Unit.path.startswith(commune.path)), key=lambda u: vn_sort_key(u.name))
        self.unit.choices = [("", "Tất cả")] + [(str(u.id), u.name) for u in units]
        users = User.select().join(Unit).where(Unit.path.startswith(commune.path)).order_by(User.username)
        self.user.choices = [("", "Tất cả")] + [(str(u.id), f"{u.username} – {u.full_name or u.role_label}") for u in users]
        kinds = [kind for kind, in database.execute_sql(KINDS_IN_LOG)]
        self.kind.choices = [("", "Tất cả")] + sorted(((k, kind_label(k)) for k in kinds), key=lambda c: vn_sort_key(c[1]))

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError("Ngày kết thúc phải sau ngày bắt đầu.")

    def args(self, **extra) -> dict:
        """The filter as query arguments, for the next page and the exports."""
        values = {name: request.args.get(name) for name in ("unit", "user", "kind", "start", "end")}
        return {k: v for k, v in {**values, **extra}.items() if v}


def _utc(day: dt.date) -> dt.datetime:
    """Midnight of a commune day, as the naive UTC the log stores."""
    return dt.datetime.combine(day, dt.time(), clock.zone()).astimezone(dt.timezone.utc).replace(tzinfo=None)


def query(form: AuditFilter):
    """The commune's events that the filter asks for, newest first: in a single-commune install the whole log
    (failed logins too), else those of its campaigns, or of its units and itself."""
    commune = current_commune()
    q = (Event.select(Event, User, Unit)
         .join(User, JOIN.LEFT_OUTER, on=(Event.user == User.id)).switch(Event)
         .join(Unit, JOIN.LEFT_OUTER, on=(Event.unit == Unit.id)))
    if commune.parent_id or Unit.select().where(Unit.parent.is_null(), Unit.id != commune.id).exists():
        q = q.where(Event.campaign.in_(Campaign.select(Campaign.id).where(Campaign.unit == commune))
                    | Event.unit.in_(Unit.select(Unit.id).where(Unit.path.startswith(commune.path))))
    if form.unit.data:
        q = q.where(Event.unit == int(form.unit.data))
    if form.user.data:
        q = q.where(Event.user == int(form.user.data))
    if form.kind.data:
        q = q.where(Event.kind == form.kind.data)
    if form.start.data:
        q = q.where(Event.at >= _utc(form.start.data))
    if form.end.data:
        q = q.where(Event.at < _utc(form.end.data + dt.timedelta(days=1)))
    return q.order_by(Event.id.desc())


def _filter():
    form = AuditFilter(formdata=request.args)
    return form, form.validate()


@bp.get("/audit")
@roles_required("office")
def page():
    form, ok = _filter()
    events, more = [], None
    if ok:
        q = query(form)
        if form.before.data:
            q = q.where(Event.id < form.before.data)
        events = list(q.limit(PAGE + 1))
        if len(events) > PAGE:
            events = events[:PAGE]
            more = url_for("audit.page", **form.args(before=events[-1].id))
    return render_template("audit/page.html", form=form, lines=lines(events), more=more,
                           first=url_for("audit.page", **form.args()) if form.before.data else None,
                           csv_url=url_for("audit.export_csv", **form.args()),
                           xlsx_url=url_for("audit.export_xlsx", **form.args())), 200 if ok else 400


HEADER = ["Mã", "Thời điểm", "Người thực hiện", "Vai trò", "Đơn vị", "Loại thay đổi", "Đối tượng", "Nội dung",
          "Trước (JSON)", "Sau (JSON)"]


def _rows():
    form, ok = _filter()
    if not ok:
        abort(400)
    return ([line.event.id, line.at.replace(tzinfo=None), line.who, line.role, line.unit, line.kind, line.subject,
             "; ".join(line.changes), line.event.before, line.event.after]
            for batch in _batches(query(form)) for line in lines(batch))


def _batches(q, size=500):
    batch = []
    for event in q.iterator():
        batch.append(event)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _download(body: bytes, mimetype: str, suffix: str):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f"attachment; filename=nhat-ky-{clock.today():%Y%m%d}.{suffix}"
    return response


def _text(value):
    """Spreadsheets run a cell that begins with = + - @ as a formula; a typed note must stay text."""
    return "'" + value if isinstance(value, str) and value.startswith(spreadsheet.FORMULA_START) else value


@bp.get("/audit.csv")
@roles_required("office")
def export_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in _rows():
        writer.writerow([_text(v.strftime("%d/%m/%Y %H:%M:%S") if isinstance(v, dt.datetime) else v) for v in row])
    # The byte-order mark tells Excel the file is UTF-8, or Vietnamese letters come out garbled.
    return _download(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv", "csv")


@bp.get("/audit.xlsx")
@roles_required("office")
def export_xlsx():
    book = spreadsheet.Book()
    book.sheet("Nhật ký", HEADER, _rows(), wide=0, numbers=[0], moments=[1])
    return book.send(f"nhat-ky-{clock.today():%Y%m%d}.xlsx")


def init_app(app):
    app.register_blueprint(bp)
