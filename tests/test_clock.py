"""One clock: every time the portal stores comes from portal/clock.py, so a demo or a test pinned to a day
(PORTAL_TODAY) or a moment (PORTAL_NOW) never mixes that day with the machine's."""
import datetime as dt

import pytest

from portal import clock
from portal.models import Check, Event, Nomination, Opinion, Publication, Vote

from conftest import TODAY, csrf_token
from flows import opinion_form, publish_with

pytestmark = pytest.mark.usefixtures("files")  # evidence and attachments in the test's directory


def a_day_of_the_campaign(actor, village):
    """A village ticks a task; its proposal goes to the council, passes and is posted; a citizen sends an opinion.
    Returns every time stored along the way; the list is posted and the opinion sent on 19/02, after the filing
    deadline, the rest on the day the test pinned."""
    unit, task = village
    start = Event.last_id()
    actor.login("ban-na-bo")
    actor.tick(unit.id, task.id, "done")
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    publish_with(actor, {"Lò Văn Sáng": "1"})
    actor.client.post("/logout", data={"csrf_token": csrf_token(actor.client)})
    form = opinion_form(actor.client)
    assert actor.client.post("/cong-khai/xa-binh-lu/y-kien", data={**form, "text": "Xứng đáng"}).status_code == 303
    return {
        "check.updated_at": Check.get(unit=unit, task=task).updated_at,
        "nomination.created_at": Nomination.get().created_at,
        "vote.at": Vote.get().at,
        "publication.opened_at": Publication.get().opened_at,
        "opinion.at": Opinion.get().at,
        **{f"event {e.id} {e.kind}": e.at for e in Event.select().where(Event.id > start)},
    }


def test_with_the_moment_pinned_every_stored_time_is_that_moment(app, actor, village):
    app.config["NOW"] = "2026-02-12T09:30:00"  # commune time: 02:30 UTC
    times = a_day_of_the_campaign(actor, village)
    kinds = {what.split()[-1] for what in times if what.startswith("event")}
    assert {"check.set", "nomination.add", "vote.cast", "publication.open", "opinion.add"} <= kinds
    assert times == {what: dt.datetime(2026, 2, 19 if posted(what) else 12, 2, 30) for what in times}


def test_with_only_the_day_pinned_every_stored_time_falls_on_that_day(app, actor, village):
    assert app.config["TODAY"] == TODAY and not app.config.get("NOW")
    times = a_day_of_the_campaign(actor, village)
    days = {what: clock.local(at).date() for what, at in times.items()}
    assert days == {what: dt.date(2026, 2, 19) if posted(what) else dt.date.fromisoformat(TODAY) for what in times}


def posted(what: str) -> bool:
    """Stored when the list was posted or after it."""
    return what.startswith(("publication", "opinion")) or what.endswith(("publication.open", "opinion.add"))
