"""Dates as the commune sees them: Asia/Ho_Chi_Minh, or the pinned PORTAL_TODAY."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def today() -> dt.date:
    pinned = current_app.config.get("TODAY")
    if pinned:
        return dt.date.fromisoformat(pinned)
    return dt.datetime.now(zone()).date()


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
