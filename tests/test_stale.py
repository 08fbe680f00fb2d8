"""Two requests sent from the same copy at the same moment: both have read version N before either writes.
Exactly one is saved, the other answers 409 with the row as it is now and what its user typed, and the log
holds one event. For every versioned object (check, report, nomination, unit, campaign plan), on both engines;
also for the first write of a row that does not exist yet (two first ticks, two first saves of a report)."""
import json
import threading

import pytest

from portal import checklist, nominations, registration, reports, structure
from portal.models import Campaign, Check, ClientWrite, Event, Nomination, Registration, Report, Task, Unit

from conftest import Actor, form_data, soup
from flows import propose


def at_once(app, monkeypatch, read, *people):
    """Each of `people` gets a phone or browser of its own (a test client, in its own thread): it logs in and
    loads its page, then all of them press save together. `read` (an owner and a name) is the function each
    request reads the row with; it is wrapped so that each request, once it has read the row, waits until every
    other one has read it too. Only the wait is added: the reads and writes are the real ones.
    Returns the answers, in the order of `people`."""
    owner, name = read
    loaded, pressed = threading.Barrier(len(people) + 1, timeout=60), threading.Barrier(len(people) + 1, timeout=60)
    all_read = threading.Barrier(len(people), timeout=60)
    original, waited = getattr(owner, name), threading.local()

    def read_then_wait(*args, **kwargs):
        row = original(*args, **kwargs)
        if not getattr(waited, "done", False):  # the request's first read only: a 409 page reads again
            waited.done = True
            all_read.wait()
        return row

    answers = [None] * len(people)

    def run(i, person):
        steps = person(Actor(app.test_client()))
        next(steps)  # logs in, loads the page
        loaded.wait()
        pressed.wait()
        try:
            next(steps)
        except StopIteration as done:
            answers[i] = done.value
        except Exception as error:  # raised in the app (TESTING propagates it): the test shows it
            answers[i] = error

    threads = [threading.Thread(target=run, args=(i, person)) for i, person in enumerate(people)]
    for thread in threads:
        thread.start()
    loaded.wait()
    monkeypatch.setattr(owner, name, read_then_wait)
    pressed.wait()
    for thread in threads:
        thread.join()
    for answer in answers:
        if isinstance(answer, Exception):
            raise answer
    return answers


def events(kind) -> int:
    return Event.select().where(Event.kind == kind).count()


def saved_and_refused(answers, saved=303):
    """(the saved answer, the refused one), after checking there is exactly one of each."""
    assert sorted(a.status_code for a in answers) == sorted([saved, 409])
    return tuple(sorted(answers, key=lambda a: a.status_code != saved))


@pytest.mark.parametrize("ticked_before", [False, True], ids=["first tick", "tick from version 1"])
def test_two_phones_tick_one_task_from_the_same_copy_at_once_one_is_saved_the_other_told(
        app, monkeypatch, village, ticked_before):
    unit, task = village
    if ticked_before:
        first = Actor(app.test_client())
        first.login("ban-na-bo")
        assert first.tick(unit.id, task.id, "doing").status_code == 303
    ticks = events("check.set")

    def phone(state, note):
        def steps(actor):
            actor.login("ban-na-bo")
            data = {**actor.row_form(task.id), "state": state, "note": note}
            yield
            return actor.client.post(f"/checks/{unit.id}/{task.id}", data=data, headers={"HX-Request": "true"})
        return steps

    answers = at_once(app, monkeypatch, (Check, "of"), phone("done", "ghi chú máy 1"), phone("na", "ghi chú máy 2"))
    saved, refused = saved_and_refused(answers, 200)
    check = Check.get(Check.unit == unit, Check.task == task)
    assert check.version == (2 if ticked_before else 1)
    assert events("check.set") == ticks + 1
    row = soup(saved).select_one(f"#check-{task.id}")
    assert check.state in row["class"] and row.select_one("input[name=version]")["value"] == str(check.version)
    # The refused phone shows the row as saved by the other, and keeps the note its user typed.
    row = soup(refused).select_one(f"#check-{task.id}")
    assert check.state in row["class"] and row.select_one("input[name=version]")["value"] == str(check.version)
    assert "vừa được" in row.select_one("[role=alert]").text
    assert row.select_one("textarea").text in {"ghi chú máy 1", "ghi chú máy 2"} - {check.note}


def test_a_retried_tick_racing_the_request_it_repeats_is_harmless(app, monkeypatch, village):
    """The same tick sent twice at once (a resend on a weak link): both answer 200, one change, one event."""
    unit, task = village

    def phone(actor):
        actor.login("ban-na-bo")
        data = {**actor.row_form(task.id), "state": "done", "note": "gửi lại"}
        yield
        return actor.client.post(f"/checks/{unit.id}/{task.id}", data=data, headers={"HX-Request": "true"})

    answers = at_once(app, monkeypatch, (Check, "of"), phone, phone)
    assert [a.status_code for a in answers] == [200, 200]
    assert Check.get(Check.unit == unit, Check.task == task).version == 1 and events("check.set") == 1


@pytest.mark.parametrize("same_id", [False, True], ids=["two phones", "one tick sent twice"])
def test_two_ticks_from_phones_outboxes_at_once_one_is_saved(app, monkeypatch, village, same_id):
    """As a phone with JavaScript sends them: under a client id, in one transaction with it (outbox.once), the tick
    taking no savepoint of its own. Two phones from one version: one saved, the other told, and the refused one's
    id is not kept. One tick sent twice at once: saved once, both answered with it."""
    unit, task = village

    def phone(client_id, state):
        def steps(actor):
            actor.login("ban-na-bo")
            data = {**actor.row_form(task.id), "state": state, "note": "", "client_id": client_id}
            yield
            return actor.client.post(f"/checks/{unit.id}/{task.id}", data=data, headers={"HX-Request": "true"})
        return steps

    # Held once each has read its task, before the outbox's transaction: SQLite's begins by taking the write lock.
    answers = at_once(app, monkeypatch, (checklist, "own_task"), phone("may-mot-0001", "done"),
                      phone("may-mot-0001", "done") if same_id else phone("may-hai-0001", "na"))
    if same_id:
        assert [a.status_code for a in answers] == [200, 200]
    else:
        saved_and_refused(answers, 200)
    assert Check.get(Check.unit == unit, Check.task == task).version == 1 and events("check.set") == 1
    assert ClientWrite.select().where(ClientWrite.unit == unit).count() == 1


def report_form(client):
    return form_data(soup(client.get("/report")).select_one("form.report"))


@pytest.mark.parametrize("saved_before", [False, True], ids=["first save", "save from version 1"])
def test_two_phones_save_the_report_from_the_same_copy_at_once(app, monkeypatch, saved_before):
    unit = Unit.get(Unit.code == "ban-na-bo")
    if saved_before:
        first = Actor(app.test_client())
        first.login("ban-na-bo")
        assert first.client.post("/report", data={**report_form(first.client), "action": "save"}).status_code == 303
    saves = events("report.save")

    def phone(highlights):
        def steps(actor):
            actor.login("ban-na-bo")
            data = {**report_form(actor.client), "highlights": highlights, "action": "save"}
            yield
            return actor.client.post("/report", data=data)
        return steps

    answers = at_once(app, monkeypatch, (reports, "report_of"), phone("Mô hình của máy 1"), phone("Mô hình của máy 2"))
    saved, refused = saved_and_refused(answers)
    report = Report.get(Report.unit == unit)
    assert report.version == (2 if saved_before else 1) and events("report.save") == saves + 1
    page = soup(refused)
    assert "vừa được người khác sửa" in page.select_one("#report [role=alert]").text
    assert page.select_one("textarea[name=highlights]").text.strip() == (
        {"Mô hình của máy 1", "Mô hình của máy 2"} - {report.highlights}).pop()


@pytest.mark.parametrize("saved_before", [False, True], ids=["first save", "save from version 1"])
def test_two_phones_save_the_registration_from_the_same_copy_at_once(app, monkeypatch, saved_before):
    app.config["NOW"] = "2026-02-05T09:00"  # registration is open until the 7th day
    unit = Unit.get(Unit.code == "ban-na-bo")

    def form(actor):
        return form_data(soup(actor.client.get("/dang-ky")).select_one("#registration form"))

    if saved_before:
        first = Actor(app.test_client())
        first.login("ban-na-bo")
        assert first.client.post("/dang-ky", data={**form(first), "action": "save"}).status_code == 303
    saves = events("registration.save")

    def phone(commitment):
        def steps(actor):
            actor.login("ban-na-bo")
            data = {**form(actor), "commit_general": commitment, "action": "save"}
            yield
            return actor.client.post("/dang-ky", data=data)
        return steps

    answers = at_once(app, monkeypatch, (registration, "registration_of"), phone("Cam kết của máy 1"),
                      phone("Cam kết của máy 2"))
    saved, refused = saved_and_refused(answers)
    kept = Registration.get(Registration.unit == unit)
    assert kept.version == (2 if saved_before else 1) and events("registration.save") == saves + 1
    saved_text = next(c["text"] for c in json.loads(kept.commitments) if c["area"] is None)
    assert soup(refused).select_one("textarea[name=commit_general]").text.strip() == (
        {"Cam kết của máy 1", "Cam kết của máy 2"} - {saved_text}).pop()


def test_two_phones_correct_one_proposal_from_the_same_copy_at_once(app, monkeypatch, actor):
    actor.login("ban-na-bo")
    assert propose(actor, name="Lò Văn Sang").status_code == 303
    proposal = Nomination.get(Nomination.name == "Lò Văn Sang")

    def phone(name):
        def steps(actor):
            actor.login("ban-na-bo")
            page = soup(actor.client.get(f"/nominations/{proposal.id}/edit"))
            data = {**form_data(page.select_one(f"form[action$='/{proposal.id}/edit']")), "name": name}
            yield
            return actor.client.post(f"/nominations/{proposal.id}/edit", data=data)
        return steps

    answers = at_once(app, monkeypatch, (nominations, "_nomination"), phone("Lò Văn Sáng"), phone("Lò Văn Sanh"))
    saved, refused = saved_and_refused(answers)
    current = Nomination.get_by_id(proposal.id)
    assert current.version == 1 and events("nomination.update") == 1
    page = soup(refused)
    assert "vừa được sửa ở một máy khác" in page.select_one("[role=alert]").text
    assert page.select_one("input[name=name]")["value"] == ({"Lò Văn Sáng", "Lò Văn Sanh"} - {current.name}).pop()
    assert page.select_one("input[name=version]")["value"] == "1"


def test_two_office_desks_edit_one_unit_from_the_same_copy_at_once(app, monkeypatch):
    unit = Unit.get(Unit.code == "ban-na-bo")

    def desk(contact):
        def steps(actor):
            actor.login("vanhoa")
            data = {**form_data(soup(actor.client.get(f"/units/{unit.id}/edit")).select_one("main form")),
                    "contact": contact}
            yield
            return actor.client.post(f"/units/{unit.id}/edit", data=data)
        return steps

    answers = at_once(app, monkeypatch, (Unit, "get_or_none"), desk("Lò Văn A"), desk("Lò Văn B"))
    saved, refused = saved_and_refused(answers)
    current = Unit.get_by_id(unit.id)
    assert current.version == 1 and events("unit.update") == 1
    page = soup(refused)
    assert "vừa được người khác sửa" in page.select_one("#flash").text
    assert page.select_one("#contact")["value"] == ({"Lò Văn A", "Lò Văn B"} - {current.contact}).pop()
    assert page.select_one("input[name=version]")["value"] == "1"


def test_two_office_desks_edit_one_task_of_the_plan_from_the_same_revision_at_once(app, monkeypatch, village):
    _, task = village
    campaign = Campaign.current(Unit.root())

    def desk(title):
        def steps(actor):
            actor.login("vanhoa")
            form = soup(actor.client.get(f"/campaigns/{campaign.id}")).select_one(f"#task-{task.id} form")
            data = {**form_data(form), f"task-{task.id}-title": title}
            yield
            return actor.client.post(form["action"], data=data)
        return steps

    answers = at_once(app, monkeypatch, (structure, "campaign_or_404"), desk("Họp dân bản"), desk("Họp dân toàn bản"))
    saved, refused = saved_and_refused(answers)
    title = Task.get_by_id(task.id).title
    assert title in {"Họp dân bản", "Họp dân toàn bản"} and events("task.update") == 1
    page = soup(refused)
    assert "Kế hoạch vừa được người khác sửa" in page.select_one("#flash").text
    typed = ({"Họp dân bản", "Họp dân toàn bản"} - {title}).pop()
    assert page.select_one(f"#task-{task.id} textarea[name=task-{task.id}-title]").text.strip() == typed
    assert page.select_one("input[name=revision]")["value"] == str(Campaign.get_by_id(campaign.id).revision)
