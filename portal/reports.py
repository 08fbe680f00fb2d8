"""A unit's sơ kết: prefilled from its checklist, filed before the deadline, reviewed by the office."""
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange
from wtforms.widgets import TextArea

from . import clock, outbox
from .access import WATCHERS, changing_unit, current_campaign, roles_required, unit_in
from .confirm import unconfirmed
from .db import database, joined
from .forms import MAX_INT, Form
from .filing import EDITABLE, deadline_passed, filing_open, reopening_refused, report_of
from .guards import frozen, refuse
from .htmx import render, wants_fragment
from .models import REPORT_STATES, STATES, Event, Nomination, Report, Stale
from .progress import scorecard
from .text import clean

bp = Blueprint("reports", __name__)
LONG = [Length(max=8000, message="Tối đa 8000 ký tự.")]


def prefill(ctx) -> dict:
    """The results of each area as the checklist tells them: the score, then every task with its note."""
    texts = {}
    for area in ctx["areas"]:
        s = ctx["score"].areas[area.id]
        lines = [f"Hoàn thành {s.done}/{s.total} việc ({s.percent}%)."]
        for task in area.task_list:
            check = ctx["checks"][task.id]
            proofs = len(ctx["evidence"].get(task.id, []))
            lines.append(f"- {task.title}: {STATES[check.state]}" + (f" ({check.note})" if check.note else "")
                         + (f"; {proofs} minh chứng" if proofs else ""))
        texts[area.id] = "\n".join(lines)
    return texts


def report_form(ctx, report: Report | None, formdata=None):
    """One text box per area the unit works on, then the three free sections."""
    class ReportForm(Form):
        highlights = TextAreaField("2. Mô hình hay, cách làm tốt", LONG, filters=[clean], render_kw={"rows": 4})
        difficulties = TextAreaField("3. Khó khăn, vướng mắc", LONG, filters=[clean], render_kw={"rows": 3})
        proposals = TextAreaField("4. Kiến nghị, đề xuất", LONG, filters=[clean], render_kw={"rows": 3})
        version = IntegerField("Phiên bản", [InputRequired("Thiếu phiên bản; hãy tải lại trang."), NumberRange(min=0, max=MAX_INT)])

    areas = ctx["areas"]
    for area in areas:
        setattr(ReportForm, f"result_{area.id}", TextAreaField(area.title, LONG, filters=[clean], render_kw={"rows": 6}))
    saved = report.result_texts if report else {}
    filled = prefill(ctx)
    data = {f"result_{a.id}": saved.get(a.id) or filled[a.id] for a in areas}
    if report:
        data.update(highlights=report.highlights, difficulties=report.difficulties, proposals=report.proposals,
                    version=report.version)
    else:
        data["version"] = 0
    return ReportForm(formdata=formdata, data=data)


def unit_context(unit, campaign, form=None, message=None):
    ctx = scorecard(unit, campaign)
    report = report_of(campaign, unit)
    form = form or report_form(ctx, report)
    nominations = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.unit == unit)
                       .order_by(Nomination.id))
    closed = frozen(campaign)
    open = filing_open(campaign, report) and not closed
    editable = open and (not report or report.state in EDITABLE)
    if not editable:
        # Filed, accepted or closed: the text reads as it is, with no box that looks editable but saves nothing.
        for field in form:
            if isinstance(field.widget, TextArea):
                field.render_kw = {**(field.render_kw or {}), "readonly": True}
    return dict(ctx, report=report, form=form, message=message, nominations=nominations, open=open,
                editable=editable, frozen=closed, result_fields=[form[f"result_{a.id}"] for a in ctx["areas"]])


@bp.get("/report")
@roles_required("unit")
@outbox.revalidated
def page():
    return render_template("reports/unit.html", **unit_context(current_user.unit, current_campaign()))


@bp.post("/report")
@roles_required("unit")
def save():
    unit, campaign = current_user.unit, current_campaign()
    refuse(frozen(campaign))
    ctx = scorecard(unit, campaign)
    report = report_of(campaign, unit)
    form = report_form(ctx, report, formdata=request.form)
    submit = request.form.get("action") == "submit"
    if request.form.get("client_id") and outbox.saved(unit):  # a resend of a filing already saved: not refused
        return _page(unit, campaign, notice="Đã lưu.")
    if not filing_open(campaign, report):
        return _refuse(unit, campaign, form, "Đã quá hạn gửi sơ kết. Hãy liên hệ Phòng Văn hóa – Xã hội để được mở lại.")
    if report and report.state not in EDITABLE:
        return _refuse(unit, campaign, form, f"Báo cáo đang ở trạng thái “{REPORT_STATES[report.state]}”, không sửa được.")
    if not form.validate_on_submit():
        return _page(unit, campaign, 400, form)
    if submit and (asking := unconfirmed("report.submit", url_for("reports.page"))):
        return asking
    report = report or Report(campaign=campaign, unit=unit)
    before = report.as_dict()
    report.results = json.dumps({a.id: form[f"result_{a.id}"].data or "" for a in ctx["areas"]}, ensure_ascii=False)
    report.highlights, report.difficulties = form.highlights.data or "", form.difficulties.data or ""
    report.proposals = form.proposals.data or ""
    if submit:
        report.state, report.submitted_at = "submitted", clock.utc_now()
        report.late = deadline_passed(campaign)
    with outbox.once(unit, "report") as claim:
        if claim is None:  # the phone's outbox sent this save again after a lost answer
            return _page(unit, campaign, notice=f"{'Đã gửi báo cáo sơ kết' if submit else 'Đã lưu bản nháp'}.")
        with joined():
            report.save_from(form.version.data, "results", "highlights", "difficulties", "proposals", "state",
                             "submitted_at", "late")
            Event.record("report.submit" if submit else "report.save", current_user, campaign=campaign, unit=unit,
                         subject=report, before=before, after=report.as_dict())
    notice = "Đã gửi báo cáo sơ kết tới Phòng Văn hóa – Xã hội" if submit else "Đã lưu bản nháp"
    if wants_fragment():
        # The report alone, saved: one round trip, and the rest of the page stays as it is.
        return _page(unit, campaign, notice=f"{notice} lúc {clock.now():%H:%M}.")
    flash(f"{notice}.", "info")
    return redirect(url_for("reports.page"), 303)


@bp.errorhandler(Stale)
def stale(_):
    """An edit from an older copy of the report: the report as saved now, and what the user typed."""
    campaign = current_campaign()
    if current_user.role == "office":  # reviewing or reopening
        unit = unit_in(campaign, request.view_args["unit_id"])
        return render_template("reports/show.html", **review_context(
            campaign, unit, ReviewForm(), "Báo cáo vừa được cập nhật nên chưa lưu thao tác của bạn. Trang đã hiện "
                                          "bản mới nhất; nhận xét bạn nhập vẫn còn, hãy xem rồi làm lại.")), 409
    unit = current_user.unit
    form = report_form(scorecard(unit, campaign), report_of(campaign, unit), formdata=request.form)
    return _refuse(unit, campaign, form, "Báo cáo vừa được người khác sửa. Nội dung bạn nhập vẫn còn bên dưới; "
                                         "hãy tải lại trang để xem bản mới nhất trước khi lưu.", 409)


def _refuse(unit, campaign, form, message, status=400):
    return _page(unit, campaign, status, form, message)


def _page(unit, campaign, status=200, form=None, message=None, notice=None):
    """The unit's report page, or for htmx only its report (reports/_report.html)."""
    return render("reports/unit.html", "reports/_report.html", status, notice=notice,
                  **unit_context(unit, campaign, form, message))


@bp.get("/reports")
@roles_required(*WATCHERS)
def index():
    campaign = current_campaign()
    reports = {r.unit_id: r for r in Report.select().where(Report.campaign == campaign)}
    return render_template("reports/index.html", campaign=campaign, units=campaign.units(), reports=reports,
                           closed=deadline_passed(campaign))


class ReviewForm(Form):
    comment = TextAreaField("Nhận xét", [Length(max=2000, message="Tối đa 2000 ký tự.")], filters=[clean],
                            render_kw={"rows": 3})


def review_context(campaign, unit, form=None, message=None):
    ctx = scorecard(unit, campaign, readonly=True)
    report = report_of(campaign, unit)
    return dict(ctx, report=report, form=form or ReviewForm(), message=message, closed=deadline_passed(campaign),
                frozen=frozen(campaign), open=filing_open(campaign, report),
                may_reopen=not reopening_refused(campaign, report))


@bp.get("/reports/<int:unit_id>")
@roles_required(*WATCHERS)
def show(unit_id):
    campaign = current_campaign()
    return render_template("reports/show.html", **review_context(campaign, unit_in(campaign, unit_id)))


@bp.post("/reports/<int:unit_id>/review")
@roles_required("office")
def review(unit_id):
    campaign, unit = changing_unit(unit_id)
    form = ReviewForm()
    action = request.form.get("action")
    report = report_of(campaign, unit)
    if not form.validate_on_submit() or action not in ("accept", "return"):
        return render_template("reports/show.html", **review_context(campaign, unit, form)), 400
    if action == "return" and not form.comment.data:
        form.comment.errors.append("Hãy ghi lý do trả lại để đơn vị biết cần sửa gì.")
        return render_template("reports/show.html", **review_context(campaign, unit, form)), 400
    if report is None or report.state != "submitted":
        return render_template("reports/show.html", **review_context(
            campaign, unit, form, "Chỉ xét được báo cáo đơn vị đã gửi.")), 409
    before = report.as_dict()
    report.state = "accepted" if action == "accept" else "returned"
    report.office_comment = form.comment.data or ""
    with database.atomic():
        report.save_from(before["version"], "state", "office_comment")
        Event.record(f"report.{action}", current_user, campaign=campaign, unit=unit, subject=report,
                     before=before, after=dict(report.as_dict(), comment=report.office_comment))
    flash("Đã tiếp nhận báo cáo." if action == "accept" else "Đã trả lại báo cáo cho đơn vị.", "info")
    return redirect(url_for("reports.show", unit_id=unit.id), 303)


@bp.post("/reports/<int:unit_id>/reopen")
@roles_required("office")
def reopen(unit_id):
    campaign, unit = changing_unit(unit_id)
    if not ReviewForm().validate_on_submit():
        abort(400)
    with database.atomic():
        report = report_of(campaign, unit) or Report(campaign=campaign, unit=unit)
        if not filing_open(campaign, report):  # else a replay: it is open already
            refuse(reopening_refused(campaign, report))
            before = report.as_dict()
            report.reopened = True
            report.save_from(before["version"], "reopened")
            Event.record("report.reopen", current_user, campaign=campaign, unit=unit, subject=report,
                         before=before, after=report.as_dict())
    flash(f"Đã mở lại việc gửi sơ kết và đề nghị cho {unit.name}.", "info")
    return redirect(url_for("reports.show", unit_id=unit.id), 303)


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(REPORT_STATES=REPORT_STATES)
