"""The awards round's reckoning. How the council's votes decide: the quorum of its meeting, and each award form's
threshold, base and secrecy; the one rule function every tally (pages, publication, documents) goes through. And
proposals of one nominee, when the list may be posted, whom the decision names."""
import math
from dataclasses import dataclass
from fractions import Fraction

from flask import current_app

from .filing import still_filing
from .guards import frozen
from .models import (
    AWARDS, BASES, AwardRule, Campaign, Meeting, Nomination, NominationReturn, Publication, User, Vote, VoteMeeting,
)


def share(text: str) -> Fraction:
    """"2/3", "0,5" or "50%" as an exact share, so that two thirds of 9 is 6, not 5.99… (a share stored as a float,
    0.6666…, is read back as the fraction it stood for)."""
    text = str(text).strip().replace(",", ".")
    value = Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)
    return value.limit_denominator(1000)


def percent(value) -> str:
    """0.5 → "50%", 2/3 → "66,67%" (a Vietnamese decimal comma)."""
    return f"{round(float(value) * 100, 2):g}%".replace(".", ",")

UNIT_EDITS = ("proposed", "returned")  # a unit corrects its proposal before the office takes it up, or once returned


def last_return(nomination) -> NominationReturn | None:
    """The office's latest return of `nomination`: the reason the unit reads while correcting it."""
    return nomination.returns.order_by(NominationReturn.id.desc()).first()


@dataclass
class Rule:
    award: str
    threshold: Fraction  # passes with more than this share of the base agreeing
    base: str  # BASES
    secret: bool


def default_rule(award: str) -> Rule:
    config = current_app.config
    threshold = config["AWARD_THRESHOLDS"].get(award, config["VOTE_MAJORITY"])
    return Rule(award, share(threshold), config["VOTE_BASE"], False)


def rules(commune_id: int) -> dict[str, Rule]:
    """Every award form's rule in the commune: as its office set it, or the configuration's default."""
    saved = {r.award: r for r in AwardRule.select().where(AwardRule.unit == commune_id)}
    found = {}
    for award in AWARDS:
        row = saved.get(award)
        found[award] = (Rule(award, share(row.threshold), row.base, row.secret) if row else default_rule(award))
    return found


def council_size(campaign) -> int:
    """The active members of the council of the campaign's commune."""
    return User.select().where(User.role == "council", User.unit == campaign.unit_id,
                               User.active == True).count()  # noqa: E712


def meeting_of(campaign) -> Meeting | None:
    return Meeting.get_or_none(Meeting.campaign == campaign)


def quorum_needed(members: int) -> int:
    """At least PORTAL_QUORUM (two thirds) of the council at the table."""
    return math.ceil(members * share(current_app.config["QUORUM"]))


@dataclass
class Tally:
    """Votes on one nomination against its award form's rule and the meeting's quorum."""

    agree: int
    disagree: int
    members: int
    present: int | None  # members at the meeting; None before the meeting is recorded
    quorum: int
    rule: Rule

    @property
    def base_count(self) -> int:
        return self.present if self.rule.base == "present" and self.present is not None else self.members

    @property
    def needed(self) -> int:
        return math.floor(self.base_count * self.rule.threshold) + 1

    @property
    def has_quorum(self) -> bool:
        return self.present is None or self.present >= self.quorum

    @property
    def passes(self) -> bool:
        return self.has_quorum and self.agree >= self.needed

    @property
    def secret(self) -> bool:
        return self.rule.secret

    @property
    def result(self) -> str:
        return "không đủ số thành viên dự họp" if not self.has_quorum else "đạt" if self.passes else "không đạt"

    @property
    def explained(self) -> str:
        """The rule as applied, in words: what the tally shows and the minutes print."""
        words = (f"{AWARDS.get(self.rule.award, self.rule.award)}: cần trên {percent(self.rule.threshold)} "
                 f"{BASES[self.rule.base]} ({self.needed}/{self.base_count} phiếu đồng ý)")
        if self.present is None:
            words += "; chưa ghi cuộc họp xét"
        else:
            words += f"; dự họp {self.present}/{self.members} thành viên, cần ít nhất {self.quorum}"
        return words + ("; bỏ phiếu kín" if self.secret else "") + "."


def counted_votes(nominations, meeting) -> dict[int, list[Vote]]:
    """The votes that count, by nomination: once a meeting is recorded, those cast for it by the members who
    attended or answered in writing."""
    query = Vote.select().where(Vote.nomination.in_([n.id for n in nominations]))
    if meeting is not None:
        query = (query.join(VoteMeeting, on=(VoteMeeting.vote == Vote.id))
                 .where(VoteMeeting.meeting == meeting,
                        Vote.user.in_(meeting.present_ids + meeting.in_writing_ids)))
    votes = {}
    for vote in query.order_by(Vote.at, Vote.id):
        votes.setdefault(vote.nomination_id, []).append(vote)
    return votes


def tallies(nominations: list[Nomination]) -> dict:
    """Each nomination's Tally, keyed by id (nominations of one campaign)."""
    if not nominations:
        return {}
    campaign = nominations[0].campaign
    meeting = meeting_of(campaign)
    votes = counted_votes(nominations, meeting)
    members, by_award = council_size(campaign), rules(campaign.unit_id)
    present = len(meeting.present_ids) if meeting else None
    quorum = quorum_needed(members)
    found = {}
    for n in nominations:
        cast = votes.get(n.id, [])
        found[n.id] = Tally(sum(v.agree for v in cast), sum(not v.agree for v in cast), members, present, quorum,
                            by_award.get(n.award) or default_rule(n.award))
    return found


def may_vote(campaign, user) -> str | None:
    """Why `user` cannot vote now: once the meeting is recorded, only its attendees and those who answered in
    writing vote."""
    meeting = meeting_of(campaign)
    if meeting and user.id not in meeting.present_ids + meeting.in_writing_ids:
        return ("Bạn không có tên trong danh sách dự họp hoặc gửi phiếu bằng văn bản của cuộc họp xét "
                f"ngày {meeting.held_on:%d/%m/%Y}; liên hệ Phòng Văn hóa – Xã hội.")
    return None


def cast_for_meeting(campaign, vote) -> None:
    """Ties a saved vote to the campaign's meeting, if one is recorded."""
    meeting = meeting_of(campaign)
    if meeting and not VoteMeeting.select().where(VoteMeeting.vote == vote).exists():
        VoteMeeting.create(vote=vote, meeting=meeting)


def voters_shown(tally) -> bool:
    """A secret ballot shows the counts only, never who voted how."""
    return not tally.secret


def logged_vote(nomination, before, after) -> dict:
    """What the log keeps of a vote: under a secret ballot, that a vote was cast, never which way."""
    if rules(nomination.campaign.unit_id)[nomination.award].secret if nomination.award in AWARDS else False:
        return {"before": None, "after": {"secret": True}}
    return {"before": before, "after": after}


def duplicates(campaign: Campaign) -> dict:
    """Nomination id -> other proposals of the same nominee for the same achievement: in this campaign
    any other proposal of that nominee; in an earlier campaign one whose achievement reads the same."""
    mine = list(Nomination.select().where(Nomination.campaign == campaign, Nomination.state.not_in(Nomination.CLOSED)))
    if not mine:
        return {}
    others = list(Nomination.select(Nomination, Campaign).join(Campaign).where(
        Nomination.nominee_key.in_({n.nominee_key for n in mine}), Nomination.state.not_in(Nomination.CLOSED),
        Campaign.unit == campaign.unit_id,
        (Nomination.campaign == campaign) | (Campaign.starts_on < campaign.starts_on)))
    found = {}
    for n in mine:
        same = [o for o in others if o.id != n.id and o.nominee_key == n.nominee_key
                and (o.campaign_id == campaign.id or o.achievement_key == n.achievement_key)]
        if same:
            found[n.id] = same
    return found


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


def decision_nominations(campaign, publication) -> list:
    """Who the decision names: as approved, or else the list the council passed. None before the list is
    published; a decision naming nobody is never offered."""
    if publication is None:
        return []
    query = Nomination.select().where(Nomination.campaign == campaign).order_by(Nomination.kind, Nomination.id)
    if publication.approved_at:
        return list(query.where(Nomination.awarded == True))  # noqa: E712
    return list(query.where(Nomination.state == "approved"))


def published(commune):
    """The commune's campaign whose list is posted most recently, and its publication."""
    publication = (Publication.select(Publication, Campaign).join(Campaign).where(Campaign.unit == commune)
                   .order_by(Publication.opened_at.desc()).first())
    return (publication.campaign, publication) if publication else (None, None)
