"""Chấm điểm pages: the office sets a campaign's points, a unit sees its self-score and claims bonuses, the office
reviews each unit's score and changes a line with a reason. The arithmetic is in scoring.py."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from . import scoring, store
from .access import READERS, changing_unit, commune_campaign, current_campaign, roles_required, unit_in
from .confirm import unconfirmed
from .db import database
from .forms import MAX_INT, Form
from .guards import frozen, refuse
from .models import AreaPoints, Adjustment, Claim, ClaimEvidence, Criterion, Event, Scheme, Stale, TaskPoints
from .text import clean, clean_name

bp = Blueprint("points", __name__)
VERSION = [InputRequired("Thiếu phiên bản; hãy tải lại trang."), NumberRange(min=0, max=MAX_INT)]
POINTS = [Optional(), NumberRange(min=0, max=1000, message="Điểm từ 0 đến 1000.")]
SIGNED = [Optional(), NumberRange(min=-1000, max=1000, message="Điểm từ -1000 đến 1000.")]
PERCENT = [InputRequired("Hãy nhập một số từ 0 đến 100."), NumberRange(min=0, max=100, message="Từ 0 đến 100.")]
NEW_CRITERIA = 2  # blank rows the editor offers for new criteria


def scheme_form(campaign, areas, plan, formdata=None):
    class SchemeForm(Form):
        version = IntegerField("Phiên bản", VERSION)
        registration_due_on = DateField("Hạn đăng ký thi đua", [Optional()], format="%Y-%m-%d")
        doing_share = IntegerField("“Đang làm” được (% điểm của việc)", PERCENT)
        excellent = IntegerField("Xuất sắc từ (điểm/100)", PERCENT)
        good = IntegerField("Tốt từ", PERCENT)
        fair = IntegerField("Khá từ", PERCENT)

        def validate_good(self, field):
            if not (self.fair.data or 0) <= (field.data or 0) <= (self.excellent.data or 0):
                field.errors.append("Ngưỡng phải giảm dần: Xuất sắc ≥ Tốt ≥ Khá.")

    for area in areas:
        setattr(SchemeForm, f"area_{area.id}", IntegerField("Tối đa (điểm)", POINTS))
        for task in area.task_list:
            setattr(SchemeForm, f"task_{task.id}", IntegerField(task.title, POINTS))
    rows = [c.id for c in plan.criteria] + [f"new{i}" for i in range(NEW_CRITERIA)]
    for row in rows:
        setattr(SchemeForm, f"criterion_{row}_title", StringField("Tiêu chí", [Length(max=300)], filters=[clean_name]))
        setattr(SchemeForm, f"criterion_{row}_points", IntegerField("Điểm (+ thưởng, − trừ)", SIGNED))
    s = plan.scheme
    data = dict(version=s.version, registration_due_on=s.registration_due, doing_share=s.doing_share,
                excellent=s.excellent, good=s.good, fair=s.fair,
                **{f"area_{a}": n for a, n in plan.area_max.items()},
                **{f"task_{t}": n for t, n in plan.task_points.items()},
                **{f"criterion_{c.id}_title": c.title for c in plan.criteria},
                **{f"criterion_{c.id}_points": c.points for c in plan.criteria})
    form = SchemeForm(formdata=formdata, data=data)
    form.criterion_rows = rows
    return form


def _scheme_page(campaign, form=None, status=200, message=None):
    areas = campaign.areas_with_tasks()
    plan = scoring.plan_of(campaign, areas)
    return render_template("scoring/scheme.html", campaign=campaign, areas=areas, message=message,
                           form=form or scheme_form(campaign, areas, plan), frozen=frozen(campaign)), status


@bp.get("/campaigns/<int:campaign_id>/diem")
@roles_required("office")
def scheme(campaign_id):
    return _scheme_page(commune_campaign(campaign_id))


@bp.post("/campaigns/<int:campaign_id>/diem")
@roles_required("office")
def save_scheme(campaign_id):
    campaign = commune_campaign(campaign_id)
    refuse(frozen(campaign))
    areas = campaign.areas_with_tasks()
    plan = scoring.plan_of(campaign, areas)
    form = scheme_form(campaign, areas, plan, formdata=request.form)
    if not form.validate_on_submit():
        return _scheme_page(campaign, form, 400)
    s = plan.scheme
    before = dict(s.as_dict(), points=sum(plan.task_points.values()), criteria=len(plan.criteria))
    s.registration_due_on, s.doing_share = form.registration_due_on.data, form.doing_share.data
    s.excellent, s.good, s.fair = form.excellent.data, form.good.data, form.fair.data
    task_ids = [t.id for a in areas for t in a.task_list]
    with database.atomic():
        s.save_from(form.version.data, "registration_due_on", "doing_share", "excellent", "good", "fair")
        TaskPoints.delete().where(TaskPoints.task.in_(task_ids)).execute()
        for task_id in task_ids:
            if form[f"task_{task_id}"].data:
                TaskPoints.create(task=task_id, points=form[f"task_{task_id}"].data)
        AreaPoints.delete().where(AreaPoints.area.in_([a.id for a in areas])).execute()
        for area in areas:
            if form[f"area_{area.id}"].data:
                AreaPoints.create(area=area, max_points=form[f"area_{area.id}"].data)
        _save_criteria(campaign, form, plan)
        after = dict(s.as_dict(), points=sum(form[f"task_{t}"].data or 0 for t in task_ids),
                     criteria=Criterion.select().where(Criterion.campaign == campaign).count())
        Event.record("scheme.update", current_user, campaign=campaign, subject=campaign,
                     before=before, after=after)
    flash("Đã lưu thang điểm.", "info")
    return redirect(url_for("points.scheme", campaign_id=campaign.id), 303)


def _save_criteria(campaign, form, plan):
    """A row with a title and points is kept; a row whose title was cleared is removed."""
    existing = {c.id: c for c in plan.criteria}
    for position, row in enumerate(form.criterion_rows):
        title, points = form[f"criterion_{row}_title"].data, form[f"criterion_{row}_points"].data
        criterion = existing.get(row)
        if not title or not points:
            if criterion:
                criterion.delete_instance()
            continue
        criterion = criterion or Criterion(campaign=campaign)
        criterion.title, criterion.points, criterion.position = title, points, position
        criterion.save()


class ClaimForm(Form):
    claimed = BooleanField("Đề nghị được cộng điểm này")
    note = TextAreaField("Ghi chú, minh chứng", [Length(max=2000, message="Tối đa 2000 ký tự.")], filters=[clean],
                         render_kw={"rows": 2})
    version = IntegerField("Phiên bản", VERSION)


class ClaimFileForm(Form):
    file = FileField("Ảnh hoặc PDF minh chứng", [FileRequired("Chọn một ảnh hoặc tệp PDF.")])


class ChangeForm(Form):
    points = IntegerField("Điểm mới", [InputRequired("Hãy nhập điểm."),
                                       NumberRange(min=-1000, max=1000, message="Điểm từ -1000 đến 1000.")])
    reason = TextAreaField("Lý do", [InputRequired("Hãy ghi lý do sửa điểm."), Length(max=2000)], filters=[clean],
                           render_kw={"rows": 2})
    version = IntegerField("Phiên bản", VERSION)


def score_context(campaign, unit, forms=None, message=None, file_errors=None):
    forms = forms or {}
    score = scoring.unit_score(campaign, unit)
    claims = {c.criterion_id: c for c in Claim.select().where(Claim.unit == unit)}

    def claim_form(line):
        criterion_id = int(line.key.split(":")[1])
        claim = claims.get(criterion_id) or Claim()
        return forms.get(line.key) or ClaimForm(prefix=f"c{criterion_id}", claimed=claim.claimed, note=claim.note,
                                                version=claim.version)

    def change_form(line):
        return forms.get(line.key) or ChangeForm(prefix=line.key.replace(":", "-"), points=round(line.value),
                                                 version=line.adjustment.version if line.adjustment else 0)

    def file_form(line):
        return ClaimFileForm(prefix=f"f{line.key.split(':')[1]}", formdata=None)

    return dict(campaign=campaign, unit=unit, score=score, claim_form=claim_form, change_form=change_form,
                file_form=file_form, claimed_files=ClaimEvidence.of(unit), file_errors=file_errors or {},
                message=message, frozen=frozen(campaign))


@bp.get("/cham-diem")
@roles_required("unit")
def own():
    return render_template("scoring/unit.html", **score_context(current_campaign(), current_user.unit))


def _bonus(campaign, criterion_id) -> Criterion:
    """A bonus criterion of the campaign, which a unit may claim (a deduction is the office's alone)."""
    criterion = Criterion.get_or_none(Criterion.id == criterion_id, Criterion.campaign == campaign)
    if criterion is None or criterion.points <= 0:
        abort(404)
    return criterion


@bp.post("/cham-diem/claims/<int:criterion_id>")
@roles_required("unit")
def claim(criterion_id):
    campaign, unit = current_campaign(), current_user.unit
    refuse(frozen(campaign))
    criterion = _bonus(campaign, criterion_id)
    form = ClaimForm(prefix=f"c{criterion.id}")
    if not form.validate_on_submit():
        return render_template("scoring/unit.html", **score_context(
            campaign, unit, {f"criterion:{criterion.id}": form})), 400
    found = Claim.get_or_none(Claim.criterion == criterion, Claim.unit == unit)
    if found and found.claimed == form.claimed.data and found.note == (form.note.data or ""):
        return redirect(url_for("points.own"), 303)  # a replay
    row = found or Claim(criterion=criterion, unit=unit)
    before = row.as_dict() if found else None
    row.claimed, row.note = form.claimed.data, form.note.data or ""
    with database.atomic():
        row.save_from(form.version.data, "claimed", "note")
        Event.record("claim.set", current_user, campaign=campaign, unit=unit, subject=criterion,
                     before=before, after=row.as_dict())
    flash("Đã lưu đề nghị cộng điểm.", "info")
    return redirect(url_for("points.own"), 303)


@bp.post("/cham-diem/claims/<int:criterion_id>/files")
@roles_required("unit")
def claim_file(criterion_id):
    """A photo or PDF behind a bonus claim: checked and re-encoded as a check's evidence is, kept in the same
    store."""
    campaign, unit = current_campaign(), current_user.unit
    refuse(frozen(campaign))
    criterion = _bonus(campaign, criterion_id)
    form = ClaimFileForm(prefix=f"f{criterion.id}")
    try:
        if not form.validate_on_submit():
            raise store.Rejected(" ".join(e for errors in form.errors.values() for e in errors))
        upload = store.accept(form.file.data.stream.read(store.MAX_BYTES + 1))
    except store.Rejected as rejected:
        return render_template("scoring/unit.html", **score_context(
            campaign, unit, file_errors={criterion.id: str(rejected)})), 400
    store.attach_to_claim(unit, criterion, current_user, upload, store.display_name(form.file.data.filename))
    flash("Đã thêm minh chứng cho đề nghị cộng điểm.", "info")
    return redirect(url_for("points.own", _anchor=f"claim-{criterion.id}"), 303)


@bp.post("/cham-diem/files/<int:file_id>/remove")
@roles_required("unit")
def claim_file_remove(file_id):
    """Takes a file off the unit's own claim while the campaign takes changes; the log keeps what it was."""
    campaign = current_campaign()
    refuse(frozen(campaign))
    row = ClaimEvidence.get_or_none(ClaimEvidence.id == file_id)
    if row is None:  # taken off already (a second tap on a slow link): nothing to say
        return redirect(url_for("points.own"), 303)
    if row.unit_id != current_user.unit_id:
        abort(403)
    _bonus(campaign, row.criterion_id)  # a file of an earlier campaign's claim is that campaign's record
    back = url_for("points.own", _anchor=f"files-{row.criterion_id}")
    if asking := unconfirmed("claim.file.remove", back, name=row.label):
        return asking
    with database.atomic():
        # The delete's row count decides: a repeated request records nothing twice.
        if ClaimEvidence.delete().where(ClaimEvidence.id == row.id).execute():
            Event.record("claim.file.remove", current_user, campaign=campaign, unit=current_user.unit,
                         subject=f"criterion:{row.criterion_id}", before=row.as_dict())
            flash("Đã gỡ minh chứng.", "info")
    return redirect(back, 303)


def _claim_file(file_id, thumb: bool):
    """Seen by the unit that attached it (another unit gets 403) and by the readers of its campaign's commune (a unit
    outside it is 404 to them, as no file is): the province reads its communes' scores, files included."""
    row = ClaimEvidence.get_or_none(ClaimEvidence.id == file_id)
    if row is None or (thumb and row.kind != "image"):
        abort(404)
    if current_user.role == "unit":
        if current_user.unit_id != row.unit_id:
            abort(403)
    elif current_user.role in READERS:
        unit_in(commune_campaign(row.criterion.campaign_id), row.unit_id)  # another commune's is 404
    else:
        abort(403)
    return store.response(row, thumb, f"minh-chung-diem-thuong-{row.id}")


@bp.get("/cham-diem/files/<int:file_id>")
@login_required
def claim_file_download(file_id):
    return _claim_file(file_id, thumb=False)


@bp.get("/cham-diem/files/<int:file_id>/thumb")
@login_required
def claim_file_thumbnail(file_id):
    return _claim_file(file_id, thumb=True)


@bp.get("/cham-diem/<int:unit_id>")
@roles_required(*READERS)
def review(unit_id):
    campaign = current_campaign()
    return render_template("scoring/review.html", **score_context(campaign, unit_in(campaign, unit_id)))


@bp.post("/cham-diem/<int:unit_id>/lines/<line>")
@roles_required("office")
def change(unit_id, line):
    campaign, unit = changing_unit(unit_id)
    score = scoring.unit_score(campaign, unit)
    lines = {x.key: x for x in (score.criteria + [x for a in score.areas for x in a.lines])} if score else {}
    key = line.replace("-", ":", 1)
    if key not in lines:
        abort(404)
    form = ChangeForm(prefix=line)
    if not form.validate_on_submit():
        return render_template("scoring/review.html", **score_context(campaign, unit, {key: form})), 400
    found = lines[key].adjustment
    if found and found.points == form.points.data and found.reason == form.reason.data:
        return redirect(url_for("points.review", unit_id=unit.id), 303)  # a replay
    old = lines[key].value
    row = found or Adjustment(campaign=campaign, unit=unit, line=key)
    row.points, row.reason, row.by = form.points.data, form.reason.data, current_user.id
    with database.atomic():
        row.save_from(form.version.data, "points", "reason", "by")
        Event.record("score.change", current_user, campaign=campaign, unit=unit, subject=key,
                     before={"points": old}, after={"points": row.points, "reason": row.reason})
    flash(f"Đã sửa điểm “{lines[key].label}”: {old:g} → {row.points}.", "info")
    return redirect(url_for("points.review", unit_id=unit.id), 303)


@bp.errorhandler(Stale)
def stale(_):
    """A save from an older copy: the score as it is now; what the user typed stays in its form."""
    campaign = current_campaign()
    message = "Điểm vừa được sửa ở nơi khác nên chưa lưu thao tác của bạn; trang đã hiện bản mới nhất."
    if request.endpoint == "points.save_scheme":
        campaign = commune_campaign(request.view_args["campaign_id"])
        areas = campaign.areas_with_tasks()
        form = scheme_form(campaign, areas, scoring.plan_of(campaign, areas), formdata=request.form)
        form.version.data = Scheme.of(campaign).version
        return _scheme_page(campaign, form, 409, message)
    if request.endpoint == "points.claim":
        return render_template("scoring/unit.html", **score_context(campaign, current_user.unit, message=message)), 409
    unit = unit_in(campaign, request.view_args["unit_id"])
    return render_template("scoring/review.html", **score_context(campaign, unit, message=message)), 409


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals["unit_score"] = lambda n: scoring.unit_score(n.campaign, n.unit)
