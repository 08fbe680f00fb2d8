"""The append-only log: the audit trail, and the feed of the live board."""
import datetime as dt
import json
import time
from typing import NamedTuple

from peewee import AutoField, Case, CharField, DateTimeField, ForeignKeyField, IntegerField, TextField, fn

from ..clock import utc_now
from ..db import BaseModel, Slot, is_sqlite, notify_after_commit, run
from .people import Unit, User
from .structure import Campaign

# A reader of the log asks for its lock this many times, this far apart, before it waits its turn (settled_id).
SETTLE_TRIES, SETTLE_PAUSE = 25, 0.004


def _id(row):
    """The id of a model (or of the user behind current_user), an id as it is, or None."""
    return getattr(row, "id", row)


class Happened(NamedTuple):
    """An event as the live streams read it: plain values, not a model, as every open stream of a worker looks at
    each event of each batch (a model's fields are descriptors, a tenth of a busy worker's stream time)."""
    id: int
    at: dt.datetime
    kind: str
    campaign_id: int | None
    unit_id: int | None
    subject: str
    session: int | None


class Event(BaseModel):
    """One line of the append-only log: the audit trail and the feed of the live board."""

    id = AutoField()
    at = DateTimeField(default=utc_now, index=True)
    kind = CharField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
    campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL", index=False)
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL", index=False)
    subject = CharField(default="")
    before = TextField(default="")
    after = TextField(default="")
    # The signed-in browser it came from (User.session_id; none for the CLI, SMS or a form without a login).
    session = IntegerField(null=True)

    class Meta:
        # Every read of the log has its index, so that its cost does not grow with the log (migration 012).
        indexes = ((("unit", "id"), False), (("campaign", "id"), False), (("campaign", "unit", "at"), False),
                   (("user", "id"), False), (("kind", "id"), False))

    @classmethod
    def change(cls, kind, user, row, **values) -> int:
        """Sets `values` on `row`, saves only those columns and appends the event with the row as it was and is;
        inside the caller's transaction."""
        before = row.as_dict()
        for name, value in values.items():
            setattr(row, name, value)
        row.save(only=[row._meta.fields[name] for name in values])
        return cls.record(kind, user, subject=row, before=before, after=row.as_dict())

    @classmethod
    def record(cls, kind, user=None, *, subject=None, campaign=None, unit=None, before=None, after=None) -> int:
        """Appends an event about `subject`, the row it concerns; returns its id. The campaign and unit it belongs
        to are the subject's own (`event_scope`) unless given. (A subject already written out, "task:1", is kept as
        it is.)"""
        if isinstance(subject, str):
            text = subject
        else:
            text = subject.event_subject() if subject is not None else ""
        if subject is not None and not isinstance(subject, str) and (campaign is None or unit is None):
            own_campaign, own_unit = subject.event_scope()
            campaign = own_campaign if campaign is None else campaign
            unit = own_unit if unit is None else unit
        lock = ""
        if not is_sqlite():
            # A live reader at id 11 must never miss 10 committed after it: appends share this lock to their
            # commit, and a reader takes it alone for a moment (`settled_id`) to learn how far every append
            # has finished.
            # Shared, appends commit together (one WAL flush for many); held alone by every append, each
            # waited for the one before it to reach the disk. SQLite writers are serialised already. Taken in
            # the insert's round trip, before the insert draws its id.
            lock = "SELECT pg_advisory_xact_lock_shared(7210); "
            notify_after_commit()  # wakes the live hub of every worker (portal/live.py)
        values = dict(at=utc_now(), kind=kind, user=_id(user), campaign=_id(campaign), unit=_id(unit),
                      subject=text, session=getattr(user, "event_session", None),
                      before=json.dumps(before, ensure_ascii=False) if before is not None else "",
                      after=json.dumps(after, ensure_ascii=False) if after is not None else "")
        return run("event.record", lambda: cls.insert({cls._meta.fields[n]: Slot(n) for n in values})
                   .returning(cls.id), ahead=lock, **values).fetchone()[0]

    @classmethod
    def newer_than(cls, cursor: int, until: int, limit: int = 500, unit_id: int | None = None) -> list[Happened]:
        """The events after `cursor` up to `until` (a `settled_id`: every one of them committed), only the unit's
        given `unit_id`, as much of them as a live stream reads. Built once: every open stream asks."""
        def build(by_unit):
            query = cls.select(cls.id, cls.at, cls.kind, cls.campaign, cls.unit, cls.subject, cls.session).where(
                cls.id > Slot("cursor"), cls.id <= Slot("until"))
            return (query.where(cls.unit == Slot("unit")) if by_unit else query).order_by(cls.id).limit(Slot("limit"))

        at = cls.at.python_value
        return [Happened(event_id, at(moment), *rest) for event_id, moment, *rest in run(
            ("event.newer_than", unit_id is not None), lambda: build(unit_id is not None),
            cursor=cursor, until=until, unit=unit_id, limit=limit)]

    @classmethod
    def settled_id(cls) -> int:
        """The newest event's id, once every event before it has committed: where a live stream starts and how far
        a reader of the log may go, so that no cursor passes an id a slower transaction commits later.

        On PostgreSQL appends hold the log's lock shared to their commit, and a reader takes it alone for a moment.
        It asks without waiting, and again every SETTLE_PAUSE while appends are in flight: PostgreSQL queues every
        new append behind a reader that waits, so one waiting reader held every append of every host for as long as
        the slowest append in flight took to commit (one whose worker was busy drawing boards, say). Only after
        SETTLE_TRIES does it wait its turn. The lock and the read travel in one round trip, an implicit
        transaction that lets go of the lock at once; the read's snapshot may come before the lock, which is
        safe: every id below the newest it sees was drawn by an append that held the lock by then."""
        newest = fn.COALESCE(fn.MAX(cls.id), 0)
        if is_sqlite():  # SQLite's writers are serialised already: what is there has committed
            return run("event.settled_id", lambda: cls.select(newest)).fetchone()[0]
        for _ in range(SETTLE_TRIES):
            found = run("event.settled_id.try", lambda: cls.select(
                Case(None, [(fn.pg_try_advisory_xact_lock(7210), newest)]))).fetchone()[0]
            if found is not None:
                return found
            time.sleep(SETTLE_PAUSE)
        return run("event.settled_id", lambda: cls.select(newest),
                   ahead="SELECT pg_advisory_xact_lock(7210); ").fetchone()[0]

    @classmethod
    def last_id(cls, *where) -> int:
        """The newest event's id, or the newest of those matching `where` (one step down an index)."""
        query = cls.select(cls.id).order_by(cls.id.desc())
        return (query.where(*where) if where else query).scalar() or 0

    @classmethod
    def last_activity(cls, campaign):
        """When each unit last changed something in `campaign`, keyed by unit id. One step down the
        (campaign, unit, at) index per unit: grouping the campaign's events would read a year of them."""
        last = cls.select(fn.MAX(cls.at)).where(cls.campaign == campaign, cls.unit == Unit.id)
        units = Unit.select(Unit.id, last.alias("last")).where(Unit.path.startswith(campaign.unit.path)).tuples()
        return {unit_id: cls.at.python_value(at) for unit_id, at in units if at is not None}
