"""Commendation proposals: units propose, the office merges and sends, the council votes,
supervisors comment and the office answers, the office publishes, the leader decides."""
import datetime as dt

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField
from playhouse.flask_utils import get_object_or_404
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from . import clock, evidence
from .awards import UNIT_EDITS, cast_for_meeting, last_return, logged_vote, may_vote, tallies
from .auth import WATCHERS, roles_required
from .checklist import current_campaign
from .confirm import unconfirmed
from .db import database
from .forms import Form, posted_id, posted_version
from .guards import commenting, comment_window_open, frozen, publication_of, refuse, settled
from .htmx import render, wants_fragment
from .models import (
    AWARDS, NOMINATION_STATES, NOMINEE_KINDS, Campaign, Comment, Event, Nomination, Opinion, Publication, Stale, User,
    Vote,
)
from .reports import filing_open, report_of, still_filing
from .text import clean, clean_name

bp = Blueprint("nominations", __name__)
REVIEWERS = ("office", "council", "leader", "supervisor")


def _required(message):
    return [DataRequired(message)]


class NominationForm(Form):
    kind = RadioField("Đối tượng", choices=[SelectChoice(k, v) for k, v in NOMINEE_KINDS.items()], default="individual",
                      validators=_required("Chọn tập thể hay cá nhân."))
    name = StringField("Tên tập thể / Họ và tên", _required("Nhập tên tập thể hoặc họ tên cá nhân.")
                       + [Length(max=200)], filters=[clean_name])
    position = StringField("Chức vụ (với cá nhân)", [Length(max=200)], filters=[clean_name])
    workplace = StringField("Đơn vị công tác", _required("Nhập đơn vị công tác.") + [Length(max=200)],
                            filters=[clean_name])
    achievement = TextAreaField("Tóm tắt thành tích", _required("Nhập tóm tắt thành tích.") + [Length(max=4000)],
                                filters=[clean], render_kw={"rows": 5})
    award = SelectField("Hình thức đề nghị", choices=[SelectChoice("", "— Chọn —")] + [SelectChoice(k, v) for k, v in AWARDS.items()],
                        validators=_required("Chọn hình thức khen thưởng.") + [AnyOf(list(AWARDS),
                                                                                     "Chọn hình thức khen thưởng.")])
    attachment = FileField("Tệp kèm theo (PDF hoặc ảnh, không bắt buộc)",
                           render_kw={"accept": "application/pdf,image/jpeg,image/png,image/webp"})


class VoteForm(Form):
    agree = RadioField("Ý kiến", choices=[SelectChoice("1", "Đồng ý"), SelectChoice("0", "Không đồng ý")],
                       validators=_required("Chọn đồng ý hoặc không đồng ý."))
    comment = TextAreaField("Ý kiến thêm (không bắt buộc)", [Length(max=2000)], filters=[clean], render_kw={"rows": 2})


class CommentForm(Form):
    text = TextAreaField("Ý kiến giám sát", _required("Nhập nội dung ý kiến.") + [Length(max=4000)], filters=[clean],
                         render_kw={"rows": 3})


class AnswerForm(Form):
    answer = TextAreaField("Trả lời", _required("Nhập nội dung trả lời.") + [Length(max=4000)], filters=[clean],
                           render_kw={"rows": 2})


class DecisionForm(Form):
    number = StringField("Số quyết định", _required("Nhập số, ký hiệu quyết định, ví dụ 25/QĐ-UBND.")
                         + [Length(max=60)], filters=[clean])
    # An old phone without a date picker sends what was typed: dd/mm/yyyy.
    signed_on = DateField("Ngày ký", _required("Nhập ngày ký (ngày/tháng/năm)."), format=["%Y-%m-%d", "%d/%m/%Y"],
                          render_kw={"type": "date"})
    signer = StringField("Người ký", _required("Nhập họ tên người ký.") + [Length(max=120)], filters=[clean])
    awards = SelectMultipleField("Khen thưởng", coerce=int, option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False),
                                 validators=_required("Chọn ít nhất một tập thể, cá nhân được khen thưởng."))


def _record(kind, nomination, before=None, after=None, subject=None):
    Event.record(kind, current_user, campaign=nomination.campaign_id, unit=nomination.unit_id,
                 subject=subject or f"nomination:{nomination.id}", before=before, after=after)


def duplicates(campaign: Campaign) -> dict:
    """Nomination id -> other proposals of the same nominee for the same achievement: in this campaign
    any other proposal of that nominee; in an earlier campaign one whose achievement reads the same."""
    mine = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state.not_in(Nomination.CLOSED)))
    if not mine:
        return {}
    others = list(Nomination.select(Nomination, Campaign).join(Campaign).where(
        Nomination.nominee_key.in_({n.nominee_key for n in mine}), Nomination.state.not_in(Nomination.CLOSED),
        (Nomination.campaign == campaign) | (Campaign.starts_on < campaign.starts_on)))
    found = {}
    for n in mine:
        same = [o for o in others if o.id != n.id and o.nominee_key == n.nominee_key
                and (o.campaign_id == campaign.id or o.achievement_key == n.achievement_key)]
        if same:
            found[n.id] = same
    return found


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
    Raises evidence.Rejected."""
    file = form.attachment.data
    if not (file and file.filename):
        return None
    upload = evidence.accept(file.stream.read(evidence.MAX_BYTES + 1))
    evidence.keep(upload)
    return upload.sha256, evidence.display_name(file.filename), upload.kind


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
    except evidence.Rejected as rejected:
        form.attachment.errors = [str(rejected)]
        return _new_page(campaign, form, 400)
    with database.atomic():
        nomination = Nomination(campaign=campaign, unit=unit, created_by=current_user)
        _fill(nomination, form, attachment)
        if not _replayed(nomination):
            nomination.save()
            _record("nomination.add", nomination, after=nomination.as_dict())
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
    except evidence.Rejected as rejected:
        form.attachment.errors = [str(rejected)]
        return _new_page(campaign, form, 400, nomination=nomination)
    before = nomination.as_dict()
    _fill(nomination, form, attachment)
    nomination.state = "proposed"  # a returned proposal, corrected, goes back to the office
    with database.atomic():
        nomination.save_from(posted_version("version"), "kind", "name", "position", "workplace", "achievement", "award",
                             "nominee_key", "achievement_key", "attachment", "attachment_name", "attachment_type",
                             "state")
        _record("nomination.resend" if resent else "nomination.update", nomination, before=before,
                after=nomination.as_dict())
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
            _record("nomination.withdraw", nomination, before=before, after=nomination.as_dict())
    flash(f"Đã rút đề nghị khen thưởng cho “{nomination.name}”.", "info")
    return redirect(url_for("reports.page", _anchor="nominations"), 303)


@bp.errorhandler(Stale)
def stale(_):
    """A change based on an older copy of a proposal: the unit sees the proposal as saved now with what it typed;
    the office sees the list as it is now."""
    campaign = current_campaign()
    if current_user.role != "unit":
        flash("Đề nghị vừa được cập nhật nên chưa lưu thao tác của bạn. Danh sách dưới đây là bản mới nhất; "
              "hãy xem rồi làm lại.", "error")
        return render_template("nominations/index.html", **_list_context(campaign)), 409
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
    response = send_file(evidence.kept(nomination.attachment, nomination.attachment_type),
                         mimetype="application/pdf" if pdf else "image/jpeg", as_attachment=True,
                         download_name=evidence.served_name(nomination.attachment_name, nomination.attachment_type,
                                                            f"dinh-kem-{nomination.id}"))
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _list_context(campaign):
    nominations = list(Nomination.select(Nomination).where(Nomination.campaign == campaign)
                       .order_by(Nomination.state.in_(Nomination.CLOSED), Nomination.id))
    comments = {}
    for c in Comment.select(Comment.nomination, Comment.answer).join(Nomination).where(
            Nomination.campaign == campaign):
        counts = comments.setdefault(c.nomination_id, [0, 0])
        counts[0] += 1
        counts[1] += not c.answer
    publication = publication_of(campaign)
    my_votes = {v.nomination_id: v.agree for v in Vote.select(Vote.nomination, Vote.agree).join(Nomination).where(
        Nomination.campaign == campaign, Vote.user == current_user.id)} if current_user.role == "council" else {}
    return dict(campaign=campaign, nominations=nominations, duplicates=duplicates(campaign), my_votes=my_votes,
                tallies=tallies(nominations), comments=comments, publication=publication,
                proposed=sum(n.state == "proposed" for n in nominations), settled=settled(campaign),
                publish_refused=None if publication else unpublishable(campaign))


@bp.get("/awards")
@roles_required(*REVIEWERS)
def index():
    return render_template("nominations/index.html", **_list_context(current_campaign()))


def _detail(nomination, status=200, notice=None, message=None, **forms):
    """The proposal's page, or for htmx only its voting section (nominations/_voting.html)."""
    campaign = nomination.campaign
    my_vote = Vote.get_or_none(Vote.nomination == nomination, Vote.user == current_user.id)
    comments = list(Comment.select().where(Comment.nomination == nomination).order_by(Comment.id))
    answer_forms = {c.id: AnswerForm(prefix=f"c{c.id}") for c in comments if not c.answer}
    answer_forms.update(forms.get("answer_forms") or {})
    context = dict(
        campaign=campaign, n=nomination, tally=tallies([nomination])[nomination.id],
        votes=list(Vote.select().where(Vote.nomination == nomination).order_by(Vote.at)),
        comments=comments,
        same=duplicates(campaign).get(nomination.id, []), publication=publication_of(campaign),
        settled=settled(campaign), frozen=frozen(campaign),
        vote_form=forms.get("vote_form") or VoteForm(agree="1" if my_vote and my_vote.agree else
                                                     "0" if my_vote else None,
                                                     comment=my_vote.comment if my_vote else ""),
        comment_form=forms.get("comment_form") or CommentForm(),
        answer_forms=answer_forms, my_vote=my_vote,
    )
    return render("nominations/show.html", "nominations/_voting.html", status, notice=notice,
                  message=message, **context)


@bp.get("/nominations/<int:nomination_id>")
@roles_required(*REVIEWERS)
def show(nomination_id):
    return _detail(_nomination(nomination_id))


@bp.post("/nominations/<int:nomination_id>/merge")
@roles_required("office")
def merge(nomination_id):
    nomination = _nomination(nomination_id)
    target = Nomination.get_or_none(Nomination.id == posted_id("into"),
                                    Nomination.campaign == nomination.campaign)
    if not Form().validate_on_submit():
        abort(400)
    refuse(settled(nomination.campaign))
    if target is None or target.id == nomination.id or target.state in Nomination.CLOSED or nomination.state != "proposed":
        flash("Không gộp được: chỉ gộp một đề nghị đang chờ xét vào một đề nghị khác còn hiệu lực.", "error")
        return redirect(url_for("nominations.show", nomination_id=nomination.id), 303)
    with database.atomic():
        before = nomination.as_dict()
        nomination.state, nomination.merged_into = "merged", target
        nomination.save_from(nomination.version, "state", "merged_into")
        _record("nomination.merge", nomination, before=before, after=dict(nomination.as_dict(), into=target.id))
    flash(f"Đã gộp vào đề nghị số {target.id}.", "info")
    return redirect(url_for("nominations.show", nomination_id=target.id), 303)


@bp.post("/nominations/send")
@roles_required("office")
def send():
    campaign = current_campaign()
    if not Form().validate_on_submit():
        abort(400)
    refuse(settled(campaign))
    with database.atomic():
        waiting = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "proposed"))
        for nomination in waiting:
            before = nomination.as_dict()
            nomination.state = "sent"
            nomination.save_from(nomination.version, "state")
            _record("nomination.send", nomination, before=before, after=nomination.as_dict())
    flash(f"Đã gửi {len(waiting)} đề nghị tới Hội đồng Thi đua – Khen thưởng." if waiting
          else "Không còn đề nghị nào chờ gửi.", "info")
    return redirect(url_for("nominations.index"), 303)


@bp.post("/nominations/<int:nomination_id>/vote")
@roles_required("council")
def vote(nomination_id):
    nomination = _nomination(nomination_id)
    refuse(settled(nomination.campaign))
    form = VoteForm()
    if nomination.state != "sent":
        return _detail(nomination, 409, message="Đề nghị này không nằm trong thời gian bình xét.", vote_form=form)
    if not form.validate_on_submit():
        return _detail(nomination, 400, vote_form=form)
    absent = may_vote(nomination.campaign, current_user)
    if absent:
        return _detail(nomination, 409, message=absent, vote_form=form)
    from_list = request.form.get("from") == "list"
    with database.atomic():
        cast = Vote.get_or_none(Vote.nomination == nomination, Vote.user == current_user.id)
        # The list's vote buttons carry no comment: a vote changed there keeps the comment written before.
        agree, comment = form.agree.data == "1", (cast.comment if cast else "") if from_list else form.comment.data or ""
        before = {"agree": cast.agree, "comment": cast.comment} if cast else None
        if before != {"agree": agree, "comment": comment}:  # a replayed vote records nothing
            cast = cast or Vote(nomination=nomination, user=current_user.id)
            cast.agree, cast.comment, cast.at = agree, comment, clock.utc_now()
            cast.save()
            _record("vote.cast", nomination, **logged_vote(nomination, before, {"agree": agree, "comment": comment}))
        cast_for_meeting(nomination.campaign, cast)
    if from_list:
        flash(f"Đã ghi phiếu cho “{nomination.name}”.", "info")
        return redirect(url_for("nominations.index", _anchor=f"nomination-{nomination.id}"), 303)
    if wants_fragment():
        # The tally and the vote alone: one round trip for a member voting from a phone.
        return _detail(nomination, notice=f"Đã ghi phiếu bình xét lúc {clock.now():%H:%M}.")
    flash("Đã ghi phiếu bình xét.", "info")
    return redirect(url_for("nominations.show", nomination_id=nomination.id), 303)


@bp.post("/nominations/<int:nomination_id>/comments")
@roles_required("supervisor")
def comment(nomination_id):
    nomination = _nomination(nomination_id)
    refuse(settled(nomination.campaign))
    form = CommentForm()
    if not form.validate_on_submit():
        return _detail(nomination, 400, comment_form=form)
    with database.atomic():
        remark = Comment.get_or_none(nomination=nomination, user=current_user.id, text=form.text.data)
        if remark is None:  # else a replay: the comment is there already
            remark = Comment.create(nomination=nomination, user=current_user.id, text=form.text.data)
            _record("comment.add", nomination, subject=f"comment:{remark.id}", after={"text": remark.text})
    flash("Đã gửi ý kiến giám sát.", "info")
    return redirect(url_for("nominations.show", nomination_id=nomination.id, _anchor=f"comment-{remark.id}"), 303)


@bp.post("/comments/<int:comment_id>/answer")
@roles_required("office")
def answer(comment_id):
    remark = get_object_or_404(Comment, Comment.id == comment_id)
    nomination = _nomination(remark.nomination_id)
    refuse(frozen(nomination.campaign))
    form = AnswerForm(prefix=f"c{remark.id}")
    if not form.validate_on_submit():
        return _detail(nomination, 400, answer_forms={remark.id: form})
    with database.atomic():
        before = {"answer": remark.answer}
        remark.answer, remark.answered_by, remark.answered_at = form.answer.data, current_user.id, clock.utc_now()
        remark.save()
        _record("answer.add", nomination, subject=f"comment:{remark.id}", before=before,
                after={"answer": remark.answer})
    flash("Đã ghi câu trả lời.", "info")
    return redirect(url_for("nominations.show", nomination_id=nomination.id, _anchor=f"comment-{remark.id}"), 303)


def unpublishable(campaign) -> str | None:
    """Why the list cannot be posted yet: nobody's proposal may be left out of it."""
    reason = frozen(campaign) or still_filing(campaign)
    if reason:
        return reason
    waiting = Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "proposed").count()
    if waiting:
        return (f"Còn {waiting} đề nghị chưa gửi Hội đồng Thi đua – Khen thưởng; hãy gửi (hoặc gộp) trước khi "
                "công khai danh sách.")
    return None


@bp.post("/publication")
@roles_required("office")
def publish():
    """Closes the vote: nominations the council passed are approved and posted on /cong-khai, once no unit may
    file a proposal any more (so the comment window always ends after the filing deadline)."""
    campaign = current_campaign()
    if not Form().validate_on_submit():
        abort(400)
    if asking := unconfirmed("publication.open", url_for("nominations.index")):
        return asking
    with database.atomic():
        if publication_of(campaign):
            flash("Danh sách đã được công khai.", "info")
            return redirect(url_for("nominations.index"), 303)
        refuse(unpublishable(campaign))
        sent = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "sent"))
        if not sent:
            flash("Chưa có đề nghị nào được Hội đồng bình xét.", "error")
            return redirect(url_for("nominations.index"), 303)
        results = tallies(sent)
        for nomination in sent:
            nomination.state = "approved" if results[nomination.id].passes else "rejected"
            nomination.save()
        closes_on = clock.today() + dt.timedelta(days=current_app.config["PUBLIC_COMMENT_DAYS"])
        Publication.create(campaign=campaign, closes_on=closes_on, opened_by=current_user.id)
        Event.record("publication.open", current_user, campaign=campaign, subject=f"campaign:{campaign.id}",
                     after={"approved": [n.id for n in sent if n.state == "approved"],
                            "closes_on": closes_on.isoformat()})
    flash(f"Đã công khai danh sách; nhận ý kiến đến hết ngày {closes_on:%d/%m/%Y}.", "info")
    return redirect(url_for("nominations.index"), 303)


def _decision_page(campaign, publication, form, status=200):
    approved = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state == "approved")
                    .order_by(Nomination.id))
    form.awards.choices = [SelectChoice(n.id, f"{n.name} — {AWARDS[n.award]}") for n in approved]
    opinions = Opinion.select().where(Opinion.campaign == campaign).count()
    return render_template("nominations/decision.html", campaign=campaign, publication=publication, form=form,
                           approved=approved, opinions=opinions, window_open=comment_window_open(publication),
                           frozen=frozen(campaign)), status


@bp.route("/decision", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def decision():
    campaign = current_campaign()
    publication = publication_of(campaign)
    if publication is None:
        flash("Chưa công khai danh sách nên chưa thể ra quyết định.", "error")
        return redirect(url_for("nominations.index"), 303)
    if request.method == "GET":
        form = DecisionForm(signer=current_user.full_name if current_user.role == "leader" else "",
                            signed_on=clock.today())
        form.awards.data = [n.id for n in Nomination.select().where(
            Nomination.campaign == campaign, Nomination.state == "approved")]
        return _decision_page(campaign, publication, form)
    if current_user.role != "leader":
        abort(403)
    form = DecisionForm()
    _decision_page(campaign, publication, form)  # fills the choices the form validates against
    if publication.approved_at:  # a replay: the decision is made once
        flash("Quyết định đã được phê duyệt.", "info")
        return redirect(url_for("nominations.decision"), 303)
    refuse(frozen(campaign) or commenting(publication))
    if not form.validate_on_submit():
        return _decision_page(campaign, publication, form, 400)
    if asking := unconfirmed("decision.approve", url_for("nominations.decision")):
        return asking
    with database.atomic():
        publication.decision_number, publication.decision_date = form.number.data, form.signed_on.data
        publication.signer, publication.approved_by, publication.approved_at = form.signer.data, current_user.id, clock.utc_now()
        publication.save()
        Nomination.update(awarded=True).where(Nomination.id.in_(form.awards.data)).execute()
        Event.record("decision.approve", current_user, campaign=campaign, subject=f"campaign:{campaign.id}",
                     after={"number": publication.decision_number, "awards": form.awards.data,
                            "signed_on": publication.decision_date.isoformat(), "signer": publication.signer})
    flash(f"Đã phê duyệt Quyết định số {publication.decision_number}.", "info")
    return redirect(url_for("nominations.decision"), 303)


def init_app(app):
    app.register_blueprint(bp)
    app.jinja_env.globals.update(AWARDS=AWARDS, NOMINATION_STATES=NOMINATION_STATES, NOMINEE_KINDS=NOMINEE_KINDS)
