"""The event log at the size of a province's year: fills the event table on PostgreSQL with 1M and 5M events
(ARGS="--sizes 1,5,20" for 20M), 3 000 villages ticking over a year, and at each size times what every tick and
every open stream does: a tick's insert (Event.record), a board stream's read of the events after its cursor, a
checklist stream's read of its unit's events, the board's ETag (its campaign's newest event), the board's "last
activity" per unit and a page of /audit filtered by unit, kind and date. Prints a table of medians.

    make bench-eventlog ARGS="--url postgresql://postgres@127.0.0.1:5432/bench_eventlog"   # the database is emptied
"""
import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import create_app  # noqa: E402
from portal.cli import upgrade  # noqa: E402
from portal.db import database  # noqa: E402
from portal.demo import load_demo  # noqa: E402
from portal.models import Campaign, Event, Unit  # noqa: E402

UNITS = 3000
REPEAT = 200


def setup() -> tuple:
    database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    upgrade()
    load_demo("pbkdf2:sha256:1000", progress=False)
    commune = Unit.get(Unit.code == "xa-binh-lu")
    database.execute_sql("""INSERT INTO unit (code, name, kind, parent_id, path, contact, phone, active, version)
                            SELECT 'bench-' || i, 'Bản thử ' || i, 'village', %s, '', '', '', true, 0
                            FROM generate_series(1, %s) AS i""", (commune.id, UNITS))
    database.execute_sql("UPDATE unit SET path = %s || id || '/' WHERE path = ''", (commune.path,))
    return Campaign.get(), list(Unit.select(Unit.id).where(Unit.parent == commune).tuples())


def grow(rows: int, total: int, campaign) -> None:
    """Appends `rows` events, the last `total` spread over the year before now: ticks of every village."""
    database.execute_sql(f"""
        INSERT INTO event (at, kind, user_id, campaign_id, unit_id, subject, "before", "after")
        SELECT now() AT TIME ZONE 'UTC' - interval '365 days' * (1 - (n + i)::float / {total}),
               (ARRAY['check.set', 'check.set', 'check.set', 'evidence.add', 'report.save'])[1 + i %% 5],
               NULL, {campaign.id}, (SELECT min(id) FROM unit WHERE code LIKE 'bench-%%') + i %% {UNITS},
               'task:' || (1 + i %% 40), '{{"state": "todo"}}', '{{"state": "done"}}'
        FROM generate_series(1, {rows}) AS i, (SELECT count(*) AS n FROM event) AS c""", ())
    database.execute_sql("VACUUM ANALYZE event")


def ms(action) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def audit_page(**where):
    from portal.audit import PAGE
    query = Event.select().where(*where.values()).order_by(Event.id.desc()).limit(PAGE + 1)
    return lambda: list(query.clone())


def measure(campaign, units) -> dict:
    unit = units[len(units) // 2][0]
    last = Event.last_id()
    yesterday = dt.datetime.utcnow() - dt.timedelta(days=1)

    def tick():
        with database.atomic():
            Event.record("check.set", campaign=campaign, unit=unit, subject="task:1", before={}, after={})

    return {
        "tick: Event.record": ms(tick),
        "board stream: newer_than(cursor)": ms(lambda: Event.newer_than(last - 20, last)),
        "checklist stream: newer_than(cursor, unit)": ms(lambda: Event.newer_than(last - 20_000, last, unit_id=unit)),
        "board ETag: last id of the campaign": ms(lambda: Event.last_id(Event.campaign == campaign)),
        "board: last activity of 3 000 units": ms(lambda: Event.last_activity(campaign)),
        "/audit page by unit": ms(audit_page(unit=Event.unit == unit)),
        "/audit page by kind": ms(audit_page(kind=Event.kind == "report.save")),
        "/audit page of yesterday": ms(audit_page(at=Event.at >= yesterday)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL database the bench may empty")
    parser.add_argument("--sizes", default="1,5", help="millions of events, growing")
    args = parser.parse_args()
    sizes = [int(float(s) * 1_000_000) for s in args.sizes.split(",")]
    app = create_app({"DATABASE_URL": args.url})
    results = {}
    with app.app_context():
        database.connect()
        campaign, units = setup()
        for size in sizes:
            start = time.perf_counter()
            grow(size - Event.select().count(), size, campaign)
            print(f"filled to {size:,} events in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
            results[size] = measure(campaign, units)
    print("| median of 200, ms | " + " | ".join(f"{s / 1e6:g}M events" for s in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in results[sizes[0]]:
        print(f"| {name} | " + " | ".join(f"{results[s][name]:.2f}" for s in sizes) + " |")


if __name__ == "__main__":
    main()
