"""What units do: a state on each task, and the evidence attached to it."""
import datetime as dt
from typing import NamedTuple

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField

from ..clock import utc_now
from ..db import BaseModel, Slot, joined, rows, run
from .base import Stale, Versioned
from .events import Event
from .people import Unit, User
from .structure import Campaign, Task
from .totals import UnitTotal

STATES = {"todo": "Chưa làm", "doing": "Đang làm", "done": "Hoàn thành", "na": "Không áp dụng"}


class Shown(NamedTuple):
    """A check as the pages show it."""
    state: str = "todo"
    note: str = ""
    version: int = 0
    updated_at: dt.datetime | None = None


BLANK = Shown()


class Check(Versioned):
    """A unit's state on a task. No row yet means "todo" at version 0."""

    unit = ForeignKeyField(Unit, backref="checks", on_delete="CASCADE")
    task = ForeignKeyField(Task, backref="checks", on_delete="CASCADE")
    state = CharField(default="todo")
    note = TextField(default="")
    version = IntegerField(default=0)
    updated_at = DateTimeField(null=True)
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        indexes = ((("unit", "task"), True),)

    @classmethod
    def of(cls, unit, task):
        """The unit's check on `task`, or a blank one ("todo" at version 0)."""
        found = rows(cls, "check.of", lambda: cls.select().where(cls.unit == Slot("unit"), cls.task == Slot("task")),
                     unit=unit.id, task=task.id)
        return found[0] if found else cls(unit=unit, task=task)

    @classmethod
    def states_of(cls, unit) -> dict:
        """Task id -> state of every check `unit` has, whichever campaign the task is in."""
        return dict(cls.select(cls.task, cls.state).where(cls.unit == unit).tuples())

    @classmethod
    def for_unit(cls, unit, tasks) -> dict:
        """What `unit` shows on each task (a `Shown`, blank for a task not yet touched), keyed by task id. Every
        tick and every live update of a checklist reads them: one statement built once, by unit only (peewee
        spent longer building a list of 40 task ids into SQL than the database spent on it), read as rows, not
        models (forty models cost a tick's answer more than the statement, which draws one row)."""
        at = cls.updated_at.python_value
        found = {task: Shown(state, note, version, at(updated)) for task, state, note, version, updated in run(
            "check.for_unit", lambda: cls.select(cls.task, cls.state, cls.note, cls.version, cls.updated_at).where(
                cls.unit == Slot("unit")), unit=unit.id)}
        return {t.id: found.get(t.id, BLANK) for t in tasks}

    def as_dict(self):
        return {"state": self.state, "note": self.note, "version": self.version}


def set_check(unit: Unit, task: Task, state: str, note: str, version: int, user: User, campaign: Campaign):
    """Sets a unit's state on a task, idempotently.

    `version` is what the user saw. A stale version is Stale unless the saved state
    already equals the request, which makes a retried request harmless.
    Returns (check, changed).
    """
    # Read outside the write transaction: the conditional write alone decides whether this copy is current.
    check = Check.of(unit, task)
    if check.state == state and check.note == note:
        return check, False
    try:
        if check.version != version:
            raise Stale
        before = check.as_dict()
        check.state, check.note = state, note
        check.updated_at, check.updated_by = utc_now(), user
        with joined():
            check.save_from(version, "state", "note", "updated_at", "updated_by")
            UnitTotal.move(campaign, unit, task, before["state"], state)
            Event.record("check.set", user, campaign=campaign, unit=unit, subject=task,
                         before=before, after=check.as_dict())
        return check, True
    except Stale:
        # A retry that raced the request it repeats finds its own state saved: harmless.
        current = Check.of(unit, task)
        if current.state == state and current.note == note:
            return current, False
        raise


class Evidence(BaseModel):
    """A photo or PDF a unit attached to one of its checks; the file lives under EVIDENCE_DIR by its sha256."""

    unit = ForeignKeyField(Unit, backref="evidence", on_delete="CASCADE")
    task = ForeignKeyField(Task, backref="evidence", on_delete="CASCADE")
    kind = CharField()  # image | pdf
    sha256 = CharField(index=True)
    size = IntegerField()
    width = IntegerField(null=True)
    height = IntegerField(null=True)
    name = CharField(default="")  # the file name on the uploader's phone, shown only, never a path
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    uploaded_at = DateTimeField(default=utc_now)
    removed = BooleanField(default=False)

    THUMB = 240

    class Meta:
        indexes = ((("unit", "task"), False),)

    @classmethod
    def for_unit(cls, unit, tasks) -> dict:
        """The evidence shown on each task of `unit`, oldest first, keyed by task id."""
        wanted, found = {t.id for t in tasks}, {}
        for row in rows(cls, "evidence.for_unit", lambda: cls.select().where(
                cls.unit == Slot("unit"), cls.removed == False).order_by(cls.id), unit=unit.id):  # noqa: E712
            if row.task_id in wanted:
                found.setdefault(row.task_id, []).append(row)
        return found

    @property
    def thumb_size(self) -> tuple[int, int]:
        scale = min(1, self.THUMB / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def as_dict(self):
        return {"evidence": self.id, "kind": self.kind, "name": self.name, "size": self.size, "removed": self.removed}


class ClientWrite(BaseModel):
    """A write a phone sent under its own id (the offline outbox): the unique key makes a resend a no-op."""

    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    client_id = CharField(max_length=40)
    kind = CharField()  # check | evidence | report | nomination
    ref = IntegerField(null=True)  # what the write made (a nomination's id), for the answer to a resend
    at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("unit", "client_id"), True),)
