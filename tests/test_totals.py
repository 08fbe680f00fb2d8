"""The totals every board reads (done of counted tasks per unit and area) stay what the checks say: moved in each
tick's transaction, counted again after the plan or the units change, and right when two ticks of one unit
commit at once. On both engines."""
import threading

from portal.db import database, is_sqlite
from portal.models import Campaign, Check, Task, TotalsStamp, Unit, UnitTotal, set_check
from portal.progress import progress

from conftest import Actor, soup, user


def recount(campaign) -> dict:
    """(unit id, area id) -> (done, total), counted from the checks as the board did before it kept totals."""
    areas = campaign.areas_with_tasks()
    return {(row.unit.id, area.id): (row.areas[area.id].done, row.areas[area.id].total)
            for row in progress(areas, campaign.units()) for area in areas}


def demo() -> Campaign:
    """Bình Lư's campaign in progress."""
    return Campaign.get(Campaign.unit == Unit.get(Unit.code == "xa-binh-lu"), Campaign.status == "active")


def kept(campaign) -> dict:
    return UnitTotal.of([Campaign.get_by_id(campaign.id)])


def tasks_of(unit):
    return [t for t in demo().areas_with_tasks()[0].task_list if t.applies_to(unit)]


def tick(unit, task, state):
    """The unit's head sets a state from the check as it is now (the route's own write)."""
    set_check(unit, task, state, "", Check.of(unit, task).version, user(unit.code), demo())


def test_totals_follow_ticks_and_every_change_of_plan_or_units(app, village):
    unit, task = village
    office = Actor(app.test_client())
    office.login("vanhoa")
    campaign = demo()
    assert kept(campaign) == recount(campaign) and kept(campaign)  # counted on the first read after the demo
    first, second = tasks_of(unit)[:2]
    for task_id, state in ((first.id, "done"), (second.id, "na"), (first.id, "doing"), (first.id, "done"),
                           (second.id, "done")):
        tick(unit, Task.get_by_id(task_id), state)
    totals = kept(campaign)
    assert totals == recount(campaign)
    assert totals[(unit.id, first.area_id)][0] == 2

    # The office adds a task for villages, narrows another to schools, archives a ticked one.
    response = office.submit(f"/campaigns/{campaign.id}", f"#area-{first.area_id} details form", **{
        f"new-task-{first.area_id}-title": "Bản dọn vệ sinh đường làng",
        f"new-task-{first.area_id}-kinds": ["village"]})
    assert response.status_code == 303
    assert kept(campaign) == recount(campaign)
    assert office.submit(f"/campaigns/{campaign.id}", f"#task-{second.id} form", **{
        f"task-{second.id}-kinds": ["school"]}).status_code == 303
    assert kept(campaign) == recount(campaign)
    tick(unit, first, "todo")
    assert office.submit(f"/campaigns/{campaign.id}", f"#task-{first.id} form[action$=remove]").status_code == 303
    assert Task.get_by_id(first.id).archived
    assert kept(campaign) == recount(campaign)

    # A unit added, ticking at once; another deactivated.
    response = office.submit("/units/new", "main form", name="Bản Nậm Mở", kind="village",
                             parent=str(unit.parent_id))
    assert response.status_code == 303
    new = Unit.get(Unit.name == "Bản Nậm Mở")
    set_check(new, tasks_of(new)[0], "done", "", 0, user("vanhoa"), demo())  # no account yet
    assert kept(campaign) == recount(campaign) and kept(campaign)[(new.id, first.area_id)][0] == 1
    gone = Unit.get(Unit.code == "ban-na-bo")
    assert office.submit("/units", f"#unit-{gone.id} form").status_code == 303
    totals = kept(campaign)
    assert totals == recount(campaign) and not any(unit_id == gone.id for unit_id, _ in totals)


def test_the_board_shows_the_kept_totals_not_the_checks(app, village):
    """The board reads the totals: a check written behind the portal's back shows only once they are counted
    again (the stamp cleared), which is what proves the board no longer counts checks."""
    unit, task = village
    office = Actor(app.test_client())
    office.login("vanhoa")
    campaign = demo()

    def cell():
        row = soup(office.client.get("/board")).select_one(f"#unit-{unit.id}")
        return row.select_one("td.total small").text  # done/total

    before = cell()
    Check.create(unit=unit, task=task, state="done", version=1)
    assert cell() == before
    TotalsStamp.delete().where(TotalsStamp.campaign == campaign).execute()
    assert cell() != before
    api = office.client.get("/api/progress").get_json()
    row = next(u for u in api["units"] if u["id"] == unit.id)
    done, total = (sum(v[i] for (u, _), v in recount(campaign).items() if u == unit.id) for i in (0, 1))
    assert (row["done"], row["total"]) == (done, total)


def test_two_ticks_of_one_unit_committed_at_once_both_count(app, village, monkeypatch):
    """Two phones of one unit tick two tasks of one area at the same moment. On PostgreSQL both transactions are
    open together when they add to the same row; on SQLite both have read before either writes."""
    unit, _ = village
    campaign = demo()
    one, two = tasks_of(unit)[:2]
    assert one.area_id == two.area_id
    head = user("ban-na-bo")
    before = kept(campaign)[(unit.id, one.area_id)]
    together = threading.Barrier(2, timeout=30)
    if is_sqlite():
        original, owner, name = Check.of.__func__, Check, "of"

        def waiting(cls, *args):
            found = original(cls, *args)
            together.wait()
            return found
        monkeypatch.setattr(owner, name, classmethod(waiting))
    else:
        original, owner, name = UnitTotal.move.__func__, UnitTotal, "move"

        def waiting(cls, *args):
            together.wait()  # both checks are written, both transactions open
            return original(cls, *args)
        monkeypatch.setattr(owner, name, classmethod(waiting))
    failures = []

    def tick(task):
        with app.app_context():
            try:
                with database.connection_context():
                    set_check(unit, task, "done", "", 0, head, campaign)
            except Exception as error:  # shown by the test below
                failures.append(error)

    threads = [threading.Thread(target=tick, args=(t,)) for t in (one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert failures == []
    totals = kept(campaign)
    assert totals[(unit.id, one.area_id)] == (before[0] + 2, before[1])
    assert totals == recount(campaign)
