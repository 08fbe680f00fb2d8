"""Models of registration (đăng ký thi đua) and scoring (chấm điểm): kept apart from models.py so each grows alone.
`portal.models` re-exports them, so `from portal.models import Registration` works as for every other model."""
import datetime as dt
import json

from peewee import BooleanField, CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from .clock import utc_now
from .db import BaseModel
from .models import Area, Campaign, Evidence, Task, Unit, User, Versioned

REGISTRATION_STATES = {"draft": "Chưa gửi", "sent": "Chờ duyệt", "returned": "Trả lại", "accepted": "Đã duyệt"}
# What a unit aims for as a collective; the keys are the award keys of a proposal, so one can be checked
# against the other.
COLLECTIVE_TITLES = {
    "lao-dong-tien-tien": "Tập thể lao động tiên tiến",
    "giay-khen": "Giấy khen của Chủ tịch UBND xã",
    "cap-tren": "Đề nghị cấp trên khen thưởng",
}
GRADES = {"excellent": "Xuất sắc", "good": "Tốt", "fair": "Khá", "failing": "Chưa đạt"}


class Scheme(Versioned):
    """A campaign's rules for registration and scoring. No row means the defaults: registration until the
    campaign's 7th day, no points."""

    campaign = ForeignKeyField(Campaign, unique=True, on_delete="CASCADE")
    registration_due_on = DateField(null=True)
    doing_share = IntegerField(default=50)  # percent of a task's points that "Đang làm" earns
    excellent = IntegerField(default=90)
    good = IntegerField(default=75)
    fair = IntegerField(default=50)
    version = IntegerField(default=0)

    @classmethod
    def of(cls, campaign) -> "Scheme":
        return cls.get_or_none(cls.campaign == campaign) or cls(campaign=campaign)

    @property
    def registration_due(self) -> dt.date:
        return self.registration_due_on or self.campaign.starts_on + dt.timedelta(days=6)

    def as_dict(self):
        return {"registration_due_on": self.registration_due.isoformat(), "doing_share": self.doing_share,
                "excellent": self.excellent, "good": self.good, "fair": self.fair}


class TaskPoints(BaseModel):
    task = ForeignKeyField(Task, unique=True, on_delete="CASCADE")
    points = IntegerField()

    class Meta:
        table_name = "task_points"


class AreaPoints(BaseModel):
    """The most a content area counts for; without it, the sum of its tasks' points."""

    area = ForeignKeyField(Area, unique=True, on_delete="CASCADE")
    max_points = IntegerField()

    class Meta:
        table_name = "area_points"


class Criterion(BaseModel):
    """A bonus (points > 0, the unit may claim it) or a deduction (points < 0, the office applies it)."""

    campaign = ForeignKeyField(Campaign, backref="criteria", on_delete="CASCADE")
    title = TextField()
    points = IntegerField()
    position = IntegerField(default=0)


class Claim(Versioned):
    """A unit's claim of a bonus criterion, with its note."""

    criterion = ForeignKeyField(Criterion, on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    claimed = BooleanField(default=False)
    note = TextField(default="")
    version = IntegerField(default=0)

    class Meta:
        indexes = ((("criterion", "unit"), True),)

    def as_dict(self):
        return {"claimed": self.claimed, "note": self.note}


class ClaimEvidence(BaseModel):
    """A photo or PDF a unit attaches to its claim of a bonus criterion; the file lives in the evidence store
    (store.py) by its sha256, once per claim (a retried upload adds nothing)."""

    criterion = ForeignKeyField(Criterion, on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    kind = CharField()  # image | pdf
    sha256 = CharField()
    size = IntegerField()
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    name = CharField(default="")  # the file name on the uploader's phone, shown only
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = DateTimeField(default=utc_now)

    THUMB = Evidence.THUMB

    class Meta:
        table_name = "claimevidence"
        indexes = ((("criterion", "unit", "sha256"), True),)

    @classmethod
    def of(cls, unit) -> dict:
        """Criterion id -> the files `unit` attached to its claim, oldest first."""
        found = {}
        for row in cls.select().where(cls.unit == unit).order_by(cls.id):
            found.setdefault(row.criterion_id, []).append(row)
        return found

    @property
    def thumb_size(self) -> tuple[int, int]:
        return Evidence.thumb_size.fget(self)

    @property
    def label(self) -> str:
        """What the file is called to the unit: its name on the phone, else what it is."""
        return self.name or ("ảnh" if self.kind == "image" else "tệp PDF")

    def as_dict(self):
        return {"file": self.id, "kind": self.kind, "name": self.name, "size": self.size}


class Adjustment(Versioned):
    """The office's value for one line of a unit's score ("task:<id>" or "criterion:<id>"), and why."""

    campaign = ForeignKeyField(Campaign, on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    line = CharField()
    points = IntegerField()
    reason = TextField()
    by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    at = DateTimeField(default=utc_now)
    version = IntegerField(default=0)

    class Meta:
        indexes = ((("campaign", "unit", "line"), True),)


class Registration(Versioned):
    """What a unit aims for in a campaign: collective titles, how many people it will propose for each award,
    and its commitments (each tied to a content area or to none)."""

    campaign = ForeignKeyField(Campaign, on_delete="CASCADE")
    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    state = CharField(default="draft")
    titles = TextField(default="[]")  # COLLECTIVE_TITLES keys
    counts = TextField(default="{}")  # AWARDS key -> people
    commitments = TextField(default="[]")  # [{"area": id or null, "text": ...}]
    office_comment = TextField(default="")
    sent_at = DateTimeField(null=True)
    version = IntegerField(default=0)

    class Meta:
        indexes = ((("campaign", "unit"), True),)

    @property
    def title_list(self) -> list:
        return json.loads(self.titles)

    @property
    def count_map(self) -> dict:
        return json.loads(self.counts)

    @property
    def commitment_list(self) -> list:
        return json.loads(self.commitments)

    @classmethod
    def states_of(cls, campaign) -> dict:
        """Unit id -> the state of its registration in `campaign`, for the board."""
        return dict(cls.select(cls.unit, cls.state).where(cls.campaign == campaign).tuples())

    def as_dict(self):
        return {"state": self.state, "titles": self.title_list, "counts": self.count_map,
                "commitments": len(self.commitment_list)}


__all__ = ["REGISTRATION_STATES", "COLLECTIVE_TITLES", "GRADES", "Scheme", "TaskPoints", "AreaPoints",
           "Criterion", "Claim", "ClaimEvidence", "Adjustment", "Registration"]
EMULATION_MODELS = [Scheme, TaskPoints, AreaPoints, Criterion, Claim, ClaimEvidence, Adjustment, Registration]
