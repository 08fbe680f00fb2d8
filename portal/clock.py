"""Dates as the commune sees them: Asia/Ho_Chi_Minh, or the pinned PORTAL_TODAY."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def now() -> dt.datetime:
    """This moment in the commune's zone. PORTAL_NOW pins it (deadline tests); PORTAL_TODAY pins only the day."""
    cfg = current_app.config
    if cfg.get("NOW"):
        moment = dt.datetime.fromisoformat(cfg["NOW"])
        return moment.astimezone(zone()) if moment.tzinfo else moment.replace(tzinfo=zone())
    moment = dt.datetime.now(zone())
    if cfg.get("TODAY"):
        return dt.datetime.combine(dt.date.fromisoformat(cfg["TODAY"]), moment.timetz())
    return moment


def utc_now() -> dt.datetime:
    """`now()` as the naive UTC the database stores."""
    return now().astimezone(dt.timezone.utc).replace(tzinfo=None)


def today() -> dt.date:
    return now().date()


def local(moment: dt.datetime) -> dt.datetime:
    """Stored times are naive UTC."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone())


def days_left(due: dt.date) -> str:
    days = (due - today()).days
    if days > 0:
        return f"còn {days} ngày"
    if days == 0:
        return "hôm nay là hạn cuối"
    return f"đã quá hạn {-days} ngày"


def expected_share(starts_on: dt.date, ends_on: dt.date) -> float:
    """The part of the campaign's tasks a unit on pace has done by today, 0..1."""
    total = (ends_on - starts_on).days + 1
    elapsed = (today() - starts_on).days + 1
    return min(max(elapsed / total, 0.0), 1.0)
