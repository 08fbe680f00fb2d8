"""The board as a workbook at the size of a district: board.xlsx for 1 000 and 3 000 villages × 40 tasks (every
check ticked, with a note), on PostgreSQL. Each export runs in a fresh process, which reports the time of the
request and its peak resident memory over what the process held before it. Prints a table.

    make bench-export ARGS="--url postgresql://postgres@127.0.0.1:5432/bench_export"   # the database is emptied
"""
import argparse
import json
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bs4 import BeautifulSoup  # noqa: E402

from portal import create_app  # noqa: E402
from portal.cli import upgrade  # noqa: E402
from portal.db import database  # noqa: E402
from portal.demo import DEMO_PASSWORD, load_demo  # noqa: E402
from portal.models import Campaign, TotalsStamp  # noqa: E402

HASH = "pbkdf2:sha256:1000"
TASKS = 40


def fill(url: str, units: int) -> None:
    """The demo commune with `units` villages in all, TASKS tasks that apply to every unit, and a check with a
    note on each: a few INSERT … SELECT generate_series statements."""
    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": HASH})
    with app.app_context():
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()
        load_demo(HASH, progress=False)
        with database.atomic():
            sql = database.execute_sql
            commune, path = sql("SELECT id, path FROM unit WHERE code = 'xa-binh-lu'").fetchone()
            sql("""INSERT INTO unit (code, name, kind, parent_id, path, contact, phone, active, version)
                   SELECT 'bench-' || i, 'Bản thử ' || lpad(i::text, 4, '0'), 'village', %s, '', '', '', true, 0
                   FROM generate_series(1, %s - (SELECT count(*) FROM unit WHERE parent_id = %s)) AS i""",
                (commune, units, commune))
            sql("UPDATE unit SET path = %s || id || '/' WHERE path = ''", (path,))
            sql("""INSERT INTO task (area_id, position, title, target, kinds, archived, evidence_required)
                   SELECT (SELECT min(id) FROM area), 100 + i, 'Việc bổ sung số ' || i || ' của đợt thi đua', '100%%',
                          '', false, false
                   FROM generate_series(1, %s - (SELECT count(*) FROM task)) AS i""", (TASKS,))
            sql("UPDATE task SET kinds = ''")
            sql("""INSERT INTO "check" (unit_id, task_id, state, note, version, updated_at)
                   SELECT u.id, t.id, (ARRAY['done', 'doing', 'todo', 'na'])[1 + (u.id + t.id) %% 4],
                          'Đã họp dân triển khai, ' || u.id || '/' || t.id, 1, now() AT TIME ZONE 'UTC'
                   FROM unit u CROSS JOIN task t WHERE u.parent_id = %s
                   ON CONFLICT DO NOTHING""", (commune,))
            sql("ANALYZE")
        TotalsStamp.keep(Campaign.select())  # the totals each tick keeps, as a commune in use has them
        database.close()


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20


def measure(url: str) -> dict:
    """One export in this process: seconds, peak memory over the memory before, the memory over it halfway through
    the request and near its end (rows written meanwhile would show as growth), size of the file."""
    app = create_app({"DATABASE_URL": url, "PASSWORD_HASH_METHOD": HASH})
    client = app.test_client()
    token = BeautifulSoup(client.get("/login").get_data(), "html.parser").select_one("input[name=csrf_token]")["value"]
    client.post("/login", data={"username": "vanhoa", "password": DEMO_PASSWORD, "csrf_token": token})
    import rustpy_xlsxwriter  # noqa: F401  (loaded before the baseline: its code is not the rows' memory)
    before = rss_mb()
    samples, done = [], threading.Event()

    def sample():
        while not done.wait(0.01):
            samples.append((time.perf_counter(), rss_mb()))

    sampler = threading.Thread(target=sample)
    start = time.perf_counter()
    sampler.start()
    response = client.get("/exports/board.xlsx")
    size = len(response.get_data())
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    assert response.status_code == 200, response.status_code
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def at(share):
        return next(rss for t, rss in samples if t - start >= share * seconds) - before

    return {"seconds": seconds, "grew_mb": peak - before, "half_mb": at(0.5), "late_mb": at(0.9), "bytes": size}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL database the bench may empty")
    parser.add_argument("--units", default="1000,3000")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.url)))
        return
    print("| villages × tasks | detail rows | board.xlsx | time | peak memory over baseline | at half time / at 90 % |")
    print("|---|---|---|---|---|---|")
    for units in [int(u) for u in args.units.split(",")]:
        fill(args.url, units)
        out = subprocess.run([sys.executable, __file__, "--url", args.url, "--measure"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
        r = json.loads(out.splitlines()[-1])
        print(f"| {units} × {TASKS} | {units * TASKS:,} | {r['bytes'] / 2**20:.1f} MiB | {r['seconds']:.1f} s "
              f"| {r['grew_mb']:.0f} MiB | {r['half_mb']:.0f} / {r['late_mb']:.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
