"""The reviewers' desk for the proposals: the office merges duplicates and sends the list to the council, council
members vote, supervisors (MTTQ) comment and the office answers."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from . import clock
from .access import WATCHERS, current_campaign, roles_required
from .awards import cast_for_meeting, duplicates, logged_vote, may_vote, tallies, unpublishable
from .db import database
from .forms import Form, posted_id, required
from .guards import frozen, publication_of, refuse, settled
from .htmx import render, wants_fragment
from .models import Comment, Event, Nomination, Stale, Vote
from .text import clean

bp = Blueprint("review", __name__)


class VoteForm(Form):
    agree = RadioField("Ý kiến", choices=[SelectChoice("1", "Đồng ý"), SelectChoice("0", "Không đồng ý")],
                       validators=required("Chọn đồng ý hoặc không đồng ý."))
    comment = TextAreaField("Ý kiến thêm (không bắt buộc)", [Length(max=2000)], filters=[clean], render_kw={"rows": 2})


class CommentForm(Form):
    text = TextAreaField("Ý kiến giám sát", required("Nhập nội dung ý kiến.") + [Length(max=4000)], filters=[clean],
                         render_kw={"rows": 3})


class AnswerForm(Form):
    answer = TextAreaField("Trả lời", required("Nhập nội dung trả lời.") + [Length(max=4000)], filters=[clean],
                           render_kw={"rows": 2})



def _nomination(nomination_id, campaign=None) -> Nomination:
    return get_object_or_404(Nomination, Nomination.id == nomination_id,
                             Nomination.campaign == (campaign or current_campaign()))


def _open_nomination(nomination_id) -> Nomination:
    """The current campaign's proposal `nomination_id`, while proposals still take votes and comments."""
    nomination = _nomination(nomination_id)
    refuse(settled(nomination.campaign))
    return nomination


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
@roles_required(*WATCHERS)
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
@roles_required(*WATCHERS)
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
        return redirect(url_for("review.show", nomination_id=nomination.id), 303)
    with database.atomic():
        before = nomination.as_dict()
        nomination.state, nomination.merged_into = "merged", target
        nomination.save_from(nomination.version, "state", "merged_into")
        Event.record("nomination.merge", current_user, subject=nomination, before=before, after=dict(nomination.as_dict(), into=target.id))
    flash(f"Đã gộp vào đề nghị số {target.id}.", "info")
    return redirect(url_for("review.show", nomination_id=target.id), 303)


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
            Event.record("nomination.send", current_user, subject=nomination, before=before, after=nomination.as_dict())
    flash(f"Đã gửi {len(waiting)} đề nghị tới Hội đồng Thi đua – Khen thưởng." if waiting
          else "Không còn đề nghị nào chờ gửi.", "info")
    return redirect(url_for("review.index"), 303)


@bp.post("/nominations/<int:nomination_id>/vote")
@roles_required("council")
def vote(nomination_id):
    nomination = _open_nomination(nomination_id)
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
            Event.record("vote.cast", current_user, subject=nomination,
                         **logged_vote(nomination, before, {"agree": agree, "comment": comment}))
        cast_for_meeting(nomination.campaign, cast)
    if from_list:
        flash(f"Đã ghi phiếu cho “{nomination.name}”.", "info")
        return redirect(url_for("review.index", _anchor=f"nomination-{nomination.id}"), 303)
    if wants_fragment():
        # The tally and the vote alone: one round trip for a member voting from a phone.
        return _detail(nomination, notice=f"Đã ghi phiếu bình xét lúc {clock.now():%H:%M}.")
    flash("Đã ghi phiếu bình xét.", "info")
    return redirect(url_for("review.show", nomination_id=nomination.id), 303)


@bp.post("/nominations/<int:nomination_id>/comments")
@roles_required("supervisor")
def comment(nomination_id):
    nomination = _open_nomination(nomination_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return _detail(nomination, 400, comment_form=form)
    with database.atomic():
        remark = Comment.get_or_none(nomination=nomination, user=current_user.id, text=form.text.data)
        if remark is None:  # else a replay: the comment is there already
            remark = Comment.create(nomination=nomination, user=current_user.id, text=form.text.data)
            Event.record("comment.add", current_user, subject=remark, after={"text": remark.text})
    flash("Đã gửi ý kiến giám sát.", "info")
    return redirect(url_for("review.show", nomination_id=nomination.id, _anchor=f"comment-{remark.id}"), 303)


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
        Event.record("answer.add", current_user, subject=remark, before=before,
                after={"answer": remark.answer})
    flash("Đã ghi câu trả lời.", "info")
    return redirect(url_for("review.show", nomination_id=nomination.id, _anchor=f"comment-{remark.id}"), 303)


@bp.errorhandler(Stale)
def stale(_):
    """A change based on an older copy of a proposal: the list as it is now."""
    flash("Đề nghị vừa được cập nhật nên chưa lưu thao tác của bạn. Danh sách dưới đây là bản mới nhất; "
          "hãy xem rồi làm lại.", "error")
    return render_template("nominations/index.html", **_list_context(current_campaign())), 409


def init_app(app):
    app.register_blueprint(bp)
