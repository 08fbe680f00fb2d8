"""Models of the campaign domain, each with the queries that belong to it."""
import copy
import datetime as dt
import hashlib
import json
import secrets

from flask_login import UserMixin
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import utc_now
from .db import BaseModel, database, execute, is_sqlite, raw
from .text import clean_name, vn_sort_key

UNIT_KINDS = {
    "commune": "Xã",
    "agency": "Cơ quan",
    "armed": "Lực lượng vũ trang",
    "school": "Trường học",
    "mass": "Đoàn thể",
    "village": "Bản",
}
ROLES = {
    "office": "Phòng Văn hóa – Xã hội",
    "unit": "Đơn vị",
    "council": "Hội đồng Thi đua – Khen thưởng",
    "leader": "Lãnh đạo UBND xã",
    "supervisor": "Ủy ban MTTQ xã",
}
STATES = {"todo": "Chưa làm", "doing": "Đang làm", "done": "Hoàn thành", "na": "Không áp dụng"}


class Stale(Exception):
    """An edit based on an older version of a row than the one saved, or a new row whose unique key another
    request took first: nothing was written. Each blueprint answers it once: 409, the row as it is now, and what
    the user typed kept."""


class Versioned(BaseModel):
    """A row edited only from the copy the user saw: every saved edit moves its version column on by one."""

    VERSION = "version"

    def save_from(self, seen: int | None, *fields: str) -> None:
        """Saves `fields` as the next version, only while the row is still at `seen`, the version the user's copy
        showed; a row without an id yet is inserted whole, only while its unique key is free. Raises Stale
        otherwise. The one optimistic lock of every edit: the database decides by the row count, so two requests
        that read the same version at the same moment cannot both win (a read, compare, then write could).
        Hand-written, as every tick runs it."""
        if seen is None:  # a form without its version: a copy of unknown age
            raise Stale
        meta, version, key = self._meta, self.VERSION, self._meta.primary_key.column_name
        setattr(self, version, seen + 1)

        def values(names):
            return [meta.fields[n].db_value(self.__data__.get(n)) for n in names]

        if self._pk is None:
            names = [n for n in meta.sorted_field_names if n in self.__data__ and n != meta.primary_key.name]
            columns = ", ".join(f'"{meta.fields[n].column_name}"' for n in names)
            row = execute(f'INSERT INTO "{meta.table_name}" ({columns}) VALUES ({", ".join("?" * len(names))}) '
                          f'ON CONFLICT DO NOTHING RETURNING "{key}"', *values(names)).fetchone()
            if row is None:
                raise Stale
            self._pk = row[0]
            return
        names = [*fields, version]
        assignments = ", ".join(f'"{meta.fields[n].column_name}" = ?' for n in names)
        if execute(f'UPDATE "{meta.table_name}" SET {assignments} WHERE "{key}" = ? AND "{version}" = ?',
                   *values(names), self._pk, seen).rowcount != 1:
            raise Stale


class Unit(Versioned):
    """A node of the unit tree; `path` ("/1/4/") makes "all units under X" one indexed query."""

    code = CharField(unique=True)
    name = CharField()
    kind = CharField(index=True)
    parent = ForeignKeyField("self", null=True, backref="children", on_delete="RESTRICT")
    path = CharField(index=True, default="")
    contact = CharField(default="")
    phone = CharField(default="")
    active = BooleanField(default=True)
    version = IntegerField(default=0)  # the office edits a unit only from the copy it last saw

    @classmethod
    def add(cls, code, name, kind, parent=None, **fields):
        unit = cls.create(code=code, name=name, kind=kind, parent=parent, **fields)
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        unit.save(only=[cls.path])
        return unit

    @classmethod
    def root(cls):
        """The commune: the top of the tree, which campaigns belong to."""
        return cls.select().where(cls.parent.is_null()).order_by(cls.id).first()

    @classmethod
    def under(cls, root):
        """Active units below `root`, in Vietnamese alphabetical order."""
        units = cls.select().where(cls.path.startswith(root.path), cls.id != root.id, cls.active)
        return sorted(units, key=lambda u: vn_sort_key(u.name))

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)


class User(UserMixin, BaseModel):
    username = CharField(unique=True)
    password_hash = CharField()
    full_name = CharField(default="")
    role = CharField()
    unit = ForeignKeyField(Unit, null=True, backref="users", on_delete="RESTRICT")
    active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)  # a one-time password handed out by the office

    session_token = None  # this browser's session, once signed in (start_session) or loaded (by_session)

    @classmethod
    def signing_in(cls, typed: str):
        """The active account a login form names: trimmed and regardless of case, as people type on phones."""
        return (cls.select().where(fn.LOWER(cls.username) == Lockout.key(typed), cls.active == True)  # noqa: E712
                .order_by(cls.id).first())

    @property
    def is_active(self):
        return self.active

    @property
    def role_label(self):
        return ROLES[self.role]

    def as_dict(self):
        return {"username": self.username, "role": self.role, "active": self.active,
                "must_change_password": self.must_change_password}

    def set_password(self, password: str, method: str) -> None:
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self):
        """What the session cookie carries: not the user's id but this browser's session token, so that
        ending the session on the server refuses the cookie even where a copy of it survives."""
        return self.session_token

    def start_session(self, days: int) -> None:
        """Signs this browser in for `days` at most; the account's sessions older than that are dropped."""
        now = utc_now()
        UserSession.delete().where(UserSession.user == self,
                                   UserSession.started_at <= now - dt.timedelta(days=days)).execute()
        self.session_token = secrets.token_urlsafe(32)
        UserSession.create(user=self, token=_digest(self.session_token), started_at=now)

    def end_session(self) -> None:
        """Signs this browser out, on the server: its cookie is refused from now on."""
        UserSession.delete().where(UserSession.token == _digest(self.session_token)).execute()

    def end_sessions(self, keep_this_one: bool = False) -> None:
        """Signs the account out everywhere (or everywhere else): a lost phone stops working."""
        ending = UserSession.delete().where(UserSession.user == self)
        if keep_this_one:
            ending = ending.where(UserSession.token != _digest(self.session_token))
        ending.execute()

    @classmethod
    def by_session(cls, token: str, days: int):
        """The active account signed in with `token` less than `days` ago, or None. Runs on every request."""
        rows = raw(cls, 'SELECT u.* FROM "user" u JOIN user_session s ON s.user_id = u.id '
                        "WHERE s.token = ? AND s.started_at > ? AND u.active = ?",
                   _digest(token), utc_now() - dt.timedelta(days=days), True)
        if not rows:
            return None
        rows[0].session_token = token
        return rows[0]


def _digest(token: str) -> str:
    """Sessions are stored by digest: a copy of the database signs no one in."""
    return hashlib.sha256(token.encode()).hexdigest()


class UserSession(BaseModel):
    """One signed-in browser. Deleting the row signs it out, wherever its cookie has been copied to."""

    user = ForeignKeyField(User, backref="sessions", on_delete="CASCADE")
    token = CharField(unique=True)  # sha256 of the token the session cookie carries
    started_at = DateTimeField(default=utc_now)

    class Meta:
        table_name = "user_session"


class Lockout(BaseModel):
    """Wrong passwords typed for one username from one address, and the lock they led to.

    Counted per username and address, so that a stranger's guesses lock the stranger's address out of
    the account, never its owner from theirs. A username with no account locks the same way, so a
    lock tells a stranger nothing about which accounts exist."""

    username = CharField()
    address = CharField()
    failures = IntegerField(default=0)
    last_at = DateTimeField(index=True)  # the last failure, or the moment the lock began
    locked_until = DateTimeField(null=True)

    class Meta:
        indexes = ((("username", "address"), True),)

    @staticmethod
    def key(username: str) -> str:
        """The username as the lock counts it: "Ban-Na-Bo " and "ban-na-bo" are one account, as at login."""
        return username.strip().lower()

    @classmethod
    def locked_until_for(cls, username: str, address: str, now: dt.datetime):
        """When the lock on `username` from `address` ends, or None when there is none."""
        username = cls.key(username)
        row = cls.get_or_none(cls.username == username, cls.address == address, cls.locked_until > now)
        return row.locked_until if row else None

    @classmethod
    def fail(cls, username: str, address: str, now: dt.datetime, max_failures: int, minutes: int) -> bool:
        """Counts a wrong password; True when it locks the username from the address for `minutes`.

        Failures further apart than `minutes` are not guessing: the count starts again."""
        username = cls.key(username)
        window = dt.timedelta(minutes=minutes)
        cls.delete().where(cls.last_at < now - window).execute()  # keeps the table to what is recent
        cls.insert(username=username, address=address, failures=1, last_at=now).on_conflict(
            conflict_target=[cls.username, cls.address],
            update={cls.failures: cls.failures + 1, cls.last_at: now}).execute()
        if cls.get(cls.username == username, cls.address == address).failures < max_failures:
            return False
        cls.update(failures=0, last_at=now, locked_until=now + window).where(
            cls.username == username, cls.address == address).execute()
        return True

    @classmethod
    def clear(cls, username: str, address: str | None = None) -> None:
        """Forgets the failures and locks of `username` (from `address` only, given one)."""
        query = cls.delete().where(cls.username == cls.key(username))
        if address is not None:
            query = query.where(cls.address == address)
        query.execute()


class Campaign(Versioned):
    unit = ForeignKeyField(Unit, backref="campaigns", on_delete="RESTRICT")
    title = TextField()
    theme = TextField(default="")
    starts_on = DateField()
    ends_on = DateField()
    report_due_on = DateField()
    status = CharField(default="active", index=True)  # draft | active | closed | archived
    revision = IntegerField(default=0)  # bumped by every saved or deleted area and task
    VERSION = "revision"

    # campaign id -> (revision, areas): this worker's copy of each campaign's structure. A tick
    # needs the whole structure for its scores, and reading it again costs more than the tick.
    _structure = {}

    @classmethod
    def current(cls):
        rows = raw(cls, "SELECT * FROM campaign WHERE status = ? ORDER BY starts_on DESC, id DESC LIMIT 1", "active")
        return rows[0] if rows else None

    @classmethod
    def touch(cls, campaign_id: int):
        """Marks the campaign's structure as changed: for every worker, and at once for this one,
        whose campaign objects read before the change still carry the old revision."""
        cls.update(revision=cls.revision + 1).where(cls.id == campaign_id).execute()
        cls._structure.pop(campaign_id, None)

    def claim(self, seen: int | None) -> None:
        """Moves the revision on from `seen`, the one an editor's form was based on; Stale when
        somebody else's edit moved it first."""
        Campaign._structure.pop(self.id, None)
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


class PartOfStructure(BaseModel):
    """An area or a task: saving or deleting one bumps its campaign's revision."""

    def owner_id(self) -> int:
        """The id of the campaign this belongs to."""
        raise NotImplementedError

    def save(self, *args, **kwargs):
        saved = super().save(*args, **kwargs)
        Campaign.touch(self.owner_id())
        return saved

    def delete_instance(self, *args, **kwargs):
        owner = self.owner_id()
        deleted = super().delete_instance(*args, **kwargs)
        Campaign.touch(owner)
        return deleted


class Area(PartOfStructure):
    campaign = ForeignKeyField(Campaign, backref="areas", on_delete="CASCADE")
    position = IntegerField(default=0)
    title = TextField()
    summary = TextField(default="")
    archived = BooleanField(default=False)  # removed after units had ticked its tasks

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

    def owner_id(self):
        return self.area.campaign_id

    def applies_to(self, unit: Unit) -> bool:
        return not self.kinds or unit.kind in self.kinds.split(",")


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
        rows = raw(cls, 'SELECT * FROM "check" WHERE unit_id = ? AND task_id = ?', unit.id, task.id)
        return rows[0] if rows else cls(unit=unit, task=task)

    @classmethod
    def states_of(cls, unit) -> dict:
        """Task id -> state of every check `unit` has, whichever campaign the task is in."""
        return dict(execute('SELECT task_id, state FROM "check" WHERE unit_id = ?', unit.id).fetchall())

    @classmethod
    def for_unit(cls, unit, tasks):
        """Checks of `unit` keyed by task id, with a blank one for every task not yet touched."""
        rows = {c.task_id: c for c in cls.select().where(cls.unit == unit, cls.task.in_([t.id for t in tasks]))}
        return {t.id: rows.get(t.id) or cls(unit=unit, task=t) for t in tasks}

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
        with database.atomic():
            check.save_from(version, "state", "note", "updated_at", "updated_by")
            Event.record("check.set", user, campaign=campaign, unit=unit, subject=f"task:{task.id}",
                         before=before, after=check.as_dict())
        return check, True
    except Stale:
        # A retry that raced the request it repeats finds its own state saved: harmless.
        current = Check.of(unit, task)
        if current.state == state and current.note == note:
            return current, False
        raise


def _id(row):
    """The id of a model (or of the user behind current_user), an id as it is, or None."""
    return getattr(row, "id", row)


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

    class Meta:
        # Every read of the log has its index, so that its cost does not grow with the log (migration 012).
        indexes = ((("unit", "id"), False), (("campaign", "id"), False), (("campaign", "unit", "at"), False),
                   (("user", "id"), False), (("kind", "id"), False))

    @classmethod
    def record(cls, kind, user=None, *, campaign=None, unit=None, subject="", before=None, after=None) -> int:
        """Appends an event; returns its id."""
        if not is_sqlite():
            # Ids must become visible in order, or a live reader at id 11 would never see 10
            # committed after it. Held to commit; SQLite writers are serialised already.
            # The notification, delivered at commit, wakes the live hub of every worker (portal/live.py).
            database.execute_sql("SELECT pg_advisory_xact_lock(7210), pg_notify('event', '')")
        return execute(
            'INSERT INTO event (at, kind, user_id, campaign_id, unit_id, subject, "before", "after") '
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            utc_now(), kind, _id(user), _id(campaign), _id(unit), subject,
            json.dumps(before, ensure_ascii=False) if before is not None else "",
            json.dumps(after, ensure_ascii=False) if after is not None else "",
        ).fetchone()[0]

    @classmethod
    def newer_than(cls, cursor: int, limit: int = 500, unit_id: int | None = None) -> list:
        """The events after `cursor` (only the unit's, given `unit_id`), as much of them as a live stream
        reads. Hand-written: every open stream asks several times a second."""
        select = "SELECT id, at, kind, campaign_id, unit_id, subject FROM event WHERE id > ?"
        if unit_id is None:
            return raw(cls, f"{select} ORDER BY id LIMIT ?", cursor, limit)
        return raw(cls, f"{select} AND unit_id = ? ORDER BY id LIMIT ?", cursor, unit_id, limit)

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
        rows = Unit.select(Unit.id, last.alias("last")).where(Unit.path.startswith(campaign.unit.path)).tuples()
        return {unit_id: cls.at.python_value(at) for unit_id, at in rows if at is not None}


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
        rows = cls.select().where(cls.unit == unit, cls.task.in_([t.id for t in tasks]), cls.removed == False)  # noqa: E712
        found = {}
        for row in rows.order_by(cls.id):
            found.setdefault(row.task_id, []).append(row)
        return found

    @property
    def thumb_size(self) -> tuple[int, int]:
        scale = min(1, self.THUMB / max(self.width, self.height))
        return max(1, round(self.width * scale)), max(1, round(self.height * scale))

    def as_dict(self):
        return {"evidence": self.id, "kind": self.kind, "name": self.name, "size": self.size, "removed": self.removed}


MODELS = [Unit, User, UserSession, Lockout, Campaign, Area, Task, Check, Event, Report, Nomination, Vote, Comment, Publication, Opinion, Evidence]


class SmsMessage(BaseModel):
    """An SMS the portal put in the gateway's outbox (`gateway_id` is gammu-smsd's outbox ID), and what became of it."""

    gateway_id = IntegerField(index=True)
    number = CharField()
    text = TextField()
    kind = CharField()  # reminder | reply
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    campaign = ForeignKeyField(Campaign, null=True, on_delete="SET NULL")
    state = CharField(default="queued")  # queued | sent | failed
    queued_at = DateTimeField(default=utc_now)
    state_at = DateTimeField(default=utc_now)  # when the portal learned the state


class SmsIncoming(BaseModel):
    """An SMS read from the gateway's inbox; its inbox ID is unique, so a message is applied once."""

    gateway_id = IntegerField(unique=True)
    number = CharField()
    text = TextField()
    unit = ForeignKeyField(Unit, null=True, on_delete="SET NULL")
    outcome = CharField()  # set | list | malformed | unknown | shared | refused
    received_at = DateTimeField(default=utc_now)


MODELS += [SmsMessage, SmsIncoming]


# The council's meeting and the rule each award form is voted by (portal/awards.py, portal/meetings.py).
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
    """How the council votes on one award form, as the office set it; a form without a row follows the
    configuration (PORTAL_VOTE_MAJORITY, PORTAL_VOTE_BASE)."""

    award = CharField(unique=True)
    threshold = FloatField()  # passes with more than this share of the base agreeing
    base = CharField(default="members")  # BASES
    secret = BooleanField(default=False)  # counts shown, voters' names hidden everywhere


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


MODELS += [Meeting, AwardRule, VoteMeeting, NominationReturn]


class ClientWrite(BaseModel):
    """A write a phone sent under its own id (the offline outbox): the unique key makes a resend a no-op."""

    unit = ForeignKeyField(Unit, on_delete="CASCADE")
    client_id = CharField(max_length=40)
    kind = CharField()  # check | evidence | report | nomination
    ref = IntegerField(null=True)  # what the write made (a nomination's id), for the answer to a resend
    at = DateTimeField(default=utc_now)

    class Meta:
        indexes = ((("unit", "client_id"), True),)


MODELS += [ClientWrite]


# Registration and scoring live in their own module; imported last, as they build on the models above.
from .models_emulation import *  # noqa: E402,F401,F403
from .models_emulation import EMULATION_MODELS  # noqa: E402

MODELS += EMULATION_MODELS
