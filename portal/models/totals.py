"""Per-unit totals of a campaign (done and counted tasks per unit and area), what every board reads instead of the
checks. A tick moves them in its own transaction; a change of structure (areas, tasks, units) has them counted
again from the checks on the next read, which a stamp tells."""
from peewee import JOIN, ForeignKeyField, IntegerField, fn

from ..db import BaseModel, Slot, database, run
from .events import Event
from .people import Unit
from .structure import Area, Campaign, Task


class UnitTotal(BaseModel):
    """A unit's tasks in one area: `done` of `total` (the tasks that apply to it, less "Không áp dụng"), as the
    board's cell and the lag rule count them."""

    campaign = ForeignKeyField(Campaign, on_delete="CASCADE", index=True)
    unit = ForeignKeyField(Unit, on_delete="CASCADE", index=False)
    area = ForeignKeyField(Area, on_delete="CASCADE")
    done = IntegerField(default=0)
    total = IntegerField(default=0)

    class Meta:
        table_name = "unit_total"
        indexes = ((("unit", "area"), True),)

    @classmethod
    def move(cls, campaign: Campaign, unit: Unit, task: Task, before: str, after: str) -> None:
        """Moves the unit's totals from a check's state `before` to `after`, in the tick's transaction.

        Added in SQL (`done = done + 1`): two ticks of one unit at once each add their own step, on PostgreSQL
        too. The check's conditional update has already made sure `before` is the state it replaced."""
        done = (after == "done") - (before == "done")
        total = (after != "na") - (before != "na")
        if not (done or total) or not task.applies_to(unit):
            return
        moved = run("unit_total.move", lambda: cls.update(done=cls.done + Slot("done"), total=cls.total + Slot("total"))
                    .where(cls.unit == Slot("unit"), cls.area == Slot("area")),
                    done=done, total=total, unit=unit.id, area=task.area_id).rowcount
        if not moved:
            # No row: the unit is new, or a recount running at this moment deleted the rows this tick would move
            # and did not see its check. Either way the campaign is counted again from the checks on the next read.
            TotalsStamp.update(revision=-1).where(TotalsStamp.campaign == campaign).execute()

    @classmethod
    def of(cls, campaigns) -> dict:
        """(unit id, area id) -> (done, total) for `campaigns`, each counted again first if its structure changed."""
        campaigns = list(campaigns)
        TotalsStamp.keep(campaigns)
        query = (cls.select(cls.unit, cls.area, cls.done, cls.total)
                 .where(cls.campaign.in_([c.id for c in campaigns])).tuples())
        return {(unit_id, area_id): (done, total) for unit_id, area_id, done, total in query}

    @classmethod
    def of_units(cls, unit_ids) -> dict:
        """(unit id, area id) -> (done, total) of `unit_ids`, in whatever campaign, as the ticks left them: not
        counted again whatever changed since. What live boards read for a batch of ticks; a batch that holds a
        structural change, or a unit with no totals, tells a board to count them again with `of`."""
        query = cls.select(cls.unit, cls.area, cls.done, cls.total).where(cls.unit.in_(list(unit_ids))).tuples()
        return {(unit_id, area_id): (done, total) for unit_id, area_id, done, total in query}

    @classmethod
    def by_unit(cls, campaigns) -> dict:
        """Campaign id -> (done, total) of each of its units, over all areas: what a roll-up of communes needs."""
        campaigns = list(campaigns)
        TotalsStamp.keep(campaigns)
        query = (cls.select(cls.campaign, fn.SUM(cls.done), fn.SUM(cls.total))
                 .where(cls.campaign.in_([c.id for c in campaigns])).group_by(cls.campaign, cls.unit).tuples())
        found = {c.id: [] for c in campaigns}
        for campaign_id, done, total in query:
            found[campaign_id].append((int(done), int(total)))
        return found


class TotalsStamp(BaseModel):
    """What a campaign's totals were counted for: its plan's revision and the newest change to any unit."""

    campaign = ForeignKeyField(Campaign, primary_key=True, on_delete="CASCADE")
    revision = IntegerField()  # -1: a tick could not move them, count again
    units = IntegerField()  # id of the newest unit.create or unit.update event

    class Meta:
        table_name = "totals_stamp"

    @staticmethod
    def _marks():
        """The newest unit.create and unit.update ids, each one step down the (kind, id) index."""
        return [Event.select(Event.id).where(Event.kind == kind).order_by(Event.id.desc()).limit(1)
                for kind in ("unit.create", "unit.update")]

    @classmethod
    def units_mark(cls) -> int:
        created, updated = cls._marks()
        return max(created.scalar() or 0, updated.scalar() or 0)

    @classmethod
    def keep(cls, campaigns) -> None:
        """Counts again the totals of each of `campaigns` whose stamp is not its present structure's. Every board
        render and live batch asks: the stamps and the unit mark come in one statement."""
        created, updated = cls._marks()
        query = (Campaign.select(Campaign.id, cls.revision, cls.units, created, updated)
                 .join(cls, JOIN.LEFT_OUTER, on=(cls.campaign == Campaign.id))
                 .where(Campaign.id.in_([c.id for c in campaigns])).tuples())
        seen, mark = {}, None
        for campaign_id, revision, units, last_create, last_update in query:
            mark = max(last_create or 0, last_update or 0)
            if revision is not None:
                seen[campaign_id] = (revision, units)
        for campaign in campaigns:
            if seen.get(campaign.id) != (campaign.revision, mark):
                cls.recount(campaign, seen.get(campaign.id), mark)

    @classmethod
    def recount(cls, campaign: Campaign, seen: tuple | None, mark: int) -> None:
        """Counts the campaign's totals from its checks, unless another request took the stamp from `seen` first.

        The stamp's conditional write decides who counts; the others wait for it on the row (PostgreSQL) or the
        write lock (SQLite). The old rows go first: a tick that moved one commits before the delete, and the count
        that follows sees its check; a tick that comes after the delete finds no row and asks for a new count."""
        from ..progress import progress  # progress builds on the models

        fresh = dict(revision=campaign.revision, units=mark)
        with database.atomic():
            if seen is None:
                took = cls.insert(campaign=campaign, **fresh).on_conflict_ignore().as_rowcount().execute()
            else:
                took = cls.update(**fresh).where(cls.campaign == campaign, cls.revision == seen[0],
                                                 cls.units == seen[1]).execute()
            if not took:
                return
            UnitTotal.delete().where(UnitTotal.campaign == campaign).execute()
            areas = campaign.areas_with_tasks()
            rows = [dict(campaign=campaign.id, unit=row.unit.id, area=area.id, done=row.areas[area.id].done,
                         total=row.areas[area.id].total)
                    for row in progress(areas, campaign.units()) for area in areas]
            for start in range(0, len(rows), 500):
                UnitTotal.insert_many(rows[start:start + 500]).execute()
