"""gunicorn settings; PORT and WEB_CONCURRENCY override the defaults."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Live boards hold a stream open per viewer: gevent keeps thousands of idle ones for little
# memory, where a sync worker would be killed by its timeout and a thread each would be dear.
worker_class = "gevent"
worker_connections = int(os.environ.get("PORTAL_WORKER_CONNECTIONS", "1000"))
# nginx keeps its connections to gunicorn open between requests (docs/, upstream keepalive) for up to 60 s:
# gunicorn must not close one first (its default is 2 s), or nginx may send a tick on a connection being closed
# and answer 502 without trying again (a POST). Kept, a tick also skips a connection's set-up.
keepalive = 75
graceful_timeout = 5  # streams are cut at restart; browsers resume them from Last-Event-ID
# One line per request on stdout: time, client, method path protocol, status, bytes, duration.
# Errors (the app's tracebacks among them) go to stderr; systemd's journal keeps both.
accesslog = "-"
errorlog = "-"
access_log_format = '%(t)s %(h)s "%(r)s" %(s)s %(B)s %(M)sms'


def post_fork(server, worker):
    # psycopg2 waits for PostgreSQL in C, blocking the whole gevent worker; with this it yields to the other
    # greenlets, so one slow query no longer stalls every open page and stream of the worker.
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()
