"""The demo campaign: the Bình Lư plan, its units and one account per unit, in progress today."""
import datetime as dt
import json
import random
import tomllib
from importlib import resources

from . import clock
from .db import database
from .models import Area, Campaign, Event, Report, Task, Unit, User, set_check

DEMO_PASSWORD = "demo2026"
# Today is day 14 of the plan's 28: half the time gone, the sơ kết due on day 18, four days ahead.
DAYS_BEFORE_TODAY = 13


def load_demo(hash_method: str, progress: bool = True, starts_on: dt.date | None = None) -> list[User]:
    """Creates the demo campaign in one transaction; returns the accounts made.

    The plan's dates move to start on `starts_on` (by default 13 days before today), keeping its span
    and its report deadline, so that a fresh demo always shows a campaign in progress."""
    data = tomllib.loads(resources.files("portal").joinpath("data/binh-lu-2026.toml").read_text("utf-8"))
    plan = data["campaign"]
    shift = (starts_on or clock.today() - dt.timedelta(days=DAYS_BEFORE_TODAY)) - plan["starts_on"]
    dates = {k: plan[k] + shift for k in ("starts_on", "ends_on", "report_due_on")}
    users = []

    def account(username, role, full_name="", unit=None):
        user = User(username=username, role=role, full_name=full_name, unit=unit)
        user.set_password(DEMO_PASSWORD, hash_method)
        user.save()
        users.append(user)
        return user

    with database.atomic():
        commune = Unit.add(data["commune"]["code"], data["commune"]["name"], "commune")
        campaign = Campaign.create(unit=commune, **{**plan, **dates})
        for i, area_data in enumerate(data["areas"], 1):
            area = Area.create(campaign=campaign, position=i, title=area_data["title"])
            for j, task in enumerate(area_data["tasks"], 1):
                Task.create(area=area, position=j, **task)
        unit_users = {}
        for row in data["units"]:
            unit = Unit.add(parent=commune, **row)
            unit_users[row["code"]] = account(row["code"], "unit", row["contact"], unit)
        for row in data["staff"]:
            account(**row, unit=commune)
        if progress:
            filers = [r["unit"] for r in data["reports"]]
            _tick_some(campaign, unit_users, ahead=filers)
            for row in data["reports"]:
                _file_report(campaign, unit_users[row["unit"]], row)
    return users


def _tick_some(campaign, unit_users: dict, ahead: list[str]):
    """Gives the board something to show: shares done spread from far behind today's pace (half the
    tasks) to nearly all, the units in `ahead` at the top."""
    rng = random.Random(2026)
    tasks = [t for a in campaign.areas_with_tasks() for t in a.task_list]
    codes = [c for c in unit_users if c not in ahead]
    rng.shuffle(codes)
    codes += ahead
    for i, code in enumerate(codes):
        user = unit_users[code]
        share = 0.1 + 0.85 * i / (len(codes) - 1)
        mine = [t for t in tasks if t.applies_to(user.unit)]
        rng.shuffle(mine)
        done = round(share * len(mine))
        for k, task in enumerate(mine[:done + 1]):
            set_check(user.unit, task, "done" if k < done else "doing", "", 0, user, campaign)


def _file_report(campaign, user, row):
    """A sơ kết as the unit would file it: each area's result in a line, then its own words."""
    areas = campaign.areas_with_tasks()
    states = {c.task_id: c.state for c in user.unit.checks}
    results = {}
    for area in areas:
        mine = [t for t in area.task_list if t.applies_to(user.unit)]
        done = sum(states.get(t.id) == "done" for t in mine)
        results[area.id] = f"Hoàn thành {done}/{len(mine)} việc." if mine else ""
    report = Report.create(campaign=campaign, unit=user.unit, state="submitted", submitted_at=clock.utc_now(),
                           results=json.dumps(results, ensure_ascii=False), highlights=row["highlights"],
                           difficulties=row["difficulties"], proposals=row["proposals"])
    Event.record("report.submit", user, campaign=campaign, unit=user.unit, subject=report,
                 after=report.as_dict())
