"""Reminders: the units behind today's pace, each with a message ready to paste into its chat group."""
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from . import clock, sms
from .auth import roles_required
from .checklist import current_campaign
from .progress import UnitProgress, progress, states_of

bp = Blueprint("reminders", __name__)


@dataclass
class Reminder:
    row: UnitProgress
    todo: list  # the tasks that apply to the unit and are neither done nor "không áp dụng"
    message: str


def message(campaign, row, todo, expected) -> str:
    due = campaign.report_due_on
    return "\n".join([
        f"Kính gửi {row.unit.name},",
        f"Đến ngày {clock.today():%d/%m/%Y}, đơn vị đã hoàn thành {row.overall.percent}% "
        f"({row.overall.done}/{row.overall.total} việc) của đợt thi đua “{campaign.title}”; "
        f"mức cần đạt hôm nay là {expected}%.",
        "Các việc chưa hoàn thành:",
        *(f"- {task.title}" for task in todo),
        f"Đề nghị đơn vị khẩn trương thực hiện, cập nhật trên Cổng thi đua và gửi báo cáo sơ kết "
        f"trước ngày {due:%d/%m/%Y} ({clock.days_left(due)}).",
        f"Phòng Văn hóa – Xã hội, {campaign.unit.name}",
    ])


def reminders(campaign, expected: int) -> list[Reminder]:
    """Lagging units, least done first, by the board's own measure."""
    areas = campaign.areas_with_tasks()
    share = clock.expected_share(campaign.starts_on, campaign.ends_on)
    rows = [row for row in progress(areas, campaign.units()) if row.lag(share)]
    tasks = [t for a in areas for t in a.task_list]
    states = states_of(tasks, [row.unit for row in rows])
    found = []
    for row in sorted(rows, key=lambda r: r.overall.percent):
        todo = [t for t in tasks if t.applies_to(row.unit) and states.get((row.unit.id, t.id), "todo") not in ("done", "na")]
        found.append(Reminder(row, todo, message(campaign, row, todo, expected)))
    return found


def page_context(campaign, **sms_form):
    expected = round(100 * clock.expected_share(campaign.starts_on, campaign.ends_on))
    context = dict(campaign=campaign, expected=expected, reminders=reminders(campaign, expected), sms_on=False)
    if sms.gateway_configured():
        context.update(sms_on=True, sent=sms.latest_reminders(campaign), SMS_STATES=sms.SMS_STATES,
                       chosen=set(), without_diacritics=False, previews={}, error=None, **sms_form)
    return context


@bp.get("/reminders")
@roles_required("office")
def page():
    return render_template("reminders/page.html", **page_context(current_campaign()))


@bp.post("/reminders/sms")
@roles_required("office")
def sms_POST():
    """Previews (`action=preview`) or queues (`action=send`) a reminder SMS to each chosen unit's phone."""
    if not sms.gateway_configured():
        abort(404)
    campaign = current_campaign()
    context = page_context(campaign)
    reachable = {r.row.unit.id: r.row.unit for r in context["reminders"] if r.row.unit.phone}
    chosen = [reachable[i] for i in request.form.getlist("unit", type=int) if i in reachable]
    without_diacritics = request.form.get("without_diacritics") == "1"
    form = dict(chosen={u.id for u in chosen}, without_diacritics=without_diacritics)
    if not chosen:
        context.update(form, error="Chọn ít nhất một đơn vị có số điện thoại.")
        return render_template("reminders/page.html", **context), 400
    texts = {u.id: sms.reminder_text(campaign, u, without_diacritics) for u in chosen}
    if request.form.get("action") != "send":
        previews = {i: (text, len(sms.parts(text)[1])) for i, text in texts.items()}
        context.update(form, previews=previews)
        return render_template("reminders/page.html", **context)
    for unit in chosen:
        sms.send(sms.normalise_number(unit.phone), texts[unit.id], "reminder", user=current_user, unit=unit,
                 campaign=campaign)
    flash(f"Đã xếp {len(chosen)} tin nhắn vào hàng gửi của modem.", "info")
    return redirect(url_for("reminders.page", _anchor="sms"), 303)


@bp.post("/reminders/sms/refresh")
@roles_required("office")
def sms_refresh_POST():
    """Reads from the gateway which queued messages have gone out or failed."""
    if not sms.gateway_configured():
        abort(404)
    sms.refresh()
    return redirect(url_for("reminders.page", _anchor="sms"), 303)


def init_app(app):
    app.register_blueprint(bp)
