"""A campaign and its structure: content areas, each with its tasks."""
import copy

from peewee import BooleanField, CharField, DateField, ForeignKeyField, IntegerField, TextField

from ..db import BaseModel, Slot, rows
from .base import Versioned
from .people import Unit


class Campaign(Versioned):
    unit = ForeignKeyField(Unit, backref="campaigns", on_delete="RESTRICT")
    title = TextField()
    theme = TextField(default="")
    starts_on = DateField()
    ends_on = DateField()
    report_due_on = DateField()
    status = CharField(default="active", index=True)  # draft | active | closed | archived
    revision = IntegerField(default=0)  # bumped by every saved or deleted area and task
    # The province's campaign this commune's one was launched from; the commune owns its copy.
    origin = ForeignKeyField("self", null=True, backref="copies", on_delete="SET NULL")
    VERSION = "revision"
    SNAPSHOT = ("title", "theme", "starts_on", "ends_on", "report_due_on", "status")

    # campaign id -> (revision, areas): this worker's copy of each campaign's structure. A tick
    # needs the whole structure for its scores, and reading it again costs more than the tick.
    _structure = {}

    @classmethod
    def current(cls, commune):
        """The commune's active campaign, or None. The signed-in user's own commune comes with it already
        (`running`, read with the session by User.by_session)."""
        if "running" in commune.__dict__:
            return commune.running
        found = rows(cls, "campaign.current", lambda: cls.select()
                     .where(cls.status == "active", cls.unit == Slot("unit"))
                     .order_by(cls.starts_on.desc(), cls.id.desc()).limit(1), unit=commune.id)
        return found[0] if found else None

    @classmethod
    def last_ended(cls, commune):
        """The commune's campaign that ended last, or None."""
        return (cls.select().where(cls.unit == commune, cls.status.in_(("closed", "archived")))
                .order_by(cls.ends_on.desc(), cls.id.desc()).first())

    @classmethod
    def forget(cls, campaign_id: int) -> None:
        """Drops this worker's copy of the campaign's structure; other workers learn of a change by the revision
        the editor's `claim` moved on."""
        cls._structure.pop(campaign_id, None)

    def claim(self, seen: int | None) -> None:
        """Moves the revision on from `seen`, the one an editor's form was based on, once for the whole edit (the
        one write that tells every worker the structure changed); Stale when somebody else's edit moved it first."""
        Campaign.forget(self.id)
        self.save_from(seen)

    def areas_with_tasks(self):
        """Areas in order, each with `.task_list`, from this worker's copy while the revision holds.

        The areas are copies and their lists new, so a caller may narrow them; the tasks are shared
        and read-only."""
        cached = self._structure.get(self.id)
        if cached is None or cached[0] != self.revision:
            # The revision was read before the structure, so a copy can only be newer than its key.
            cached = self._structure[self.id] = (self.revision, self._read_structure())
        areas = []
        for area in cached[1]:
            area = copy.copy(area)
            area.task_list = list(area.task_list)
            areas.append(area)
        return areas

    def task(self, task_id: int):
        """The campaign's task `task_id` (archived tasks are not in it), or None."""
        return next((t for a in self.areas_with_tasks() for t in a.task_list if t.id == task_id), None)

    def _read_structure(self):
        areas = list(Area.select().where(Area.campaign == self, Area.archived == False)  # noqa: E712
                     .order_by(Area.position, Area.id))
        tasks = (
            Task.select()
            .join(Area)
            .where(Area.campaign == self, Task.archived == False)  # noqa: E712
            .order_by(Task.position, Task.id)
        )
        by_area = {a.id: a for a in areas}
        for area in areas:
            area.task_list = []
        for task in tasks:
            by_area[task.area_id].task_list.append(task)
        return areas

    def units(self):
        return Unit.under(self.unit)

    def event_scope(self):
        return self.id, None  # the campaign's own unit is the commune, not a unit acting


class PartOfStructure(BaseModel):
    """An area or a task: saving or deleting one drops this worker's copy of its campaign's structure. (The editor
    claims the campaign's revision first, which tells the other workers; a new campaign is in no worker's copy.)"""

    def owner_id(self) -> int:
        """The id of the campaign this belongs to."""
        raise NotImplementedError

    def save(self, *args, **kwargs):
        saved = super().save(*args, **kwargs)
        Campaign.forget(self.owner_id())
        return saved

    def delete_instance(self, *args, **kwargs):
        owner = self.owner_id()
        deleted = super().delete_instance(*args, **kwargs)
        Campaign.forget(owner)
        return deleted


class Area(PartOfStructure):
    campaign = ForeignKeyField(Campaign, backref="areas", on_delete="CASCADE")
    position = IntegerField(default=0)
    title = TextField()
    summary = TextField(default="")
    archived = BooleanField(default=False)  # removed after units had ticked its tasks
    SNAPSHOT = ("title", "position")

    def owner_id(self):
        return self.campaign_id


class Task(PartOfStructure):
    area = ForeignKeyField(Area, backref="tasks", on_delete="CASCADE")
    position = IntegerField(default=0)
    title = TextField()
    target = TextField(default="")
    kinds = CharField(default="")  # comma-separated UNIT_KINDS keys; empty means every kind
    evidence_required = BooleanField(default=False)
    archived = BooleanField(default=False)
    SNAPSHOT = ("title", "target", "kinds", "evidence_required", "position", "archived")

    def owner_id(self):
        return self.area.campaign_id

    def event_scope(self):
        return self.owner_id(), None

    def applies_to(self, unit: Unit) -> bool:
        return not self.kinds or unit.kind in self.kinds.split(",")
