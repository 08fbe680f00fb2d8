"""The demo campaign: the Bình Lư plan, its units and one account per unit."""
import random
import tomllib
from importlib import resources

from .db import database
from .models import Area, Campaign, Task, Unit, User, set_check

DEMO_PASSWORD = "demo2026"


def load_demo(hash_method: str, progress: bool = True) -> list[User]:
    """Creates the demo campaign in one transaction; returns the accounts made."""
    data = tomllib.loads(resources.files("portal").joinpath("data/binh-lu-2026.toml").read_text("utf-8"))
    users = []

    def account(username, role, full_name="", unit=None):
        user = User(username=username, role=role, full_name=full_name, unit=unit)
        user.set_password(DEMO_PASSWORD, hash_method)
        user.save()
        users.append(user)

    with database.atomic():
        commune = Unit.add(data["commune"]["code"], data["commune"]["name"], "commune")
        campaign = Campaign.create(unit=commune, **data["campaign"])
        for i, area_data in enumerate(data["areas"], 1):
            area = Area.create(campaign=campaign, position=i, title=area_data["title"])
            for j, task in enumerate(area_data["tasks"], 1):
                Task.create(area=area, position=j, **task)
        for row in data["units"]:
            unit = Unit.add(parent=commune, **row)
            account(row["code"], "unit", row["contact"], unit)
        for row in data["staff"]:
            account(**row)
        if progress:
            _tick_some(campaign, [u for u in users if u.role == "unit"])
    return users


def _tick_some(campaign, unit_users):
    """Gives the board something to show: each unit has done a different share of its tasks."""
    rng = random.Random(2026)
    tasks = [t for a in campaign.areas_with_tasks() for t in a.task_list]
    for user in unit_users:
        share = rng.random()
        for task in tasks:
            if task.applies_to(user.unit) and rng.random() < share:
                state = rng.choice(["done", "done", "doing"])
                set_check(user.unit, task, state, "", 0, user, campaign)
