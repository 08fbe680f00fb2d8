"""Whatever someone types into a form (or sends as if from one), the server answers without a 500."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROLE_USERS, csrf_token, form_data, soup, switch
from flows import ACCESS, PUBLIC, routes, url

TYPED = st.one_of(
    st.text(max_size=40),  # any unicode, control characters and lone combining marks included
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=10),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "31/02/2026", "2026-02-30", "99999999999999999999"]),
    st.builds(lambda c, n: c * n, st.sampled_from("aạ<0"), st.integers(min_value=4000, max_value=20000)),
)


def form_fields(client, paths) -> dict:
    """action → names of the fields its forms send, from every page the user sees."""
    fields = {}
    for path in paths:
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        for form in soup(response).select("form[method=post]"):
            names = {f["name"] for f in form.select("input[name], textarea[name], select[name], button[name]")
                     if f.get("type") != "file"}
            fields.setdefault(form.get("action") or path, set()).update(names - {"csrf_token"})
    return fields


@pytest.mark.parametrize("role", ["unit", "office", "council", "supervisor", "leader"])
def test_no_form_input_makes_the_server_fail(app, actor, objects, role):  # noqa: F811
    app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"
    actor.login(ROLE_USERS[role])
    client = actor.client
    allowed = [(e, m, r) for e, m, r in routes(app)
               if ACCESS[e] != PUBLIC and role in ACCESS[e] and e != "auth.logout"]
    pages = [url(app, e, m, r, objects) for e, m, r in allowed if m == "GET" and not e.endswith("events")]
    fields = form_fields(client, pages)
    token = csrf_token(client)
    failures = []
    for endpoint, method, rule in allowed:
        if method != "POST":
            continue
        path = url(app, endpoint, method, rule, objects)
        names = sorted(fields.get(path, set())) or ["text"]

        @settings(max_examples=12, deadline=None, database=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
        @given(st.fixed_dictionaries({name: TYPED for name in names}))
        def post(data):
            response = client.post(path, data={**data, "csrf_token": token})
            if response.status_code >= 500 or response.status_code in (401, 403):
                failures.append((path, response.status_code, {k: v[:80] for k, v in data.items()}))

        post()
    assert failures == []


HUGE = "99999999999999999999"  # more than any database INTEGER holds


def test_a_huge_number_is_refused_with_a_message_not_a_server_error(actor, village):
    unit, task = village
    actor.login("ban-na-bo")
    response = actor.tick(unit.id, task.id, "done", version=HUGE)
    assert response.status_code == 400
    switch(actor, "vanhoa")
    assert actor.client.get(f"/audit?before={HUGE}").status_code < 500
    form = soup(actor.client.get(f"/campaigns/{task.area.campaign_id}")).select_one("form[action$='/tasks']")
    prefix = form.select_one("textarea")["name"].removesuffix("title")
    response = actor.client.post(form["action"], data={**form_data(form), prefix + "title": "Việc mới",
                                                       prefix + "position": HUGE})
    assert response.status_code == 400
    assert "Số phải từ 0 đến 9999." in soup(response).get_text()
