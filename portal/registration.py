"""Đăng ký thi đua: at the start of a campaign each unit registers the titles it aims for, how many people it will
propose for each award, and its commitments; the office accepts the registration or returns it with a reason."""
import json

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from . import clock, outbox, spreadsheet
from .access import WATCHERS, current_campaign, roles_required
from .db import database, joined
from .forms import MAX_INT, Form
from .guards import frozen
from .htmx import render
from .models import (
    AWARDS, COLLECTIVE_TITLES, REGISTRATION_STATES, Campaign, Event, Registration, Scheme, Stale, Unit,
)
from .text import clean

bp = Blueprint("registration", __name__)
EDITABLE = ("draft", "returned")
REGISTERED = ("sent", "accepted")  # what a proposal is checked against


def registration_of(campaign, unit) -> Registration | None:
    return Registration.get_or_none(Registration.campaign == campaign, Registration.unit == unit)


def closed(campaign: Campaign, registration: Registration | None) -> str | None:
    """Why the unit cannot register now, or None. Registration runs while the campaign is active, through the
    deadline day in commune time; a registration the office returned may be sent again after it."""
    if frozen(campaign):
        return frozen(campaign)
    if campaign.status != "active":
        return "Đợt thi đua chưa bắt đầu nên chưa đăng ký được."
    due = Scheme.of(campaign).registration_due
    if clock.today() > due and not (registration and registration.state == "returned"):
        return (f"Đã hết hạn đăng ký thi đua (hết ngày {due:%d/%m/%Y}). "
                "Liên hệ Phòng Văn hóa – Xã hội nếu cần đăng ký bổ sung.")
    return None


def warning(nomination) -> str | None:
    """What the council should know when a proposal is for a title or award its unit did not register."""
    registration = registration_of(nomination.campaign_id, nomination.unit_id)
    if registration is None or registration.state not in REGISTERED:
        return "Đơn vị chưa gửi đăng ký thi đua nên đề nghị này không có trong đăng ký."
    if nomination.kind == "collective" and nomination.award not in registration.title_list:
        return (f"Đơn vị không đăng ký danh hiệu tập thể “{COLLECTIVE_TITLES.get(nomination.award, nomination.award)}”"
                " trong đăng ký thi đua.")
    if nomination.kind == "individual" and not registration.count_map.get(nomination.award):
        return f"Đơn vị không đăng ký đề nghị cá nhân nào cho “{AWARDS[nomination.award]}” trong đăng ký thi đua."
    return None


def commitment_text(registration: Registration, areas) -> list[str]:
    """Each commitment as one line, its content area named first."""
    titles = {a.id: f"ND {i}" for i, a in enumerate(areas, 1)}
    return [(f"[{titles[c['area']]}] " if c["area"] in titles else "") + c["text"]
            for c in registration.commitment_list]


def registration_form(areas, registration, formdata=None):
    """A box per collective title, a number per award, and commitments: one text box per content area and one
    for the rest, one commitment per line."""
    count = [Optional(), NumberRange(min=0, max=999, message="Số người từ 0 đến 999.")]
    text = [Length(max=4000, message="Tối đa 4000 ký tự.")]

    class RegistrationForm(Form):
        version = IntegerField("Phiên bản", [InputRequired("Thiếu phiên bản; hãy tải lại trang."),
                                              NumberRange(min=0, max=MAX_INT)])
        commit_general = TextAreaField("Cam kết chung", text, filters=[clean], render_kw={"rows": 3})

    for key, label in COLLECTIVE_TITLES.items():
        setattr(RegistrationForm, f"title_{key}", BooleanField(label))
    for key, label in AWARDS.items():
        setattr(RegistrationForm, f"count_{key}", IntegerField(label, count, render_kw={"inputmode": "numeric"}))
    for i, area in enumerate(areas, 1):
        setattr(RegistrationForm, f"commit_{area.id}", TextAreaField(f"Cam kết về ND {i}. {area.title}", text,
                                                                     filters=[clean], render_kw={"rows": 2}))
    data = {"version": 0}
    if registration:
        data = {"version": registration.version, **{f"title_{k}": True for k in registration.title_list},
                **{f"count_{k}": n for k, n in registration.count_map.items()}}
        lines = {}
        for c in registration.commitment_list:
            lines.setdefault(c["area"], []).append(c["text"])
        data["commit_general"] = "\n".join(lines.pop(None, []))
        data.update({f"commit_{area}": "\n".join(texts) for area, texts in lines.items()})
    return RegistrationForm(formdata=formdata, data=data)


def _fill(registration, form, areas) -> None:
    registration.titles = json.dumps([k for k in COLLECTIVE_TITLES if form[f"title_{k}"].data])
    registration.counts = json.dumps({k: form[f"count_{k}"].data for k in AWARDS if form[f"count_{k}"].data})
    commitments = []
    for area_id, name in [(None, "commit_general")] + [(a.id, f"commit_{a.id}") for a in areas]:
        commitments += [{"area": area_id, "text": line.strip()}
                        for line in (form[name].data or "").splitlines() if line.strip()]
    registration.commitments = json.dumps(commitments, ensure_ascii=False)


def unit_context(unit, campaign, form=None, message=None, notice=None, kept=False):
    areas = campaign.areas_with_tasks()
    registration = registration_of(campaign, unit)
    reason = closed(campaign, registration)
    editable = reason is None and (registration is None or registration.state in EDITABLE)
    return dict(unit=unit, campaign=campaign, areas=areas, registration=registration, reason=reason,
                editable=editable, kept=kept, due=Scheme.of(campaign).registration_due, message=message, notice=notice,
                form=form or registration_form(areas, registration))


def _page(unit, campaign, status=200, **kw):
    return render("registration/unit.html", "registration/_form.html", status, **unit_context(unit, campaign, **kw))


@bp.get("/dang-ky")
@roles_required("unit")
@outbox.revalidated
def page():
    return _page(current_user.unit, current_campaign())


@bp.post("/dang-ky")
@roles_required("unit")
def save():
    unit, campaign = current_user.unit, current_campaign()
    areas = campaign.areas_with_tasks()
    registration = registration_of(campaign, unit)
    form = registration_form(areas, registration, formdata=request.form)
    send = request.form.get("action") == "send"
    if request.form.get("client_id") and outbox.saved(unit):  # the phone's outbox again, after a lost answer
        return redirect(url_for("registration.page"), 303)
    reason = closed(campaign, registration)
    if reason:
        # Also a draft made on the phone before the deadline and sent from its outbox after it: said, not lost.
        return _page(unit, campaign, 409, form=form, kept=True, message="Đăng ký này chưa được lưu (xem lý do ở "
                     "trên). Nội dung bạn đã soạn vẫn còn bên dưới để chép lại và gửi Phòng Văn hóa – Xã hội.")
    if not form.validate_on_submit():
        return _page(unit, campaign, 400, form=form)
    if registration and registration.state not in EDITABLE:
        if send and registration.state == "sent" and registration.version == form.version.data + 1:
            # A repeated send (a retry on a weak link) finds its own registration sent: harmless.
            return redirect(url_for("registration.page"), 303)
        return _page(unit, campaign, 409, form=form, message=f"Đăng ký đang ở trạng thái "
                     f"“{REGISTRATION_STATES[registration.state]}” nên không sửa được.")
    registration = registration or Registration(campaign=campaign, unit=unit)
    before = registration.as_dict() if registration.id else None
    _fill(registration, form, areas)
    if send:
        registration.state, registration.sent_at = "sent", clock.utc_now()
    with outbox.once(unit, "registration") as claim:
        if claim:  # None: two copies of one resend raced, and the other saved it
            with joined():
                registration.save_from(form.version.data, "titles", "counts", "commitments", "state", "sent_at")
                Event.record("registration.submit" if send else "registration.save", current_user,
                             campaign=campaign, unit=unit, subject=registration, before=before,
                             after=registration.as_dict())
    flash("Đã gửi đăng ký thi đua tới Phòng Văn hóa – Xã hội." if send else "Đã lưu bản nháp đăng ký.", "info")
    return redirect(url_for("registration.page"), 303)


class ReviewForm(Form):
    comment = TextAreaField("Lý do trả lại / nhận xét", [Length(max=2000, message="Tối đa 2000 ký tự.")],
                            filters=[clean], render_kw={"rows": 2})
    version = IntegerField("Phiên bản", [InputRequired("Thiếu phiên bản; hãy tải lại trang."),
                                          NumberRange(min=0, max=MAX_INT)])


def summary_context(campaign, forms=None, message=None):
    areas = campaign.areas_with_tasks()
    registrations = {r.unit_id: r for r in Registration.select().where(Registration.campaign == campaign)}
    units = campaign.units()
    counted = {key: sum(1 for r in registrations.values() if r.state == key) for key in REGISTRATION_STATES}
    counted["draft"] = len(units) - sum(counted[k] for k in REGISTRATION_STATES if k != "draft")
    forms = forms or {}

    def review_form(unit, registration):
        return forms.get(unit.id) or ReviewForm(prefix=f"u{unit.id}", version=registration.version)

    return dict(campaign=campaign, areas=areas, units=units, registrations=registrations, counted=counted,
                due=Scheme.of(campaign).registration_due, review_form=review_form, message=message,
                frozen=frozen(campaign), commitment_text=commitment_text)


@bp.get("/dang-ky/tong-hop")
@roles_required(*WATCHERS)
def summary():
    return render_template("registration/summary.html", **summary_context(current_campaign()))


@bp.post("/dang-ky/<int:unit_id>/review")
@roles_required("office")
def review(unit_id):
    campaign = current_campaign()
    unit = _unit_in(campaign, unit_id)
    registration = registration_of(campaign, unit)
    form = ReviewForm(prefix=f"u{unit.id}")
    action = request.form.get("action")
    if frozen(campaign):
        return _summary(campaign, 409, form, unit, frozen(campaign))
    if not form.validate_on_submit() or action not in ("accept", "return"):
        return _summary(campaign, 400, form, unit)
    if action == "return" and not form.comment.data:
        form.comment.errors.append("Hãy ghi lý do trả lại để đơn vị biết cần sửa gì.")
        return _summary(campaign, 400, form, unit)
    wanted = "accepted" if action == "accept" else "returned"
    if registration and registration.state == wanted and registration.version == form.version.data + 1:
        return redirect(url_for("registration.summary", _anchor=f"unit-{unit.id}"), 303)  # a replay
    if registration is None or registration.state != "sent":
        return _summary(campaign, 409, form, unit, "Chỉ duyệt hoặc trả lại được đăng ký đơn vị đã gửi.")
    before = registration.as_dict()
    registration.state, registration.office_comment = wanted, form.comment.data or ""
    with database.atomic():
        registration.save_from(form.version.data, "state", "office_comment")
        Event.record(f"registration.{action}", current_user, campaign=campaign, unit=unit,
                     subject=registration, before=before,
                     after=dict(registration.as_dict(), comment=registration.office_comment))
    flash(f"Đã duyệt đăng ký của {unit.name}." if action == "accept" else f"Đã trả lại đăng ký cho {unit.name}.",
          "info")
    return redirect(url_for("registration.summary", _anchor=f"unit-{unit.id}"), 303)


def _summary(campaign, status, form, unit, message=None):
    return render_template("registration/summary.html",
                           **summary_context(campaign, {unit.id: form}, message)), status


@bp.errorhandler(Stale)
def stale(_):
    """A save from an older copy: the registration as it is now, and what the user typed."""
    campaign = current_campaign()
    if current_user.role == "office":
        unit = _unit_in(campaign, request.view_args["unit_id"])
        return _summary(campaign, 409, ReviewForm(prefix=f"u{unit.id}"), unit,
                        "Đăng ký vừa thay đổi nên chưa lưu thao tác của bạn; trang đã hiện bản mới nhất.")
    unit = current_user.unit
    form = registration_form(campaign.areas_with_tasks(), registration_of(campaign, unit), formdata=request.form)
    form.version.data = (registration_of(campaign, unit) or Registration()).version
    return _page(unit, campaign, 409, form=form, message="Đăng ký vừa được sửa ở nơi khác. Nội dung bạn nhập vẫn "
                                                         "còn bên dưới; hãy xem lại rồi lưu.")


def _unit_in(campaign, unit_id) -> Unit:
    unit = Unit.get_or_none(Unit.id == unit_id)
    if unit is None or unit.id == campaign.unit_id or not unit.path.startswith(campaign.unit.path):
        abort(404)
    return unit


@bp.get("/exports/dang-ky.xlsx")
@roles_required(*WATCHERS)
def export_xlsx():
    ctx = summary_context(current_campaign())

    def rows():
        for unit in ctx["units"]:
            r = ctx["registrations"].get(unit.id)
            if r is None:
                yield [unit.name, unit.kind_label, REGISTRATION_STATES["draft"]]
                continue
            yield ([unit.name, unit.kind_label, REGISTRATION_STATES[r.state],
                    "; ".join(COLLECTIVE_TITLES[k] for k in r.title_list)]
                   + [r.count_map.get(k, 0) for k in AWARDS]
                   + ["\n".join(commitment_text(r, ctx["areas"])),
                      clock.local(r.sent_at).strftime("%d/%m/%Y %H:%M") if r.sent_at else "", r.office_comment])

    book = spreadsheet.Book()
    book.sheet("Đăng ký thi đua", ["Đơn vị", "Loại", "Trạng thái", "Danh hiệu tập thể đăng ký"]
               + [f"Số cá nhân: {label}" for label in AWARDS.values()] + ["Cam kết", "Gửi lúc", "Nhận xét"], rows(),
               numbers=range(4, 4 + len(AWARDS)))
    return book.send("dang-ky-thi-dua.xlsx")


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(REGISTRATION_STATES=REGISTRATION_STATES, COLLECTIVE_TITLES=COLLECTIVE_TITLES,
                                 registration_warning=warning)
