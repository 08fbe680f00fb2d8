"""The council's meeting and the rule each award form is voted by (portal/awards.py, portal/meetings.py)."""
import json

from peewee import BooleanField, CharField, DateField, DateTimeField, FloatField, ForeignKeyField, IntegerField, TextField

from ..clock import utc_now
from ..db import BaseModel
from .base import Versioned
from .people import Unit, User
from .round import Nomination, Vote
from .structure import Campaign

BASES = {"members": "tổng số thành viên Hội đồng", "present": "số thành viên dự họp"}


class Meeting(Versioned):
    """The council's meeting (họp xét) of a campaign: who attended, and who, absent, answered in writing.
    Votes are cast for it; the tally counts only theirs."""

    campaign = ForeignKeyField(Campaign, unique=True, on_delete="CASCADE")
    held_on = DateField()
    place = CharField()
    chair = ForeignKeyField(User, on_delete="RESTRICT")
    secretary = ForeignKeyField(User, on_delete="RESTRICT")
    present = TextField(default="[]")  # ids of the council members at the table, as JSON
    in_writing = TextField(default="[]")  # ids of absent members who sent their votes in writing
    version = IntegerField(default=0)

    @property
    def present_ids(self) -> list[int]:
        return json.loads(self.present)

    @property
    def in_writing_ids(self) -> list[int]:
        return json.loads(self.in_writing)

    def as_dict(self):
        return {"held_on": self.held_on.isoformat(), "place": self.place, "chair": self.chair_id,
                "secretary": self.secretary_id, "present": self.present_ids, "in_writing": self.in_writing_ids}


class AwardRule(BaseModel):
    """How a commune's council votes on one award form, as its office set it; a form without a row follows the
    configuration (PORTAL_VOTE_MAJORITY, PORTAL_VOTE_BASE)."""

    unit = ForeignKeyField(Unit, backref="award_rules", on_delete="CASCADE")  # the commune
    award = CharField()
    threshold = FloatField()  # passes with more than this share of the base agreeing
    base = CharField(default="members")  # BASES
    secret = BooleanField(default=False)  # counts shown, voters' names hidden everywhere

    class Meta:
        indexes = ((("unit", "award"), True),)


class VoteMeeting(BaseModel):
    """Which meeting a vote was cast for (a vote without a row was cast before any meeting was recorded)."""

    vote = ForeignKeyField(Vote, unique=True, on_delete="CASCADE")
    meeting = ForeignKeyField(Meeting, on_delete="CASCADE")

    class Meta:
        table_name = "vote_meeting"


class NominationReturn(BaseModel):
    """The office sent a proposal back to its unit, with the reason the unit reads."""

    nomination = ForeignKeyField(Nomination, backref="returns", on_delete="CASCADE")
    reason = TextField()
    version = IntegerField()  # the version of the proposal that was returned
    at = DateTimeField(default=utc_now)
    by = ForeignKeyField(User, null=True, on_delete="SET NULL")

