"""The awards round: each unit's sơ kết report, proposals, the council's votes, the supervisors' comments,
the posted list with the public's opinions, and the decision."""
import json

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utc_now
from ..db import BaseModel
from ..text import clean_name
from .base import Versioned
from .people import Unit, User
from .structure import Campaign

REPORT_STATES = {"draft": "Bản nháp", "submitted": "Đã gửi", "returned": "Bị trả lại", "accepted": "Đã tiếp nhận"}
AWARDS = {
    "giay-khen": "Giấy khen của Chủ tịch UBND xã",
    "lao-dong-tien-tien": "Lao động tiên tiến",
    "cap-tren": "Đề nghị cấp trên khen thưởng",
    "gia-dinh-van-hoa": "Gia đình văn hóa",
}
NOMINEE_KINDS = {"collective": "Tập thể", "individual": "Cá nhân", "household": "Hộ gia đình"}
NOMINATION_STATES = {
    "proposed": "Chờ Phòng VH-XH xét", "withdrawn": "Đơn vị đã rút", "merged": "Đã gộp", "sent": "Đang trình Hội đồng",
    "approved": "Hội đồng thông qua", "rejected": "Hội đồng không thông qua", "returned": "Bị trả lại",
}


def fold(text: str) -> str:
    """The form two spellings of one name share: NFC, case-folded, single spaces, nothing invisible."""
    return " ".join(clean_name(text).casefold().split())


class Report(Versioned):
    """A unit's sơ kết for a campaign; `results` holds the text per area id as JSON."""

    campaign = ForeignKeyField(Campaign, backref="reports", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="reports", on_delete="CASCADE")
    state = CharField(default="draft")
    results = TextField(default="{}")
    highlights = TextField(default="")  # notable models and good practices
    difficulties = TextField(default="")
    proposals = TextField(default="")
    office_comment = TextField(default="")
    reopened = BooleanField(default=False)  # the office let this unit file after the deadline
    late = BooleanField(default=False)
    submitted_at = DateTimeField(null=True)
    version = IntegerField(default=0)

    class Meta:
        indexes = ((("campaign", "unit"), True),)

    @property
    def result_texts(self) -> dict:
        return {int(k): v for k, v in json.loads(self.results or "{}").items()}

    def as_dict(self):
        return {"state": self.state, "version": self.version, "late": self.late, "reopened": self.reopened}


class Nomination(Versioned):
    """A proposal for a reward: one collective or one person, proposed by a unit."""

    campaign = ForeignKeyField(Campaign, backref="nominations", on_delete="CASCADE")
    unit = ForeignKeyField(Unit, backref="nominations", on_delete="CASCADE")  # the unit that proposes
    kind = CharField(default="individual")
    name = CharField()
    position = CharField(default="")
    workplace = CharField(default="")  # the nominee's unit, as written
    achievement = TextField()
    award = CharField()
    nominee_key = CharField(index=True)
    achievement_key = TextField(default="")
    state = CharField(default="proposed", index=True)
    merged_into = ForeignKeyField("self", null=True, backref="merged", on_delete="SET NULL")
    CLOSED = ("merged", "withdrawn")  # states that no longer count as a proposal
    attachment = CharField(default="")  # sha256 of the file in the evidence store (instance/evidence/)
    attachment_name = CharField(default="")
    attachment_type = CharField(default="")
    awarded = BooleanField(default=False)
    version = IntegerField(default=0)  # the unit edits a proposal only from the copy it last saw
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=utc_now)

    def fill_keys(self):
        self.nominee_key = f"{fold(self.name)}|{fold(self.workplace)}"
        self.achievement_key = fold(self.achievement)

    def save(self, *args, **kwargs):
        self.fill_keys()
        return super().save(*args, **kwargs)

    def as_dict(self):
        return {"name": self.name, "award": self.award, "state": self.state, "awarded": self.awarded}


class Vote(BaseModel):
    nomination = ForeignKeyField(Nomination, backref="votes", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    agree = BooleanField()
    comment = TextField(default="")
    at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("nomination", "user"), True),)


class Comment(BaseModel):
    """A supervisor's comment on a nomination, and the office's answer to it."""

    nomination = ForeignKeyField(Nomination, backref="comments", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="CASCADE")
    text = TextField()
    at = DateTimeField(default=utc_now)
    answer = TextField(default="")
    answered_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    answered_at = DateTimeField(null=True)

    def event_scope(self):
        return self.nomination.event_scope()


class Publication(BaseModel):
    """The council-approved list posted on /cong-khai, and the decision once the leader approves it."""

    campaign = ForeignKeyField(Campaign, unique=True, on_delete="CASCADE")
    opened_at = DateTimeField(default=utc_now)
    closes_on = DateField()  # last day of the comment window
    opened_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    decision_number = CharField(default="")
    decision_date = DateField(null=True)
    signer = CharField(default="")
    approved_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    approved_at = DateTimeField(null=True)


class Opinion(BaseModel):
    """What anyone sent about the published list; the name is optional."""

    campaign = ForeignKeyField(Campaign, backref="opinions", on_delete="CASCADE")
    name = CharField(default="")
    text = TextField()
    at = DateTimeField(default=utc_now)
    SNAPSHOT = ("name", "text")
