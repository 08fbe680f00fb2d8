"""Commendation proposals, as a unit makes them: proposing, correcting and withdrawing until the deadline."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from playhouse.flask_utils import get_object_or_404
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length

from . import outbox, store
from .access import WATCHERS, current_campaign, roles_required
from .awards import UNIT_EDITS, last_return
from .db import database, joined
from .filing import filing_open, report_of
from .forms import Form, posted_version, required
from .guards import refuse, settled
from .models import AWARDS, NOMINATION_STATES, NOMINEE_KINDS, Event, Nomination, Stale
from .text import clean, clean_name

bp = Blueprint("nominations", __name__)


class NominationForm(Form):
    kind = RadioField("Đối tượng", choices=[SelectChoice(k, v) for k, v in NOMINEE_KINDS.items()], default="individual",
                      validators=required("Chọn tập thể hay cá nhân."))
    name = StringField("Tên tập thể / Họ và tên", required("Nhập tên tập thể hoặc họ tên cá nhân.")
                       + [Length(max=200)], filters=[clean_name])
    position = StringField("Chức vụ (với cá nhân)", [Length(max=200)], filters=[clean_name])
    workplace = StringField("Đơn vị công tác", required("Nhập đơn vị công tác.") + [Length(max=200)],
                            filters=[clean_name])
    achievement = TextAreaField("Tóm tắt thành tích", required("Nhập tóm tắt thành tích.") + [Length(max=4000)],
                                filters=[clean], render_kw={"rows": 5})
    award = SelectField("Hình thức đề nghị", choices=[SelectChoice("", "— Chọn —")] + [SelectChoice(k, v) for k, v in AWARDS.items()],
                        validators=required("Chọn hình thức khen thưởng.") + [AnyOf(list(AWARDS),
                                                                                     "Chọn hình thức khen thưởng.")])
    attachment = FileField("Tệp kèm theo (PDF hoặc ảnh, không bắt buộc)",
                           render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"})



def _nomination(nomination_id, campaign=None) -> Nomination:
    campaign = campaign or current_campaign()
    nomination = get_object_or_404(Nomination, Nomination.id == nomination_id, Nomination.campaign == campaign)
    if current_user.role == "unit" and nomination.unit_id != current_user.unit_id:
        abort(403)
    return nomination


@bp.get("/nominations/new")
@roles_required("unit")
def new():
    campaign = current_campaign()
    return _new_page(campaign, NominationForm(workplace=current_user.unit.name))


def _new_page(campaign, form, status=200, message=None, nomination=None):
    """The proposal form: a new one, or `nomination` being corrected."""
    report = report_of(campaign, current_user.unit)
    editable = nomination is None or nomination.state in UNIT_EDITS
    closed = settled(campaign)
    returned = nomination is not None and nomination.state == "returned"  # corrected after the deadline too
    return render_template("nominations/new.html", form=form, campaign=campaign, report=report, nomination=nomination,
                           open=(filing_open(campaign, report) or returned) and editable and not closed,
                           returned=last_return(nomination) if returned else None,
                           message=message or closed), status


def _attachment(form) -> tuple | None:
    """The uploaded file, checked and kept, as (sha256, name, kind); None when none was chosen.
    Raises store.Rejected."""
    file = form.attachment.data
    if not (file and file.filename):
        return None
    upload = store.accept(file.stream.read(store.MAX_BYTES + 1))
    store.keep(upload)
    return upload.sha256, store.display_name(file.filename), upload.kind


def _fill(nomination, form, attachment):
    """The form's fields on `nomination`; a new attachment replaces the old, none keeps it."""
    kept = nomination.attachment, nomination.attachment_name, nomination.attachment_type
    form.populate_obj(nomination)
    if nomination.kind == "collective":
        nomination.position = ""
    nomination.attachment, nomination.attachment_name, nomination.attachment_type = attachment or kept
    nomination.fill_keys()


@bp.post("/nominations")
@roles_required("unit")
def create():
    campaign, unit = current_campaign(), current_user.unit
    refuse(settled(campaign))
    form = NominationForm()
    if not filing_open(campaign, report_of(campaign, unit)):
        return _new_page(campaign, form, 400, LATE)
    if not form.validate_on_submit():
        return _new_page(campaign, form, 400)
    try:
        attachment = _attachment(form)
    except store.Rejected as rejected:
        form.attachment.errors = [str(rejected)]
        return _new_page(campaign, form, 400)
    with outbox.once(unit, "nomination") as claim:
        nomination = Nomination(campaign=campaign, unit=unit, created_by=current_user)
        _fill(nomination, form, attachment)
        if claim and not _replayed(nomination):
            with joined():
                nomination.save()
                Event.record("nomination.add", current_user, subject=nomination, after=nomination.as_dict())
    flash(f"Đã gửi đề nghị khen thưởng cho “{nomination.name}”.", "info")
    return redirect(url_for("reports.page", _anchor="nominations"), 303)


LATE = "Đã quá hạn gửi đề nghị khen thưởng."


def _handled(nomination) -> str:
    return (f"Phòng Văn hóa – Xã hội đã xử lý đề nghị này (“{NOMINATION_STATES[nomination.state]}”) "
            "nên đơn vị không sửa hay rút được nữa.")


@bp.route("/nominations/<int:nomination_id>/edit", methods=["GET", "POST"])
@roles_required("unit")
def edit(nomination_id):
    """The unit corrects its proposal while the office has not taken it up, until the deadline."""
    campaign = current_campaign()
    nomination = _nomination(nomination_id, campaign)
    locked = _handled(nomination) if nomination.state not in UNIT_EDITS else None
    if request.method == "GET":
        return _new_page(campaign, NominationForm(obj=nomination), message=locked, nomination=nomination)
    refuse(settled(campaign))
    form = NominationForm()
    if locked:
        return _new_page(campaign, form, 409, locked, nomination)
    resent = nomination.state == "returned"
    if not resent and not filing_open(campaign, report_of(campaign, current_user.unit)):
        return _new_page(campaign, form, 400, LATE, nomination)
    if not form.validate_on_submit():
        return _new_page(campaign, form, 400, nomination=nomination)
    try:
        attachment = _attachment(form)
    except store.Rejected as rejected:
        form.attachment.errors = [str(rejected)]
        return _new_page(campaign, form, 400, nomination=nomination)
    before = nomination.as_dict()
    _fill(nomination, form, attachment)
    nomination.state = "proposed"  # a returned proposal, corrected, goes back to the office
    with database.atomic():
        nomination.save_from(posted_version("version"), "kind", "name", "position", "workplace", "achievement", "award",
                             "nominee_key", "achievement_key", "attachment", "attachment_name", "attachment_type",
                             "state")
        Event.record("nomination.resend" if resent else "nomination.update", current_user, subject=nomination,
                     before=before, after=nomination.as_dict())
    flash(f"Đã lưu đề nghị khen thưởng cho “{nomination.name}”.", "info")
    return redirect(url_for("reports.page", _anchor="nominations"), 303)


@bp.post("/nominations/<int:nomination_id>/withdraw")
@roles_required("unit")
def withdraw(nomination_id):
    campaign = current_campaign()
    nomination = _nomination(nomination_id, campaign)
    if not Form().validate_on_submit():
        abort(400)
    refuse(settled(campaign))
    if nomination.state != "withdrawn":  # a replayed request changes nothing
        if nomination.state != "proposed":
            return _new_page(campaign, NominationForm(obj=nomination), 409, _handled(nomination), nomination)
        if not filing_open(campaign, report_of(campaign, current_user.unit)):
            return _new_page(campaign, NominationForm(obj=nomination), 400, LATE, nomination)
        before = nomination.as_dict()
        nomination.state = "withdrawn"
        with database.atomic():
            nomination.save_from(nomination.version, "state")
            Event.record("nomination.withdraw", current_user, subject=nomination, before=before, after=nomination.as_dict())
    flash(f"Đã rút đề nghị khen thưởng cho “{nomination.name}”.", "info")
    return redirect(url_for("reports.page", _anchor="nominations"), 303)


@bp.errorhandler(Stale)
def stale(_):
    """A change based on an older copy of a proposal: the unit sees the proposal as saved now with what it typed."""
    campaign = current_campaign()
    current = _nomination(request.view_args["nomination_id"], campaign)
    if request.endpoint == "nominations.withdraw" and current.state == "withdrawn":
        flash(f"Đã rút đề nghị khen thưởng cho “{current.name}”.", "info")
        return redirect(url_for("reports.page", _anchor="nominations"), 303)  # a retry raced the request it repeats
    form = NominationForm() if request.endpoint == "nominations.edit" else NominationForm(obj=current)
    if current.state not in UNIT_EDITS:
        return _new_page(campaign, form, 409, _handled(current), current)
    return _new_page(campaign, form, 409, "Đề nghị này vừa được sửa ở một máy khác. Nội dung bạn nhập vẫn còn "
                     "dưới đây; bấm “Lưu đề nghị” lần nữa nếu muốn thay bằng nội dung này.", current)


def _replayed(nomination) -> bool:
    """The same proposal sent again (a retried request on a weak link) is already saved."""
    nomination.fill_keys()
    return Nomination.select().where(
        Nomination.campaign == nomination.campaign, Nomination.unit == nomination.unit, Nomination.state != "withdrawn",
        Nomination.nominee_key == nomination.nominee_key, Nomination.achievement_key == nomination.achievement_key,
        Nomination.award == nomination.award, Nomination.attachment == nomination.attachment).exists()


@bp.get("/nominations/<int:nomination_id>/attachment")
@login_required
def attachment(nomination_id):
    if current_user.role not in WATCHERS + ("unit",):
        abort(403)
    nomination = _nomination(nomination_id)
    if not nomination.attachment:
        abort(404)
    pdf = nomination.attachment_type == "pdf"
    response = send_file(store.kept(nomination.attachment, nomination.attachment_type),
                         mimetype="application/pdf" if pdf else "image/jpeg", as_attachment=True,
                         download_name=store.served_name(nomination.attachment_name, nomination.attachment_type,
                                                            f"dinh-kem-{nomination.id}"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(AWARDS=AWARDS, NOMINATION_STATES=NOMINATION_STATES, NOMINEE_KINDS=NOMINEE_KINDS)
