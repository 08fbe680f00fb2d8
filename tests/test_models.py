"""The domain rules under every page: idempotent set-state, versions, the event log, scores."""
import datetime as dt
import json

import pytest

from portal import clock
from portal.models import MODELS, Check, Event, Lockout, Stale, Unit, User, set_check
from portal.progress import progress
from portal.text import nfc, vn_sort_key


def test_setting_a_state_appends_one_event_with_before_and_after(app, village):
    unit, task = village
    head = User.get(User.username == unit.code)
    check, changed = set_check(unit, task, "done", "Đã họp dân", 0, head, task.area.campaign)
    assert changed and check.version == 1
    (event,) = Event.select().where(Event.kind == "check.set")
    assert event.unit_id == unit.id and event.user_id == head.id and event.subject == f"task:{task.id}"
    assert json.loads(event.before) == {"state": "todo", "note": "", "version": 0}
    assert json.loads(event.after) == {"state": "done", "note": "Đã họp dân", "version": 1}


def test_a_replayed_request_changes_nothing(app, village):
    unit, task = village
    head = User.get(User.username == unit.code)
    set_check(unit, task, "done", "", 0, head, task.area.campaign)
    check, changed = set_check(unit, task, "done", "", 0, head, task.area.campaign)
    assert not changed and check.version == 1
    assert Event.select().count() == 1


def test_a_stale_version_is_refused_with_the_saved_check(app, village):
    unit, task = village
    head = User.get(User.username == unit.code)
    set_check(unit, task, "doing", "", 0, head, task.area.campaign)
    with pytest.raises(Stale):
        set_check(unit, task, "done", "", 0, head, task.area.campaign)
    saved = Check.get(Check.unit == unit, Check.task == task)
    assert saved.state == "doing" and saved.version == 1


def test_not_applicable_tasks_leave_the_total(app, village):
    unit, task = village
    campaign = task.area.campaign
    areas = campaign.areas_with_tasks()
    head = User.get(User.username == unit.code)
    (before,) = progress(areas, [unit])
    set_check(unit, task, "na", "", 0, head, campaign)
    (after,) = progress(areas, [unit])
    assert after.overall.total == before.overall.total - 1
    assert after.overall.done == 0


def test_tasks_apply_only_to_the_kinds_named(app):
    school = Unit.get(Unit.code == "th-binh-lu")
    village = Unit.get(Unit.code == "ban-na-bo")
    campaign = Unit.get(Unit.code == "xa-binh-lu").campaigns.get()
    tasks = [t for a in campaign.areas_with_tasks() for t in a.task_list]
    admin_reform = next(t for t in tasks if "thủ tục hành chính" in t.title)
    assert not admin_reform.applies_to(school) and not admin_reform.applies_to(village)
    assert admin_reform.applies_to(Unit.get(Unit.code == "hcc"))


def test_units_under_the_commune_sort_in_vietnamese_order(app):
    commune = Unit.get(Unit.code == "xa-binh-lu")
    names = [u.name for u in Unit.under(commune)]
    assert len(names) == 24 and commune.name not in names
    assert names.index("Bản Nà Bỏ") < names.index("Bản Nà Đông") < names.index("Bản Nà Ít")
    assert names == sorted(names, key=vn_sort_key)


@pytest.mark.parametrize("words", [
    ["Bản Ăn", "Bản Âm", "Bản Ba"],
    ["Cao", "Chu", "Dao", "Đào", "Em"],
    ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"],
    ["Na Xa", "Nam"],
    ["Ông", "Ơn", "Phố", "Ủy ban", "Ưu"],
])
def test_vietnamese_alphabetical_order(words):
    assert sorted(reversed(words), key=vn_sort_key) == words


def test_text_is_normalised_to_nfc():
    decomposed = "Ba\u0309n Na\u0300 Bo\u0309"
    assert nfc(decomposed) == "Bản Nà Bỏ" and len(nfc(decomposed)) == 9


def test_five_failures_close_together_lock_the_username_from_that_address_only(app):
    now, window = clock.utc_now(), dt.timedelta(minutes=15)
    for _ in range(4):
        assert not Lockout.fail("ban-na-bo", "10.0.0.9", now, 5, 15)
    assert Lockout.locked_until_for("ban-na-bo", "10.0.0.9", now) is None
    assert Lockout.fail("ban-na-bo", "10.0.0.9", now, 5, 15)
    assert Lockout.locked_until_for("ban-na-bo", "10.0.0.9", now) == now + window
    assert Lockout.locked_until_for("ban-na-bo", "10.0.0.1", now) is None
    assert Lockout.locked_until_for("ban-na-bo", "10.0.0.9", now + window) is None


def test_failures_far_apart_never_lock(app):
    start = clock.utc_now()
    for i in range(10):
        assert not Lockout.fail("ban-na-bo", "10.0.0.9", start + dt.timedelta(minutes=16 * i), 5, 15)
    assert Lockout.select().count() == 1  # the older rows went as they aged


def test_every_model_gives_a_row_as_a_snapshot_the_log_can_hold(objects):
    """The event log keeps before and after as JSON: each model's `as_dict`, whatever its columns hold."""
    kept = []
    for model in MODELS:
        for row in model.select().limit(1):
            snapshot = row.as_dict()
            assert snapshot and json.loads(json.dumps(snapshot)) == snapshot, model.__name__
            kept.append(model)
    assert {"Unit", "User", "Campaign", "Area", "Task", "Event", "Report", "Nomination", "Comment", "Evidence",
            "TaskPoints", "Criterion"} <= {m.__name__ for m in kept}
