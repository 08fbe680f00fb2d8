"""Live fan-out on PostgreSQL: what idle live streams cost the database. Opens 0, 200 and 1 000 checklist
streams (phones left on their checklist) against gunicorn and counts, by PostgreSQL's own statistics,
the transactions per second (each statement outside a transaction is one) and the reads of the event table.
Prints a table.

    make bench-fanout ARGS="--url postgresql://postgres@127.0.0.1:5432/bench"   # the database is emptied
"""
import argparse
import socket
import sys
import time
from pathlib import Path

from playhouse.db_url import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Server, big_database  # noqa: E402
from test_weight import Wire  # noqa: E402  (tests/ is on the path through run)


def counters(db) -> tuple[int, int]:
    db.execute_sql("SELECT pg_stat_clear_snapshot()")
    commits = db.execute_sql("SELECT xact_commit + xact_rollback FROM pg_stat_database "
                             "WHERE datname = current_database()").fetchone()[0]
    scans = db.execute_sql("SELECT seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_user_tables "
                           "WHERE relname = 'event'").fetchone()[0]
    return commits, scans


def per_second(db, seconds) -> tuple[float, float]:
    # A backend reports its statistics when it goes idle, but when many report at once the ones that find the
    # statistics locked try again 10 s later: the opening of the streams would land in the count.
    time.sleep(12)
    commits, scans = counters(db)
    time.sleep(seconds)
    after = counters(db)
    # The two reads of the counters are transactions too: not the streams'.
    return (after[0] - commits - 3) / seconds, (after[1] - scans) / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="a PostgreSQL database the bench may empty")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--streams", default="0,200,1000")
    args = parser.parse_args()
    db = connect(args.url)
    db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.close()
    big_database(args.url, units=300, tasks=60)
    server = Server(args.url, workers=2, PORTAL_LOGIN_RATE_LIMIT="10000 per minute")
    db.connect()
    try:
        host, port = "127.0.0.1", server.port
        cookies = []
        for username in [r[0] for r in db.execute_sql(
                "SELECT username FROM \"user\" WHERE role = 'unit' ORDER BY username LIMIT 50")]:
            wire = Wire(server.base)
            wire.login(username)
            cookies.append(wire.cookie)
        streams = []
        print(f"{'open streams':>12}  {'transactions/s':>14}  {'event reads/s':>13}")
        for count in [int(n) for n in args.streams.split(",")]:
            opened = len(streams)
            while len(streams) < count:
                s = socket.create_connection((host, port))
                cookie = cookies[len(streams) % len(cookies)]
                s.sendall(f"GET /checklist/events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
                streams.append(s)
            for s in streams[opened:]:  # each stream has begun once its first line came: it is only waiting now
                while b"retry:" not in s.recv(4096):
                    pass
            commits, scans = per_second(db, args.seconds)
            print(f"{count:>12}  {commits:>14.1f}  {scans:>13.1f}", flush=True)
        for s in streams:
            s.close()
    finally:
        db.close()
        server.stop()


if __name__ == "__main__":
    main()
