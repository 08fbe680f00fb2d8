"""The demo campaign: the Bình Lư plan, its units and one account per unit, in progress today; or a province of
communes on its pattern."""
import datetime as dt
import json
import random
import tomllib
from importlib import resources

from . import clock
from .db import database
from .models import Area, Campaign, Event, Report, Task, Unit, User, set_check
from .unit_import import unit_code as unit_code_of

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
        user = User.open(username, role, DEMO_PASSWORD, hash_method, unit=unit, full_name=full_name)
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


# Communes of the demo province (Lai Châu's), the first the Bình Lư of the plan; beyond them "Xã N".
COMMUNES = [("binh-lu", "Bình Lư"), ("tan-phong", "Tân Phong"), ("muong-so", "Mường So"), ("khun-ha", "Khun Há"),
            ("nam-tam", "Nậm Tăm"), ("pa-tan", "Pa Tần"), ("ta-gia", "Tà Gia"), ("sin-ho", "Sìn Hồ")]
# Village names: each commune takes its own ten in turn, Bình Lư the plan's own.
VILLAGES = ["Bình Lư", "Nà Bỏ", "Nà Ít", "Nà Đông", "Phiêng Chá", "Coóc Lầu", "Sì Thâu Chải", "Lao Chải", "Suối Thầu",
            "Hoa Hồng", "Nà Tăm", "Phiêng Lúc", "Hua Bum", "Pa Khóa", "Lùng Thàng", "Nà Cà", "Hô Sáng", "Tà Lồm",
            "Co Muông", "Pu Sam Cáp", "Nậm Loỏng", "Căn Co", "Sin Suối Hồ", "Thèn Sin", "Phúc Than", "Nà Luồng",
            "Huổi Ke", "Nà Hừ", "Nà Khan", "Pắc Ta", "Mường Kim", "Nà Phát", "Hồ Thầu", "Pa Vệ Sủ", "Nậm Xe",
            "Khoen On", "Ta Gia", "Phiêng Nghè", "Nà Sẳng", "Thẳm Phé"]
STAFF_SUFFIXES = {"office": "vanhoa", "council": "hoidong", "leader": "chutich", "supervisor": "mttq"}


def _plan():
    return tomllib.loads(resources.files("portal").joinpath("data/binh-lu-2026.toml").read_text("utf-8"))


def _account(username, role, unit, hash_method, full_name="") -> User:
    return User.open(username, role, DEMO_PASSWORD, hash_method, unit=unit, full_name=full_name)


def load_province(hash_method: str, communes: int = 3, progress: bool = True,
                  starts_on: dt.date | None = None) -> list[User]:
    """A province (the account `tinh`) whose campaign every one of its `communes` communes received, each commune
    on the Bình Lư pattern with its own names and codes, its staff (`vanhoa-<code>`…) and one account per unit, and
    progress spread differently in each. Returns the accounts made."""
    from .plan import create_campaign, launch  # the one way campaigns are made and launched

    plan = _plan()["campaign"]
    shift = (starts_on or clock.today() - dt.timedelta(days=DAYS_BEFORE_TODAY)) - plan["starts_on"]
    proposal = {**plan, **{k: plan[k] + shift for k in ("starts_on", "ends_on", "report_due_on")},
                "areas": [{"title": a["title"], "tasks": a["tasks"]} for a in _plan()["areas"]]}
    with database.atomic():
        province = Unit.add("tinh-lai-chau", "UBND tỉnh Lai Châu", "province")
        users = [_account("tinh", "province", province, hash_method, "Ban Thi đua – Khen thưởng tỉnh")]
        made = [add_commune(province, k, hash_method) for k in range(communes)]
        source = create_campaign(proposal, province, status="active")
        copies = {c.unit_id: c for c in launch(source)}
        for k, (commune, unit_users, staff) in enumerate(made):
            users += list(unit_users.values()) + staff
            if progress:  # each commune at its own pace: the whole plan's spread, three quarters of it, half
                _tick_some(copies[commune.id], unit_users, ahead=[], seed=2026 + k, pace=1 - 0.25 * (k % 3))
    return users


def add_commune(province: Unit, k: int, hash_method: str) -> tuple[Unit, dict, list]:
    """Commune number `k` of the province on the Bình Lư pattern: (the commune, its unit accounts by code, its
    staff accounts)."""
    data = _plan()
    code, name = COMMUNES[k] if k < len(COMMUNES) else (f"xa-{k + 1}", f"Xã {k + 1}")
    commune = Unit.add(code, f"UBND xã {name}", "commune", parent=province)
    unit_users = {}
    villages = iter(VILLAGES[(10 * k) % len(VILLAGES):] + VILLAGES)
    for row in data["units"]:
        row = _in_commune(row, k, code, name, villages)
        unit_users[row["code"]] = _account(row["code"], "unit", Unit.add(parent=commune, **row), hash_method,
                                           row["contact"])
    staff = [_account(f"{STAFF_SUFFIXES[row['role']]}-{code}", row["role"], commune, hash_method, row["full_name"])
             for row in data["staff"]]
    return commune, unit_users, staff


def _in_commune(row: dict, k: int, code: str, name: str, villages) -> dict:
    """A unit of the plan as commune number `k` has it: its name and code carry the commune's, a village takes the
    commune's next village name, and the phone its own number."""
    unit_code = row["code"].replace("binh-lu", code)
    unit_name = row["name"].replace("Bình Lư", name)
    if row["kind"] == "village":
        unit_name = f"Bản {next(villages)}"
        unit_code = unit_code_of(unit_name, set())
    elif unit_name.endswith(" xã"):
        unit_name = f"{unit_name} {name}"
    if not unit_code.endswith(code):
        unit_code = f"{unit_code}-{code}"
    phone = f"09{12 + k:02d} {row['phone'][5:]}"
    return {**row, "code": unit_code, "name": unit_name, "phone": phone}


def _tick_some(campaign, unit_users: dict, ahead: list[str], seed: int = 2026, pace: float = 1.0):
    """Gives the board something to show: shares done spread from far behind today's pace (half the
    tasks) to nearly all, the units in `ahead` at the top."""
    rng = random.Random(seed)
    tasks = [t for a in campaign.areas_with_tasks() for t in a.task_list]
    codes = [c for c in unit_users if c not in ahead]
    rng.shuffle(codes)
    codes += ahead
    for i, code in enumerate(codes):
        user = unit_users[code]
        share = (0.1 + 0.85 * i / (len(codes) - 1)) * pace
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
