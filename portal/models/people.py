"""Units and the people who sign in: accounts, their sessions, the locks wrong passwords lead to."""
import datetime as dt
import hashlib
import secrets
import sys

from flask import has_request_context, request
from flask_login import UserMixin
from peewee import JOIN, BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField, fn
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import utc_now
from ..db import BaseModel, Slot, rows
from ..text import nfc, vn_sort_key
from .base import Versioned

UNIT_KINDS = {
    "province": "Tỉnh",
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
    "province": "Ban Thi đua – Khen thưởng tỉnh",
}
WATCHERS = ("office", "council", "leader", "supervisor")  # roles that see the whole board of their commune
READERS = WATCHERS + ("province",)  # who may read a commune's board; the province reads every one, changes none


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
    SNAPSHOT = ("name", "kind", "parent", "contact", "phone", "active")

    @classmethod
    def add(cls, code, name, kind, parent=None, **fields):
        unit = cls.create(code=code, name=name, kind=kind, parent=parent, **fields)
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        unit.save(only=[cls.path])
        return unit

    @classmethod
    def root(cls):
        """The top of the tree: the commune of a single-commune install, or the province."""
        return cls.select().where(cls.parent.is_null()).order_by(cls.id).first()

    @classmethod
    def communes(cls, province):
        """The communes under `province`, in Vietnamese alphabetical order."""
        return cls.under(province, kind="commune")

    def commune(self):
        """The commune this unit belongs to (itself for a commune), found on its path; None above communes. Every
        request of a unit's user asks: one statement per depth, built once."""
        if self.kind == "commune":
            return self
        if hasattr(self, "_commune"):  # read with the session (User.by_session)
            return self._commune
        ids = {f"id{n}": int(i) for n, i in enumerate(self.path.strip("/").split("/")) if i}
        found = rows(Unit, ("unit.commune", len(ids)), lambda: Unit.select().where(
            Unit.id.in_([Slot(name) for name in ids]), Unit.kind == "commune"), **ids)
        return found[0] if found else None

    def contains(self, other) -> bool:
        """True when `other` (a unit) is this unit or below it."""
        return other.path.startswith(self.path)

    @classmethod
    def under(cls, root, kind=None):
        """Active units below `root` (of `kind` only, given one), in Vietnamese alphabetical order."""
        units = cls.select().where(cls.path.startswith(root.path), cls.id != root.id, cls.active)
        if kind:
            units = units.where(cls.kind == kind)
        return sorted(units, key=lambda u: vn_sort_key(u.name))

    @property
    def kind_label(self):
        return UNIT_KINDS.get(self.kind, self.kind)

    def event_scope(self):
        return None, self.id


class User(UserMixin, BaseModel):
    username = CharField(unique=True)
    password_hash = CharField()
    full_name = CharField(default="")
    role = CharField()
    unit = ForeignKeyField(Unit, null=True, backref="users", on_delete="RESTRICT")
    active = BooleanField(default=True)
    must_change_password = BooleanField(default=False)  # a one-time password handed out by the office

    session_token = None  # this browser's session, once signed in (start_session) or loaded (by_session)

    @property
    def event_session(self) -> int | None:
        """The session the events of this request name, so that the page that made them is not sent them again on
        its live stream: it has the answer. None for what the service worker sends, with no page to answer into."""
        if self.session_token and has_request_context() and request.headers.get("X-Outbox") != "worker":
            return self.session_id
        return None

    @property
    def session_id(self) -> int | None:
        """A number for this browser's session that the events it records carry (not its user_session id, which
        SQLite gives again once the row is deleted): 31 bits of the token's digest, which opens nothing."""
        return int(_digest(self.session_token)[:8], 16) >> 1 if self.session_token else None

    @classmethod
    def open(cls, username: str, role: str, password: str, hash_method: str, *, unit=None, full_name: str = "",
             must_change_password: bool = False):
        """Creates an account: the one way the web, the command line and the demo make one (the caller logs it
        where a person made it)."""
        user = cls(username=nfc(username).strip(), role=role, unit=unit, full_name=nfc(full_name),
                   must_change_password=must_change_password)
        user.set_password(password, hash_method)
        user.save()
        return user

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
        self.password_hash = off_the_loop(generate_password_hash, password, method)

    def check_password(self, password: str) -> bool:
        return off_the_loop(check_password_hash, self.password_hash, password)

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
        """The active account signed in with `token` less than `days` ago, with its unit, the unit's commune and
        the commune's running campaign (which nearly every page needs), or None. Runs on every request: one
        statement, built once."""
        from .structure import Campaign  # structure.py builds on this module

        def build():
            commune, running, latest = Unit.alias(), Campaign.alias(), Campaign.alias()
            current = (latest.select(latest.id).where(latest.status == "active", latest.unit == commune.id)
                       .order_by(latest.starts_on.desc(), latest.id.desc()).limit(1))  # as Campaign.current
            return (cls.select(cls, *[f.alias(f"unit__{f.name}") for f in Unit._meta.sorted_fields],
                               *[getattr(commune, f.name).alias(f"commune__{f.name}") for f in Unit._meta.sorted_fields],
                               *[getattr(running, f.name).alias(f"campaign__{f.name}")
                                 for f in Campaign._meta.sorted_fields])
                    .join(UserSession).switch(cls).join(Unit, JOIN.LEFT_OUTER, on=(cls.unit == Unit.id))
                    # the commune whose path begins the unit's (the unit itself for a commune)
                    .join(commune, JOIN.LEFT_OUTER, on=((commune.kind == "commune") & (
                        fn.SUBSTR(Unit.path, 1, fn.LENGTH(commune.path)) == commune.path)))
                    .join(running, JOIN.LEFT_OUTER, on=(running.id == current))
                    .where(UserSession.token == Slot("token"), UserSession.started_at > Slot("since"),
                           cls.active == True))  # noqa: E712

        found = rows(cls, "user.by_session", build, token=_digest(token),
                     since=utc_now() - dt.timedelta(days=days))
        if not found:
            return None
        user = found[0]
        user.session_token = token
        if user.unit_id:
            user.unit = _loaded(Unit, user, "unit__")
            if user.commune__id is not None:
                user.unit._commune = _loaded(Unit, user, "commune__")
                user.unit.commune().running = (_loaded(Campaign, user, "campaign__")
                                               if user.campaign__id is not None else None)
        return user


def off_the_loop(hashing, *args):
    """Runs `hashing` (tens of milliseconds of CPU by design) in a thread of gevent's pool when this is a gevent
    worker, so that its other greenlets, every open live stream among them, go on meanwhile: hashlib lets go of
    the GIL while it hashes. Elsewhere it simply runs."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("threading"):
        return sys.modules["gevent"].get_hub().threadpool.apply(hashing, args)
    return hashing(*args)


def _loaded(model, row, prefix):
    """The `model` row whose columns `row` carries under `prefix`, as if read on its own."""
    found = model(__no_default__=True)
    found.__data__ = {f.name: f.python_value(getattr(row, prefix + f.name)) for f in model._meta.sorted_fields}
    return found


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
