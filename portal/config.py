"""Settings read from the environment (PORTAL_*), with safe defaults."""
import os
import secrets
from pathlib import Path


def secret_key(instance: Path) -> str:
    """A key kept in instance/ so sessions survive restarts without anyone choosing one."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment(instance: Path) -> dict:
    env = os.environ
    return {
        "DATABASE_URL": env.get("PORTAL_DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"),
        # PostgreSQL connections each gunicorn worker keeps open (see portal/db.py).
        "DB_POOL_SIZE": int(env.get("PORTAL_DB_POOL_SIZE", "20")),
        "SECRET_KEY": env.get("PORTAL_SECRET_KEY"),
        # Pins "today" for demos and tests; unset in production.
        "TODAY": env.get("PORTAL_TODAY"),
        "TIMEZONE": env.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        # Pins the moment (ISO 8601; without an offset it is commune time), for deadline tests.
        "NOW": env.get("PORTAL_NOW"),
        # A nomination passes when more than this share of the council's members agree.
        "VOTE_MAJORITY": env.get("PORTAL_VOTE_MAJORITY", "0.5"),
        # … of all the council's members, or of those at the meeting ("present"); the office sets it per award form.
        "VOTE_BASE": env.get("PORTAL_VOTE_BASE", "members"),
        # Per award form, "cap-tren=2/3,gia-dinh-van-hoa=0.5": the threshold until the office sets one.
        "AWARD_THRESHOLDS": dict(pair.split("=", 1) for pair in env.get("PORTAL_AWARD_THRESHOLDS", "").split(",")
                                 if "=" in pair),
        # Nothing passes unless at least this share of the council's members attends the meeting.
        "QUORUM": env.get("PORTAL_QUORUM", "2/3"),
        # Giấy khen printed on the province's pre-printed A4 landscape forms: margins in cm (top,right,bottom,left).
        "CERTIFICATE_MARGINS": env.get("PORTAL_CERTIFICATE_MARGINS", "2,2,2,2"),
        "PUBLIC_COMMENT_DAYS": int(env.get("PORTAL_PUBLIC_COMMENT_DAYS", "5")),
        # memory:// counts per gunicorn worker; redis://127.0.0.1:6379 shares one count between them all.
        "RATELIMIT_STORAGE_URI": env.get("PORTAL_RATELIMIT_STORAGE_URL", "memory://"),
        # Keeps apart the counts of several portals (or test runs) sharing one Redis.
        "RATELIMIT_KEY_PREFIX": env.get("PORTAL_RATELIMIT_KEY_PREFIX", "cong-thi-dua"),
        # While Redis is down each worker counts on its own again, rather than every login answering 500.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "OPINION_RATE_LIMIT": env.get("PORTAL_OPINION_RATE_LIMIT", "5 per hour"),
        # Per client address, on top of the per-account lockout: guessing across many accounts is slowed too.
        "LOGIN_RATE_LIMIT": env.get("PORTAL_LOGIN_RATE_LIMIT", "20 per minute; 200 per hour"),
        # Counted per username and client address, so that a stranger's guesses lock only the stranger out.
        "LOCKOUT_FAILURES": int(env.get("PORTAL_LOCKOUT_FAILURES", "5")),
        "LOCKOUT_MINUTES": int(env.get("PORTAL_LOCKOUT_MINUTES", "15")),
        # A sign-in lasts this long at most (a phone stays signed in for a campaign), or until logout.
        "SESSION_DAYS": int(env.get("PORTAL_SESSION_DAYS", "30")),
        "PASSWORD_HASH_METHOD": env.get("PORTAL_PASSWORD_HASH_METHOD", "scrypt"),
        # The board polls (with its ETag) only as a fallback for live push.
        "BOARD_POLL_SECONDS": int(env.get("PORTAL_BOARD_POLL_SECONDS", "60")),
        "LIVE_POLL_SECONDS": float(env.get("PORTAL_LIVE_POLL_SECONDS", "0.25")),
        "LIVE_STREAM_SECONDS": float(env.get("PORTAL_LIVE_STREAM_SECONDS", "600")),
        "LIVE_HEARTBEAT_SECONDS": float(env.get("PORTAL_LIVE_HEARTBEAT_SECONDS", "15")),
        "EVIDENCE_DIR": env.get("PORTAL_EVIDENCE_DIR", str(instance / "evidence")),
        # A 10 MB photo or PDF plus the form around it; larger requests get a 413.
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env.get("PORTAL_SECURE_COOKIES", "0") == "1",
        # Behind nginx: trust one proxy's X-Forwarded-For/-Proto/-Host (never set it without a proxy,
        # or anyone could pick the address the login throttle and the opinion limit count).
        "PROXY_FIX": env.get("PORTAL_PROXY_FIX", "0") == "1",
        "WTF_CSRF_TIME_LIMIT": None,
        # gammu-smsd's SQL storage (sqlite:///var/spool/gammu/smsd.db or postgresql://…); unset: no SMS at all.
        "SMS_DATABASE_URL": env.get("PORTAL_SMS_DATABASE_URL", ""),
        # The portal's address as a village head would type it, put in reminders.
        "SMS_PORTAL_ADDRESS": env.get("PORTAL_SMS_PORTAL_ADDRESS", ""),
        # Replies and scheduled reminders without diacritics: 160 characters to an SMS instead of 70.
        "SMS_WITHOUT_DIACRITICS": env.get("PORTAL_SMS_WITHOUT_DIACRITICS", "0") == "1",
    }
