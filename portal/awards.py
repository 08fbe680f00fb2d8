"""The awards round's reckoning: proposals of one nominee, the council's tallies, when the list may be posted,
and whom the decision names."""
import math

from flask import current_app

from .filing import still_filing
from .guards import frozen
from .models import Campaign, Nomination, Publication, User, Vote


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


class Tally:
    """Votes on one nomination against the majority rule (more than VOTE_MAJORITY of the council)."""

    def __init__(self, votes, members: int, majority: float):
        self.agree = sum(1 for v in votes if v.agree)
        self.disagree = sum(1 for v in votes if not v.agree)
        self.members = members
        self.needed = math.floor(members * majority) + 1

    @property
    def passes(self) -> bool:
        return self.agree >= self.needed


def council_size() -> int:
    return User.select().where(User.role == "council", User.active == True).count()  # noqa: E712


def tallies(nominations) -> dict:
    votes = {}
    for vote in Vote.select().where(Vote.nomination.in_([n.id for n in nominations])):
        votes.setdefault(vote.nomination_id, []).append(vote)
    members, majority = council_size(), current_app.config["VOTE_MAJORITY"]
    return {n.id: Tally(votes.get(n.id, []), members, majority) for n in nominations}


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


def published():
    """The campaign whose list is posted most recently, and its publication."""
    publication = (Publication.select(Publication, Campaign).join(Campaign)
                   .order_by(Publication.opened_at.desc()).first())
    return (publication.campaign, publication) if publication else (None, None)
