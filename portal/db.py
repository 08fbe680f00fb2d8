"""The database object and the base model: the one place that knows the engine."""
import datetime as dt
import re
import time
import weakref
from contextlib import nullcontext
from decimal import Decimal
from typing import NamedTuple

from flask import Flask, g, has_request_context, make_response, request
from peewee import DatabaseProxy, Model, Node, SqliteDatabase
from playhouse.db_url import connect, parse
from playhouse.pool import MaxConnectionsExceeded, PooledPostgresqlDatabase, PooledSqliteDatabase

database = DatabaseProxy()


class BaseModel(Model):
    SUBJECT = None  # how events name a row of this model ("report:12"); the table's name unless set
    SNAPSHOT = ()  # the columns an event's before and after show of a row; every column unless set

    class Meta:
        database = database

    def event_subject(self) -> str:
        return f"{self.SUBJECT or self._meta.table_name}:{self.id}"

    def as_dict(self) -> dict:
        """The row as an event's snapshot: foreign keys as ids, dates as ISO text, so that it is JSON."""
        def plain(value):
            if isinstance(value, (dt.date, dt.datetime)):
                return value.isoformat()
            return float(value) if isinstance(value, Decimal) else value

        return {n: plain(self.__data__.get(n)) for n in self.SNAPSHOT or self._meta.sorted_field_names}

    def event_scope(self) -> tuple:
        """(campaign id, unit id) an event about this row belongs to."""
        return getattr(self, "campaign_id", None), getattr(self, "unit_id", None)


def open_database(url: str, pool_size: int = 20):
    if url.startswith("sqlite:///"):
        # IMMEDIATE: a read-then-write transaction takes the write lock up front,
        # so concurrent workers wait (busy_timeout) instead of failing "database is locked".
        # Pooled: a connection lives on between requests, so its pragmas run once and no request
        # pays for the checkpoint SQLite makes when the last connection to a WAL file closes.
        return PooledSqliteDatabase(
            url.removeprefix("sqlite:///"),
            max_connections=32, stale_timeout=300, timeout=10,
            check_same_thread=False,  # a pooled connection serves one request at a time, in whichever thread
            lock_type="IMMEDIATE",
            # mmap: every write empties the page cache of the other pooled connections; mapped pages
            # are read back without a copy (one worker, 16 clients: 132 ticks/s without, 195 with).
            pragmas={"journal_mode": "wal", "busy_timeout": 10000, "foreign_keys": 1, "synchronous": "normal",
                     "mmap_size": 256 * 2**20},
        )
    if url.startswith(("postgresql://", "postgres://")):
        # Pooled: every request and every live-stream poll takes a connection, and opening one
        # costs PostgreSQL a process start and authentication (/healthz: ~12 ms per request, ~3 ms pooled).
        # Per gunicorn worker; a greenlet that finds them all taken waits up to 10 s for one.
        return PooledPostgres(**parse(url), max_connections=pool_size, stale_timeout=300, timeout=10)
    return connect(url)


class PooledPostgres(PooledPostgresqlDatabase):
    """peewee's pool asks the server (`SELECT 1`) whether a connection still works each time it hands one out, and
    holds the pool's lock meanwhile: under load every request of a worker waited its turn for that round trip
    (a twentieth of a busy worker's time, and a transaction each, in bench/province.py). Only a connection that
    lay unused for FRESH_SECONDS is asked now: one given back a moment ago had a live server then, and a server
    lost since fails that request's first statement, after which the pool drops the connection."""

    FRESH_SECONDS = 1.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._returned = {}  # connection key -> when it was last given back
        self._statements = weakref.WeakKeyDictionary()  # connection -> names of the statements PREPAREd on it

    def call(self, statement: "Statement") -> str:
        """The SQL that runs `statement` on this thread's connection, PREPAREd there first if it is new to it:
        PostgreSQL then plans it once per connection, not at each run (the session's statement, which every
        request runs, took 0.6 ms to plan and run and takes 0.3 ms prepared)."""
        ready = self._statements.setdefault(self.connection(), set())
        if statement.name not in ready:
            # A statement prepared in a transaction that is then rolled back stays prepared.
            self.execute_sql(f"PREPARE {statement.name} AS {statement.numbered}")
            ready.add(statement.name)
        return statement.call

    def _is_closed(self, conn):
        if conn.closed:
            return True
        if time.monotonic() - self._returned.get(self.conn_key(conn), float("-inf")) < self.FRESH_SECONDS:
            return not self._adapter.is_connection_reusable(conn)  # the driver's own state: no round trip
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        self._returned[self.conn_key(conn)] = time.monotonic()
        self._take_begin()  # a BEGIN never sent ends with this connection, not on the thread's next one
        super()._close(conn, close_conn)

    # A transaction's BEGIN goes in the round trip of its first statement ("BEGIN; UPDATE …"), which PostgreSQL
    # runs in order: a round trip fewer for every transaction (each tick's write, each read of the live hub).
    def begin(self, isolation_level=None):
        if isolation_level or self._isolation_level:
            return super().begin(isolation_level)
        # Connected now, as the BEGIN sent here did: a connection opened by the first statement would start
        # with no transaction on record (peewee resets the list), and the block's end would find none.
        self.connection()
        self._state.begin = True

    def _take_begin(self) -> bool:
        """Whether a BEGIN waits for this thread's next statement; it waits no longer."""
        waiting = getattr(self._state, "begin", False)
        self._state.begin = False
        return waiting

    def _execute_cursor(self, sql, params, **cursor_options):
        return super()._execute_cursor("BEGIN; " + sql if self._take_begin() else sql, params, **cursor_options)

    def commit(self):
        if not self._take_begin():  # else nothing was sent: there is nothing to commit
            super().commit()

    def rollback(self):
        if not self._take_begin():
            super().rollback()

    def _close_raw(self, conn):
        self._returned.pop(self.conn_key(conn), None)
        super()._close_raw(conn)


class Slot(Node):
    """A named parameter of a statement built once (`prepared`): its value is given each time the statement runs,
    already as the database stores it (an id for a foreign key)."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def __sql__(self, ctx):
        return ctx.value(_SlotName(self.name), converter=False)


class _SlotName(str):
    """A slot's place among a statement's parameters (the others are constants of the statement)."""


# The statements every tick or request runs, built by peewee once per process and engine: peewee spends about
# 250 µs building a statement that SQLite runs in about 15 µs, and the models still give its columns and quoting.
_prepared = {}


class Statement(NamedTuple):
    sql: str
    names: tuple  # its parameters in order: slot names and the statement's constants
    name: str  # PostgreSQL: its name on each connection where it is PREPAREd

    @property
    def numbered(self) -> str:
        """The SQL with PostgreSQL's own placeholders ($1, $2, …), as PREPARE takes it."""
        places = iter(range(1, len(self.names) + 1))
        return re.sub(r"%[s%]", lambda m: f"${next(places)}" if m.group() == "%s" else "%", self.sql)

    @property
    def call(self) -> str:
        return f"EXECUTE {self.name}({', '.join(['%s'] * len(self.names))})" if self.names else f"EXECUTE {self.name}"


def prepared(key, build) -> Statement:
    """The statement of the query `build()` returns (its values `Slot`s)."""
    key = (key, type(database.obj))
    if key not in _prepared:
        sql, names = build().sql()
        _prepared[key] = Statement(sql, tuple(names), f"portal_{len(_prepared)}")
    return _prepared[key]


def _sql(key, build, values) -> tuple[str, list]:
    statement = prepared(key, build)
    params = _params(statement.names, values)
    if isinstance(database.obj, PooledPostgres):
        return database.obj.call(statement), params
    return statement.sql, params  # SQLite: Python's sqlite3 keeps the last statements it ran prepared


def run(key, build, ahead: str = "", **values):
    """Runs the statement `build` makes with `values` for its slots; returns the cursor. PostgreSQL only:
    `ahead`, statements without parameters sent before it in the same round trip (the cursor holds the last
    statement's result)."""
    sql, params = _sql(key, build, values)
    return database.execute_sql(ahead + sql, params)


def rows(model, key, build, **values) -> list:
    """`model` rows of the select `build` makes, with `values` for its slots, as peewee's `raw` makes them (a column
    of the model sets its field, any other an attribute of that name), at half the cost: the session's statement
    runs on every request."""
    cursor = run(key, build, **values)
    places = _places(model, key, cursor)
    found = []
    for record in cursor:
        row = model(__no_default__=True)
        for (field, name, convert), value in zip(places, record):
            if field:
                row.__data__[name] = value if value is None else convert(value)
            else:
                setattr(row, name, value)
        found.append(row)
    return found


_placed = {}


def _places(model, key, cursor) -> list:
    """For each column of the statement `key`: (whether it is one of `model`'s fields, its name, its conversion)."""
    key = (key, type(database.obj))
    if key not in _placed:
        columns = model._meta.columns
        _placed[key] = [(True, columns[c].name, columns[c].python_value) if c in columns else (False, c, None)
                        for c in (d[0] for d in cursor.description)]
    return _placed[key]


def _params(names, values) -> list:
    return [values[n] if isinstance(n, _SlotName) else n for n in names]


# Woken, a live hub (live.py) lets the commits of this long join the first before it reads: each read holds the
# log's lock alone, which stalls every append meanwhile, and each batch is drawn for every board that shows it.
# With a thousand phones ticking, reads and renders fall from one per tick to a few a second (bench/province.py).
GATHER_SECONDS = 0.2
# So a notification a worker sent less than half of that ago stands for a commit it made since: every hub reads
# at least GATHER_SECONDS after each notification it gets. Each NOTIFY is a transaction of its own, flushed to
# disk under a lock that every notifier waits for; at a hundred ticks a second per worker, ten do.
_notified = {"at": float("-inf")}


def _notify() -> None:
    sent = time.monotonic()
    if sent - _notified["at"] < GATHER_SECONDS / 2:
        return
    database.execute_sql("SELECT pg_notify('event', '')")
    _notified["at"] = max(_notified["at"], sent)


def notify_after_commit() -> None:
    """Wakes every worker's live reader (PostgreSQL NOTIFY) once the request's writes have committed. Not in the
    write's transaction: PostgreSQL holds a lock from a notifying transaction's commit to the end of its WAL
    flush, so notifying ticks would reach the disk one at a time instead of together. Outside a request (the
    CLI, SMS) the notification goes with the transaction, delivered at its commit."""
    if has_request_context():
        g.notify_events = True
    else:
        database.execute_sql("SELECT pg_notify('event', '')")


def joined():
    """The transaction of a write: its own, or the one it is called in (the phone's outbox, `outbox.once`) without a
    savepoint. An error inside ends that transaction whole anyway, and on PostgreSQL a savepoint costs two round
    trips, one of them, for a tick, while the log's lock is held (bench/province.py)."""
    return nullcontext() if database.in_transaction() else database.atomic()


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def init_app(app: Flask) -> None:
    database.initialize(open_database(app.config["DATABASE_URL"], app.config["DB_POOL_SIZE"]))

    @app.before_request
    def _connect():
        # /healthz connects by itself, so that a database that is down gets a 503 rather than a 500.
        if request.endpoint not in ("static", "pages.healthz"):
            database.connect(reuse_if_open=True)

    @app.errorhandler(MaxConnectionsExceeded)
    def _busy(error):
        """Every pooled connection stayed taken for the pool's whole wait: the phone is told when to try again (its
        outbox keeps the tick) rather than left waiting. Plain text: an error page would need the database too."""
        response = make_response("Máy chủ đang bận, xin thử lại sau ít giây.", 503)
        response.headers["Retry-After"] = "2"
        return response

    @app.teardown_request
    def _close(exc):
        if not database.is_closed():
            if g.pop("notify_events", False):  # before the answer leaves: an acknowledged write has woken them
                _notify()
            database.close()
