"""The council's meeting (họp xét) and the voting rule of each award form, as the office records them; the office
returning a proposal to its unit; and the papers that follow the meeting: biên bản, tờ trình, giấy khen and the
year's statistics."""
import io
import json

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from . import clock, papers, spreadsheet
from .access import WATCHERS, current_campaign, roles_required
from .awards import council_size, meeting_of, percent, quorum_needed, rules, share, tallies
from .db import database
from .forms import MAX_INT, Form, posted_version
from .guards import publication_of, refuse, settled
from .models import (
    AWARDS, BASES, NOMINEE_KINDS, AwardRule, Event, Meeting, Nomination, NominationReturn, Opinion,
    Publication, Stale, Unit, User,
)
from .text import clean, clean_name, vn_sort_key

bp = Blueprint("meetings", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
VOTED = ("sent", "approved", "rejected")  # the proposals the council voted on


def _checkboxes():
    return dict(coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class MeetingForm(Form):
    # An old phone without a date picker sends what was typed: dd/mm/yyyy.
    held_on = DateField("Ngày họp", [DataRequired("Nhập ngày họp (ngày/tháng/năm).")], format=["%Y-%m-%d", "%d/%m/%Y"],
                        render_kw={"type": "date"})
    place = StringField("Địa điểm", [DataRequired("Nhập địa điểm họp."), Length(max=200)], filters=[clean_name])
    chair = SelectField("Chủ trì", coerce=int)
    secretary = SelectField("Thư ký", coerce=int)
    present = SelectMultipleField("Thành viên dự họp", **_checkboxes())
    in_writing = SelectMultipleField("Vắng mặt, có ý kiến bằng văn bản", **_checkboxes())

    def validate_in_writing(self, field):
        both = set(field.data or []) & set(self.present.data or [])
        if both:
            raise ValidationError("Một thành viên không thể vừa dự họp vừa gửi ý kiến bằng văn bản.")

    def validate_secretary(self, field):
        if field.data == self.chair.data:
            raise ValidationError("Thư ký phải khác người chủ trì.")


class RuleForm(Form):
    threshold = StringField("Ngưỡng (trên …)", [DataRequired("Nhập ngưỡng, ví dụ 50% hoặc 2/3.")], filters=[clean])
    base = SelectField("Tính trên", choices=[SelectChoice(k, v) for k, v in BASES.items()])
    secret = BooleanField("Bỏ phiếu kín (chỉ hiện số phiếu, không hiện tên)")

    def validate_threshold(self, field):
        try:
            value = share(field.data)
        except (ValueError, ZeroDivisionError):
            raise ValidationError("Ngưỡng không hợp lệ; nhập dạng 50%, 0,5 hoặc 2/3.") from None
        if not 0 <= value < 1:
            raise ValidationError("Ngưỡng phải từ 0% đến dưới 100%.")


class ReturnForm(Form):
    reason = TextAreaField("Lý do trả lại", [DataRequired("Nhập lý do trả lại để đơn vị biết cần sửa gì."),
                                            Length(max=2000)], filters=[clean], render_kw={"rows": 3})


def _members(campaign):
    """The commune's council members and its leader, who may chair the meeting."""
    people = User.select().where(User.role.in_(("council", "leader")), User.unit == campaign.unit_id,
                                 User.active == True)  # noqa: E712
    return sorted(people, key=lambda u: vn_sort_key(u.full_name or u.username))


def _name(user) -> str:
    return user.full_name or user.username


def _choices(form, campaign):
    members = _members(campaign)
    council = [u for u in members if u.role == "council"]
    form.chair.choices = form.secretary.choices = [SelectChoice(u.id, _name(u)) for u in members]
    form.present.choices = form.in_writing.choices = [SelectChoice(u.id, _name(u)) for u in council]


def _page(campaign, meeting_form=None, rule_forms=None, status=200, message=None):
    meeting = meeting_of(campaign)
    if meeting_form is None:
        meeting_form = (MeetingForm(formdata=None, held_on=meeting.held_on, place=meeting.place,
                                    chair=meeting.chair_id, secretary=meeting.secretary_id,
                                    present=meeting.present_ids, in_writing=meeting.in_writing_ids)
                        if meeting else MeetingForm(formdata=None, held_on=clock.today()))
    _choices(meeting_form, campaign)
    by_award = rules(campaign.unit_id)
    forms = {award: (rule_forms or {}).get(award) or RuleForm(formdata=None, prefix=award, threshold=percent(rule.threshold),
                                                                base=rule.base, secret=rule.secret)
             for award, rule in by_award.items()}
    members = council_size(campaign)
    awarded = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.awarded == True)  # noqa: E712
                   .order_by(Nomination.id))
    return render_template("meetings/page.html", campaign=campaign, meeting=meeting, form=meeting_form,
                           rule_forms=forms, members=members, quorum=quorum_needed(members), awarded=awarded,
                           margins=current_app.config["CERTIFICATE_MARGINS"].split(","),
                           closed=_closed(campaign), message=message), status


def _closed(campaign) -> str | None:
    """The meeting is the record the published list came from: it changes no more once the list is posted."""
    if publication_of(campaign):
        return "Danh sách đã công khai nên không sửa cuộc họp xét được nữa."
    return settled(campaign)


@bp.get("/hop-xet")
@roles_required(*WATCHERS)
def page():
    return _page(current_campaign())


@bp.post("/hop-xet")
@roles_required("office")
def save():
    campaign = current_campaign()
    form = MeetingForm()
    _choices(form, campaign)
    refuse(_closed(campaign))
    if not form.validate_on_submit():
        return _page(campaign, form, status=400)
    meeting = meeting_of(campaign) or Meeting(campaign=campaign)
    before = meeting.as_dict() if meeting.id else None
    meeting.held_on, meeting.place = form.held_on.data, form.place.data
    meeting.chair, meeting.secretary = form.chair.data, form.secretary.data
    meeting.present, meeting.in_writing = json.dumps(sorted(form.present.data)), json.dumps(sorted(form.in_writing.data))
    try:
        with database.atomic():
            meeting.save_from(posted_version("version") if meeting.id else 0,
                              "held_on", "place", "chair", "secretary", "present", "in_writing")
            Event.record("meeting.save", current_user, campaign=campaign, subject=campaign,
                         before=before, after=meeting.as_dict())
    except Stale:
        return _page(campaign, form, status=409, message="Cuộc họp vừa được sửa ở một máy khác. Nội dung bạn nhập "
                     "vẫn còn dưới đây; bấm “Lưu cuộc họp” lần nữa nếu muốn thay bằng nội dung này.")
    flash(f"Đã ghi cuộc họp xét ngày {meeting.held_on:%d/%m/%Y}.", "info")
    return redirect(url_for("meetings.page"), 303)


@bp.post("/hop-xet/quy-tac/<award>")
@roles_required("office")
def rule(award):
    if award not in AWARDS:
        abort(404)
    campaign = current_campaign()
    form = RuleForm(prefix=award)
    if not form.validate_on_submit():
        return _page(campaign, rule_forms={award: form}, status=400)
    before = rules(campaign.unit_id)[award]
    after = {"threshold": float(share(form.threshold.data)), "base": form.base.data, "secret": form.secret.data}
    with database.atomic():
        AwardRule.insert(unit=campaign.unit_id, award=award, **after).on_conflict(
            conflict_target=[AwardRule.unit, AwardRule.award],
            update={getattr(AwardRule, k): v for k, v in after.items()}).execute()
        Event.record("award_rule.save", current_user, campaign=campaign, subject=f"award:{award}",
                     before={"threshold": float(before.threshold), "base": before.base, "secret": before.secret},
                     after=after)
    flash(f"Đã lưu cách bình xét “{AWARDS[award]}”.", "info")
    return redirect(url_for("meetings.page", _anchor=f"rule-{award}"), 303)


@bp.route("/nominations/<int:nomination_id>/tra-lai", methods=["GET", "POST"])
@roles_required("office")
def return_nomination(nomination_id):
    """The office sends a proposal it has not yet put before the council back to its unit, saying why."""
    campaign = current_campaign()
    nomination = get_object_or_404(Nomination, Nomination.id == nomination_id, Nomination.campaign == campaign)
    form = ReturnForm()
    if request.method == "GET":
        return _return_page(nomination, form)
    refuse(settled(campaign))
    if nomination.state != "proposed":
        return _return_page(nomination, form, 409, "Chỉ trả lại được đề nghị đang chờ Phòng Văn hóa – Xã hội xét.")
    if not form.validate_on_submit():
        return _return_page(nomination, form, 400)
    before = nomination.as_dict()
    seen = posted_version("version")
    nomination.state = "returned"
    try:
        with database.atomic():
            nomination.save_from(seen, "state")
            NominationReturn.create(nomination=nomination, reason=form.reason.data, version=seen, by=current_user.id)
            Event.record("nomination.return", current_user, campaign=campaign, unit=nomination.unit_id,
                         subject=nomination, before=before,
                         after={**nomination.as_dict(), "reason": form.reason.data})
    except Stale:
        current = Nomination.get_by_id(nomination.id)
        return _return_page(current, form, 409, "Đơn vị vừa sửa đề nghị này; hãy đọc lại bản mới rồi quyết định. "
                            "Lý do bạn nhập vẫn còn dưới đây.")
    flash(f"Đã trả lại đề nghị “{nomination.name}” cho {nomination.unit.name}.", "info")
    return redirect(url_for("review.index"), 303)


def _return_page(nomination, form, status=200, message=None):
    return render_template("meetings/return.html", n=nomination, form=form, message=message,
                           returns=list(nomination.returns.order_by(NominationReturn.id))), status


def _send(data: bytes, name: str, mimetype: str):
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)


def _voted(campaign) -> list:
    return list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state.in_(VOTED))
                .order_by(Nomination.kind, Nomination.id))


@bp.get("/exports/bien-ban.docx")
@roles_required(*WATCHERS)
def minutes_docx():
    campaign = current_campaign()
    meeting = meeting_of(campaign)
    if meeting is None:
        flash("Chưa ghi cuộc họp xét nên chưa có biên bản.", "error")
        return redirect(url_for("meetings.page"), 303)
    voted = _voted(campaign)
    people = {u.id: u for u in User.select().where(User.id.in_(
        meeting.present_ids + meeting.in_writing_ids + [meeting.chair_id, meeting.secretary_id]))}
    data = papers.minutes(campaign, meeting, people, council_size(campaign), voted, tallies(voted))
    return _send(data, f"bien-ban-hop-xet-{meeting.held_on:%Y-%m-%d}.docx", DOCX)


@bp.get("/exports/to-trinh.docx")
@roles_required(*WATCHERS)
def submission_docx():
    campaign = current_campaign()
    voted = _voted(campaign)
    results = tallies(voted)
    passed = [n for n in voted if n.state == "approved" or (n.state == "sent" and results[n.id].passes)]
    if not passed:
        flash("Hội đồng chưa thông qua đề nghị nào nên chưa có tờ trình.", "error")
        return redirect(url_for("meetings.page"), 303)
    publication = publication_of(campaign)
    opinions = Opinion.select().where(Opinion.campaign == campaign).count()
    office = User.select().where(User.role == "office", User.unit == campaign.unit_id,
                                 User.active == True).order_by(User.id).first()  # noqa: E712
    data = papers.submission(campaign, meeting_of(campaign), passed, results, publication, opinions,
                             _name(office) if office else "")
    return _send(data, "to-trinh-khen-thuong.docx", DOCX)


def _margins() -> list[float]:
    """The certificate's margins in cm (top, right, bottom, left): as the office typed them for its pre-printed
    forms, or the configuration's."""
    default = [float(m) for m in current_app.config["CERTIFICATE_MARGINS"].split(",")]
    found = []
    for name, fallback in zip(("top", "right", "bottom", "left"), default):
        value = request.args.get(name, type=lambda v: float(v.replace(",", ".")))
        found.append(value if value is not None and 0 <= value <= 10 else fallback)
    return found


@bp.get("/exports/giay-khen.docx")
@roles_required(*WATCHERS)
def certificates_docx():
    campaign = current_campaign()
    publication = publication_of(campaign)
    typed = ",".join(request.args.getlist("ids")).split(",")  # ids=1,2 or ids=1&ids=2
    wanted = [int(i) for i in typed if i.strip().isdigit() and int(i) <= MAX_INT]
    awarded = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.awarded == True,  # noqa: E712
                                             Nomination.id.in_(wanted or [0])).order_by(Nomination.id))
    if not (publication and publication.approved_at and awarded):
        flash("Chọn tập thể, cá nhân đã có tên trong quyết định khen thưởng để in giấy khen.", "error")
        return redirect(url_for("meetings.page"), 303)
    data = papers.certificates(campaign, awarded, publication, _margins())
    return _send(data, "giay-khen.docx", DOCX)


@bp.get("/exports/thong-ke.xlsx")
@roles_required(*WATCHERS)
def statistics_xlsx():
    year = request.args.get("nam", type=int) or clock.today().year
    if not 1900 <= year <= 9999:
        abort(404)
    rows = list(Nomination.select(Nomination, Publication, Unit).join(
        Publication, on=(Publication.campaign == Nomination.campaign)).switch(Nomination).join(Unit)
        .where(Nomination.awarded == True, Publication.decision_date.year == year))  # noqa: E712
    book = spreadsheet.Book()
    for title, header, key, labels in (
            ("Theo hình thức", "Hình thức khen thưởng", lambda n: n.award, AWARDS),
            ("Theo đối tượng", "Đối tượng", lambda n: n.kind, NOMINEE_KINDS),
            ("Theo đơn vị", "Đơn vị đề nghị", lambda n: n.unit.name, None)):
        counts = {}
        for n in rows:
            counts[key(n)] = counts.get(key(n), 0) + 1
        order = list(labels) if labels else sorted(counts, key=vn_sort_key)
        lines = [[labels[k] if labels else k, counts.get(k, 0)] for k in order] + [["Tổng cộng", len(rows)]]
        book.sheet(title, [header, "Số lượng"], lines, numbers=[1], caption=f"Khen thưởng năm {year}",
                   bold_rows=[len(lines) - 1])
    return book.send(f"thong-ke-khen-thuong-{year}.xlsx")


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(BASES=BASES)
